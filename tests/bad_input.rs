//! Bad input never panics, hangs or eats memory: each case gives a diagnostic or an error that
//! names file:line:col, with a documented exit code.

mod common;

use common::*;
use std::path::Path;
use std::time::Duration;

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// Run `hylint check --format concise ARGS` in `dir`: (exit code, stdout, stderr).
fn check(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut child = hylint()
        .current_dir(dir)
        .args(["check", "--format", "concise", "--select", "HY0"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A hang is a failure: give each case a generous bound.
    let start = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("hylint hung on {args:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "panic: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn case(files: &[(&str, &[u8])], args: &[&str]) -> (i32, String, String) {
    let tmp = tempfile::tempdir().unwrap();
    for (rel, bytes) in files {
        write(tmp.path(), rel, bytes);
    }
    check(tmp.path(), args)
}

#[test]
fn empty_file() {
    let (code, out, _) = case(&[("compose.yml", b"")], &["."]);
    assert_eq!(out, "compose.yml:1:1: error[invalid-yaml] empty compose file: docker compose refuses a file with no content\n");
    assert_eq!(code, 1);
}

#[test]
fn binary_file_named_compose_yml() {
    let (code, out, _) = case(
        &[("compose.yml", b"services:\n  a:\x00\x01\x02\xff")],
        &["."],
    );
    assert_eq!(
        out,
        "compose.yml:2:5: error[invalid-yaml] binary file (NUL byte): not a compose file\n"
    );
    assert_eq!(code, 1);
}

#[test]
fn invalid_utf8() {
    let (code, out, _) = case(
        &[(
            "compose.yml",
            b"services:\n  web:\n    image: \"caf\xe9\"\n",
        )],
        &["."],
    );
    assert_eq!(
        out,
        "compose.yml:3:16: error[invalid-yaml] invalid UTF-8: compose files must be UTF-8\n"
    );
    assert_eq!(code, 1);
}

#[test]
fn tab_indentation() {
    let (code, out, _) = case(
        &[("compose.yml", b"services:\n\tweb:\n\t\timage: nginx\n")],
        &["."],
    );
    assert!(
        out.starts_with("compose.yml:2:2: error[invalid-yaml] tabs"),
        "{out}"
    );
    assert_eq!(code, 1);
}

#[test]
fn include_cycle() {
    let (code, out, _) = case(
        &[
            (
                "compose.yml",
                b"include:\n  - b/compose.yml\nservices:\n  a:\n    image: x\n",
            ),
            (
                "b/compose.yml",
                b"include:\n  - ../compose.yml\nservices:\n  b:\n    image: x\n",
            ),
        ],
        &["."],
    );
    assert_eq!(out, "b/compose.yml:2:5: error[include-error] include cycle: compose.yml -> b/compose.yml -> compose.yml\n");
    assert_eq!(code, 1);
}

#[test]
fn extends_cycle() {
    let (code, out, _) = case(
        &[("compose.yml", b"services:\n  a:\n    image: x\n    extends: b\n  b:\n    extends:\n      service: a\n")],
        &["."],
    );
    assert_eq!(
        out,
        "compose.yml:4:14: error[extends-error] extends cycle: b -> a -> b\n\
         compose.yml:7:7: error[extends-error] extends cycle: a -> b -> a\n"
    );
    assert_eq!(code, 1);
}

#[test]
fn extends_missing_file_and_service() {
    let (code, out, _) = case(
        &[
            ("s/compose.yml", b"services:\n  a:\n    image: x\n    extends:\n      file: ../nope/common.yml\n      service: base\n  b:\n    image: x\n    extends:\n      file: common.yml\n      service: nope\n"),
            ("s/common.yml", b"services:\n  base:\n    image: y\n"),
        ],
        &["."],
    );
    assert_eq!(
        out,
        "s/compose.yml:5:13: error[extends-error] cannot extend from nope/common.yml: no such file\n\
         s/compose.yml:11:16: error[extends-error] cannot extend service \"nope\": no such service in s/common.yml\n"
    );
    assert_eq!(code, 1);
}

#[test]
fn unreadable_file_is_an_io_error_and_others_are_still_linted() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "ok/compose.yml",
        b"services:\n  web:\n    image: a\n    image: b\n",
    );
    let bad = tmp.path().join("bad-compose.yml");
    // Root reads anything chmod forbids; /proc/self/mem refuses a plain read for everyone.
    let is_root = std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false);
    if is_root {
        std::os::unix::fs::symlink("/proc/self/mem", &bad).unwrap();
    } else {
        std::fs::write(&bad, "services: {}\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    let (code, out, err) = check(tmp.path(), &["bad-compose.yml", "ok"]);
    assert!(err.contains("error: bad-compose.yml: "), "{err}");
    assert!(
        out.contains("ok/compose.yml:4:5: error[duplicate-key]"),
        "{out}"
    );
    assert_eq!(code, 2);
}

#[test]
fn fifo_is_refused_without_blocking() {
    let tmp = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(tmp.path().join("compose.yml"))
        .status()
        .unwrap();
    assert!(status.success());
    let (code, _, err) = check(tmp.path(), &["compose.yml"]);
    assert!(err.contains("compose.yml: not a regular file"), "{err}");
    assert_eq!(code, 2);
}

/// Special files reached through `include` and through a mounted config (which static-ip
/// reads for addresses): refused or skipped, never opened in a way that blocks.
#[test]
fn fifo_and_socket_behind_include_and_mount() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for name in ["fifo.yml", "config.fifo"] {
        let status = std::process::Command::new("mkfifo")
            .arg(dir.join(name))
            .status()
            .unwrap();
        assert!(status.success());
    }
    let _socket = std::os::unix::net::UnixListener::bind(dir.join("socket.yml")).unwrap();
    write(
        dir,
        "compose.yml",
        b"include:\n  - fifo.yml\n  - socket.yml\nservices:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./config.fifo:/etc/app.conf\n",
    );
    let (code, out, _) = check(dir, &["--select", "ALL", "compose.yml"]);
    assert!(
        out.contains(
            "compose.yml:2:5: error[include-error] cannot include fifo.yml: not a regular file"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "compose.yml:3:5: error[include-error] cannot include socket.yml: not a regular file"
        ),
        "{out}"
    );
    assert_eq!(code, 1);
}

#[test]
fn fifty_megabyte_file() {
    let mut big = b"services:\n".to_vec();
    let mut i = 0;
    while big.len() < 50 * 1024 * 1024 {
        big.extend_from_slice(
            format!(
                "  s{i}:\n    image: nginx\n    environment:\n      A: \"{}\"\n",
                "x".repeat(200)
            )
            .as_bytes(),
        );
        i += 1;
    }
    let (code, out, _) = case(&[("compose.yml", &big)], &["."]);
    assert!(
        out.starts_with("compose.yml:1:1: error[invalid-yaml] file is "),
        "{out}"
    );
    assert!(out.contains("over the 16 MiB limit"), "{out}");
    assert_eq!(code, 1);
}

#[test]
fn alias_bomb() {
    let mut t = String::from("x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let mut prev = 'a';
    for n in 'b'..='i' {
        t.push_str(&format!("x-{n}: &{n} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        prev = n;
    }
    t.push_str("services:\n  web:\n    image: nginx\n    labels: *i\n");
    let (code, out, _) = case(&[("compose.yml", t.as_bytes())], &["."]);
    assert!(out.starts_with("compose.yml:7:"), "{out}");
    assert!(
        out.contains("error[invalid-yaml] alias expansion exceeds 1000000 nodes"),
        "{out}"
    );
    assert_eq!(code, 1);
}

#[test]
fn deeply_nested_interpolation_is_reported_not_a_stack_overflow() {
    // Two projects, so they are linted on worker threads (smaller stacks than the main one).
    let deep = format!(
        "services:\n  a:\n    image: \"{}x{}\"\n",
        "${A:-".repeat(20_000),
        "}".repeat(20_000)
    );
    let other = "services:\n  b:\n    image: nginx\n";
    let (code, out, err) = case(
        &[
            ("one/compose.yml", deep.as_bytes()),
            ("two/compose.yml", other.as_bytes()),
        ],
        &["--select", "invalid-interpolation", "."],
    );
    assert!(!err.contains("overflow"), "{err}");
    assert!(
        out.starts_with(
            "one/compose.yml:3:12: error[invalid-interpolation] invalid interpolation format for"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "nested more than 100 levels deep: hylint does not resolve it (docker compose does)"
        ),
        "{out}"
    );
    assert_eq!(code, 1);
}

#[test]
fn one_bad_file_never_stops_the_others() {
    let (code, out, _) = case(
        &[
            ("a/compose.yml", b"services:\n  web: [\n"),
            (
                "b/compose.yml",
                b"services:\n  web:\n    image: \"${TAG\"\n",
            ),
        ],
        &["."],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("a/compose.yml:2:8: error[invalid-yaml] unclosed bracket"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("b/compose.yml:3:12: error[invalid-interpolation]"),
        "{out}"
    );
    assert_eq!(code, 1);
}

#[test]
fn missing_path_and_bad_usage_exit_2() {
    let (code, _, err) = case(&[], &["does-not-exist"]);
    assert!(err.contains("does-not-exist"), "{err}");
    assert_eq!(code, 2);
    let (code, _, _) = case(&[], &["--no-such-flag"]);
    assert_eq!(code, 2);
}
