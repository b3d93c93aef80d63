//! One run of `hylint check`: discover files, lint every project in parallel (each loaded,
//! checked, summarised and dropped), run the checks across projects on the summaries, and
//! return sorted diagnostics.

use crate::diagnostic::{sort_and_dedup, Diagnostic};
use crate::discover;
use crate::graph::Graph;
use crate::resolve::{load_project_ahead, LoadOptions, Loaded, Workspace};
use crate::rules::knowledge::Knowledge;
use crate::rules::{registry, Reporter, RuleOptions, Scope, Summary, TreeScope};
use crate::source::{resolve_path, FileId};
use rayon::prelude::*;
use std::collections::HashMap;
// The run's own sets and maps (ids and paths): foldhash, several times faster than SipHash.
use foldhash::{HashMap as FastMap, HashSet as FastSet, HashSetExt};
use std::path::PathBuf;
use std::sync::Mutex;

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
    /// Keep every loaded project in the outcome; otherwise each project is dropped once linted.
    pub keep_projects: bool,
    /// Keep each project's resolved model, as compact JSON text (the fix engine compares the
    /// models before and after a pass). Text takes far less memory than the project or the JSON
    /// value it is written from (docs/performance-notes.md).
    pub keep_models: bool,
    /// Forget each finding's fix once found: the output shows none (concise, GitHub, GitLab,
    /// JUnit) and nothing is fixed. A large tree has fixes by the hundred thousand.
    pub drop_fixes: bool,
    /// Discovered files read together by the stream (0: the default, `CHUNK`). The outcome
    /// does not depend on it; tests vary it to show that.
    pub chunk: usize,
    /// Where the run may read (`None`: anywhere; the command line always sets one).
    pub confinement: Option<crate::resolve::Confinement>,
    /// Report only findings in these files (paths as given; missing ones too, as a deleted
    /// file is), in the files that include or extend them, directly or not, and findings
    /// whose related locations are there. `None`: every finding.
    pub changed: Option<Vec<PathBuf>>,
}

pub struct Outcome {
    pub ws: Workspace,
    /// The loaded projects, when `keep_projects` was set.
    pub projects: Vec<Loaded>,
    /// One model per linted project, when `keep_models` was set.
    pub models: Vec<ProjectModel>,
    pub diagnostics: Vec<Diagnostic>,
    /// Problems that stopped a path from being linted (exit code 2).
    pub errors: Vec<String>,
    /// Files linted (discovered and referenced).
    pub files: usize,
    /// With `--fix`: the fixes applied, in the order taken.
    pub fixed: Option<Vec<AppliedFix>>,
}

/// A fix `--fix` applied: what it is and what it means to change.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AppliedFix {
    pub rule: &'static str,
    pub title: String,
    /// The model paths it means to change (`/services/web/read_only`; `*` for any key).
    pub intent: Vec<String>,
    /// The files it edits, as displayed.
    pub files: Vec<String>,
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

/// The files a change touches: the changed paths, the files that refer to one of them through
/// `include` or `extends` (directly or through other files, so a deleted or renamed file
/// still reaches the file that names it), a directory's default file when its override file
/// changed, and the compose files beside a changed `.env` (it sets their variables).
fn touched_files<'a>(
    ws: &Workspace,
    changed: &[PathBuf],
    refs: impl Iterator<Item = (PathBuf, &'a Vec<PathBuf>)>,
    overrides: impl Iterator<Item = (PathBuf, &'a PathBuf)>,
) -> FastSet<PathBuf> {
    let mut referrers: FastMap<PathBuf, Vec<PathBuf>> = FastMap::default();
    for (from, tos) in refs {
        for to in tos {
            referrers.entry(to.clone()).or_default().push(from.clone());
        }
    }
    for (base, over) in overrides {
        referrers.entry(over.clone()).or_default().push(base);
    }
    let mut touched: FastSet<PathBuf> = FastSet::new();
    let mut todo: Vec<PathBuf> = changed.iter().map(|p| ws.absolute(p)).collect();
    for f in ws.files() {
        let beside_env = todo
            .iter()
            .any(|c| c.file_name().is_some_and(|n| n == ".env") && c.parent() == Some(f.dir()));
        if beside_env && !ws.is_aux(f.id) {
            todo.push(f.path.clone());
        }
    }
    while let Some(p) = todo.pop() {
        if touched.insert(p.clone()) {
            todo.extend(referrers.get(&p).into_iter().flatten().cloned());
        }
    }
    touched
}

/// What one file shows alone: syntax errors, duplicate keys.
fn file_rules(ws: &Workspace, id: FileId) -> Vec<Diagnostic> {
    crate::rules::file_findings(&ws.parsed(id))
}

/// What one file shows alone, recorded at its first parse (by the stream or by a project
/// that loads it): the paths it refers to, and its syntax findings.
struct Facts {
    refs: Vec<PathBuf>,
    diagnostics: Vec<Diagnostic>,
}

/// The facts recorded so far, and the files whose facts came since the stream last looked.
#[derive(Default)]
struct Known {
    facts: FastMap<FileId, Facts>,
    fresh: Vec<FileId>,
}

type FactsMap = Mutex<Known>;

/// Record the facts of `ids` not yet known; their parses are made if needed (and stay).
fn note_facts(ws: &Workspace, ids: &[FileId], facts: &FactsMap) {
    let todo: Vec<FileId> = {
        let known = facts.lock().expect("facts lock");
        ids.iter()
            .copied()
            .filter(|id| !known.facts.contains_key(id))
            .collect()
    };
    let found: Vec<(FileId, Facts)> = todo
        .par_iter()
        .map(|id| {
            let f = Facts {
                refs: references(ws, *id),
                diagnostics: file_rules(ws, *id),
            };
            (*id, f)
        })
        .collect();
    let mut known = facts.lock().expect("facts lock");
    for (id, f) in found {
        if let std::collections::hash_map::Entry::Vacant(e) = known.facts.entry(id) {
            e.insert(f);
            known.fresh.push(id);
        }
    }
}

/// A project's resolved model (`hylint model`'s JSON with every service, compact) and the files
/// it was loaded from.
pub struct ProjectModel {
    pub root: FileId,
    pub files: Vec<FileId>,
    pub json: String,
}

/// What linting one project leaves: its findings and what the checks across projects need.
struct Linted {
    /// The project's root (a discovered file).
    root: FileId,
    diagnostics: Vec<Diagnostic>,
    errors: Vec<String>,
    files: Vec<FileId>,
    summary: Summary,
    /// The project itself, when the caller keeps projects.
    loaded: Option<Loaded>,
    /// The project's model as JSON text, when the caller keeps models.
    model: Option<String>,
}

/// See `CheckOptions::drop_fixes`.
fn forget_fixes(diagnostics: &mut [Diagnostic]) {
    for d in diagnostics {
        d.fix = None;
    }
}

/// Discovered files taken together, in the order the stream reads them (see `run_with`).
const CHUNK: usize = 256;

/// From this many discovered files on, the run goes without transparent huge pages.
const LARGE_TREE: usize = 1000;

/// The allocator (mimalloc) asks for transparent huge pages: 2 MiB pages the kernel zeroes
/// whole, however little of each is used. That saves page faults on a small tree, and costs
/// peak memory on a large one (docs/performance-notes.md), where memory is the limit. The
/// kernel applies it to every page faulted in from now on.
fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    {
        extern "C" {
            fn prctl(option: std::ffi::c_int, ...) -> std::ffi::c_int;
        }
        const PR_SET_THP_DISABLE: std::ffi::c_int = 41;
        // SAFETY: PR_SET_THP_DISABLE reads one integer argument and touches no memory of
        // ours; if the kernel refuses it, nothing changes.
        unsafe {
            prctl(
                PR_SET_THP_DISABLE,
                1 as std::ffi::c_ulong,
                0 as std::ffi::c_ulong,
                0 as std::ffi::c_ulong,
                0 as std::ffi::c_ulong,
            );
        }
    }
}

/// Parse the files a project will load, in parallel, before the loader walks them one by one:
/// the files `root` reaches through the references of files already read. Only files already
/// read are parsed: a path written in a reference may resolve differently in the loader
/// (interpolation, `project_directory`), and a file the loader never uses must not become part
/// of the run. Returns those files, root included (the loader interpolates them ahead).
fn prefetch(ws: &Workspace, root: FileId, facts: &FactsMap) -> Vec<FileId> {
    let mut seen: FastSet<FileId> = [root].into_iter().collect();
    let mut level = vec![root];
    while !level.is_empty() {
        // Parsing a level records its files' facts, references included: the project does not
        // work them out again once loaded.
        note_facts(ws, &level, facts);
        let refs: Vec<PathBuf> = {
            let known = facts.lock().expect("facts lock");
            level
                .iter()
                .flat_map(|id| known.facts[id].refs.iter().cloned())
                .collect()
        };
        let mut next = Vec::new();
        for p in refs {
            if let Some(r) = ws.known(&p) {
                if seen.insert(r) {
                    next.push(r);
                }
            }
        }
        level = next;
    }
    let mut all: Vec<FileId> = seen.into_iter().collect();
    all.sort();
    all
}

/// Load one project, run the per-project rules on it, summarise it for the tree-wide ones,
/// record the facts of the files it loaded, and let its parses go.
fn lint_project(
    ws: &Workspace,
    root: FileId,
    opts: &CheckOptions,
    facts: &FactsMap,
    discovered: &FastSet<FileId>,
    auto_override: &FastMap<FileId, PathBuf>,
) -> Linted {
    let reachable = prefetch(ws, root, facts);
    let loaded = match auto_override.get(&root) {
        Some(over) => {
            let load = LoadOptions {
                overrides: vec![over.clone()],
                ..opts.load.clone()
            };
            load_project_ahead(ws, root, &load, &reachable)
        }
        None => load_project_ahead(ws, root, &opts.load, &reachable),
    };
    let knowledge: &Knowledge = match opts.knowledge.as_deref() {
        Some(k) => k,
        None => Knowledge::builtin(),
    };
    let loader_findings = crate::rules::resolution::findings(&loaded);
    let graph = Graph::build(&loaded.project);
    let scope = Scope {
        ws,
        project: &loaded.project,
        graph: &graph,
        variables: &loaded.variables,
        loader_diagnostics: &loader_findings,
        knowledge,
        options: &opts.rules,
        fixes: !opts.drop_fixes,
    };
    let enabled = |name: &str| opts.rules.is_enabled(name);
    let (mut diagnostics, (summary, summarized)) = rayon::join(
        || {
            registry::RULES
                .par_iter()
                .filter(|r| enabled(r.meta.name))
                .flat_map_iter(|r| {
                    let mut out = Reporter::new(r.meta, scope.fixes);
                    r.rule.check(&scope, &mut out);
                    out.into_findings()
                })
                .collect::<Vec<Diagnostic>>()
        },
        || {
            let mut summary = Summary::of(&loaded.project);
            let mut out = Vec::new();
            for r in registry::RULES.iter().filter(|r| enabled(r.meta.name)) {
                let mut rep = Reporter::new(r.meta, scope.fixes);
                if let Some(claims) = r.rule.summarize(&scope, &mut rep) {
                    summary.claims.push((r.meta.name, claims));
                }
                out.extend(rep.into_findings());
            }
            (summary, out)
        },
    );
    diagnostics.extend(summarized);
    let files: Vec<FileId> = loaded
        .project
        .files
        .iter()
        .copied()
        .filter(|id| !ws.is_aux(*id))
        .collect();
    note_facts(ws, &files, facts);
    // Files only projects find (extends templates, mostly) are often shared by the projects
    // in flight: the stream lets them go at the end of the chunk.
    let own: Vec<FileId> = files
        .iter()
        .copied()
        .filter(|id| discovered.contains(id))
        .collect();
    ws.evict(&own);
    let model = opts.keep_models.then(|| {
        serde_json::to_string(&crate::model::json::compose_json_of(&loaded.project, true))
            .expect("a JSON value serialises")
    });
    diagnostics.extend(loader_findings);
    // The project's errors and files move out of it unless the caller keeps the project.
    let (errors, files, kept) = if opts.keep_projects {
        (
            loaded.errors.clone(),
            loaded.project.files.clone(),
            Some(loaded),
        )
    } else {
        (loaded.errors, loaded.project.files, None)
    };
    if opts.drop_fixes {
        forget_fixes(&mut diagnostics);
    }
    Linted {
        root,
        diagnostics,
        errors,
        files,
        summary,
        loaded: kept,
        model,
    }
}

pub fn run(opts: &CheckOptions) -> Outcome {
    run_with(opts, HashMap::new())
}

/// `HYLINT_TIMING=1` prints how long each phase of a run took (for profiling, on stderr).
struct Timer {
    on: bool,
    t0: std::time::Instant,
}

impl Timer {
    fn new() -> Timer {
        Timer {
            on: std::env::var_os("HYLINT_TIMING").is_some(),
            t0: std::time::Instant::now(),
        }
    }

    fn phase(&self, name: &str) {
        if !self.on {
            return;
        }
        // VmRSS: what the phases so far hold (peak memory is the bench's job).
        let rss = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .map(|l| l.trim_start_matches("VmRSS:").trim().to_string())
            })
            .unwrap_or_default();
        // CPU time of all threads so far: against the wall time, how well a phase uses the
        // cores.
        // SAFETY: getrusage writes one struct we own.
        let cpu = unsafe {
            let mut u: libc::rusage = std::mem::zeroed();
            libc::getrusage(libc::RUSAGE_SELF, &mut u);
            let ms = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
            ms(u.ru_utime) + ms(u.ru_stime)
        };
        eprintln!(
            "hylint timing: {name}: {:.1} ms, cpu {cpu:.0} ms, rss {rss}",
            self.t0.elapsed().as_secs_f64() * 1000.0
        );
    }
}

/// `run`, reading `overrides` (absolute path → text) instead of those files on disk.
pub fn run_with(opts: &CheckOptions, overrides: HashMap<PathBuf, String>) -> Outcome {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let relative = opts.paths.iter().all(|p| p.is_relative());
    let ws = Workspace::new(cwd, relative)
        .with_overrides(overrides)
        .confined(opts.confinement.clone());
    let timer = Timer::new();
    // Compiling the compose schema and reading the built-in knowledge take milliseconds the
    // first project would otherwise wait for: started now, beside discovery and reading.
    std::thread::spawn(|| {
        crate::rules::schema::schema_violation::validator();
        Knowledge::builtin();
    });
    let (ids, mut errors) = discover_and_read(&ws, opts, &timer);
    timer.phase("read");
    let stream = lint_stream(&ws, opts, &ids);
    timer.phase("load and lint projects");
    let Stream {
        mut linted,
        facts,
        discovered,
        auto_override,
    } = stream;
    cover_rings(
        &ws,
        opts,
        &ids,
        &facts,
        &discovered,
        &auto_override,
        &mut linted,
    );
    let mut facts = facts.into_inner().expect("facts lock").facts;
    let touched = opts.changed.as_ref().map(|changed| {
        let refs = facts
            .iter()
            .map(|(id, f)| (ws.file(*id).path.clone(), &f.refs));
        let overrides = auto_override
            .iter()
            .map(|(id, over)| (ws.file(*id).path.clone(), over));
        touched_files(&ws, changed, refs, overrides)
    });
    let mut diagnostics = syntax_findings(&ws, &ids, &discovered, &mut facts);
    timer.phase("file rules");

    let mut projects = Vec::new();
    let mut models = Vec::new();
    let mut summaries = Vec::with_capacity(linted.len());
    let mut lists = Vec::with_capacity(linted.len());
    for (index, l) in linted.into_iter().enumerate() {
        lists.push(l.diagnostics);
        errors.extend(l.errors);
        let mut summary = l.summary;
        for s in &mut summary.services {
            s.project = index;
        }
        summaries.push(summary);
        projects.extend(l.loaded);
        if let Some(json) = l.model {
            models.push(ProjectModel {
                root: l.root,
                files: l.files,
                json,
            });
        }
    }
    tree_checks(&ws, opts, summaries, lists, &mut diagnostics);
    timer.phase("tree rules");
    filter(&ws, opts, touched.as_ref(), &mut diagnostics);
    timer.phase("filters");
    sort(&ws, &mut diagnostics);
    errors.sort();
    errors.dedup();
    timer.phase("sort");
    let files = ws.files();
    Outcome {
        files: files.iter().filter(|f| !ws.is_aux(f.id)).count(),
        ws,
        projects,
        models,
        diagnostics,
        errors,
        fixed: None,
    }
}

/// The files the run starts from, read: the paths given, directories walked (files whose text
/// is given need not exist on disk), and the problems that stopped a path from being read.
fn discover_and_read(
    ws: &Workspace,
    opts: &CheckOptions,
    timer: &Timer,
) -> (Vec<FileId>, Vec<String>) {
    let (given, on_disk): (Vec<PathBuf>, Vec<PathBuf>) = opts
        .paths
        .iter()
        .cloned()
        .partition(|p| ws.has_override(&ws.absolute(p)));
    let (mut paths, mut errors) = discover::discover(&on_disk);
    paths.extend(given);
    if paths.len() >= LARGE_TREE {
        without_huge_pages();
    }
    timer.phase("discover");
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
    (ids, errors)
}

/// What the stream of projects leaves: the projects linted, in discovery order, and what the
/// rest of the run needs of what it learnt.
struct Stream {
    linted: Vec<Linted>,
    facts: FactsMap,
    discovered: FastSet<FileId>,
    /// A directory's default file and the override file merged with it.
    auto_override: FastMap<FileId, PathBuf>,
}

/// Lint every project whose root is a discovered file.
///
/// A project root is a discovered file no other discovered file includes or extends. Rather
/// than parse every file to learn that and parse most of them again when their projects load
/// (holding every tree in between costs about seven times the source), the discovered files
/// are read as a stream in chunks: a chunk's files are parsed for their facts, the ones no
/// file read so far refers to are linted as projects, and the parses go. A project records
/// the facts of every file it loads, so an included file is parsed once, by the project.
/// Files likely to refer to others come first (those that mention `include` or `extends`,
/// shallowest first): a root is then almost always read before what it includes. A project
/// whose root turns out to be referenced by a file read later is dropped at the end, so the
/// outcome does not depend on the order.
fn lint_stream(ws: &Workspace, opts: &CheckOptions, ids: &[FileId]) -> Stream {
    let discovered: FastSet<FileId> = ids.iter().copied().collect();
    // A directory's default compose file merged with its override file, as `docker compose`
    // run there merges them (not when files are named with `-f`, nor for files given by path).
    let mut auto_override: FastMap<FileId, PathBuf> = FastMap::default();
    let mut referenced: FastSet<PathBuf> = FastSet::new();
    if opts.load.overrides.is_empty() {
        let walked: Vec<PathBuf> = ids
            .iter()
            .map(|id| ws.file(*id).path.clone())
            .filter(|p| !opts.paths.iter().any(|g| ws.absolute(g) == *p))
            .collect();
        for (base, over) in discover::default_overrides(&walked) {
            if let Some(id) = ids.iter().find(|id| ws.file(**id).path == base) {
                auto_override.insert(*id, over.clone());
                referenced.insert(over);
            }
        }
    }
    let position: FastMap<FileId, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut order = ids.to_vec();
    order.sort_by_cached_key(|id| {
        let f = ws.file(*id);
        let refers = f.text.contains("include") || f.text.contains("extends");
        (!refers, f.path.components().count(), f.path.clone())
    });
    let facts: FactsMap = Mutex::new(Known::default());
    let mut linted: Vec<Linted> = Vec::new();
    // References of discovered files recorded since the last look join `referenced` (only
    // those: looking at every file known, twice a chunk, made the stream quadratic).
    let take_refs = |referenced: &mut FastSet<PathBuf>| {
        let mut known = facts.lock().expect("facts lock");
        let fresh = std::mem::take(&mut known.fresh);
        for id in fresh {
            if discovered.contains(&id) {
                referenced.extend(known.facts[&id].refs.iter().cloned());
            }
        }
    };
    let chunk_len = if opts.chunk == 0 { CHUNK } else { opts.chunk };
    for chunk in order.chunks(chunk_len) {
        note_facts(ws, chunk, &facts);
        take_refs(&mut referenced);
        let roots: Vec<FileId> = chunk
            .iter()
            .copied()
            .filter(|id| !referenced.contains(&ws.file(*id).path))
            .collect();
        let done: Vec<Linted> = roots
            .par_iter()
            .map(|id| lint_project(ws, *id, opts, &facts, &discovered, &auto_override))
            .collect();
        let shared: Vec<FileId> = done
            .iter()
            .flat_map(|l| l.files.iter().copied())
            .filter(|id| !discovered.contains(id))
            .collect();
        ws.evict(&shared);
        linted.extend(done);
        take_refs(&mut referenced);
        ws.evict(chunk);
    }
    // Projects whose root a file read later refers to are not projects after all.
    linted.retain(|l| !referenced.contains(&ws.file(l.root).path));
    linted.sort_by_key(|l| position[&l.root]);
    Stream {
        linted,
        facts,
        discovered,
        auto_override,
    }
}

/// Files that reference each other in a ring (an include cycle) have no root: load the first
/// one not yet covered as a project of its own, until every file is covered.
fn cover_rings(
    ws: &Workspace,
    opts: &CheckOptions,
    ids: &[FileId],
    facts: &FactsMap,
    discovered: &FastSet<FileId>,
    auto_override: &FastMap<FileId, PathBuf>,
    linted: &mut Vec<Linted>,
) {
    let mut covered: FastSet<FileId> = linted
        .iter()
        .flat_map(|l| l.files.iter().copied())
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
            let l = lint_project(ws, *id, opts, facts, discovered, auto_override);
            ws.evict(&l.files);
            covered.extend(l.files.iter().copied());
            covered.insert(*id);
            linted.push(l);
        }
    }
}

/// Syntax findings of every discovered file and of the files only projects found (through
/// include or extends): recorded with their facts, or found now for files never parsed.
fn syntax_findings(
    ws: &Workspace,
    ids: &[FileId],
    discovered: &FastSet<FileId>,
    facts: &mut FastMap<FileId, Facts>,
) -> Vec<Diagnostic> {
    let found: Vec<FileId> = ws
        .files()
        .iter()
        .map(|f| f.id)
        .filter(|id| !discovered.contains(id) && !ws.is_aux(*id))
        .collect();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut unread = Vec::new();
    for id in ids.iter().chain(&found) {
        match facts.remove(id) {
            Some(f) => diagnostics.extend(f.diagnostics),
            None => unread.push(*id),
        }
    }
    let found_diags: Vec<Diagnostic> = unread
        .par_iter()
        .flat_map_iter(|id| {
            let out = file_rules(ws, *id);
            ws.evict(&[*id]);
            out
        })
        .collect();
    diagnostics.extend(found_diags);
    diagnostics
}

/// The checks across projects, on every project's summary; the projects' own findings
/// (`lists`) join `diagnostics` meanwhile.
fn tree_checks(
    ws: &Workspace,
    opts: &CheckOptions,
    summaries: Vec<Summary>,
    lists: Vec<Vec<Diagnostic>>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // On a large tree each takes tens of milliseconds, mostly on one core: side by side.
    let tree = TreeScope {
        ws,
        summaries: &summaries,
        options: &opts.rules,
        fixes: !opts.drop_fixes,
    };
    let (tree_diags, ()) = rayon::join(
        || {
            registry::RULES
                .par_iter()
                .filter(|r| opts.rules.is_enabled(r.meta.name))
                .flat_map_iter(|r| {
                    let mut out = Reporter::new(r.meta, tree.fixes);
                    r.rule.check_tree(&tree, &mut out);
                    out.into_findings()
                })
                .collect::<Vec<Diagnostic>>()
        },
        || {
            diagnostics.reserve(lists.iter().map(Vec::len).sum());
            for l in lists {
                diagnostics.extend(l);
            }
        },
    );
    diagnostics.extend(tree_diags);
    // Freeing the summaries takes a core tens of milliseconds on a large tree: done beside the
    // filters and the sort, which leave a core idle.
    rayon::spawn(move || drop(summaries));
    if opts.drop_fixes {
        forget_fixes(diagnostics);
    }
}

/// What the run's options keep: selected rules outside ignored paths, with the configured
/// severities, not suppressed in the source, in the changed files (`touched`), and not in the
/// baseline.
fn filter(
    ws: &Workspace,
    opts: &CheckOptions,
    touched: Option<&FastSet<PathBuf>>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    diagnostics.retain(|d| {
        opts.rules.is_enabled(d.rule)
            && !opts
                .path_ignores
                .ignores(&ws.file(d.primary.file).path, d.rule)
    });
    for d in diagnostics.iter_mut() {
        if let Some(s) = opts.severity.get(d.rule) {
            d.severity = *s;
        }
    }
    crate::suppress::apply(ws, diagnostics, true, &|r| opts.rules.is_enabled(r));
    if let Some(touched) = touched {
        let files = ws.files();
        let inside = |s: crate::source::Span| touched.contains(&files[s.file.0 as usize].path);
        diagnostics.retain(|d| inside(d.primary) || d.labels.iter().any(|l| inside(l.span)));
    }
    if let Some(b) = &opts.baseline {
        crate::baseline::apply(b, ws, diagnostics);
    }
}

/// Findings in the order they are listed: by displayed file path, then position.
fn sort(ws: &Workspace, diagnostics: &mut Vec<Diagnostic>) {
    let files = ws.files();
    let mut by_name: Vec<usize> = (0..files.len()).collect();
    by_name.sort_by(|a, b| files[*a].display.cmp(&files[*b].display));
    let mut rank = vec![0; files.len()];
    for (r, i) in by_name.into_iter().enumerate() {
        rank[i] = r;
    }
    sort_and_dedup(diagnostics, |s| rank[s.file.0 as usize]);
}
