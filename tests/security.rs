//! hylint lints trees from untrusted pull requests. Each route a compose file could use to make
//! hylint read, print or write outside the tree it lints, hang, or crash has a case here.

mod common;

use common::*;
use std::path::Path;

const SECRET: &str = "TOP_SECRET_VALUE=hunter2";

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A tree in `base/repo` (a git work tree: `.git` marks its top level) and a secret beside it,
/// outside it.
fn tree_with_a_secret_outside() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("repo/.git")).unwrap();
    write(tmp.path(), "outside/secret.env", &format!("{SECRET}\n"));
    write(
        tmp.path(),
        "outside/secret.yml",
        &format!("services:\n  leak:\n    image: \"{SECRET}\"\n"),
    );
    tmp
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = hylint().current_dir(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_no_secret(what: &str, out: &(i32, String, String)) {
    assert!(
        !out.1.contains("hunter2") && !out.2.contains("hunter2"),
        "{what}: the secret reached the output:\n{}\n{}",
        out.1,
        out.2
    );
    assert!(!out.2.contains("panicked"), "{what}: {}", out.2);
}

#[test]
fn references_outside_the_root_are_reported_not_read() {
    let tmp = tree_with_a_secret_outside();
    let repo = tmp.path().join("repo");
    write(
        &repo,
        "compose.yaml",
        "include:\n  - ../outside/secret.yml\nservices:\n  web:\n    image: nginx:1.27\n    \
         env_file: ../outside/secret.env\n    extends:\n      file: ../outside/secret.yml\n      \
         service: leak\n    environment:\n      SHOWN: ${TOP_SECRET_VALUE:-unset}\n",
    );
    for format in [
        "full", "concise", "json", "sarif", "github", "junit", "gitlab",
    ] {
        let out = run(&repo, &["check", "--format", format, "."]);
        assert_no_secret(format, &out);
        assert_eq!(out.0, 1, "{format}: {}", out.2);
    }
    let out = run(&repo, &["check", "--format", "concise", "."]);
    for rule in ["include-error", "extends-error", "env-file-error"] {
        assert!(
            out.1.contains(&format!("error[{rule}]")) && out.1.contains("outside the linted root"),
            "{rule}:\n{}",
            out.1
        );
    }
    let out = run(&repo, &["model", "."]);
    assert_no_secret("model", &out);

    // `--root` is the explicit way to read a wider tree.
    let root = tmp.path().to_str().unwrap();
    let out = run(&repo, &["model", "--root", root, "."]);
    assert!(out.1.contains("hunter2"), "{}", out.2);
}

#[test]
fn symbolic_links_out_of_the_root_are_not_followed() {
    let tmp = tree_with_a_secret_outside();
    let repo = tmp.path().join("repo");
    std::os::unix::fs::symlink(tmp.path().join("outside"), repo.join("linked")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("outside/secret.env"), repo.join(".env")).unwrap();
    write(
        &repo,
        "compose.yaml",
        "include:\n  - linked/secret.yml\nservices:\n  web:\n    image: nginx:1.27\n    \
         env_file: linked/secret.env\n    configs: [app]\n    environment:\n      \
         SHOWN: ${TOP_SECRET_VALUE:-unset}\nconfigs:\n  app:\n    file: linked/secret.env\n",
    );
    for format in ["concise", "json"] {
        let out = run(&repo, &["check", "--format", format, "."]);
        assert_no_secret(format, &out);
    }
    let out = run(&repo, &["model", "."]);
    assert_no_secret("model", &out);
    assert!(out.1.contains("\"SHOWN\": \"unset\""), "{}", out.1);
}

#[test]
fn an_env_file_named_on_the_command_line_is_the_users_choice() {
    let tmp = tree_with_a_secret_outside();
    let repo = tmp.path().join("repo");
    write(
        &repo,
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    environment:\n      \
         SHOWN: ${TOP_SECRET_VALUE:-unset}\n",
    );
    let env = tmp.path().join("outside/secret.env");
    let out = run(&repo, &["model", "--env-file", env.to_str().unwrap(), "."]);
    assert!(out.1.contains("\"SHOWN\": \"hunter2\""), "{}", out.2);
    // The same file named by the tree's own configuration is not read.
    write(
        &repo,
        "hylint.toml",
        "env-files = [\"../outside/secret.env\"]\n",
    );
    let out = run(&repo, &["check", "--format", "json", "."]);
    assert_no_secret("configured env file", &out);
}

#[test]
fn special_files_as_env_files_neither_hang_nor_grow() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    let fifo = dir.join("fifo.env");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.env")).unwrap();
    write(
        dir,
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    env_file: [fifo.env, zero.env]\n",
    );
    // /dev/zero is outside the root; through `--root /` it is a device, refused unread.
    for root in [None, Some("/")] {
        let mut args = vec!["check", "--format", "concise"];
        if let Some(r) = root {
            args.extend(["--root", r]);
        }
        args.push(".");
        let start = std::time::Instant::now();
        let out = run(dir, &args);
        assert!(start.elapsed().as_secs() < 30, "took {:?}", start.elapsed());
        assert_eq!(out.0, 1, "{}", out.2);
        assert!(
            out.1.matches("error[env-file-error]").count() == 2,
            "{root:?}:\n{}",
            out.1
        );
    }
}

/// Names and text from the tree reach terminals, CI logs and XML: escape sequences, line ends
/// (a line starting with `::` is a workflow command to a GitHub runner) and other controls are
/// shown as escapes, never emitted raw.
#[test]
fn control_characters_from_the_tree_are_shown_not_emitted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    // A service name with an escape sequence and a line end, a comment with a raw escape, and
    // a file whose name holds a line end and a workflow command.
    let text = "# \u{1b}]0;title\u{7} \u{1b}[2J\nservices:\n  \"web\\e[31m\\n::error::pwned\":\n    image: nginx:1.27\n    depends_on: [\"gone\\n::add-mask::x\"]\n";
    write(dir, "compose.yaml", text);
    write(
        dir,
        "x/compose\n::error::file.yaml",
        "services:\n  a:\n    image: \"\"\n",
    );
    for format in ["full", "concise", "github", "junit"] {
        let out = run(dir, &["check", "--color", "never", "--format", format, "."]);
        for (stream, s) in [("stdout", &out.1), ("stderr", &out.2)] {
            assert!(
                !s.chars()
                    .any(|c| c.is_control() && !matches!(c, '\n' | '\t')),
                "{format} {stream} has a raw control character:\n{s:?}"
            );
            for line in s.lines() {
                assert!(
                    !line.starts_with("::")
                        || line.starts_with("::warning file=")
                        || line.starts_with("::error file="),
                    "{format} {stream}: a line the runner would obey: {line:?}"
                );
            }
        }
        assert!(
            out.1.contains("\\u{1b}") || format == "full",
            "{format}:\n{}",
            out.1
        );
    }
}

/// A port range is one value until `hylint model` prints compose's entries: a short file of
/// `1-65535` ranges (millions of ports) is linted in bounded memory, conflicts included.
#[test]
fn port_ranges_are_not_expanded_port_by_port() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    let mut text = String::from("services:\n");
    for i in 0..30 {
        text.push_str(&format!(
            "  s{i}:\n    image: nginx:1.27\n    ports: [\"1-65535:1-65535\", \"1-65535:1-65535/udp\"]\n"
        ));
    }
    assert!(text.len() < 3000);
    write(dir, "compose.yaml", &text);
    let out = run(
        dir,
        &["check", "--format", "concise", "--select", "conflict", "."],
    );
    assert_eq!(out.0, 1, "{}", out.2);
    // Each later service clashes with the first, once per spec: 29 x 2 reports.
    assert_eq!(out.1.lines().count(), 58, "{}", out.1);
    assert!(out
        .1
        .contains("host port 1/udp is also published by service `s0`"));
    // SAFETY: getrusage fills a struct we own.
    let peak_kib = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut u);
        u.ru_maxrss
    };
    assert!(peak_kib < 512 * 1024, "a run took {peak_kib} KiB");
}

/// `--fix` writes only what it read, and it reads only under the root: an exporter reached
/// through `include: ../` or a directory link out of the tree is neither fixed nor read.
#[test]
fn fixes_never_write_outside_the_root() {
    let tmp = tree_with_a_secret_outside();
    let repo = tmp.path().join("repo");
    let exporter = "services:\n  node-exporter:\n    image: prom/node-exporter:v1.9.0\n";
    write(tmp.path(), "outside/exporter/compose.yaml", exporter);
    std::os::unix::fs::symlink(tmp.path().join("outside/exporter"), repo.join("linked")).unwrap();
    write(
        &repo,
        "compose.yaml",
        "include:\n  - ../outside/exporter/compose.yaml\n  - linked/compose.yaml\n",
    );
    let out = run(
        &repo,
        &[
            "check",
            "--fix",
            "--unsafe-fixes",
            "--format",
            "concise",
            ".",
        ],
    );
    assert!(!out.2.contains("panicked"), "{}", out.2);
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("outside/exporter/compose.yaml")).unwrap(),
        exporter
    );
}

/// A file `--fix` rewrites keeps its owner: root fixing another user's file must not take it
/// over (checked where the tests run as root, as CI does; elsewhere the owner is ours anyway).
#[test]
fn fixes_keep_the_owner_and_mode_of_the_file() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    let f = dir.join("compose.yaml");
    write(
        dir,
        "compose.yaml",
        "services:\n  node-exporter:\n    image: prom/node-exporter:v1.9.0\n",
    );
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
    let is_root = unsafe { libc::geteuid() } == 0;
    let (uid, gid) = if is_root {
        (65534, 65534)
    } else {
        (
            std::fs::metadata(&f).unwrap().uid(),
            std::fs::metadata(&f).unwrap().gid(),
        )
    };
    if is_root {
        std::os::unix::fs::chown(&f, Some(uid), Some(gid)).unwrap();
    }
    let out = run(
        dir,
        &[
            "check",
            "--fix",
            "--unsafe-fixes",
            "--format",
            "concise",
            ".",
        ],
    );
    assert!(!out.2.contains("panicked"), "{}", out.2);
    let text = std::fs::read_to_string(&f).unwrap();
    assert!(text.contains("read_only: true"), "{text}\n{}", out.2);
    let meta = std::fs::metadata(&f).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (uid, gid));
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
}
