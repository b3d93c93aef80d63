//! Generated documentation must match the code (regenerate with `UPDATE_EXPECT=1`), and the
//! commands the README and docs show must run as written.

mod common;

use common::*;

fn check_generated(rel: &str, generated: String) {
    assert_generated(rel, &generated, "docs");
}

#[test]
fn rule_index_is_current() {
    check_generated("docs/rules.md", hylint::docs::rule_index());
}

#[test]
fn configuration_reference_is_current_and_its_example_parses() {
    check_generated(
        "docs/configuration.md",
        hylint::docs::configuration_reference(),
    );
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("hylint.toml");
    std::fs::write(&p, hylint::docs::EXAMPLE_CONFIG).unwrap();
    hylint::config::load(&p).unwrap();
}

/// The README's list of rules, between its markers.
#[test]
fn readme_rule_list_is_current() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let start = readme
        .find("<!-- rules:start")
        .expect("README has <!-- rules:start");
    let start = start + readme[start..].find("-->\n").unwrap() + 4;
    let end = readme
        .find("<!-- rules:end -->")
        .expect("README has <!-- rules:end -->");
    let mut generated = readme[..start].to_string();
    generated.push_str(&hylint::docs::readme_rule_list());
    generated.push_str(&readme[end..]);
    let list = hylint::docs::readme_rule_list();
    for r in hylint::rules::registry::ALL {
        assert!(
            list.contains(&format!("`{}`", r.name)),
            "{} (category {}) is in no kind of the README's list (docs::readme_rule_list)",
            r.name,
            r.category
        );
    }
    check_generated("README.md", generated);
}

/// docs/cli.md: every command's `--help`, from clap.
#[test]
fn cli_reference_is_current() {
    let help = |args: &[&str]| {
        let out = hylint().args(args).arg("--help").output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let mut doc = String::from(
        "# Command-line reference\n\n<!-- Generated from the clap definitions by `UPDATE_EXPECT=1 cargo test --test docs`; do not edit. -->\n\n\
         Exit codes: `0` no findings at or above the failure threshold, `1` findings (with `--diff`: fixes to apply), \
         `2` usage, configuration or I/O error.\n",
    );
    for (title, args) in [
        ("hylint", vec![]),
        ("hylint check", vec!["check"]),
        ("hylint model", vec!["model"]),
        ("hylint rules", vec!["rules"]),
        ("hylint explain", vec!["explain"]),
    ] {
        doc.push_str(&format!("\n## `{title}`\n\n```text\n{}```\n", help(&args)));
    }
    check_generated("docs/cli.md", doc);
}

/// Every `hylint ...` line in the README's and docs' `sh` blocks runs as written (in a copy of
/// the repository's fixtures, since some fix files): exit 0 or 1, no panic.
#[test]
fn documented_commands_run_as_written() {
    let mut commands = Vec::new();
    let mut pages = vec![repo_root().join("README.md")];
    for e in std::fs::read_dir(repo_root().join("docs"))
        .unwrap()
        .flatten()
    {
        if e.path().extension().is_some_and(|x| x == "md") {
            pages.push(e.path());
        }
    }
    pages.sort();
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap();
        for block in text.split("```sh\n").skip(1) {
            let block = &block[..block.find("```").unwrap()];
            for line in block.lines() {
                let cmd = line.split(" #").next().unwrap().trim();
                let cmd = cmd
                    .strip_prefix("cargo run --release -- ")
                    .map(|c| format!("hylint {c}"))
                    .unwrap_or(cmd.to_string());
                if let Some(rest) = cmd.strip_prefix("hylint") {
                    commands.push((
                        page.file_name().unwrap().to_string_lossy().into_owned(),
                        rest.trim().to_string(),
                    ));
                }
            }
        }
    }
    assert!(
        commands.len() >= 15,
        "only {} documented commands",
        commands.len()
    );
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&repo_root().join("fixtures"), &tmp.path().join("fixtures"));
    for (page, cmd) in commands {
        let args: Vec<&str> = cmd
            .split_whitespace()
            .map(|a| a.trim_matches('\''))
            .collect();
        let out = hylint()
            .current_dir(tmp.path())
            .args(&args)
            .output()
            .unwrap();
        let code = out.status.code().unwrap_or(-1);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            (code == 0 || code == 1) && !stderr.contains("panicked"),
            "{page}: `hylint {cmd}` exited {code}: {stderr}"
        );
    }
}
