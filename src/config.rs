//! `hylint.toml` (or `.hylint.toml`): found by walking up from the linted path, or named with
//! `--config`. An unknown key is an error naming the key and its file:line:col.

use crate::diagnostic::Severity;
use crate::rules::registry;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// Every key the file accepts: (key, type, meaning). The configuration reference in
/// docs/configuration.md is generated from this table.
pub const KEYS: &[(&str, &str, &str)] = &[
    ("select", "list of rule selectors", "Only these rules (names, codes, code prefixes such as `HY1`, categories, or `ALL`). Default: all rules."),
    ("extend-select", "list of rule selectors", "Rules added to `select`."),
    ("ignore", "list of rule selectors", "Rules turned off."),
    ("failure-threshold", "`info` \\| `warning` \\| `error`", "Lowest severity that makes the exit code 1 (default `warning`). `--failure-threshold` overrides it."),
    ("profiles", "list of strings", "Profiles to enable, as `--profile` (`*` for all)."),
    ("env-files", "list of paths", "Env files for interpolation, relative to the configuration file, as `--env-file`."),
    ("[per-file-ignores]", "table: glob = list of rule selectors", "Rules ignored in files matching the glob (relative to the configuration file)."),
    ("[severity]", "table: rule = `info` \\| `warning` \\| `error`", "Severity overrides by rule name or code."),
    ("[rules.static-ip] allowed-networks", "list of strings", "Networks on which pinned addresses are accepted (a macvlan, say)."),
    ("[rules.missing-healthcheck] strict", "boolean", "Also report `healthcheck: {disable: true}` (default false)."),
    ("[rules.missing-resource-limits] default-cpus", "string", "CPU limit the unsafe fix inserts (with `default-memory`)."),
    ("[rules.missing-resource-limits] default-memory", "string", "Memory limit the unsafe fix inserts (with `default-cpus`)."),
    ("[rules.writable-exporter] exporter-images", "list of globs", "More images that are metrics exporters."),
    ("[rules.writable-exporter] exporter-names", "list of globs", "More service names that are metrics exporters."),
    ("[rules.gpu-reservation-gap] gpu-images", "list of globs", "More images that are GPU workloads."),
    ("[rules.dependency-without-healthcheck] healthcheck-images", "list of globs", "More images that declare a HEALTHCHECK of their own (so `service_healthy` on them works)."),
];

pub const FILE_NAMES: [&str; 2] = ["hylint.toml", ".hylint.toml"];

#[derive(Clone, Debug, Default)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    pub failure_threshold: Option<Severity>,
    pub profiles: Vec<String>,
    pub env_files: Vec<PathBuf>,
    pub per_file_ignores: Vec<(String, Vec<String>)>,
    pub severity: Vec<(String, Severity)>,
    pub allowed_networks: Vec<String>,
    pub healthcheck_strict: bool,
    pub default_cpus: Option<String>,
    pub default_memory: Option<String>,
    pub exporter_images: Vec<String>,
    pub exporter_names: Vec<String>,
    pub gpu_images: Vec<String>,
    pub healthcheck_images: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The configuration file that applies to `start`: the nearest one walking up.
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        for n in FILE_NAMES {
            let p = d.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
        dir = d.parent();
    }
    None
}

struct Reader<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Reader<'_> {
    fn at(&self, span: std::ops::Range<usize>, msg: impl std::fmt::Display) -> ConfigError {
        let (l, c) = crate::yaml::line_col_of(self.text, span.start);
        ConfigError(format!("{}:{l}:{c}: {msg}", self.path.display()))
    }
    fn strings(&self, v: &Spanned<DeValue>, key: &str) -> Result<Vec<String>, ConfigError> {
        match v.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .map(|i| match i.get_ref() {
                    DeValue::String(s) => Ok(s.to_string()),
                    _ => Err(self.at(i.span(), format!("`{key}` takes a list of strings"))),
                })
                .collect(),
            _ => Err(self.at(v.span(), format!("`{key}` takes a list of strings"))),
        }
    }
    fn string(&self, v: &Spanned<DeValue>, key: &str) -> Result<String, ConfigError> {
        match v.get_ref() {
            DeValue::String(s) => Ok(s.to_string()),
            _ => Err(self.at(v.span(), format!("`{key}` takes a string"))),
        }
    }
    fn severity(&self, v: &Spanned<DeValue>, key: &str) -> Result<Severity, ConfigError> {
        let s = self.string(v, key)?;
        Severity::parse(&s).ok_or_else(|| {
            self.at(
                v.span(),
                format!("`{key}`: unknown severity {s:?} (info, warning or error)"),
            )
        })
    }
    fn selectors(&self, v: &Spanned<DeValue>, key: &str) -> Result<Vec<String>, ConfigError> {
        let list = self.strings(v, key)?;
        if let DeValue::Array(items) = v.get_ref() {
            for (s, item) in list.iter().zip(items) {
                if registry::select(s).is_empty() {
                    return Err(
                        self.at(item.span(), format!("`{key}`: unknown rule selector {s:?}"))
                    );
                }
            }
        }
        Ok(list)
    }
    fn table<'t>(
        &self,
        v: &'t Spanned<DeValue<'t>>,
        key: &str,
    ) -> Result<&'t DeTable<'t>, ConfigError> {
        match v.get_ref() {
            DeValue::Table(t) => Ok(t),
            _ => Err(self.at(v.span(), format!("`{key}` must be a table"))),
        }
    }
}

pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
    let doc = DeTable::parse(&text).map_err(|e| {
        let at = e
            .span()
            .map(|s| crate::yaml::line_col_of(&text, s.start))
            .unwrap_or((1, 1));
        ConfigError(format!(
            "{}:{}:{}: {}",
            path.display(),
            at.0,
            at.1,
            e.message()
        ))
    })?;
    let r = Reader { path, text: &text };
    let mut c = Config {
        path: Some(path.to_path_buf()),
        ..Default::default()
    };
    let base = path.parent().unwrap_or(Path::new("."));
    for (k, v) in doc.get_ref() {
        let key: &str = k.get_ref();
        match key {
            "select" => c.select = Some(r.selectors(v, key)?),
            "extend-select" => c.extend_select = r.selectors(v, key)?,
            "ignore" => c.ignore = r.selectors(v, key)?,
            "failure-threshold" => c.failure_threshold = Some(r.severity(v, key)?),
            "profiles" => c.profiles = r.strings(v, key)?,
            "env-files" => {
                c.env_files = r
                    .strings(v, key)?
                    .into_iter()
                    .map(|p| base.join(p))
                    .collect()
            }
            "per-file-ignores" => {
                for (g, rules) in r.table(v, key)? {
                    Glob::new(g.get_ref()).map_err(|e| r.at(g.span(), format!("bad glob: {e}")))?;
                    c.per_file_ignores
                        .push((g.get_ref().to_string(), r.selectors(rules, g.get_ref())?));
                }
            }
            "severity" => {
                for (rule, sev) in r.table(v, key)? {
                    if registry::find(rule.get_ref()).is_none() {
                        return Err(r.at(
                            rule.span(),
                            format!(
                                "[severity]: unknown rule {:?}",
                                rule.get_ref().as_ref() as &str
                            ),
                        ));
                    }
                    c.severity
                        .push((rule.get_ref().to_string(), r.severity(sev, rule.get_ref())?));
                }
            }
            "rules" => {
                for (rule, opts) in r.table(v, key)? {
                    let name: &str = rule.get_ref();
                    for (ok, ov) in r.table(opts, name)? {
                        let o: &str = ok.get_ref();
                        match (name, o) {
                            ("static-ip", "allowed-networks") => c.allowed_networks = r.strings(ov, o)?,
                            ("missing-healthcheck", "strict") => match ov.get_ref() {
                                DeValue::Boolean(b) => c.healthcheck_strict = *b,
                                _ => return Err(r.at(ov.span(), "`strict` takes true or false")),
                            },
                            ("missing-resource-limits", "default-cpus") => c.default_cpus = Some(r.string(ov, o)?),
                            ("missing-resource-limits", "default-memory") => c.default_memory = Some(r.string(ov, o)?),
                            ("writable-exporter", "exporter-images") => c.exporter_images = r.strings(ov, o)?,
                            ("writable-exporter", "exporter-names") => c.exporter_names = r.strings(ov, o)?,
                            ("gpu-reservation-gap", "gpu-images") => c.gpu_images = r.strings(ov, o)?,
                            ("dependency-without-healthcheck", "healthcheck-images") => {
                                c.healthcheck_images = r.strings(ov, o)?
                            }
                            _ => {
                                return Err(r.at(
                                    ok.span(),
                                    format!("unknown key `{o}` in [rules.{name}] (see docs/configuration.md)"),
                                ))
                            }
                        }
                    }
                }
            }
            other => {
                return Err(r.at(
                    k.span(),
                    format!("unknown key `{other}` (see docs/configuration.md)"),
                ));
            }
        }
    }
    if c.default_cpus.is_some() != c.default_memory.is_some() {
        return Err(ConfigError(format!(
            "{}: [rules.missing-resource-limits] needs both default-cpus and default-memory",
            path.display()
        )));
    }
    Ok(c)
}

/// Per-file ignores, compiled against the configuration file's directory.
#[derive(Debug, Default, Clone)]
pub struct PathIgnores {
    base: PathBuf,
    globs: Vec<(GlobSet, Vec<&'static str>)>,
}

impl PathIgnores {
    pub fn new(c: &Config) -> PathIgnores {
        let base = c
            .path
            .as_ref()
            .and_then(|p| p.parent())
            .and_then(|p| std::fs::canonicalize(p).ok())
            .unwrap_or_default();
        let globs = c
            .per_file_ignores
            .iter()
            .filter_map(|(g, sels)| {
                let mut b = GlobSetBuilder::new();
                b.add(Glob::new(g).ok()?);
                let rules = sels
                    .iter()
                    .flat_map(|s| registry::select(s))
                    .map(|r| r.name)
                    .collect();
                Some((b.build().ok()?, rules))
            })
            .collect();
        PathIgnores { base, globs }
    }
    pub fn ignores(&self, abs_path: &Path, rule: &str) -> bool {
        // Asked once per finding: without patterns, no path work.
        if self.globs.is_empty() {
            return false;
        }
        let Ok(rel) = abs_path.strip_prefix(&self.base) else {
            return false;
        };
        self.globs
            .iter()
            .any(|(g, rules)| rules.contains(&rule) && g.is_match(rel))
    }
}

/// Severity overrides by rule name.
pub fn severity_map(c: &Config) -> HashMap<&'static str, Severity> {
    c.severity
        .iter()
        .filter_map(|(r, s)| registry::find(r).map(|m| (m.name, *s)))
        .collect()
}
