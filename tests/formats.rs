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

/// The output must equal its snapshot `tests/snapshots/<name>.snap` (insta).
fn snapshot(name: &str, got: &str) {
    assert_snapshot_in(&repo_root().join("tests/snapshots"), name, got);
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
    // `id` is the stable code, `name` the readable name (SARIF asks them to differ).
    let static_ip = rules.iter().find(|r| r["name"] == "static-ip").unwrap();
    assert_eq!(static_ip["id"], "HY101");
    for r in rules {
        let full = r["fullDescription"]["text"].as_str().unwrap();
        assert!(
            full.len() > r["shortDescription"]["text"].as_str().unwrap().len() / 2,
            "{r}"
        );
        assert_ne!(r["id"], r["name"]);
    }
    let exporter = rules
        .iter()
        .find(|r| r["name"] == "writable-exporter")
        .unwrap();
    assert_eq!(exporter["properties"]["security-severity"], "4.0");
    assert!(exporter["properties"]["tags"]
        .as_array()
        .unwrap()
        .contains(&Value::from("security")));
    assert!(static_ip["properties"]["security-severity"].is_null());
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
    // Related locations are linked from the message, one link per location.
    let related: Vec<&Value> = results
        .iter()
        .filter(|r| r["relatedLocations"].is_array())
        .collect();
    assert!(!related.is_empty());
    for r in related {
        let text = r["message"]["text"].as_str().unwrap();
        for (i, _) in r["relatedLocations"].as_array().unwrap().iter().enumerate() {
            assert!(text.contains(&format!("]({})", i + 1)), "{text}");
        }
    }
    assert_eq!(run0["invocations"][0]["executionSuccessful"], true);
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
    // SARIF paths are relative to the project root (here the repository's top level), where
    // code scanning looks for them.
    let concise_from_root: Vec<(String, u64, u64)> = concise
        .iter()
        .map(|(f, l, c)| (format!("fixtures/example/{f}"), *l, *c))
        .collect();
    assert_eq!(from_sarif, concise_from_root);
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

fn multitool_findings(sarif: &Path) -> Vec<String> {
    let tool =
        repo_root().join(".tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    assert!(tool.is_file(), "run `bash .ci/install-tools`");
    let out_file = sarif.with_extension("validation.sarif");
    let out = std::process::Command::new(&tool)
        .args([
            "validate",
            "--rule-kind",
            "Sarif;Gh",
            "--log",
            "ForceOverwrite",
            "--output",
        ])
        .arg(&out_file)
        .arg(sarif)
        .output()
        .unwrap();
    let log: Value = serde_json::from_str(
        &std::fs::read_to_string(&out_file)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout))),
    )
    .unwrap();
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r["ruleId"], r["message"]))
        .collect()
}

#[test]
fn sarif_passes_the_multitool_github_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let env = [
        ("HYLINT_DOCS_URL", "https://example.test/hylint/rules/"),
        ("HYLINT_HOME_URL", "https://example.test/hylint"),
    ];
    let path = tmp.path().join("example.sarif");
    std::fs::write(&path, run("sarif", &env)).unwrap();
    let findings = multitool_findings(&path);
    assert!(findings.is_empty(), "{findings:#?}");
    // A run that could not read a path: the error is a tool execution notification, and the
    // log still passes.
    let out = hylint()
        .current_dir(repo_root().join("fixtures/example"))
        .envs(env)
        .args(["check", "--format", "sarif", ".", "no-such-dir"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let inv = &doc["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let note = &inv["toolExecutionNotifications"][0];
    assert_eq!(note["level"], "error");
    assert!(note["message"]["text"]
        .as_str()
        .unwrap()
        .contains("no-such-dir"));
    std::fs::write(&path, &out.stdout).unwrap();
    let findings = multitool_findings(&path);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn sarif_keeps_the_25000_most_severe_results_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    // Each service: no health check, no limits (two warnings); one service has no image (an
    // error), and comes last.
    let mut text = String::from("services:\n");
    for i in 0..12_600 {
        text.push_str(&format!("  s{i}:\n    image: nginx:1.27\n"));
    }
    text.push_str("  broken:\n    restart: always\n");
    std::fs::write(tmp.path().join("compose.yaml"), text).unwrap();
    let out = hylint()
        .current_dir(tmp.path())
        .args(["check", "--format", "sarif", "compose.yaml"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 25_000);
    assert!(results.iter().any(|r| r["level"] == "error"));
    let note = &doc["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(note["level"], "warning");
    let text = note["message"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("25201 findings; the 25000 most severe"),
        "{text}"
    );
}

#[test]
fn machine_paths_are_relative_to_the_project_root_not_the_working_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join("infra/web")).unwrap();
    std::fs::write(
        repo.join("infra/web/compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n",
    )
    .unwrap();
    let check = |cwd: &Path, args: &[&str]| {
        hylint()
            .current_dir(cwd)
            .args(["check"])
            .args(args)
            .output()
            .unwrap()
    };
    let sub = repo.join("infra");
    let sarif: Value =
        serde_json::from_slice(&check(&sub, &["--format", "sarif", "."]).stdout).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"],
        "infra/web/compose.yaml"
    );
    let gitlab: Value =
        serde_json::from_slice(&check(&sub, &["--format", "gitlab", "."]).stdout).unwrap();
    assert_eq!(gitlab[0]["location"]["path"], "infra/web/compose.yaml");
    // Fingerprints and baselines do not depend on where hylint runs.
    let fp = |v: &Value| v["runs"][0]["results"][0]["partialFingerprints"]["hylint/v1"].clone();
    let from_root: Value =
        serde_json::from_slice(&check(repo, &["--format", "sarif", "."]).stdout).unwrap();
    assert_eq!(fp(&sarif), fp(&from_root));
    let out = check(repo, &["--write-baseline", "baseline.json", "."]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = check(
        &repo.join("infra/web"),
        &["--baseline", "../../baseline.json", "."],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
