//! One run of `hylint check`: discover files, load every project in parallel, run the rules,
//! and return sorted diagnostics.

use crate::diagnostic::{sort_and_dedup, Diagnostic};
use crate::discover;
use crate::graph::Graph;
use crate::resolve::{load_project, LoadOptions, Loaded, Workspace};
use crate::rules::knowledge::Knowledge;
use crate::rules::syntax::{duplicate_key, invalid_yaml};
use crate::rules::{registry, RuleOptions, Tree};
use crate::source::{resolve_path, FileId};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    pub paths: Vec<PathBuf>,
    pub load: LoadOptions,
    pub rules: RuleOptions,
    /// Knowledge extended by the configuration; `None` for the built-in data.
    pub knowledge: Option<std::sync::Arc<Knowledge>>,
    pub path_ignores: crate::config::PathIgnores,
    pub severity: HashMap<&'static str, crate::diagnostic::Severity>,
    pub baseline: Option<std::sync::Arc<crate::baseline::Baseline>>,
}

pub struct Outcome {
    pub ws: Workspace,
    pub projects: Vec<Loaded>,
    pub diagnostics: Vec<Diagnostic>,
    /// Problems that stopped a path from being linted (exit code 2).
    pub errors: Vec<String>,
    /// Files linted (discovered and referenced).
    pub files: usize,
}

/// Paths a file refers to through `include` and `extends.file` (uninterpolated, as written).
fn references(ws: &Workspace, id: FileId) -> Vec<PathBuf> {
    let parsed = ws.parsed(id);
    let file = ws.file(id);
    let dir = file.dir();
    let mut out = Vec::new();
    for doc in &parsed.docs {
        for inc in doc.get("include").and_then(|i| i.as_seq()).unwrap_or(&[]) {
            let paths: Vec<&str> = match inc.get("path") {
                Some(p) => match p.as_seq() {
                    Some(s) => s.iter().filter_map(|x| x.as_str()).collect(),
                    None => p.as_str().into_iter().collect(),
                },
                None => inc.as_str().into_iter().collect(),
            };
            out.extend(paths.into_iter().map(|p| resolve_path(dir, p)));
        }
        for svc in doc.get("services").and_then(|s| s.as_map()).unwrap_or(&[]) {
            if let Some(f) = svc
                .value
                .path(&["extends", "file"])
                .and_then(|f| f.as_str())
            {
                out.push(resolve_path(dir, f));
            }
        }
    }
    out
}

pub fn run(opts: &CheckOptions) -> Outcome {
    run_with(opts, HashMap::new())
}

/// `run`, reading `overrides` (absolute path → text) instead of those files on disk.
pub fn run_with(opts: &CheckOptions, overrides: HashMap<PathBuf, String>) -> Outcome {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let relative = opts.paths.iter().all(|p| p.is_relative());
    let ws = Workspace::new(cwd, relative).with_overrides(overrides);
    // HYLINT_TIMING=1 prints how long each phase took (for profiling, on stderr).
    let timing = std::env::var_os("HYLINT_TIMING").is_some();
    let t0 = std::time::Instant::now();
    let phase = |name: &str| {
        if timing {
            // VmRSS: what the phases so far hold (peak memory is the bench's job).
            let rss = std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find(|l| l.starts_with("VmRSS:"))
                        .map(|l| l.trim_start_matches("VmRSS:").trim().to_string())
                })
                .unwrap_or_default();
            eprintln!(
                "hylint timing: {name}: {:.1} ms, rss {rss}",
                t0.elapsed().as_secs_f64() * 1000.0
            );
        }
    };
    let (paths, mut errors) = discover::discover(&opts.paths);
    phase("discover");

    let loaded: Vec<(PathBuf, Result<FileId, String>)> = paths
        .par_iter()
        .map(|p| (p.clone(), ws.load(p).map_err(|e| e.to_string())))
        .collect();
    let mut ids = Vec::new();
    for (p, r) in loaded {
        match r {
            Ok(id) => ids.push(id),
            Err(e) => errors.push(format!("{}: {e}", ws.display(&p))),
        }
    }
    ids.par_iter().for_each(|id| {
        ws.parsed(*id);
    });
    phase("read and parse");

    // A project root is a discovered file no other discovered file includes or extends.
    let referenced: HashSet<PathBuf> = ids
        .par_iter()
        .flat_map_iter(|id| references(&ws, *id))
        .collect();
    let roots: Vec<FileId> = ids
        .iter()
        .copied()
        .filter(|id| !referenced.contains(&ws.file(*id).path))
        .collect();

    let mut projects: Vec<Loaded> = roots
        .par_iter()
        .map(|id| load_project(&ws, *id, &opts.load))
        .collect();
    phase("load projects");
    // Files that reference each other in a ring (an include cycle) have no root: load the
    // first one not yet covered as a project of its own, until every file is covered.
    let mut covered: HashSet<FileId> = projects
        .iter()
        .flat_map(|p| p.project.files.iter().copied())
        .collect();
    let mut rest: Vec<FileId> = ids
        .iter()
        .copied()
        .filter(|id| !covered.contains(id))
        .collect();
    // Shallowest first: in a ring, the file nearest the top is the likely root.
    rest.sort_by_key(|id| {
        let f = ws.file(*id);
        (f.path.components().count(), f.path.clone())
    });
    for id in &rest {
        if !covered.contains(id) {
            let p = load_project(&ws, *id, &opts.load);
            covered.extend(p.project.files.iter().copied());
            covered.insert(*id);
            projects.push(p);
        }
    }

    let mut diagnostics: Vec<Diagnostic> = ws
        .files()
        .par_iter()
        .filter(|f| !ws.is_aux(f.id))
        .flat_map_iter(|f| {
            let parsed = ws.parsed(f.id);
            let mut out = Vec::new();
            invalid_yaml::check(f, &parsed, &mut out);
            duplicate_key::check(&parsed, &mut out);
            out
        })
        .collect();
    phase("file rules");
    for p in &projects {
        diagnostics.extend(p.diagnostics.iter().cloned());
        errors.extend(p.errors.iter().cloned());
    }
    let tree = Tree {
        ws: &ws,
        projects: projects
            .iter()
            .map(|l| (&l.project, Graph::build(&l.project)))
            .collect(),
        variables: projects.iter().map(|l| l.variables.as_slice()).collect(),
        loader_diagnostics: projects.iter().map(|l| l.diagnostics.as_slice()).collect(),
        knowledge: opts.knowledge.as_deref().unwrap_or(Knowledge::builtin()),
        options: &opts.rules,
    };
    let rule_diags: Vec<Diagnostic> = registry::CHECKS
        .par_iter()
        .filter(|(meta, _)| opts.rules.is_enabled(meta.name))
        .flat_map_iter(|(_, check)| {
            let mut out = Vec::new();
            check(&tree, &mut out);
            out
        })
        .collect();
    diagnostics.extend(rule_diags);
    phase("tree rules");
    diagnostics.retain(|d| {
        opts.rules.is_enabled(d.rule)
            && !opts
                .path_ignores
                .ignores(&ws.file(d.primary.file).path, d.rule)
    });
    for d in &mut diagnostics {
        if let Some(s) = opts.severity.get(d.rule) {
            d.severity = *s;
        }
    }
    crate::suppress::apply(&ws, &mut diagnostics, true, &|r| opts.rules.is_enabled(r));
    if let Some(b) = &opts.baseline {
        crate::baseline::apply(b, &ws, &mut diagnostics);
    }
    phase("filters");
    let files = ws.files();
    sort_and_dedup(&mut diagnostics, |s| {
        files[s.file.0 as usize].display.clone()
    });
    errors.sort();
    errors.dedup();
    phase("sort");
    Outcome {
        files: files.iter().filter(|f| !ws.is_aux(f.id)).count(),
        ws,
        projects,
        diagnostics,
        errors,
    }
}
