//! `--fix` on fixture pairs: `fixtures/fix/<rule>/<case>/before/` fixed must equal `after/`
//! byte for byte (`UPDATE_EXPECT=1` regenerates `after/`), the rule's findings must be gone,
//! nothing new may appear, and a second `--fix` must change nothing. `ARGS` adds flags.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn files_under(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walk_files(root)
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(root).unwrap().to_path_buf(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// (rule, message) of every finding: positions move when lines are removed.
fn findings(dir: &Path) -> Vec<(String, String)> {
    let out = hylint()
        .current_dir(dir)
        .args(["check", "--format", "json", "."])
        .output()
        .unwrap();
    let v = json(&out);
    let mut f: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    f.sort();
    f
}

/// Findings that still carry a fix `--fix` (with `unsafe_ok`, `--unsafe-fixes`) would apply.
fn fixable(dir: &Path, unsafe_ok: bool) -> Vec<String> {
    let out = hylint()
        .current_dir(dir)
        .args(["check", "--format", "json", "."])
        .output()
        .unwrap();
    json(&out)["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| match d["fix"]["applicability"].as_str() {
            Some("safe") => true,
            Some("unsafe") => unsafe_ok,
            _ => false,
        })
        .map(|d| d["message"].as_str().unwrap().to_string())
        .collect()
}

fn fix(dir: &Path, args: &[String]) -> std::process::Output {
    hylint()
        .current_dir(dir)
        .args(["check", "--fix"])
        .args(args)
        .arg(".")
        .output()
        .unwrap()
}

#[test]
fn fixes_produce_expected_files_and_remove_their_findings() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let base = repo_root().join("fixtures/fix");
    let mut failures = Vec::new();
    let mut cases = 0;
    for rule_dir in std::fs::read_dir(&base)
        .unwrap()
        .flatten()
        .map(|e| e.path())
    {
        let rule = rule_dir.file_name().unwrap().to_string_lossy().into_owned();
        for case in std::fs::read_dir(&rule_dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
        {
            cases += 1;
            let name = format!("{rule}/{}", case.file_name().unwrap().to_string_lossy());
            let args: Vec<String> = std::fs::read_to_string(case.join("ARGS"))
                .map(|s| s.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default();
            let tmp = tempfile::tempdir().unwrap();
            copy_tree(&case.join("before"), tmp.path());
            let before = findings(tmp.path());
            let out = fix(tmp.path(), &args);
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            if stderr.contains("warning:") || stderr.contains("error:") {
                failures.push(format!("{name}: {stderr}"));
            }
            let got = files_under(tmp.path());
            if update {
                let after = case.join("after");
                let _ = std::fs::remove_dir_all(&after);
                copy_tree(tmp.path(), &after);
                continue;
            }
            let want = files_under(&case.join("after"));
            if got != want {
                for (p, bytes) in &got {
                    if want.get(p) != Some(bytes) {
                        failures.push(format!(
                            "{name}: {} differs from after/:\n--- want\n{}\n--- got\n{}",
                            p.display(),
                            String::from_utf8_lossy(
                                want.get(p).map(|v| v.as_slice()).unwrap_or(b"(missing)")
                            ),
                            String::from_utf8_lossy(bytes)
                        ));
                    }
                }
            }
            // The findings the fixes address are gone; nothing new appeared.
            let after_findings = findings(tmp.path());
            let unsafe_ok = args.iter().any(|a| a == "--unsafe-fixes");
            let fixable_left: Vec<_> = fixable(tmp.path(), unsafe_ok);
            if !fixable_left.is_empty() {
                failures.push(format!(
                    "{name}: fixable findings remain after --fix: {fixable_left:?}"
                ));
            }
            if !before.iter().any(|(r, _)| *r == rule) {
                failures.push(format!("{name}: the case has no {rule} finding to fix"));
            }
            for f in &after_findings {
                if !before.contains(f) {
                    failures.push(format!("{name}: new finding after --fix: {f:?}"));
                }
            }
            // Idempotent.
            let again = fix(tmp.path(), &args);
            if files_under(tmp.path()) != got {
                failures.push(format!(
                    "{name}: a second --fix changed files: {}",
                    String::from_utf8_lossy(&again.stderr)
                ));
            }
        }
    }
    assert!(cases >= 8, "only {cases} fix cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
