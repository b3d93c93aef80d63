//! The command line as a user runs it: discovery, output, exit codes, subcommands.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const DUP: &str = "services:\n  web:\n    image: a\n    image: b\n";

fn json_check(dir: &Path, args: &[&str]) -> (i32, Value) {
    let out = hylint()
        .current_dir(dir)
        .args(["check", "--format", "json", "--select", "HY0"])
        .args(args)
        .output()
        .unwrap();
    (out.status.code().unwrap(), json(&out))
}

fn files_of(v: &Value) -> Vec<String> {
    let mut f: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap().to_string())
        .collect();
    f.dedup();
    f
}

#[test]
fn discovery_respects_gitignore_and_hidden_files_and_finds_referenced_files() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, ".gitignore", "ignored/\n");
    write(d, "ignored/compose.yml", DUP);
    write(d, ".hidden/compose.yml", DUP);
    write(d, "stack/docker-compose.cluster.yaml", DUP);
    write(d, "stack/notes.yml", DUP); // not a compose name, not referenced
                                      // Referenced by extends under any name: linted too.
    write(d, "app/compose.yaml", "services:\n  web:\n    image: x\n    extends:\n      file: ../templates/base.yml\n      service: base\n");
    write(
        d,
        "templates/base.yml",
        "services:\n  base:\n    restart: always\n    restart: no\n",
    );
    let (code, v) = json_check(d, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        files_of(&v),
        vec!["stack/docker-compose.cluster.yaml", "templates/base.yml"]
    );
    // A file named on the command line is always linted, whatever its name or place.
    let (_, v) = json_check(
        d,
        &[
            "ignored/compose.yml",
            "stack/notes.yml",
            ".hidden/compose.yml",
        ],
    );
    assert_eq!(
        files_of(&v),
        vec![
            ".hidden/compose.yml",
            "ignored/compose.yml",
            "stack/notes.yml"
        ]
    );
}

#[test]
fn json_output_fields() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "compose.yml",
        "services:\n  web:\n    image: nginx\n    extends:\n      service: nope\n",
    );
    let (code, v) = json_check(tmp.path(), &["compose.yml"]);
    assert_eq!(code, 1);
    assert_eq!(v["schema_version"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["rule"], "extends-error");
    assert_eq!(d["code"], "HY004");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "compose.yml");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(5), Some(16))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(5), Some(20))
    );
    assert_eq!(
        (d["start_offset"].as_u64(), d["end_offset"].as_u64()),
        (Some(62), Some(66))
    );
    assert_eq!(d["service"], "web");
    assert!(d["message"].as_str().unwrap().contains("\"nope\""));
    // Absolute input gives absolute paths.
    let abs = tmp.path().join("compose.yml");
    let (_, v) = json_check(tmp.path(), &[abs.to_str().unwrap()]);
    assert_eq!(v["diagnostics"][0]["file"], abs.to_str().unwrap());
}

#[test]
fn exit_codes_and_failure_threshold() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "ok/compose.yml",
        "services:\n  web:\n    image: nginx\n",
    );
    let st = |args: &[&str]| {
        hylint()
            .current_dir(tmp.path())
            .args(args)
            .args(["--select", "HY0"])
            .output()
            .unwrap()
            .status
            .code()
            .unwrap()
    };
    assert_eq!(st(&["check", "ok"]), 0);
    assert_eq!(st(&["ok"]), 0, "bare `hylint PATH` is `hylint check PATH`");
    write(tmp.path(), "bad/compose.yml", DUP);
    assert_eq!(st(&["check", "bad"]), 1);
    assert_eq!(st(&["check", "bad", "--failure-threshold", "error"]), 1);
    assert_eq!(st(&["check", "nowhere"]), 2);
    assert_eq!(st(&["check", "--format", "xml", "ok"]), 2);
}

#[test]
fn full_output_is_a_rustc_style_snippet() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "compose.yml", DUP);
    let out = hylint()
        .current_dir(tmp.path())
        .args(["check", "--select", "duplicate-key"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        "error[HY002/duplicate-key]: mapping key \"image\" already defined at line 3: docker compose refuses the file\n  \
         ┌─ compose.yml:4:5\n  \
         │\n\
         3 │     image: a\n  \
         │     ----- first defined here\n\
         4 │     image: b\n  \
         │     ^^^^^\n\n\
         Found 1 finding in 1 file.\n"
    );
}

#[test]
fn corpus_is_covered_without_a_crash_and_deterministically() {
    let corpus = corpus();
    let run = || {
        let out = hylint()
            .arg("check")
            .arg("--format")
            .arg("json")
            .arg(&corpus)
            .output()
            .unwrap();
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
        (out.status.code().unwrap(), out.stdout)
    };
    let (code, first) = run();
    let v: Value = serde_json::from_slice(&first).unwrap();
    // 37 compose files by name, plus infra/common-optimizations.yml found through extends.
    assert_eq!(v["files_checked"], 38);
    assert!(code == 0 || code == 1, "exit {code}");
    for _ in 0..3 {
        assert_eq!(run().1, first, "output differs between runs");
    }
}

#[test]
fn rules_and_explain() {
    let out = hylint().arg("rules").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for r in hylint::rules::registry::ALL {
        assert!(
            text.contains(r.name) && text.contains(r.code),
            "{} missing",
            r.name
        );
    }
    let out = hylint()
        .args(["explain", "duplicate-key"])
        .output()
        .unwrap();
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("# duplicate-key (HY002)"));
    let out = hylint().args(["explain", "hy002"]).output().unwrap();
    assert!(out.status.success());
    let out = hylint().args(["explain", "no-such-rule"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn model_profiles_follow_flags_and_compose_profiles() {
    let dir = repo_root().join("fixtures/model/profiles-selected");
    let names = |args: &[&str], env: Option<(&str, &str)>| -> Vec<String> {
        let mut c = hylint();
        c.current_dir(&dir).arg("model").args(args);
        if let Some((k, v)) = env {
            c.env(k, v);
        }
        let v = json(&c.output().unwrap());
        v["services"].as_object().unwrap().keys().cloned().collect()
    };
    assert_eq!(names(&[], None), vec!["app"]);
    assert_eq!(names(&["--profile", "debug"], None), vec!["app", "debug"]);
    assert_eq!(
        names(&["--profile", "*"], None),
        vec!["app", "debug", "tools"]
    );
    assert_eq!(
        names(&[], Some(("COMPOSE_PROFILES", "ops"))),
        vec!["app", "tools"]
    );
}

/// A reader that goes away (`hylint model | head -1`) ends the output quietly, and a write that
/// fails otherwise (a full disk) is an I/O error with exit 2: neither panics.
#[test]
fn closed_pipe_and_full_disk_are_not_panics() {
    let example = repo_root().join("fixtures/example");
    let example = example.to_str().unwrap();
    for args in [
        vec!["model", example],
        vec!["rules"],
        vec!["explain", "static-ip"],
        vec!["check", "--format", "json", example],
    ] {
        let mut child = hylint()
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader is gone before hylint writes
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: exit {:?}: {stderr}",
            out.status.code()
        );

        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = hylint().args(&args).stdout(full).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("writing output"), "{args:?}: {stderr}");
    }
}

#[test]
fn exit_zero_quiet_statistics_show_fixes_and_colour_from_the_environment() {
    let example = repo_root().join("fixtures/example");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = hylint();
        c.current_dir(&example).env_remove("NO_COLOR");
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.args(args).output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    // --exit-zero: findings remain, the exit code is 0; 2 still means failure.
    assert_eq!(run(&["check", "."], &[]).0, 1);
    assert_eq!(run(&["check", "--exit-zero", "."], &[]).0, 0);
    assert_eq!(run(&["check", "--exit-zero", "no-such-dir"], &[]).0, 2);
    // --quiet: the findings without the summary line.
    // The full output ends with a summary: the count, the findings per rule (as
    // --statistics prints them) and what --fix would fix.
    let (_, full, _) = run(&["check", "."], &[]);
    let (_, quiet, _) = run(&["check", "-q", "."], &[]);
    let (_, stats, _) = run(&["check", "--statistics", "."], &[]);
    let summary = format!(
        "Found 9 findings in 5 files.\n{stats}6 fixable with `--fix --unsafe-fixes` (they \
         change what runs: review them).\n"
    );
    assert!(full.ends_with(&summary), "{full}");
    assert_eq!(quiet, full.trim_end_matches(&summary));
    // --statistics: one line per rule, most findings first; JSON with --format json.
    let (code, stats, _) = run(&["check", "--statistics", "."], &[]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = stats.lines().collect();
    assert_eq!(lines.len(), 6, "{stats}");
    assert_eq!(lines[0], "     3  HY101  static-ip (2 fixable)");
    // The same whatever the format (concise output alone carries no fixes).
    let (_, concise_stats, _) = run(&["check", "--statistics", "--format", "concise", "."], &[]);
    assert_eq!(concise_stats, stats);
    let (_, stats, _) = run(&["check", "--statistics", "--format", "json", "."], &[]);
    let v: Value = serde_json::from_str(&stats).unwrap();
    let total: u64 = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 9);
    // Colour: NO_COLOR refuses it, FORCE_COLOR and CLICOLOR_FORCE force it (stdout is a pipe).
    let escape = |s: &str| s.contains('\u{1b}');
    assert!(!escape(&run(&["check", "."], &[]).1));
    assert!(escape(&run(&["check", "."], &[("FORCE_COLOR", "1")]).1));
    assert!(escape(&run(&["check", "."], &[("CLICOLOR_FORCE", "1")]).1));
    assert!(!escape(
        &run(&["check", "."], &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]).1
    ));
    assert!(!escape(
        &run(&["check", "--color", "never", "."], &[("FORCE_COLOR", "1")]).1
    ));
    // rules --format json: every rule, with its code.
    let (_, rules, _) = run(&["rules", "--format", "json"], &[]);
    let v: Value = serde_json::from_str(&rules).unwrap();
    assert_eq!(
        v.as_array().unwrap().len(),
        hylint::rules::registry::ALL.len()
    );
    assert_eq!(v[0]["code"], "HY001");
    // --show-fixes: the fixes applied, by file, on stderr; -q drops the "Fixed" line.
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&example, tmp.path());
    let out = hylint()
        .current_dir(tmp.path())
        .args([
            "check",
            "--fix",
            "--unsafe-fixes",
            "--show-fixes",
            "-q",
            ".",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("infra/08-ai/ollama/docker-compose.yml:\n    gpu-reservation-gap: Reserve all NVIDIA GPUs"),
        "{err}"
    );
    assert!(!err.contains("Fixed "), "{err}");
}

fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    use std::io::Write;
    let mut c = hylint();
    c.current_dir(dir)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn standard_input_is_linted_and_fixed_as_the_file_it_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // The named file's place counts: its .env sets the variable it uses.
    write(d, "web/.env", "TAG=1.27\n");
    let text =
        "services:\n  web:\n    image: nginx:${TAG} # hylint: ignore[static-ip]\n    image: x\n";
    let (code, out, err) = run_in(
        d,
        &[
            "check",
            "--format",
            "concise",
            "--stdin-filename",
            "web/compose.yaml",
            "-",
        ],
        Some(text),
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("web/compose.yaml:4:5: error[duplicate-key]"),
        "{out}"
    );
    assert!(!out.contains("missing-variable"), "{out}");
    assert!(!d.join("web/compose.yaml").exists());
    // --fix: the fixed text on stdout, what remains on stderr, nothing written.
    let text = "services:\n  web:\n    image: nginx:1.27 # hylint: ignore[static-ip]\n";
    let (code, out, err) = run_in(
        d,
        &[
            "check",
            "--fix",
            "--stdin-filename",
            "web/compose.yaml",
            "-",
        ],
        Some(text),
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "services:\n  web:\n    image: nginx:1.27\n");
    assert!(
        err.contains("web/compose.yaml:2:3: warning[missing-healthcheck]"),
        "{err}"
    );
    assert!(!d.join("web/compose.yaml").exists());
    // Misuse is a usage error.
    assert_eq!(run_in(d, &["check", "-", "web"], Some(text)).0, 2);
    assert_eq!(
        run_in(d, &["check", "--stdin-filename", "a.yml", "web"], None).0,
        2
    );
    let (code, _, err) = run_in(d, &["check", "-"], Some("\u{0}\u{ff}"));
    assert_eq!(code, 1, "{err}");
}

#[test]
fn extend_select_outputs_and_changed_files() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let pinned = "services:\n  a:\n    image: nginx:1.27\n    networks:\n      n:\n        ipv4_address: 10.0.0.2\nnetworks:\n  n:\n    ipam:\n      config:\n        - subnet: 10.0.0.0/24\n";
    write(d, "a/compose.yaml", pinned);
    write(
        d,
        "b/compose.yaml",
        &pinned.replace("  a:", "  b:").replace(".2", ".3"),
    );
    write(d, "hylint.toml", "select = [\"HY0\"]\n");
    let rules_of = |out: &str| -> Vec<String> {
        let v: Value = serde_json::from_str(out).unwrap();
        let mut r: Vec<String> = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{} {}",
                    d["file"].as_str().unwrap(),
                    d["rule"].as_str().unwrap()
                )
            })
            .collect();
        r.dedup();
        r
    };
    // The configuration selects HY0 only; --extend-select adds static-ip to that.
    let (code, out, _) = run_in(d, &["check", "--format", "json", "."], None);
    assert_eq!((code, rules_of(&out).len()), (0, 0));
    let (code, out, _) = run_in(
        d,
        &[
            "check",
            "--format",
            "json",
            "--extend-select",
            "static-ip",
            ".",
        ],
        None,
    );
    assert_eq!(code, 1);
    assert_eq!(
        rules_of(&out),
        ["a/compose.yaml static-ip", "b/compose.yaml static-ip"]
    );
    assert_eq!(
        run_in(d, &["check", "--extend-select", "HY999x", "."], None).0,
        2
    );
    // One run, several reports: stdout, --output FORMAT=PATH, --output-file.
    let args = [
        "check",
        "--extend-select",
        "static-ip",
        "--format",
        "concise",
        "--output",
        "json=out/r.json",
        "--output",
        "sarif=out/r.sarif",
        "--output",
        "markdown=out/r.md",
        ".",
    ];
    std::fs::create_dir_all(d.join("out")).unwrap();
    let (code, out, err) = run_in(d, &args, None);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    let json_report = std::fs::read_to_string(d.join("out/r.json")).unwrap();
    assert_eq!(rules_of(&json_report).len(), 2);
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("out/r.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);
    let md = std::fs::read_to_string(d.join("out/r.md")).unwrap();
    assert!(
        md.starts_with("### hylint: 2 findings in 2 files\n"),
        "{md}"
    );
    assert!(
        md.contains("| `static-ip` | HY101 | warning | 2 | 2 |"),
        "{md}"
    );
    assert!(md.contains("| a/compose.yaml:6:23 | `static-ip` |"), "{md}");
    let (code, out, _) = run_in(
        d,
        &[
            "check",
            "--extend-select",
            "static-ip",
            "-o",
            "out/full.txt",
            ".",
        ],
        None,
    );
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(std::fs::read_to_string(d.join("out/full.txt"))
        .unwrap()
        .contains("Found 2 findings in 2 files."));
    assert_eq!(run_in(d, &["check", "--output", "yaml=x", "."], None).0, 2);
    assert_eq!(run_in(d, &["check", "--output", "json", "."], None).0, 2);
    // --changed-files: only findings in the listed files and what includes them; a deleted
    // include is reported in the file that still names it.
    write(
        d,
        "root/compose.yaml",
        "include:\n  - ../a/compose.yaml\n  - gone.yaml\n",
    );
    write(d, "changed.txt", "a/compose.yaml\n");
    let (_, out, _) = run_in(
        d,
        &[
            "check",
            "--format",
            "json",
            "--select",
            "ALL",
            "--changed-files",
            "changed.txt",
            "a",
            "b",
        ],
        None,
    );
    let got = rules_of(&out);
    assert!(got.iter().all(|r| r.starts_with("a/")), "{got:?}");
    assert!(
        got.contains(&"a/compose.yaml static-ip".to_string()),
        "{got:?}"
    );
    write(d, "changed.txt", "root/gone.yaml\n");
    let (code, out, _) = run_in(
        d,
        &[
            "check",
            "--format",
            "json",
            "--select",
            "ALL",
            "--changed-files",
            "changed.txt",
            ".",
        ],
        None,
    );
    assert_eq!(code, 1);
    assert_eq!(rules_of(&out), ["root/compose.yaml include-error"]);
    assert_eq!(
        run_in(d, &["check", "--changed-files", "no-such-list", "."], None).0,
        2
    );
}

#[test]
fn completions_man_page_misspelt_commands_and_trees_without_compose_files() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let (code, bash, _) = run_in(d, &["completions", "bash"], None);
    assert_eq!(code, 0);
    assert!(bash.contains("--stdin-filename"), "{bash}");
    write(d, "completion.bash", &bash);
    let st = std::process::Command::new("bash")
        .arg("-n")
        .arg(d.join("completion.bash"))
        .status()
        .unwrap();
    assert!(st.success(), "bash cannot parse the completion script");
    let (_, zsh, _) = run_in(d, &["completions", "zsh"], None);
    assert!(zsh.starts_with("#compdef hylint"), "{zsh}");
    let (code, man, _) = run_in(d, &["man"], None);
    assert_eq!(code, 0);
    assert!(
        man.contains(".TH hylint 1") && man.contains("completions"),
        "{man}"
    );
    // A bare `hylint` lints paths: a missing path one edit from a command is a typo.
    let (code, _, err) = run_in(d, &["chek", "."], None);
    assert_eq!(code, 2);
    assert!(
        err.contains("a similar subcommand exists: 'check'"),
        "{err}"
    );
    // A real directory of that name is linted; YAML with no compose file is no error.
    write(d, "chek/config.yml", "a: 1\n");
    let (code, out, err) = run_in(d, &["chek"], None);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(err.contains("no compose files found"), "{err}");
    let (code, _, err) = run_in(d, &["check", "-q", "chek"], None);
    assert_eq!((code, err.as_str()), (0, ""));
}
