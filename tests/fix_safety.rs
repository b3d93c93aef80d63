//! `--fix` never loses data: read-only files, symlinks, files changed under it, file modes.

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const EXPORTER: &str = "services:\n  node-exporter:\n    image: prom/node-exporter:v1.9.0\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    deploy:\n      resources:\n        limits: { cpus: \"0.1\", memory: 64M }\n";

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// `--fix --unsafe-fixes`: what is tested here is how files are written, and the fixes the
/// tests use (writable-exporter's) are unsafe.
fn fix(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = hylint()
        .current_dir(dir)
        .args(["check", "--fix", "--unsafe-fixes"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_read_only_file_is_left_alone_and_so_are_the_others() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "a/compose.yml", EXPORTER);
    write(tmp.path(), "b/compose.yml", EXPORTER);
    let ro = tmp.path().join("a/compose.yml");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
    let (code, err) = fix(tmp.path(), &["."]);
    assert!(
        err.contains("a/compose.yml: is read-only; not written"),
        "{err}"
    );
    assert_eq!(code, 2);
    assert_eq!(std::fs::read_to_string(&ro).unwrap(), EXPORTER);
    // Fixes are written to every file or to none.
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("b/compose.yml")).unwrap(),
        EXPORTER
    );
}

#[test]
fn file_mode_is_kept() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "compose.yml", EXPORTER);
    let p = tmp.path().join("compose.yml");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    let (code, _) = fix(tmp.path(), &["."]);
    assert_eq!(code, 0);
    assert_eq!(
        std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
        0o640
    );
    assert!(std::fs::read_to_string(&p)
        .unwrap()
        .contains("no-new-privileges:true"));
    // No temporary files left behind.
    let names: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn symlink_out_of_the_tree_is_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "outside/compose.yml", EXPORTER);
    write(tmp.path(), "tree/real/compose.yml", EXPORTER);
    std::os::unix::fs::symlink(
        tmp.path().join("outside/compose.yml"),
        tmp.path().join("tree/compose.yml"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        tmp.path().join("tree/real/compose.yml"),
        tmp.path().join("tree/inside-compose.yml"),
    )
    .unwrap();
    let (code, err) = fix(tmp.path(), &["tree/compose.yml", "tree/inside-compose.yml"]);
    // Not even read: the link leads out of the linted root.
    assert!(
        err.contains("tree/compose.yml: outside the linted root, not read"),
        "{err}"
    );
    assert_eq!(code, 2);
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("outside/compose.yml")).unwrap(),
        EXPORTER
    );
    // A link inside the tree: the file it points to is fixed, the link stays a link.
    assert!(
        std::fs::read_to_string(tmp.path().join("tree/real/compose.yml"))
            .unwrap()
            .contains("read_only: true")
    );
    assert!(
        std::fs::symlink_metadata(tmp.path().join("tree/inside-compose.yml"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn file_changed_between_read_and_write_is_not_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "compose.yml", EXPORTER);
    let p = tmp.path().join("compose.yml");
    let opts = hylint::check::CheckOptions {
        paths: vec![p.clone()],
        ..Default::default()
    };
    let report = hylint::fix::run(
        &opts,
        &hylint::fix::FixOptions {
            unsafe_fixes: true,
            ..Default::default()
        },
    );
    assert_eq!(report.changes.len(), 1);
    // Someone edits the file meanwhile.
    let edited = format!("{EXPORTER}# edited\n");
    std::fs::write(&p, &edited).unwrap();
    let c = &report.changes[0];
    let errors = hylint::fix::write_all(std::slice::from_ref(c), &opts.paths).unwrap_err();
    let err = &errors[0].1;
    assert!(err.contains("changed on disk"), "{err}");
    assert_eq!(std::fs::read_to_string(&p).unwrap(), edited);
}

#[test]
fn diff_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "compose.yml", EXPORTER);
    let out = hylint()
        .current_dir(tmp.path())
        .args(["check", "--diff", "--unsafe-fixes", "."])
        .output()
        .unwrap();
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(
        diff.starts_with("--- a/compose.yml\n+++ b/compose.yml\n"),
        "{diff}"
    );
    assert!(diff.contains("+    read_only: true\n"), "{diff}");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("compose.yml")).unwrap(),
        EXPORTER
    );
}

#[test]
fn default_limits_fix_inserts_configured_limits() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "compose.yml", "services:\n  web:\n    image: nginx:1.27\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    deploy:\n      resources:\n        limits:\n          memory: 128M\n");
    let p = tmp.path().join("compose.yml");
    let mut opts = hylint::check::CheckOptions {
        paths: vec![p.clone()],
        ..Default::default()
    };
    // Without defaults: no fix. With them: only under --unsafe-fixes.
    let r = hylint::fix::run(
        &opts,
        &hylint::fix::FixOptions {
            unsafe_fixes: true,
            ..Default::default()
        },
    );
    assert!(r.changes.is_empty());
    opts.rules.default_limits = Some(("0.5".into(), "256M".into()));
    assert!(hylint::fix::run(&opts, &Default::default())
        .changes
        .is_empty());
    let r = hylint::fix::run(
        &opts,
        &hylint::fix::FixOptions {
            unsafe_fixes: true,
            ..Default::default()
        },
    );
    assert_eq!(
        r.changes[0].fixed,
        "services:\n  web:\n    image: nginx:1.27\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    deploy:\n      resources:\n        limits:\n          memory: 128M\n          cpus: \"0.5\"\n"
    );
    assert!(
        r.outcome.diagnostics.is_empty(),
        "{:?}",
        r.outcome.diagnostics
    );
}

#[test]
fn a_fix_that_would_change_another_service_is_refused() {
    // `web` merges the exporter's anchored mapping: `read_only: true` written there would
    // reach `web` too, which no fix means to change.
    const SHARED: &str = "services:\n  node-exporter: &exp\n    image: prom/node-exporter:v1.9.0\n    security_opt:\n      - no-new-privileges:true\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    deploy:\n      resources:\n        limits: { cpus: \"0.1\", memory: 64M }\n  web:\n    <<: *exp\n    image: nginx:1.27\n";
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "a/compose.yml", SHARED);
    write(tmp.path(), "b/compose.yml", EXPORTER);
    let (code, err) = fix(tmp.path(), &["."]);
    assert!(
        err.contains("a/compose.yml: the fixes would change the resolved project beyond what they intend (at /services/web/read_only); file left untouched"),
        "{err}"
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("a/compose.yml")).unwrap(),
        SHARED
    );
    assert!(std::fs::read_to_string(tmp.path().join("b/compose.yml"))
        .unwrap()
        .contains("read_only: true"));
}

#[test]
fn a_model_nested_deeper_than_json_reads_refuses_the_fix_without_a_panic() {
    // 200 levels in an extension: YAML reads it, the model prints it, serde_json (128
    // levels) cannot read the model back to compare it.
    let deep = format!("x-deep: {}{}\n{EXPORTER}", "[".repeat(200), "]".repeat(200));
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "compose.yml", &deep);
    let (code, err) = fix(tmp.path(), &["."]);
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("nested too deeply"), "{err}");
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("compose.yml")).unwrap(),
        deep
    );
}

/// Every file's fixes are written, or none: one file that cannot be written (read-only, or
/// with another hard link that a rewrite would leave behind) keeps every other file as it was,
/// and no temporary file is left.
#[test]
fn fixes_are_written_to_every_file_or_to_none() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "a/compose.yml", EXPORTER);
    write(tmp.path(), "b/compose.yml", EXPORTER);
    write(tmp.path(), "c/compose.yml", EXPORTER);
    // b has a second name elsewhere; c is read-only.
    std::fs::hard_link(
        tmp.path().join("b/compose.yml"),
        tmp.path().join("b-link.txt"),
    )
    .unwrap();
    let c = tmp.path().join("c/compose.yml");
    std::fs::set_permissions(&c, std::fs::Permissions::from_mode(0o444)).unwrap();
    let (code, err) = fix(tmp.path(), &["."]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("b/compose.yml: has 2 hard links"), "{err}");
    assert!(err.contains("c/compose.yml: is read-only"), "{err}");
    assert!(err.contains("written to every file or to none"), "{err}");
    for f in [
        "a/compose.yml",
        "b/compose.yml",
        "c/compose.yml",
        "b-link.txt",
    ] {
        assert_eq!(
            std::fs::read_to_string(tmp.path().join(f)).unwrap(),
            EXPORTER,
            "{f} changed"
        );
    }
    let left: Vec<_> = walk_files(tmp.path())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".hylint-"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");

    // With the obstacles gone, all three are fixed, each keeping its mode.
    std::fs::remove_file(tmp.path().join("b-link.txt")).unwrap();
    std::fs::set_permissions(&c, std::fs::Permissions::from_mode(0o640)).unwrap();
    let (code, err) = fix(tmp.path(), &["."]);
    assert_eq!(code, 0, "{err}");
    for f in ["a/compose.yml", "b/compose.yml", "c/compose.yml"] {
        assert!(
            std::fs::read_to_string(tmp.path().join(f))
                .unwrap()
                .contains("read_only: true"),
            "{f} not fixed"
        );
    }
    let mode = std::fs::metadata(&c).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn a_fix_that_would_replace_a_merged_mapping_is_refused() {
    // `deploy` comes from the anchor through `<<`: a `deploy:` key written into the service
    // would replace the merged mapping, and its labels and restart policy with it.
    const MERGED: &str = "x-base: &base\n  restart: unless-stopped\n  healthcheck:\n    test: [\"CMD\", \"true\"]\n  deploy:\n    labels:\n      team: ml\n    restart_policy:\n      condition: on-failure\n    resources:\n      limits: { cpus: \"4\", memory: 8G }\nservices:\n  ollama:\n    <<: *base\n    image: ollama/ollama:0.6.2\n";
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "compose.yaml", MERGED);
    let (code, err) = fix(tmp.path(), &["."]);
    assert!(
        err.contains("compose.yaml: the fixes would change the resolved project beyond what they intend (at /services/ollama/deploy)"),
        "{err}"
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("compose.yaml")).unwrap(),
        MERGED
    );
}

#[test]
fn a_fix_compose_drops_under_reset_is_refused_not_repeated() {
    // The override file compose merges by default resets `deploy`: a reservation written into
    // compose.yaml never reaches the project. Taken anyway, it was written again on every pass.
    const BASE: &str = "services:\n  ollama:\n    image: ollama/ollama:0.6.2\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    deploy:\n      resources:\n        limits: { cpus: \"4\", memory: 8G }\n";
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "compose.yaml", BASE);
    write(
        tmp.path(),
        "compose.override.yaml",
        "services:\n  ollama:\n    deploy: !reset {}\n",
    );
    let (code, err) = fix(tmp.path(), &["."]);
    assert!(
        err.contains("compose.yaml: compose drops what the fixes write (at /services/ollama/deploy/resources/reservations"),
        "{err}"
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("compose.yaml")).unwrap(),
        BASE
    );
}

#[test]
fn limits_are_never_added_beside_the_legacy_key_they_duplicate() {
    // `mem_limit` and a different `deploy.resources.limits.memory` are refused by compose: the
    // fix adds only the CPU limit.
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "compose.yml", "services:\n  web:\n    image: nginx:1.27\n    mem_limit: 512m\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n");
    write(
        tmp.path(),
        "hylint.toml",
        "[rules.missing-resource-limits]\ndefault-cpus = \"1\"\ndefault-memory = \"1G\"\n",
    );
    let (code, err) = fix(tmp.path(), &["."]);
    assert_eq!(code, 0, "{err}");
    let fixed = std::fs::read_to_string(tmp.path().join("compose.yml")).unwrap();
    assert_eq!(
        fixed,
        "services:\n  web:\n    image: nginx:1.27\n    mem_limit: 512m\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    deploy:\n      resources:\n        limits:\n          cpus: \"1\"\n"
    );
}
