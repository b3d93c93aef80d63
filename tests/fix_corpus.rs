//! `--fix` on a copy of the real corpus: every file still parses, a second `--fix` changes
//! nothing, docker compose resolves every stack it resolved before to the same model apart from
//! the intended changes, every comment line outside removed blocks is still there, and only
//! files with fixable findings changed.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn snapshot(root: &Path) -> BTreeMap<PathBuf, String> {
    yaml_files(root)
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(root).unwrap().to_path_buf(),
                std::fs::read_to_string(&p).unwrap_or_default(),
            )
        })
        .collect()
}

/// The oracle's model with the fixes' intended changes removed, paths relative to `root`.
/// The oracle's model of a stack, without what the fixes applied mean to change (`intents`).
fn model(root: &Path, dir: &Path, file: &str, intents: &[Vec<String>]) -> Option<Value> {
    let o = oracle_config(
        dir,
        &["-f", file, "--profile", "*", "config", "--format", "json"],
        &[],
    );
    if !o.status.success() {
        return None;
    }
    let text = String::from_utf8(o.stdout)
        .unwrap()
        .replace(&root.display().to_string(), "<ROOT>");
    let mut v: Value = serde_json::from_str(&text).unwrap();
    for i in intents {
        let i: Vec<&str> = i.iter().map(String::as_str).collect();
        hylint::fix::strip(&mut v, &i);
    }
    let mut v = without_nulls_and_empty_maps(&v).unwrap_or_default();
    // Resources only the removed init container used are pruned by compose.
    let services: Vec<Value> = v["services"]
        .as_object()
        .map(|s| s.values().cloned().collect())
        .unwrap_or_default();
    let used = |key: &str| -> BTreeSet<String> {
        services
            .iter()
            .flat_map(|s| match key {
                "networks" => s["networks"]
                    .as_object()
                    .map(|n| n.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default(),
                _ => s[key]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .filter(|x| key != "volumes" || x["type"] == "volume")
                    .filter_map(|x| x["source"].as_str().map(str::to_string))
                    .collect(),
            })
            .collect()
    };
    for key in ["networks", "volumes", "secrets", "configs"] {
        let keep = used(key);
        if let Some(m) = v.get_mut(key).and_then(|s| s.as_object_mut()) {
            m.retain(|k, _| keep.contains(k));
        }
    }
    Some(v)
}

fn comment_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn fix_the_corpus() {
    let tmp = tempfile::tempdir().unwrap();
    let original = tmp.path().join("original");
    let fixed = tmp.path().join("fixed");
    copy_tree(&corpus(), &original);
    copy_tree(&corpus(), &fixed);

    // Files with findings a fix addresses.
    let out = hylint()
        .current_dir(&fixed)
        .args(["check", "--format", "json", "."])
        .output()
        .unwrap();
    let fixable: BTreeSet<String> = json(&out)["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["fix"].is_object())
        .flat_map(|d| {
            d["fix"]["edits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["file"].as_str().unwrap().to_string())
        })
        .collect();

    let run = hylint()
        .current_dir(&fixed)
        .args(["check", "--fix", "--unsafe-fixes", "--format", "json", "."])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        !stderr.contains("warning:") && !stderr.contains("error:"),
        "{stderr}"
    );
    assert!(stderr.contains("Fixed 84 findings"), "{stderr}");
    let intents: Vec<Vec<String>> = json(&run)["fixes_applied"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["intent"].as_array().unwrap().clone())
        .map(|i| {
            i.as_str()
                .unwrap()
                .split('/')
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect()
        })
        .collect();

    let before = snapshot(&original);
    let after = snapshot(&fixed);
    // Only files with fixable findings changed.
    for (p, text) in &after {
        if before.get(p) != Some(text) {
            assert!(
                fixable.contains(&p.display().to_string()),
                "{} changed without a fixable finding",
                p.display()
            );
        }
    }
    // Every file parses: no syntax findings.
    let syntax = hylint()
        .current_dir(&fixed)
        .args([
            "check",
            "--format",
            "concise",
            "--select",
            "invalid-yaml,duplicate-key",
            ".",
        ])
        .output()
        .unwrap();
    assert!(
        syntax.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&syntax.stdout)
    );
    // Idempotent.
    hylint()
        .current_dir(&fixed)
        .args(["check", "--fix", "--unsafe-fixes", "."])
        .output()
        .unwrap();
    assert_eq!(snapshot(&fixed), after, "a second --fix changed files");

    // Comments outside the removed block survive.
    let removed = "infra/04-data/mng-db/docker-compose.yml";
    for (p, text) in &before {
        let kept = comment_lines(&after[p]);
        let mut original_comments = comment_lines(text);
        if p.to_str() == Some(removed) {
            let start = text.find("  mng-pg-init:").unwrap();
            let end = text.find("  mng-pg-exporter:").unwrap();
            let inside = comment_lines(&text[start..end]);
            original_comments.retain(|c| !inside.contains(c));
        }
        for c in original_comments {
            assert!(kept.contains(&c), "{}: comment lost: {c}", p.display());
        }
    }

    // docker compose resolves every stack as before, apart from the intended changes.
    for root in [&original, &fixed] {
        for f in compose_files(root) {
            declare_infra_net(&f);
        }
    }
    let mut compared = 0;
    for f in compose_files(&original)
        .into_iter()
        .filter(|f| hylint::discover::is_compose_name(f))
    {
        let rel = f.strip_prefix(&original).unwrap();
        let name = f.file_name().unwrap().to_str().unwrap();
        let Some(want) = model(&original, f.parent().unwrap(), name, &intents) else {
            continue;
        };
        let got =
            model(&fixed, fixed.join(rel).parent().unwrap(), name, &intents).unwrap_or_else(|| {
                panic!(
                    "{}: docker compose resolved it before --fix, not after",
                    rel.display()
                )
            });
        assert_eq!(
            got,
            want,
            "{}: the model changed beyond the fixes' intent",
            rel.display()
        );
        compared += 1;
    }
    assert!(compared >= 25, "only {compared} stacks compared");
}
