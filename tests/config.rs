//! hylint.toml, inline suppressions and baselines, as a user meets them.

mod common;

use common::*;
use std::path::Path;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn concise(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = hylint()
        .current_dir(dir)
        .args(["check", "--format", "concise"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn rules(out: &str) -> Vec<String> {
    out.lines()
        .map(|l| l[l.find('[').unwrap() + 1..l.find(']').unwrap()].to_string())
        .collect()
}

const TREE: &str = "services:\n  web:\n    image: nginx:1.27\n    networks:\n      backend:\n        ipv4_address: 172.30.0.10\n  node-exporter:\n    image: prom/node-exporter:v1.9.0\n    read_only: true\n    security_opt: [no-new-privileges:true]\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    deploy:\n      resources:\n        limits: { cpus: \"0.1\", memory: 64M }\nnetworks:\n  backend: {}\n";

#[test]
fn unknown_key_is_an_error_with_its_position() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "compose.yml", TREE);
    write(
        tmp.path(),
        "hylint.toml",
        "select = [\"ALL\"]\n\nselekt = [\"static-ip\"]\n",
    );
    let (code, _, err) = concise(tmp.path(), &["."]);
    assert_eq!(code, 2);
    assert!(
        err.contains("hylint.toml:3:1: unknown key `selekt`"),
        "{err}"
    );
    write(
        tmp.path(),
        "hylint.toml",
        "[rules.static-ip]\nallowed-network = []\n",
    );
    let (code, _, err) = concise(tmp.path(), &["."]);
    assert_eq!(code, 2);
    assert!(
        err.contains("hylint.toml:2:1: unknown key `allowed-network` in [rules.static-ip]"),
        "{err}"
    );
    write(tmp.path(), "hylint.toml", "ignore = [\"no-such-rule\"]\n");
    let (code, _, err) = concise(tmp.path(), &["."]);
    assert_eq!(code, 2);
    assert!(
        err.contains("hylint.toml:1:11: `ignore`: unknown rule selector \"no-such-rule\""),
        "{err}"
    );
}

#[test]
fn selection_severity_threshold_and_options() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "stack/compose.yml", TREE);
    let (_, out, _) = concise(tmp.path(), &["stack"]);
    assert_eq!(
        rules(&out),
        [
            "missing-healthcheck",
            "missing-resource-limits",
            "static-ip"
        ]
    );

    // Found by walking up from the linted path.
    write(
        tmp.path(),
        "hylint.toml",
        "ignore = [\"HY105\"]\nfailure-threshold = \"error\"\n\n[severity]\nstatic-ip = \"info\"\n\n[rules.missing-healthcheck]\nstrict = true\n",
    );
    let (code, out, _) = concise(tmp.path(), &["stack"]);
    assert_eq!(rules(&out), ["missing-healthcheck", "static-ip"]);
    assert!(out.contains("info[static-ip]"), "{out}");
    assert_eq!(
        code, 0,
        "no error-severity finding under failure-threshold = error"
    );
    // The command line wins.
    let (code, out, _) = concise(
        tmp.path(),
        &[
            "stack",
            "--select",
            "static-ip",
            "--failure-threshold",
            "info",
        ],
    );
    assert_eq!(rules(&out), ["static-ip"]);
    assert_eq!(code, 1);

    write(
        tmp.path(),
        "hylint.toml",
        "[per-file-ignores]\n\"stack/*.yml\" = [\"missing-healthcheck\"]\n\n[rules.static-ip]\nallowed-networks = [\"backend\"]\n",
    );
    let (_, out, _) = concise(tmp.path(), &["stack"]);
    assert_eq!(rules(&out), ["missing-resource-limits"]);
}

#[test]
fn knowledge_extends_from_the_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "compose.yml", "services:\n  metrics:\n    image: example/custom-metrics:1.0\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    deploy:\n      resources:\n        limits: { cpus: \"0.1\", memory: 64M }\n");
    let (_, out, _) = concise(tmp.path(), &["."]);
    assert_eq!(out, "");
    write(
        tmp.path(),
        ".hylint.toml",
        "[rules.writable-exporter]\nexporter-images = [\"example/*-metrics*\"]\n",
    );
    let (_, out, _) = concise(tmp.path(), &["."]);
    assert_eq!(rules(&out), ["writable-exporter"]);
}

#[test]
fn default_limits_from_the_configuration_drive_the_unsafe_fix() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "compose.yml", "services:\n  web:\n    image: nginx:1.27\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n");
    write(
        tmp.path(),
        "hylint.toml",
        "[rules.missing-resource-limits]\ndefault-cpus = \"0.5\"\ndefault-memory = \"256M\"\n",
    );
    let out = hylint()
        .current_dir(tmp.path())
        .args(["check", "--fix", "--unsafe-fixes", "."])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("compose.yml")).unwrap(),
        "services:\n  web:\n    image: nginx:1.27\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    deploy:\n      resources:\n        limits:\n          cpus: \"0.5\"\n          memory: 256M\n"
    );
}

#[test]
fn baseline_survives_lines_moving_and_reports_only_new_findings() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&repo_root().join("fixtures/example"), tmp.path());
    let out = hylint()
        .current_dir(tmp.path())
        .args(["check", "--write-baseline", "baseline.json", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Wrote 9 findings to baseline.json"));
    let (code, out, _) = concise(tmp.path(), &["--baseline", "baseline.json", "."]);
    assert_eq!((code, out.as_str()), (0, ""));
    // Lines move: still known.
    let f = tmp.path().join("infra/06-observability/docker-compose.yml");
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, format!("# moved\n\n\n{text}")).unwrap();
    let (code, out, _) = concise(tmp.path(), &["--baseline", "baseline.json", "."]);
    assert_eq!((code, out.as_str()), (0, ""));
    // A new finding is reported.
    std::fs::write(&f, format!("# moved\n\n\n{text}  grafana:\n    image: grafana/grafana:12.3.1\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n")).unwrap();
    let (code, out, _) = concise(tmp.path(), &["--baseline", "baseline.json", "."]);
    assert_eq!(code, 1);
    assert_eq!(rules(&out), ["missing-resource-limits"], "{out}");
}
