//! `--fix --unsafe-fixes` on a copy of every project of the world corpus, checked with the real
//! docker compose v2 on every root file, with the default profiles and with all of them:
//!
//! - no file compose accepted before is rejected after;
//! - the resolved model (`docker compose config --format json`) changes only where the fixes
//!   applied say they mean to (their `intent`, from `fixes_applied` in the JSON output);
//! - a second `--fix --unsafe-fixes` changes nothing.
//!
//! Default resource limits are configured so that `missing-resource-limits` has a fix too.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The oracle's model of one root file, or `None` when it rejects the file.
fn model(dir: &Path, file: &str, all_profiles: bool) -> Option<Value> {
    let mut args = vec!["-f", file];
    if all_profiles {
        args.extend(["--profile", "*"]);
    }
    args.extend(["config", "--format", "json"]);
    let o = oracle_config(dir, &args, &[]);
    if !o.status.success() {
        return None;
    }
    Some(serde_json::from_slice(&o.stdout).expect("compose prints JSON"))
}

fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walk_files(root)
        .into_iter()
        .map(|p| {
            let text = std::fs::read(&p).unwrap();
            (p, text)
        })
        .collect()
}

/// What went wrong in one project, if anything; and how many roots were compared.
fn fix_project(dir: &str, roots: &[String], config: &Path) -> (Vec<String>, usize, usize) {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join(dir);
    copy_tree(&world().join(dir), &copy);
    let cases: Vec<(String, bool)> = roots
        .iter()
        .flat_map(|r| [(r.clone(), false), (r.clone(), true)])
        .collect();
    let models_of = |copy: &Path| -> Vec<Option<Value>> {
        cases
            .iter()
            .map(|(r, all)| {
                let p = copy.join(r);
                model(
                    p.parent().unwrap(),
                    &p.file_name().unwrap().to_string_lossy(),
                    *all,
                )
            })
            .collect()
    };
    let before = models_of(&copy);
    let fix = |copy: &Path| {
        hylint()
            .current_dir(copy)
            .args(["check", "--fix", "--unsafe-fixes", "--format", "json"])
            .arg("--config")
            .arg(config)
            .arg("--root")
            .arg(copy)
            // The root files by name, as the oracle reads them (some projects name their
            // files `lighthouse.yml`, which a directory walk does not take for compose files).
            .args(roots)
            .output()
            .unwrap()
    };
    let out = fix(&copy);
    let mut problems = Vec::new();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(2) {
        problems.push(format!("{dir}: exit 2: {stderr}"));
        return (problems, 0, 0);
    }
    let report = json(&out);
    let applied = report["fixes_applied"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let intents: Vec<Vec<String>> = applied
        .iter()
        .flat_map(|f| f["intent"].as_array().cloned().unwrap_or_default())
        .filter_map(|i| {
            i.as_str().map(|s| {
                s.split('/')
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect()
            })
        })
        .collect();
    let after = models_of(&copy);
    let mut compared = 0;
    for (((root, all), b), a) in cases.iter().zip(&before).zip(&after) {
        let label = format!("{dir}/{root} [{}]", if *all { "all" } else { "default" });
        match (b, a) {
            (Some(_), None) => {
                problems.push(format!("{label}: accepted before --fix, rejected after"))
            }
            (Some(b), Some(a)) => {
                compared += 1;
                let (mut b, mut a) = (b.clone(), a.clone());
                for i in &intents {
                    let i: Vec<&str> = i.iter().map(String::as_str).collect();
                    hylint::fix::strip(&mut b, &i);
                    hylint::fix::strip(&mut a, &i);
                }
                let (b, a) = (
                    without_nulls_and_empty_maps(&b),
                    without_nulls_and_empty_maps(&a),
                );
                if a != b {
                    problems.push(format!(
                        "{label}: the model changed beyond the fixes' intent\n--- before\n{}\n--- after\n{}",
                        serde_json::to_string(&b).unwrap(),
                        serde_json::to_string(&a).unwrap()
                    ));
                }
            }
            _ => {}
        }
    }
    // Idempotent.
    let fixed = snapshot(&copy);
    let again = fix(&copy);
    if snapshot(&copy) != fixed {
        problems.push(format!(
            "{dir}: a second --fix changed files: {}",
            String::from_utf8_lossy(&again.stderr)
        ));
    }
    (problems, compared, applied.len())
}

#[test]
fn fixes_on_every_world_project_keep_what_compose_accepts_and_resolves() {
    let world = world();
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(world.join("manifest.json")).unwrap())
            .unwrap();
    let projects: Vec<(String, Vec<String>)> = manifest["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["dir"].as_str().unwrap().to_string(),
                p["root_files"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(projects.len(), 30);
    let cfg_dir = tempfile::tempdir().unwrap();
    let config = cfg_dir.path().join("hylint.toml");
    std::fs::write(
        &config,
        "[rules.missing-resource-limits]\ndefault-cpus = \"1\"\ndefault-memory = \"512M\"\n",
    )
    .unwrap();
    let next = Mutex::new(0usize);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    *n += 1;
                    *n - 1
                };
                let Some((dir, roots)) = projects.get(i) else {
                    break;
                };
                let r = fix_project(dir, roots, &config);
                results.lock().unwrap().push(r);
            });
        }
    });
    let results = results.into_inner().unwrap();
    let problems: Vec<String> = results.iter().flat_map(|r| r.0.clone()).collect();
    let compared: usize = results.iter().map(|r| r.1).sum();
    let applied: usize = results.iter().map(|r| r.2).sum();
    eprintln!("{compared} accepted models compared, {applied} fixes applied");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    // The corpus has hundreds of accepted root files and fixable findings: a run that compared
    // or fixed almost nothing tested nothing.
    assert!(compared >= 200, "only {compared} models compared");
    assert!(applied >= 500, "only {applied} fixes applied");
}
