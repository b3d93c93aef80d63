//! Differential tests: `hylint model` must resolve a tree exactly as the real docker compose v2
//! (`docker compose config --format json`) does: the whole document, apart from the nulls and
//! empty mappings compose prints for unset fields (`without_nulls_and_empty_maps`).

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Compare oracle and hylint on `file` inside `dir` (a temporary copy of the tree `root`, which
/// hylint may read all of); `None` when the oracle rejects the project.
fn compare(
    root: &Path,
    dir: &Path,
    file: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Option<Vec<String>> {
    let mut args = vec!["-f", file];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["config", "--format", "json"]);
    let o = oracle_config(dir, &args, env);
    if !o.status.success() {
        return None;
    }
    let expected = without_nulls_and_empty_maps(&json(&o)).unwrap_or(Value::Null);
    let mut h = hylint();
    h.current_dir(dir)
        .env("HOME", dir)
        .args(["model", "-f", file])
        .arg("--root")
        .arg(root)
        .args(extra);
    for (k, v) in env {
        h.env(k, v);
    }
    let out = h.output().unwrap();
    let got = without_nulls_and_empty_maps(&json(&out)).unwrap_or(Value::Null);
    Some(
        hylint::model::json::differences(&expected, &got, usize::MAX)
            .into_iter()
            .map(|(path, a, b)| format!("{path}: oracle={a} hylint={b}"))
            .collect(),
    )
}

#[test]
fn corpus_stacks_resolve_like_docker_compose() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("hy-home");
    copy_tree(&corpus(), &root);
    // Compose reads .env, not .env.example: the "env-file" mode passes the root values.
    std::fs::copy(root.join(".env.example"), root.join(".env")).unwrap();
    let env_file = root.join(".env").display().to_string();
    let mut compared = 0;
    let mut failures = Vec::new();
    for f in compose_files(&root) {
        if f.parent() == Some(root.as_path()) {
            continue; // the root file: covered by `root_project` below
        }
        declare_infra_net(&f);
        let dir = f.parent().unwrap();
        let name = f.file_name().unwrap().to_str().unwrap();
        let rel = f.strip_prefix(&root).unwrap().display().to_string();
        for (mode, extra, env) in [
            ("default", vec![], vec![]),
            ("all-profiles", vec!["--profile", "*"], vec![]),
            ("env-file", vec!["--env-file", env_file.as_str()], vec![]),
        ] {
            if let Some(d) = compare(&root, dir, name, &extra, &env) {
                compared += 1;
                if !d.is_empty() {
                    failures.push(format!("{rel} [{mode}]:\n  {}", d.join("\n  ")));
                }
            }
        }
    }
    eprintln!("corpus: {compared} oracle comparisons");
    assert!(
        compared >= 60,
        "only {compared} corpus comparisons ran: the oracle rejects too much"
    );
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn fixtures_resolve_like_docker_compose() {
    let base = repo_root().join("fixtures/model");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&base)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in cases {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(case.file_name().unwrap());
        copy_tree(&case, &dir);
        let args: Vec<String> = std::fs::read_to_string(case.join("ARGS"))
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        match compare(
            &dir,
            &dir,
            "compose.yaml",
            &args,
            &[("FROM_PROCESS", "process-value")],
        ) {
            None => failures.push(format!(
                "{}: the oracle rejects this fixture",
                case.display()
            )),
            Some(d) if !d.is_empty() => {
                failures.push(format!("{}:\n  {}", case.display(), d.join("\n  ")))
            }
            Some(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn example_tree_resolves_like_docker_compose() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("example");
    copy_tree(&repo_root().join("fixtures/example"), &dir);
    for extra in [vec![], vec!["--profile", "*"]] {
        let d = compare(&dir, &dir, "docker-compose.yml", &extra, &[])
            .expect("the oracle accepts the example tree");
        assert!(d.is_empty(), "{extra:?}:\n{}", d.join("\n"));
    }
}

/// In a directory and without `-f`, compose reads its default file (`compose.yaml`, then
/// `compose.yml`, `docker-compose.yml`, `docker-compose.yaml`) merged with the first override file
/// beside it; `hylint model DIR` and `hylint check DIR` read the same.
#[test]
fn a_directory_resolves_to_its_default_file_and_override() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let svc = |name: &str| format!("services:\n  {name}:\n    image: nginx:1.27\n");
    std::fs::write(dir.join("docker-compose.yaml"), svc("from-yaml")).unwrap();
    std::fs::write(dir.join("docker-compose.yml"), svc("from-yml")).unwrap();
    std::fs::write(
        dir.join("docker-compose.override.yml"),
        "services:\n  from-yml:\n    deploy: !reset {}\n    environment: {A: b}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("compose.override.yaml"),
        "services:\n  from-yml:\n    environment: {C: d}\n",
    )
    .unwrap();
    let o = oracle_config(dir, &["config", "--format", "json"], &[]);
    assert!(o.status.success(), "{o:?}");
    let expected = without_nulls_and_empty_maps(&json(&o)).unwrap();
    let out = hylint()
        .current_dir(dir)
        .env("HOME", dir)
        .args(["model", "."])
        .output()
        .unwrap();
    let got = without_nulls_and_empty_maps(&json(&out)).unwrap();
    assert_eq!(got, expected);
    assert_eq!(expected["services"]["from-yml"]["environment"]["C"], "d");
    // `check` lints the same project: the override compose merges is no project of its own
    // (the second override file, which compose ignores, is one: alone, compose refuses it).
    let out = hylint()
        .current_dir(dir)
        .args([
            "check",
            "--format",
            "json",
            "--select",
            "missing-image",
            ".",
        ])
        .output()
        .unwrap();
    let files: Vec<String> = json(&out)["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(files, ["docker-compose.override.yml"], "{out:?}");
}
