//! Rules against their fixtures and their own documentation.
//!
//! - `fixtures/rules/<rule>/<case>/`: the full concise output of `hylint check .` in the case
//!   directory must equal the snapshot `expected.snap` (insta: `cargo insta review`, or
//!   `INSTA_UPDATE=always` to accept). A `good*` case must give no finding at all; any other
//!   case at least one finding of its rule.
//! - `rules/<rule>.md`: the "Example" must produce that rule and no other, "Use instead" nothing.
//!
//! Each fixture case and each rule page is a test of its own (a libtest-mimic harness), so one
//! runs alone: `cargo test --test rules -- fixtures::static-ip::bad`.

mod common;

use common::*;
use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn run_concise(dir: &Path) -> String {
    let out = hylint()
        .current_dir(dir)
        .args(["check", "--format", "concise", "."])
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn rules_in(output: &str) -> BTreeSet<String> {
    output
        .lines()
        .filter_map(|l| {
            let s = l.find('[')? + 1;
            let e = l[s..].find(']')? + s;
            Some(l[s..e].to_string())
        })
        .collect()
}

fn subdirs(p: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(p)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

fn every_rule_has_a_fixture_folder_with_bad_and_good_cases() {
    let base = repo_root().join("fixtures/rules");
    for r in hylint::rules::registry::ALL {
        let dir = base.join(r.name);
        assert!(dir.is_dir(), "no fixtures/rules/{}", r.name);
        let cases: Vec<String> = subdirs(&dir)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(
            cases.iter().any(|c| c.starts_with("good")),
            "{}: no good case",
            r.name
        );
        assert!(
            cases.iter().any(|c| !c.starts_with("good")),
            "{}: no bad case",
            r.name
        );
    }
}

/// One fixture case: its whole concise output equals its snapshot; a `good*` case has no
/// finding, any other case a finding of its rule.
fn fixture_case(rule: &str, case: &Path) -> Result<(), Failed> {
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    let got = run_concise(case);
    let rules = rules_in(&got);
    let mut failures = Vec::new();
    if name.starts_with("good") {
        if !got.is_empty() {
            failures.push(format!("expected no finding, got:\n{got}"));
        }
    } else if !rules.contains(rule) {
        failures.push(format!("expected a {rule} finding, got:\n{got}"));
    }
    if !failures.is_empty() {
        return Err(failures.join("\n").into());
    }
    assert_snapshot_in(case, "expected", &got);
    Ok(())
}

/// Code blocks of a `## <title>` section; a block starting `# file: PATH` is that file, any
/// other is `compose.yaml`.
fn section_files(doc: &str, title: &str) -> Vec<(String, String)> {
    let start = doc
        .find(&format!("\n## {title}\n"))
        .unwrap_or_else(|| panic!("no section {title:?}"));
    let rest = &doc[start + title.len() + 5..];
    let body = &rest[..rest.find("\n## ").unwrap_or(rest.len())];
    let mut files = Vec::new();
    let mut it = body.split("```yaml\n").skip(1);
    for block in it.by_ref() {
        let text = &block[..block.find("```").expect("closed block")];
        match text.strip_prefix("# file: ") {
            Some(r) => {
                let (path, content) = r.split_once('\n').unwrap();
                files.push((path.to_string(), content.to_string()));
            }
            None => files.push(("compose.yaml".to_string(), text.to_string())),
        }
    }
    files
}

/// A rule's page: every section there, its Example gives that rule alone, its Use instead
/// nothing.
fn rule_page(r: &hylint::rules::RuleMeta) -> Result<(), Failed> {
    let mut failures = Vec::new();
    for section in [
        "What it does",
        "Why is this bad?",
        "Example",
        "Use instead",
        "Fix safety",
        "Options",
    ] {
        if !r.doc.contains(&format!("\n## {section}\n")) {
            failures.push(format!("page lacks `## {section}`"));
        }
    }
    if !failures.is_empty() {
        return Err(failures.join("\n").into());
    }
    for (section, want) in [("Example", Some(r.name)), ("Use instead", None)] {
        let tmp = tempfile::tempdir().unwrap();
        for (path, content) in section_files(r.doc, section) {
            let p = tmp.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, content).unwrap();
        }
        let got = run_concise(tmp.path());
        let rules = rules_in(&got);
        let ok = match want {
            Some(name) => rules.len() == 1 && rules.contains(name),
            None => got.is_empty(),
        };
        if !ok {
            failures.push(format!("`{section}`: got\n{got}"));
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n").into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = vec![Trial::test(
        "every_rule_has_a_fixture_folder_with_bad_and_good_cases",
        || {
            std::panic::catch_unwind(every_rule_has_a_fixture_folder_with_bad_and_good_cases)
                .map_err(|e| panic_message(&*e).into())
        },
    )];
    for rule_dir in subdirs(&repo_root().join("fixtures/rules")) {
        let rule = rule_dir.file_name().unwrap().to_string_lossy().into_owned();
        for case in subdirs(&rule_dir) {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            let rule = rule.clone();
            trials.push(Trial::test(
                format!("fixtures::{rule}::{name}"),
                move || fixture_case(&rule, &case),
            ));
        }
    }
    for r in hylint::rules::registry::ALL {
        trials.push(Trial::test(format!("pages::{}", r.name), move || {
            rule_page(r)
        }));
    }
    libtest_mimic::run(&args, trials).exit();
}

fn panic_message(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panicked".into())
}
