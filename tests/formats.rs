//! Output formats: snapshots on the example tree, SARIF and GitLab output valid against their
//! schemas, and positions that agree across formats.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

fn run(format: &str, extra: &[(&str, &str)]) -> String {
    let mut c = hylint();
    c.current_dir(repo_root().join("fixtures/example"))
        .args(["check", "--format", format, "."]);
    for (k, v) in extra {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn snapshot(name: &str, got: &str) {
    let path = repo_root().join("tests/snapshots").join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        want == got,
        "{name} differs from tests/snapshots/{name} (UPDATE_EXPECT=1 to accept):\n{got}"
    );
}

fn validate(schema_file: &str, doc: &Value) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("tests/schemas").join(schema_file)).unwrap(),
    )
    .unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema_file}:\n{}", errors.join("\n"));
}

#[test]
fn snapshots() {
    for (format, file) in [
        ("full", "full.txt"),
        ("concise", "concise.txt"),
        ("json", "json.json"),
        ("github", "github.txt"),
        ("junit", "junit.xml"),
        ("gitlab", "gitlab.json"),
    ] {
        snapshot(file, &run(format, &[]));
    }
    // SARIF carries every rule page; the results are what changes.
    let sarif: Value = serde_json::from_str(&run("sarif", &[])).unwrap();
    snapshot(
        "sarif-results.json",
        &(serde_json::to_string_pretty(&sarif["runs"][0]["results"]).unwrap() + "\n"),
    );
}

#[test]
fn sarif_is_valid_and_carries_rules_help_and_fixes() {
    let doc: Value = serde_json::from_str(&run(
        "sarif",
        &[("HYLINT_DOCS_URL", "https://example.test/hylint/rules/")],
    ))
    .unwrap();
    validate("sarif-schema-2.1.0.json", &doc);
    let run0 = &doc["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), hylint::rules::registry::ALL.len());
    let static_ip = rules.iter().find(|r| r["id"] == "static-ip").unwrap();
    assert_eq!(
        static_ip["helpUri"],
        "https://example.test/hylint/rules/static-ip.md"
    );
    assert!(static_ip["help"]["markdown"]
        .as_str()
        .unwrap()
        .starts_with("# static-ip"));
    let results = run0["results"].as_array().unwrap();
    assert!(results
        .iter()
        .all(|r| r["partialFingerprints"]["hylint/v1"].is_string()));
    assert!(results.iter().any(|r| r["fixes"].is_array()));
    for r in results {
        assert_eq!(
            rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"],
            r["ruleId"]
        );
    }
}

#[test]
fn sarif_fingerprints_survive_lines_moving() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&repo_root().join("fixtures/example"), tmp.path());
    let fps = |dir: &Path| -> Vec<String> {
        let out = hylint()
            .current_dir(dir)
            .args(["check", "--format", "sarif", "."])
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut f: Vec<String> = v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["hylint/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        f.sort();
        f
    };
    let before = fps(tmp.path());
    let f = tmp.path().join("infra/04-data/app-db/docker-compose.yml");
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, format!("# a new first line\n\n{text}")).unwrap();
    assert_eq!(fps(tmp.path()), before);
}

#[test]
fn gitlab_is_valid_with_unique_fingerprints() {
    let doc: Value = serde_json::from_str(&run("gitlab", &[])).unwrap();
    validate("gitlab-code-quality.json", &doc);
    let mut fps: Vec<&str> = doc
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    let n = fps.len();
    fps.sort();
    fps.dedup();
    assert_eq!(fps.len(), n, "fingerprints repeat");
}

#[test]
fn github_and_sarif_positions_agree_with_human_output() {
    // concise: path:line:col: ...
    let concise: Vec<(String, u64, u64)> = run("concise", &[])
        .lines()
        .map(|l| {
            let mut it = l.splitn(4, ':');
            (
                it.next().unwrap().to_string(),
                it.next().unwrap().parse().unwrap(),
                it.next().unwrap().parse().unwrap(),
            )
        })
        .collect();
    let github: Vec<(String, u64, u64)> = run("github", &[])
        .lines()
        .map(|l| {
            let props =
                &l[l.find(' ').unwrap() + 1..l.find("::").map(|_| l.rfind("::").unwrap()).unwrap()];
            let get = |k: &str| {
                props
                    .split(',')
                    .find_map(|p| p.strip_prefix(&format!("{k}=")))
                    .unwrap()
                    .to_string()
            };
            (
                get("file"),
                get("line").parse().unwrap(),
                get("col").parse().unwrap(),
            )
        })
        .collect();
    let sarif: Value = serde_json::from_str(&run("sarif", &[])).unwrap();
    let from_sarif: Vec<(String, u64, u64)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let pl = &r["locations"][0]["physicalLocation"];
            (
                pl["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                pl["region"]["startLine"].as_u64().unwrap(),
                pl["region"]["startColumn"].as_u64().unwrap(),
            )
        })
        .collect();
    // The full output's "┌─ path:line:col" headers, in order.
    let full: Vec<(String, u64, u64)> = run("full", &[])
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("┌─ "))
        .map(|h| {
            let mut it = h.rsplitn(3, ':');
            let col = it.next().unwrap().parse().unwrap();
            let line = it.next().unwrap().parse().unwrap();
            (it.next().unwrap().to_string(), line, col)
        })
        .collect();
    assert!(!concise.is_empty());
    assert_eq!(github, concise);
    assert_eq!(from_sarif, concise);
    assert_eq!(full, concise);
}

#[test]
fn json_matches_its_documented_schema() {
    let doc: Value = serde_json::from_str(&run("json", &[])).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("docs/json-output.schema.json")).unwrap(),
    )
    .unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v
        .iter_errors(&doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["fix"].is_object()));
}
