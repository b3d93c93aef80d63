//! The world corpus (`../shared/corpus/world`, 30 real projects) against the real docker compose
//! v2: on every root file of every project, with the default profiles and with all of them, and
//! on every multi-file combination the corpus README lists:
//!
//! - where compose accepts the project, `hylint model` prints exactly what `docker compose
//!   config --format json` prints, apart from the nulls and empty mappings compose prints for
//!   unset fields (`without_nulls_and_empty_maps`), and `hylint check` reports no error from its
//!   validity rules;
//! - where compose rejects it, `hylint check` (with the same `-f` files, env files and profiles)
//!   reports an error of the class compose named.
//!
//! Both run from the root file's directory with a clean environment, as the README prescribes.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// One case: the project (hylint may read all of it), the directory to run in, the `-f` files,
/// env files and whether all profiles are on.
struct Case {
    project: PathBuf,
    dir: PathBuf,
    label: String,
    files: Vec<String>,
    env_files: Vec<String>,
    all_profiles: bool,
}

fn run(mut c: Command, home: &Path, dir: &Path) -> Output {
    c.current_dir(dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home)
        .env("DOCKER_CONFIG", home.join(".docker"))
        .env("NO_COLOR", "1");
    c.output().expect("run")
}

fn args(case: &Case) -> Vec<String> {
    let mut a = Vec::new();
    for e in &case.env_files {
        a.extend(["--env-file".to_string(), e.clone()]);
    }
    for f in &case.files {
        a.extend(["-f".to_string(), f.clone()]);
    }
    if case.all_profiles {
        a.extend(["--profile".to_string(), "*".to_string()]);
    }
    a
}

/// The confinement hylint runs with here: the project's own tree.
fn root_args(case: &Case) -> [String; 2] {
    ["--root".into(), case.project.to_string_lossy().into_owned()]
}

/// What went wrong with one case, if anything.
fn check_case(case: &Case, home: &Path) -> Result<bool, String> {
    let a = args(case);
    let mut o = Command::new(oracle());
    o.args(&a).args(["config", "--format", "json"]);
    let oracle_out = run(o, home, &case.dir);
    let mut m = Command::new(env!("CARGO_BIN_EXE_hylint"));
    m.arg("model").args(&a).args(root_args(case));
    let model = run(m, home, &case.dir);
    let accepted = oracle_out.status.success();
    if accepted {
        let want = without_nulls_and_empty_maps(&json(&oracle_out));
        let got = without_nulls_and_empty_maps(&json(&model));
        let (want, got) = (want.unwrap_or(Value::Null), got.unwrap_or(Value::Null));
        let diffs = hylint::model::json::differences(&want, &got, 10);
        if !diffs.is_empty() {
            return Err(format!(
                "{}: model differs from docker compose's:\n    {}",
                case.label,
                diffs
                    .iter()
                    .map(|(p, a, b)| format!("{p}: compose={a} hylint={b}"))
                    .collect::<Vec<_>>()
                    .join("\n    ")
            ));
        }
    }
    // Validity: `hylint check` with the same files, env files and profiles.
    {
        let mut c = Command::new(env!("CARGO_BIN_EXE_hylint"));
        c.args(["check", "--format", "json", "--select", &VALIDITY.join(",")])
            .args(&a)
            .args(root_args(case));
        let out = run(c, home, &case.dir);
        let errors = error_rules(&json(&out));
        if accepted && !errors.is_empty() {
            return Err(format!(
                "{}: compose accepts it, hylint reports {errors:?}",
                case.label
            ));
        }
        if !accepted {
            let stderr = String::from_utf8_lossy(&oracle_out.stderr);
            let message: String = stderr
                .lines()
                .filter(|l| !l.contains("level=warning"))
                .collect::<Vec<_>>()
                .join(" ");
            let Some(want) = classes(&message) else {
                return Err(format!(
                    "{}: compose's error is of no known class: {message}",
                    case.label
                ));
            };
            if !errors.iter().any(|e| want.contains(&e.as_str())) {
                return Err(format!(
                    "{}: compose rejects it ({message}); hylint reports {errors:?}, not {want:?}",
                    case.label
                ));
            }
        }
    }
    Ok(accepted)
}

/// The multi-file rows of the corpus README: (working dir, arguments).
fn multi_file_rows(world: &Path) -> Vec<(String, Vec<String>)> {
    let readme = std::fs::read_to_string(world.join("README.md")).unwrap();
    let section = readme
        .split("## Multi-file setups")
        .nth(1)
        .expect("the README's multi-file section");
    section
        .lines()
        .take_while(|l| !l.starts_with("###"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let dir = cells.get(1)?.strip_prefix('`')?.strip_suffix("/`")?;
            let args = cells.get(2)?.trim_matches('`');
            Some((
                dir.to_string(),
                args.split_whitespace().map(str::to_string).collect(),
            ))
        })
        .collect()
}

fn cases() -> Vec<Case> {
    let world = world();
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(world.join("manifest.json")).unwrap())
            .unwrap();
    let mut out = Vec::new();
    for p in manifest["projects"].as_array().unwrap() {
        let pdir = world.join(p["dir"].as_str().unwrap());
        for rf in p["root_files"].as_array().unwrap() {
            let rf = Path::new(rf.as_str().unwrap());
            for all_profiles in [false, true] {
                out.push(Case {
                    project: pdir.clone(),
                    dir: pdir.join(rf.parent().unwrap()),
                    label: format!(
                        "{}/{} [{}]",
                        p["dir"].as_str().unwrap(),
                        rf.display(),
                        if all_profiles { "all" } else { "default" }
                    ),
                    files: vec![rf.file_name().unwrap().to_string_lossy().into_owned()],
                    env_files: vec![],
                    all_profiles,
                });
            }
        }
    }
    let rows = multi_file_rows(&world);
    assert!(
        rows.len() >= 13,
        "the README lists {} combinations",
        rows.len()
    );
    for (dir, args) in rows {
        let (mut files, mut env_files) = (Vec::new(), Vec::new());
        for pair in args.chunks(2) {
            match pair {
                [flag, v] if flag == "-f" => files.push(v.clone()),
                [flag, v] if flag == "--env-file" => env_files.push(v.clone()),
                _ => panic!("unexpected arguments in the README: {args:?}"),
            }
        }
        for all_profiles in [false, true] {
            let project = world.join(dir.split('/').next().unwrap());
            out.push(Case {
                project,
                dir: world.join(&dir),
                label: format!("{dir} {} [{}]", args.join(" "), all_profiles),
                files: files.clone(),
                env_files: env_files.clone(),
                all_profiles,
            });
        }
    }
    out
}

#[test]
fn world_projects_resolve_and_validate_like_docker_compose() {
    let cases = cases();
    let home = tempfile::tempdir().unwrap();
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
                let Some(case) = cases.get(i) else { break };
                let r = check_case(case, home.path());
                results.lock().unwrap().push(r);
            });
        }
    });
    let results = results.into_inner().unwrap();
    let accepted = results.iter().filter(|r| matches!(r, Ok(true))).count();
    let mut failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    failures.sort();
    eprintln!(
        "world: {} cases, {accepted} accepted by compose, {} failures",
        cases.len(),
        failures.len()
    );
    assert!(cases.len() > 600, "too few cases: {}", cases.len());
    assert!(accepted > 300, "compose accepted only {accepted} cases");
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree with docker compose:\n{}",
        failures.len(),
        cases.len(),
        failures
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
