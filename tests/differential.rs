//! Differential tests: `hylint model` must resolve a tree exactly as the real docker compose v2
//! (`docker compose config --format json`) does, on the keys rules depend on.

mod common;

use common::*;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

fn pick(v: &Value, keys: &[&str]) -> Value {
    let mut m = Map::new();
    if let Some(o) = v.as_object() {
        for k in keys {
            if let Some(x) = o.get(*k) {
                if !x.is_null() {
                    m.insert(k.to_string(), x.clone());
                }
            }
        }
    }
    Value::Object(m)
}

fn map_values(v: Option<&Value>, f: impl Fn(&Value) -> Value) -> Value {
    match v.and_then(|v| v.as_object()) {
        Some(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), f(v))).collect()),
        None => Value::Null,
    }
}

fn list(v: Option<&Value>, f: impl Fn(&Value) -> Value) -> Value {
    match v.and_then(|v| v.as_array()) {
        Some(a) => Value::Array(a.iter().map(f).collect()),
        None => Value::Null,
    }
}

/// The part of a `config --format json` document the loader is held to.
fn project_view(doc: &Value) -> Value {
    let services = map_values(doc.get("services"), |s| {
        let mut m = pick(
            s,
            &[
                "image",
                "container_name",
                "profiles",
                "read_only",
                "security_opt",
                "cap_drop",
                "environment",
                "restart",
                "command",
                "entrypoint",
            ],
        );
        let o = m.as_object_mut().unwrap();
        let mut put = |k: &str, v: Value| {
            if !v.is_null() {
                o.insert(k.into(), v);
            }
        };
        put(
            "build",
            s.get("build")
                .map(|b| pick(b, &["context", "dockerfile"]))
                .unwrap_or(Value::Null),
        );
        put(
            "networks",
            map_values(s.get("networks"), |n| {
                if n.is_null() {
                    Value::Null
                } else {
                    pick(n, &["ipv4_address", "ipv6_address", "aliases"])
                }
            }),
        );
        put(
            "healthcheck",
            s.get("healthcheck")
                .map(|h| {
                    pick(
                        h,
                        &[
                            "test",
                            "interval",
                            "timeout",
                            "retries",
                            "start_period",
                            "start_interval",
                            "disable",
                        ],
                    )
                })
                .unwrap_or(Value::Null),
        );
        put("resources", s.pointer("/deploy/resources").map(|r| {
            json!({
                "limits": r.get("limits").map(|l| pick(l, &["cpus", "memory", "pids"])),
                "reservations": r.get("reservations").map(|l| {
                    let mut x = pick(l, &["cpus", "memory"]);
                    let d = list(l.get("devices"), |d| pick(d, &["capabilities", "count", "device_ids", "driver"]));
                    if !d.is_null() { x["devices"] = d; }
                    x
                }),
            })
        }).unwrap_or(Value::Null));
        put(
            "depends_on",
            map_values(s.get("depends_on"), |d| pick(d, &["condition", "required"])),
        );
        put(
            "volumes",
            list(s.get("volumes"), |v| {
                pick(v, &["type", "source", "target", "read_only"])
            }),
        );
        put(
            "secrets",
            list(s.get("secrets"), |v| pick(v, &["source", "target"])),
        );
        put(
            "ports",
            list(s.get("ports"), |v| {
                pick(v, &["target", "published", "host_ip", "protocol", "mode"])
            }),
        );
        m
    });
    json!({
        "name": doc.get("name"),
        "services": services,
        "networks": map_values(doc.get("networks"), |n| pick(n, &["name", "external", "driver", "ipam"])),
        "volumes": map_values(doc.get("volumes"), |n| pick(n, &["name", "external", "driver", "driver_opts"])),
        "secrets": map_values(doc.get("secrets"), |n| pick(n, &["name", "external", "file", "environment"])),
    })
}

/// Compare oracle and hylint on `file` inside `dir` (a temporary copy); `None` when the oracle
/// rejects the project.
fn compare(dir: &Path, file: &str, extra: &[&str], env: &[(&str, &str)]) -> Option<Vec<String>> {
    let mut args = vec!["-f", file];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["config", "--format", "json"]);
    let o = oracle_config(dir, &args, env);
    if !o.status.success() {
        return None;
    }
    let expected = project_view(&json(&o));
    let mut h = hylint();
    h.current_dir(dir)
        .env("HOME", dir)
        .arg("model")
        .arg(file)
        .args(extra);
    for (k, v) in env {
        h.env(k, v);
    }
    let out = h.output().unwrap();
    let got = project_view(&json(&out));
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
            if let Some(d) = compare(dir, name, &extra, &env) {
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
        let d = compare(&dir, "docker-compose.yml", &extra, &[])
            .expect("the oracle accepts the example tree");
        assert!(d.is_empty(), "{extra:?}:\n{}", d.join("\n"));
    }
}
