//! A time-bounded fuzzer over the loader and the fix engine, on stable Rust: compose files of
//! the fixtures and the corpus, mutated (structure, the compose tags and merge keys, variables,
//! deep nesting, huge port ranges and aliases), are linted and fixed by the real binary with a
//! memory limit and a time limit. Any panic, crash (a stack overflow is a signal), hang or
//! allocation past the limit fails the test, which prints the input to reproduce it.
//!
//! `HYLINT_FUZZ_SECS` sets the time spent (default 60); `HYLINT_FUZZ_SEED` the first seed.

mod common;

use common::*;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The address space one run may take: far above a real tree's need, far below the machine's.
const MEMORY_LIMIT: u64 = 2 << 30;
/// The time one run may take.
const TIME_LIMIT: Duration = Duration::from_secs(20);

fn seeds() -> Vec<String> {
    let mut files = compose_files(&repo_root().join("fixtures"));
    files.extend(compose_files(&corpus()));
    files.sort();
    files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

/// Text that stresses one part of the pipeline, inserted into a file.
const PIECES: &[&str] = &[
    ":",
    "-",
    " ",
    "#",
    "'",
    "\"",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "!reset ",
    "!override ",
    "!!merge <<: *a",
    "<<: *a",
    "<<: [*a, *a]",
    "|",
    ">",
    "\n",
    "\n  ",
    "\t",
    "${A}",
    "${A:-",
    "${A:?e}",
    "$${",
    "${A:-${B:-${C}}}",
    "\u{1b}[2J",
    "\u{0}",
    "\u{202e}",
    "~",
    "null",
    "0x1F",
    "022",
    "1e400",
    "-9223372036854775809",
    "\"1-65535:1-65535\"",
    "1-65535:1-65535/udp",
    "extends: {service: x, file: ../x.yml}",
    "include: [../../etc/passwd]",
    "env_file: /dev/zero",
    "scale: 100000000",
    "mem_limit: 99999999999999999999g",
];

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    for _ in 0..1 + rng.below(4) {
        let i = rng.below(lines.len());
        match rng.below(8) {
            0 => {
                lines.remove(i);
                if lines.is_empty() {
                    lines.push(String::new());
                }
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => lines[i].insert_str(0, ["  ", " ", "    "][rng.below(3)]),
            3 => {
                // Deep nesting, in flow or block style.
                let n = 1 + rng.below(400);
                lines[i] = if rng.below(2) == 0 {
                    format!("x-deep: {}{}", "[".repeat(n), "]".repeat(n))
                } else {
                    format!("x-deep: {}{}", "${A:-".repeat(n), "}".repeat(n))
                };
            }
            4..=6 => {
                let l = &mut lines[i];
                let mut at = rng.below(l.len() + 1);
                while !l.is_char_boundary(at) {
                    at -= 1;
                }
                l.insert_str(at, PIECES[rng.below(PIECES.len())]);
            }
            _ => {
                let j = rng.below(lines.len());
                lines.swap(i, j);
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// Run hylint on `dir` under the limits; `Err` says what went wrong.
fn run_limited(dir: &Path, args: &[&str]) -> Result<(), String> {
    let mut cmd = hylint();
    cmd.current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; it runs in the child before exec.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: MEMORY_LIMIT,
                rlim_max: MEMORY_LIMIT,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{args:?}: still running after {TIME_LIMIT:?}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let err = reader.join().unwrap_or_default();
    if let Some(sig) = status.signal() {
        return Err(format!("{args:?}: killed by signal {sig}: {err}"));
    }
    match status.code() {
        Some(0..=2) if !err.contains("panicked") => Ok(()),
        code => Err(format!("{args:?}: exit {code:?}: {err}")),
    }
}

#[test]
fn mutated_trees_neither_crash_hang_nor_exhaust_memory() {
    let secs: u64 = std::env::var("HYLINT_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let first_seed: u64 = std::env::var("HYLINT_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed);
    let seeds = seeds();
    assert!(seeds.len() > 30, "only {} seed files", seeds.len());
    let tmp = tempfile::tempdir().unwrap();
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut runs = 0u64;
    let mut seed = first_seed;
    while Instant::now() < deadline {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        // A root file and a second file it may include or extend.
        let root_text = mutate(&seeds[rng.below(seeds.len())], &mut rng);
        let other_text = mutate(&seeds[rng.below(seeds.len())], &mut rng);
        let dir: PathBuf = tmp.path().join(format!("case-{seed}"));
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("compose.yaml"), &root_text).unwrap();
        std::fs::write(dir.join("sub/compose.yaml"), &other_text).unwrap();
        for args in [
            &["check", "--format", "json", "--profile", "*", "."][..],
            &[
                "check",
                "--fix",
                "--unsafe-fixes",
                "--format",
                "concise",
                ".",
            ][..],
            &["model", "compose.yaml"][..],
        ] {
            if let Err(e) = run_limited(&dir, args) {
                panic!(
                    "seed {seed}: {e}\n--- compose.yaml\n{root_text}\n--- sub/compose.yaml\n{other_text}"
                );
            }
            runs += 1;
        }
        std::fs::remove_dir_all(&dir).unwrap();
        seed += 1;
    }
    eprintln!(
        "fuzz: {runs} runs on {} cases (seeds {first_seed}..{seed}) in {secs} s",
        seed - first_seed
    );
    assert!(runs > 0);
}
