//! The `hylint` command line. Exit codes: 0 no findings at or above the failure threshold,
//! 1 findings, 2 usage, configuration or I/O error.

use clap::{Args, Parser, Subcommand};

// The loader allocates and frees many small nodes; mimalloc does that faster than glibc's
// allocator under rayon (measured in bench/).
#[global_allocator]
static GLOBAL: Mimalloc = Mimalloc;

/// mimalloc, asked as its C API is meant to be used: the `mimalloc` crate's allocator calls
/// `mi_malloc_aligned` for every allocation, a slower path than `mi_malloc` (about 1.4 M of a
/// corpus run's 61 M instructions). On 64-bit targets `mi_malloc` aligns every block of 16
/// bytes or more to 16 (MI_MAX_ALIGN_SIZE; mimalloc's alloc.c asserts it) and smaller ones to
/// 8, so only larger alignments need the aligned calls: the same test std's `System`
/// allocator makes before calling `malloc`.
struct Mimalloc;

/// The alignment every `mi_malloc` block has when it is at least this large (MI_MAX_ALIGN_SIZE).
const MI_MAX_ALIGN: usize = 16;

extern "C" {
    fn mi_malloc(size: usize) -> *mut std::ffi::c_void;
    fn mi_zalloc(size: usize) -> *mut std::ffi::c_void;
    fn mi_realloc(p: *mut std::ffi::c_void, size: usize) -> *mut std::ffi::c_void;
}

fn plainly_aligned(layout: std::alloc::Layout) -> bool {
    layout.align() <= MI_MAX_ALIGN && layout.align() <= layout.size()
}

// SAFETY: every pointer comes from mimalloc and goes back to it; plain calls are used only for
// layouts whose alignment mimalloc's blocks always have, the rest go to `mimalloc::MiMalloc`.
unsafe impl std::alloc::GlobalAlloc for Mimalloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if plainly_aligned(layout) {
            mi_malloc(layout.size()) as *mut u8
        } else {
            mimalloc::MiMalloc.alloc(layout)
        }
    }
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if plainly_aligned(layout) {
            mi_zalloc(layout.size()) as *mut u8
        } else {
            mimalloc::MiMalloc.alloc_zeroed(layout)
        }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        mimalloc::MiMalloc.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        let new = std::alloc::Layout::from_size_align_unchecked(new_size, layout.align());
        if plainly_aligned(layout) && plainly_aligned(new) {
            mi_realloc(ptr as *mut std::ffi::c_void, new_size) as *mut u8
        } else {
            mimalloc::MiMalloc.realloc(ptr, layout, new_size)
        }
    }
}

use codespan_reporting::term::termcolor::{ColorChoice, NoColor, StandardStream, WriteColor};
use hylint::check::{self, CheckOptions};
use hylint::config::Config;
use hylint::diagnostic::Severity;
use hylint::report::{self, Format};
use hylint::resolve::{load_project, Confinement, LoadOptions, Workspace};
use hylint::rules::knowledge::Knowledge;
use hylint::rules::registry;
use hylint::rules::RuleOptions;
use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// A line on standard error, with what a terminal or CI log would act on (line ends, escape
/// sequences: a path or message from the tree may hold them) shown as escapes.
macro_rules! say {
    ($($arg:tt)*) => {
        eprintln!("{}", hylint::report::printable(&format!($($arg)*)))
    };
}
use std::process::ExitCode;

// mimalloc's C API (linked with the allocator); the option numbers are from mimalloc v3's
// mimalloc.h, and a test below checks the one used still means what it says.
extern "C" {
    fn mi_option_set(option: i32, value: std::ffi::c_long);
    #[cfg(test)]
    fn mi_option_get(option: i32) -> std::ffi::c_long;
}
const MI_OPTION_PURGE_DELAY: i32 = 15;

/// Freed memory goes back to the system after 10 ms, not mimalloc's default of a second: a run
/// over a large tree frees each project's trees as it goes, and with the default the peak kept
/// about 40 MB of freed pages (10 000 files: 321 -> 280 MiB, bench/).
fn tune_allocator() {
    // SAFETY: sets a plain integer option; mimalloc reads options atomically.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 10) }
}

#[derive(Parser, Debug)]
#[command(
    name = "hylint",
    version,
    about = "Lint, analyse and fix Docker Compose infrastructure trees",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

// Parsed once per run: the size of the check variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
enum Command {
    /// Lint compose files and the projects they form (the default command)
    Check(CheckArgs),
    /// Print the resolved project as `docker compose config --format json` does
    Model(ModelArgs),
    /// List every rule: name, code, severity, fix availability
    Rules {
        /// Output format
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Print a rule's documentation
    Explain {
        /// Rule name or code
        rule: String,
    },
    /// Print the project graph: services by stack, networks, volumes, secrets, configs,
    /// depends_on, links, extends and include (Mermaid, Graphviz Dot or JSON)
    Graph(GraphArgs),
    /// Print a shell completion script (source it from the shell's startup file)
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), for `man -l -` or a man directory
    Man,
}

#[derive(Args, Debug, Clone)]
struct LoadArgs {
    /// Enable a profile (repeatable); '*' enables all. Default: COMPOSE_PROFILES
    #[arg(long = "profile", value_name = "NAME")]
    profiles: Vec<String>,
    /// Read variables from this file instead of <project dir>/.env (repeatable)
    #[arg(long = "env-file", value_name = "PATH")]
    env_files: Vec<PathBuf>,
    /// Project name (default: `name:`, COMPOSE_PROJECT_NAME, or the directory name)
    #[arg(long = "project-name", short = 'p', value_name = "NAME")]
    project_name: Option<String>,
    /// Read nothing outside this directory: an include, extends, env file or mounted file
    /// elsewhere (or behind a symbolic link leading elsewhere) is reported, not read
    /// [default: the git top level above the first path, else that path]
    #[arg(long = "root", value_name = "DIR")]
    root: Option<PathBuf>,
}

impl LoadArgs {
    /// Where the run may read: `--root`, else for each path given on the command line (a file
    /// or a directory) the git top level above it, else the path itself (a file's directory).
    /// The env files named with `--env-file` are the user's own choice and stay readable.
    fn confinement(&self, paths: &[PathBuf]) -> Confinement {
        let root_of = |given: &PathBuf| -> PathBuf {
            // The directory of a file as named, not of where a link named so leads.
            let dir = if given.is_dir() {
                given.clone()
            } else {
                match given.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                    _ => PathBuf::from("."),
                }
            };
            let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
            dir.ancestors()
                .find(|d| d.join(".git").exists())
                .map(Path::to_path_buf)
                .unwrap_or(dir)
        };
        let roots: Vec<PathBuf> = match &self.root {
            Some(r) => vec![r.clone()],
            None if paths.is_empty() => vec![root_of(&PathBuf::from("."))],
            None => paths.iter().map(root_of).collect(),
        };
        Confinement::new(&roots, &self.env_files)
    }

    fn options(&self) -> LoadOptions {
        LoadOptions {
            profiles: self.profiles.clone(),
            env_files: self.env_files.clone(),
            environment: std::env::vars().collect(),
            project_name: self.project_name.clone(),
            overrides: Vec::new(),
        }
    }
}

#[derive(Args, Debug, Clone)]
struct CheckArgs {
    /// Files or directories to lint [default: .]
    paths: Vec<PathBuf>,
    /// Lint the one project these compose files form, merged in order as `docker compose -f A
    /// -f B` merges them (repeatable; instead of PATHS)
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        conflicts_with = "paths"
    )]
    files: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Full)]
    format: Format,
    /// Lowest severity that makes the exit code 1 [default: warning, or the configuration's]
    #[arg(long, value_name = "SEVERITY", value_parser = ["info", "warning", "error"])]
    failure_threshold: Option<String>,
    /// Configuration file [default: the nearest hylint.toml or .hylint.toml above the first path]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Report only findings not recorded in this baseline file
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file and exit
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fix", "diff", "baseline"])]
    write_baseline: Option<PathBuf>,
    /// Only these rules: names, codes, code prefixes (HY1), categories or ALL; comma-separated
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    select: Vec<String>,
    /// These rules too, beside those --select or the configuration's `select` chose
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    extend_select: Vec<String>,
    /// Not these rules (same forms as --select)
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    ignore: Vec<String>,
    /// Apply safe fixes, then report what remains
    #[arg(long)]
    fix: bool,
    /// With --fix or --diff: also apply unsafe fixes
    #[arg(long)]
    unsafe_fixes: bool,
    /// Print the fixes as a unified diff and write nothing
    #[arg(long)]
    diff: bool,
    /// Colour in full output: auto, always, never [auto honours NO_COLOR, FORCE_COLOR and
    /// CLICOLOR_FORCE]
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    color: String,
    /// Exit 0 even when findings remain (2 still means hylint could not do its job)
    #[arg(long)]
    exit_zero: bool,
    /// Print how many findings each rule has, instead of the findings
    #[arg(long)]
    statistics: bool,
    /// Print the findings only: no summary line, no "Fixed ..." line
    #[arg(long, short = 'q')]
    quiet: bool,
    /// With --fix: list the fixes applied, by file and rule
    #[arg(long)]
    show_fixes: bool,
    /// Write the report to this file instead of standard output
    #[arg(long, short = 'o', value_name = "PATH")]
    output_file: Option<PathBuf>,
    /// Also write a report in another format to a file, from the same run (repeatable):
    /// `sarif=hylint.sarif`, `markdown=summary.md`
    #[arg(long = "output", value_name = "FORMAT=PATH", value_parser = parse_output)]
    outputs: Vec<(Format, PathBuf)>,
    /// With PATHS `-`: the path the text read from standard input is linted as (its project,
    /// .env and relative paths are those of this path) [default: compose.yaml]
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
    /// Report only findings in the files listed in FILE (one path per line, relative to the
    /// working directory, as `git diff --name-only` prints them at the top level; deleted
    /// files too) and in the files that include or extend them. The whole tree is still
    /// loaded, so conflicts with unchanged files are found
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fix", "diff", "write_baseline"])]
    changed_files: Option<PathBuf>,
    #[command(flatten)]
    load: LoadArgs,
}

/// `FORMAT=PATH` of `--output`.
fn parse_output(s: &str) -> Result<(Format, PathBuf), String> {
    use clap::ValueEnum;
    let (format, path) = s
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=PATH, got {s:?}"))?;
    let format = Format::from_str(format, true).map_err(|_| {
        let names: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        format!("unknown format {format:?}; one of {}", names.join(", "))
    })?;
    if path.is_empty() {
        return Err("the path after `=` is empty".into());
    }
    Ok((format, PathBuf::from(path)))
}

#[derive(Args, Debug)]
struct GraphArgs {
    /// Files or directories [default: .]
    paths: Vec<PathBuf>,
    /// The one project these compose files form, merged in order (repeatable; instead of PATHS)
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        conflicts_with = "paths"
    )]
    files: Vec<PathBuf>,
    /// Output format: mermaid (renders in GitHub Markdown), dot (Graphviz), json (docs/graph.md)
    #[arg(long, default_value = "mermaid", value_parser = ["mermaid", "dot", "json"])]
    format: String,
    /// Only this service, the services it depends on or that depend on it, and what it uses
    #[arg(long, value_name = "NAME")]
    service: Option<String>,
    #[command(flatten)]
    load: LoadArgs,
}

#[derive(Args, Debug)]
struct ModelArgs {
    /// The compose file, or a directory: its default file (compose.yaml, ..., docker-compose.yml)
    /// merged with the override file beside it, as `docker compose` reads them [default: .]
    #[arg(conflicts_with = "files")]
    path: Option<PathBuf>,
    /// Compose files merged in order into one project, as `docker compose -f A -f B`
    /// (repeatable); relative paths in every file resolve against the first file's directory
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output format (json only)
    #[arg(long, default_value = "json", value_parser = ["json"])]
    format: String,
    #[command(flatten)]
    load: LoadArgs,
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        None => match misspelt_command(&cli.check.paths) {
            Some(message) => {
                eprintln!("{message}");
                2
            }
            None => run_check(&cli.check),
        },
        Some(Command::Check(a)) => run_check(&a),
        Some(Command::Model(a)) => run_model(a),
        Some(Command::Graph(a)) => run_graph(&a),
        Some(Command::Rules { format }) => {
            let text = if format == "json" {
                rules_json()
            } else {
                rules_table()
            };
            emit(&text).unwrap_or_else(|c| c)
        }
        Some(Command::Explain { rule }) => match registry::find(&rule) {
            Some(r) => emit(r.doc).unwrap_or_else(|c| c),
            None => {
                say!("error: unknown rule {rule:?}; `hylint rules` lists them");
                2
            }
        },
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "hylint", &mut out);
            emit(&String::from_utf8_lossy(&out)).unwrap_or_else(|c| c)
        }
        Some(Command::Man) => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut out) {
                Ok(()) => emit(&String::from_utf8_lossy(&out)).unwrap_or_else(|c| c),
                Err(e) => {
                    say!("error: rendering the man page: {e}");
                    2
                }
            }
        }
    };
    ExitCode::from(code)
}

/// A bare `hylint` lints paths, so `hylint chek .` would lint a path named `chek`. When the
/// first path does not exist and is one or two edits from a command's name, say so instead.
fn misspelt_command(paths: &[PathBuf]) -> Option<String> {
    use clap::CommandFactory;
    let first = paths.first()?.to_str()?;
    if first.contains(['/', '.']) || Path::new(first).exists() {
        return None;
    }
    let cmd = Cli::command();
    let best = cmd
        .get_subcommands()
        .map(|c| c.get_name())
        .map(|name| (edit_distance(first, name), name))
        .filter(|(d, name)| *d <= 2 && *d < name.len())
        .min()?;
    let first = hylint::report::printable(first);
    Some(format!(
        "error: unrecognized subcommand '{first}' (and no such path)\n\n  tip: a similar \
         subcommand exists: '{}'\n\nFor more information, try 'hylint --help'.",
        best.1
    ))
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(diag + usize::from(ca != *cb));
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// Write `text` to standard output. A reader that went away (`hylint model | head -1`) ends
/// the output quietly; any other failure to write (a full disk) is an I/O error: exit 2.
fn emit(text: &str) -> Result<u8, u8> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => {
            say!("error: writing output: {e}");
            Err(2)
        }
    }
}

fn rules_table() -> String {
    let mut out = format!(
        "{:<31} {:<6} {:<9} {:<9} summary\n",
        "name", "code", "severity", "fix"
    );
    for r in registry::ALL {
        out.push_str(&format!(
            "{:<31} {:<6} {:<9} {:<9} {}\n",
            r.name,
            r.code,
            r.severity.as_str(),
            r.fix.as_str(),
            r.summary
        ));
    }
    out
}

/// `hylint rules --format json`: one object per rule, in code order.
fn rules_json() -> String {
    let rules: Vec<serde_json::Value> = registry::ALL
        .iter()
        .map(|r| {
            serde_json::json!({
                "name": r.name,
                "code": r.code,
                "category": r.category,
                "severity": r.severity.as_str(),
                "fixable": r.fixable(),
                "fix": r.fix.as_str(),
                "summary": r.summary,
            })
        })
        .collect();
    serde_json::to_string_pretty(&rules).unwrap_or_default() + "\n"
}

/// `--show-fixes`: the fixes applied, by file (on stderr: stdout holds the report).
fn show_fixes(fixed: &[hylint::check::AppliedFix]) {
    let mut by_file: std::collections::BTreeMap<&str, Vec<&hylint::check::AppliedFix>> =
        Default::default();
    for f in fixed {
        for file in &f.files {
            by_file.entry(file.as_str()).or_default().push(f);
        }
    }
    for (file, fixes) in by_file {
        say!("{file}:");
        for f in fixes {
            say!("    {}: {}", f.rule, f.title);
        }
    }
}

/// `--statistics`: findings per rule, most first (then by code), with how many carry a fix.
fn statistics(outcome: &hylint::check::Outcome, json: bool) -> String {
    let rows = report::rule_counts(outcome);
    if json {
        let v: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({"code": r.code, "name": r.rule, "count": r.count, "fixable": r.fixable})
            })
            .collect();
        return serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
    }
    let mut out = String::new();
    for r in rows {
        let fix = if r.fixable > 0 {
            format!(" ({} fixable)", r.fixable)
        } else {
            String::new()
        };
        out.push_str(&format!("{:>6}  {}  {}{fix}\n", r.count, r.code, r.rule));
    }
    out
}

/// The rules enabled by the configuration, then `--select`/`--ignore` (the command line wins).
fn enabled_rules(a: &CheckArgs, c: &Config) -> Result<Option<HashSet<&'static str>>, String> {
    // The command line's --select replaces the configuration's choice; --extend-select adds
    // to whichever choice stands (to every rule, when none was made).
    let mut select: Vec<String> = if !a.select.is_empty() {
        a.select.clone()
    } else if let Some(s) = &c.select {
        s.iter().chain(&c.extend_select).cloned().collect()
    } else if !c.extend_select.is_empty() {
        std::iter::once("ALL".to_string())
            .chain(c.extend_select.iter().cloned())
            .collect()
    } else {
        vec![]
    };
    if !select.is_empty() {
        select.extend(a.extend_select.iter().cloned());
    } else {
        // Every rule runs already; the selectors are still checked.
        for sel in &a.extend_select {
            if registry::select(sel).is_empty() {
                return Err(format!(
                    "unknown rule selector {sel:?}; `hylint rules` lists them"
                ));
            }
        }
    }
    let ignore: Vec<String> = c.ignore.iter().chain(&a.ignore).cloned().collect();
    if select.is_empty() && ignore.is_empty() {
        return Ok(None);
    }
    let resolve = |sel: &str| -> Result<Vec<&'static str>, String> {
        let rules = registry::select(sel);
        if rules.is_empty() {
            return Err(format!(
                "unknown rule selector {sel:?}; `hylint rules` lists them"
            ));
        }
        Ok(rules.iter().map(|r| r.name).collect())
    };
    let mut on: HashSet<&'static str> = if select.is_empty() {
        registry::ALL.iter().map(|r| r.name).collect()
    } else {
        let mut s = HashSet::new();
        for sel in &select {
            s.extend(resolve(sel)?);
        }
        s
    };
    for sel in &ignore {
        for r in resolve(sel)? {
            on.remove(r);
        }
    }
    Ok(Some(on))
}

/// The configuration: `--config`, else the nearest hylint.toml above the first path.
fn load_config(a: &CheckArgs, paths: &[PathBuf]) -> Result<Config, String> {
    let path = match &a.config {
        Some(p) => Some(p.clone()),
        None => hylint::config::find(
            paths
                .first()
                .map(|p| p.as_path())
                .unwrap_or(std::path::Path::new(".")),
        ),
    };
    match path {
        Some(p) => hylint::config::load(&p).map_err(|e| e.to_string()),
        None => Ok(Config::default()),
    }
}

fn check_options(a: &CheckArgs, paths: Vec<PathBuf>, c: &Config) -> Result<CheckOptions, String> {
    let mut load = a.load.options();
    load.overrides = a.files.iter().skip(1).cloned().collect();
    if load.profiles.is_empty() {
        load.profiles = c.profiles.clone();
    }
    if load.env_files.is_empty() {
        load.env_files = c.env_files.clone();
    }
    let knowledge = if c.exporter_images.is_empty()
        && c.exporter_names.is_empty()
        && c.gpu_images.is_empty()
        && c.healthcheck_images.is_empty()
    {
        None
    } else {
        let mut k = Knowledge::builtin().clone();
        k.exporter_images.extend(&c.exporter_images);
        k.exporter_names.extend(&c.exporter_names);
        k.gpu_images.extend(&c.gpu_images);
        k.healthcheck_declared.extend(&c.healthcheck_images);
        Some(std::sync::Arc::new(k))
    };
    let baseline = match &a.baseline {
        Some(p) => Some(std::sync::Arc::new(hylint::baseline::read(p)?)),
        None => None,
    };
    let given = if a.files.is_empty() {
        paths.clone()
    } else {
        a.files.clone()
    };
    Ok(CheckOptions {
        confinement: Some(a.load.confinement(&given)),
        paths,
        load,
        rules: RuleOptions {
            enabled: enabled_rules(a, c)?,
            healthcheck_strict: c.healthcheck_strict,
            static_ip_allowed_networks: c.allowed_networks.clone(),
            default_limits: c.default_cpus.clone().zip(c.default_memory.clone()),
        },
        knowledge,
        path_ignores: hylint::config::PathIgnores::new(c),
        severity: hylint::config::severity_map(c),
        baseline,
        keep_projects: false,
        keep_models: false,
        drop_fixes: !(a.fix || a.diff || a.statistics)
            && std::iter::once(a.format)
                .chain(a.outputs.iter().map(|(f, _)| *f))
                .all(|f| {
                    matches!(
                        f,
                        Format::Concise | Format::Github | Format::Junit | Format::Gitlab
                    )
                }),
        chunk: 0,
        changed: None,
    })
}

/// Whether colour is forced or refused by the environment (`NO_COLOR`, `FORCE_COLOR`,
/// `CLICOLOR_FORCE`), for `--color auto`.
fn color_from_env() -> Option<bool> {
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty() && v != "0");
    if set("NO_COLOR") {
        Some(false)
    } else if set("FORCE_COLOR") || set("CLICOLOR_FORCE") {
        Some(true)
    } else {
        None
    }
}

/// The closing lines of the full format: the count, the findings per rule, and what `--fix`
/// would fix.
fn full_summary(outcome: &hylint::check::Outcome) -> String {
    let n = outcome.diagnostics.len();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if outcome.files == 0 {
        return String::new();
    }
    if n == 0 {
        return format!("No findings in {}.\n", plural(outcome.files, "file"));
    }
    let mut out = format!(
        "Found {} in {}.\n",
        plural(n, "finding"),
        plural(outcome.files, "file")
    );
    // Per rule, when there is more than one.
    let stats = statistics(outcome, false);
    if stats.lines().count() > 1 {
        out.push_str(&stats);
    }
    let with = |a: hylint::diagnostic::Applicability| {
        outcome
            .diagnostics
            .iter()
            .filter(|d| d.fix.as_ref().is_some_and(|f| f.applicability == a))
            .count()
    };
    let safe = with(hylint::diagnostic::Applicability::Safe);
    let unsafe_ = with(hylint::diagnostic::Applicability::Unsafe);
    let review = "(they change what runs: review them)";
    match (safe, unsafe_) {
        (0, 0) => {}
        (0, u) => out.push_str(&format!(
            "{u} fixable with `--fix --unsafe-fixes` {review}.\n"
        )),
        (s, 0) => out.push_str(&format!("[*] {s} fixable with `--fix`.\n")),
        (s, u) => out.push_str(&format!(
            "[*] {s} fixable with `--fix`; {u} more with `--fix --unsafe-fixes` {review}.\n"
        )),
    }
    out
}

/// The report of `outcome` in `format`, written to `w` (colour only if `w` has it).
fn render(
    format: Format,
    quiet: bool,
    outcome: &hylint::check::Outcome,
    w: &mut dyn WriteColor,
) -> std::io::Result<()> {
    let pretty = |v: serde_json::Value| serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
    match format {
        Format::Full => {
            report::full::render(outcome, w)?;
            if !quiet {
                w.write_all(full_summary(outcome).as_bytes())?;
            }
            Ok(())
        }
        Format::Concise => report::write_concise(outcome, w),
        Format::Json => w.write_all(pretty(report::json::render(outcome)).as_bytes()),
        Format::Sarif => w.write_all(pretty(report::sarif::render(outcome)).as_bytes()),
        Format::Gitlab => w.write_all(pretty(report::gitlab::render(outcome)).as_bytes()),
        Format::Github => w.write_all(report::github::render(outcome).as_bytes()),
        Format::Junit => w.write_all(report::junit::render(outcome).as_bytes()),
        Format::Markdown => w.write_all(report::markdown::render(outcome).as_bytes()),
    }?;
    w.flush()
}

/// Write a report to a file (`--output-file`, `--output`), never in colour.
fn render_to_file(
    format: Format,
    quiet: bool,
    outcome: &hylint::check::Outcome,
    path: &Path,
) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut w = NoColor::new(std::io::BufWriter::new(file));
    render(format, quiet, outcome, &mut w).map_err(|e| format!("{}: {e}", path.display()))
}

/// Standard input, as the text of the file `--stdin-filename` names.
fn read_stdin() -> Result<String, String> {
    use std::io::Read;
    let limit = hylint::resolve::MAX_FILE_SIZE;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("reading standard input: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "standard input is larger than {} MiB",
            limit / (1024 * 1024)
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "standard input is not UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// The paths `--changed-files` lists, one per line; blank lines are skipped.
fn read_changed(path: &Path) -> Result<Vec<PathBuf>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .map(PathBuf::from)
        .collect())
}

fn run_check(a: &CheckArgs) -> u8 {
    let stdin = a.paths.iter().any(|p| p.as_os_str() == "-");
    if stdin && a.paths.len() > 1 {
        say!("error: `-` (standard input) must be the only path");
        return 2;
    }
    if a.stdin_filename.is_some() && !stdin {
        say!(
            "error: --stdin-filename names the text read from standard input: give `-` as the path"
        );
        return 2;
    }
    let stdin_name = a
        .stdin_filename
        .clone()
        .unwrap_or_else(|| PathBuf::from("compose.yaml"));
    let paths = if stdin && a.files.is_empty() {
        vec![stdin_name.clone()]
    } else {
        start_paths(&a.paths, &a.files)
    };
    let config = match load_config(a, &paths) {
        Ok(c) => c,
        Err(e) => {
            say!("error: {e}");
            return 2;
        }
    };
    let mut opts = match check_options(a, paths, &config) {
        Ok(o) => o,
        Err(e) => {
            say!("error: {e}");
            return 2;
        }
    };
    if let Some(list) = &a.changed_files {
        match read_changed(list) {
            Ok(c) => opts.changed = Some(c),
            Err(e) => {
                say!("error: {e}");
                return 2;
            }
        }
    }
    // Standard input is linted as the file it is named as, in that file's place in the tree.
    let mut given = std::collections::HashMap::new();
    if stdin {
        match read_stdin() {
            Ok(text) => {
                let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
                given.insert(Workspace::new(cwd, true).absolute(&stdin_name), text);
            }
            Err(e) => {
                say!("error: {e}");
                return 2;
            }
        }
    }
    if let Some(path) = &a.write_baseline {
        let outcome = check::run_with(&opts, given);
        for e in &outcome.errors {
            say!("error: {e}");
        }
        return match hylint::baseline::write(path, &outcome.ws, &outcome.diagnostics) {
            Ok(()) => {
                say!(
                    "Wrote {} findings to {}.",
                    outcome.diagnostics.len(),
                    path.display()
                );
                u8::from(!outcome.errors.is_empty()) * 2
            }
            Err(e) => {
                say!("error: {}: {e}", path.display());
                2
            }
        };
    }
    let mut fix_failed = false;
    let outcome = if a.fix || a.diff {
        let report = hylint::fix::run(
            &opts,
            &hylint::fix::FixOptions {
                unsafe_fixes: a.unsafe_fixes,
                // From standard input only that text is fixed: other files are not rewritten.
                only: stdin.then(|| given.keys().cloned().collect()),
                given: given.clone(),
                ..Default::default()
            },
        );
        if a.diff {
            let mut so = std::io::stdout().lock();
            for c in &report.changes {
                let _ = so.write_all(hylint::fix::unified_diff(c).as_bytes());
            }
            if !report.changes.is_empty() {
                say!(
                    "Would fix {} finding{} in {} file{} (nothing written).",
                    report.applied,
                    if report.applied == 1 { "" } else { "s" },
                    report.changes.len(),
                    if report.changes.len() == 1 { "" } else { "s" }
                );
            }
            for r in &report.refused {
                say!("warning: {r}");
            }
            // Like `ruff --diff`: 1 when there is something to fix.
            return u8::from(!report.changes.is_empty());
        }
        if stdin {
            return fixed_stdin(a, &config, &given, report);
        }
        let written = match hylint::fix::write_all(&report.changes, &opts.paths) {
            Ok(n) => n,
            Err(errors) => {
                for (display, e) in errors {
                    say!("error: {display}: {e}");
                }
                fix_failed = true;
                0
            }
        };
        for r in &report.refused {
            say!("warning: {r}");
        }
        if fix_failed {
            // Report what is really on disk.
            let now = check::run(&opts);
            say!(
                "Fixed {written} of {} files: fixes are written to every file or to none, and \
                 some could not be (see above). {} remaining.",
                report.changes.len(),
                now.diagnostics.len()
            );
            now
        } else {
            if a.show_fixes {
                show_fixes(report.outcome.fixed.as_deref().unwrap_or(&[]));
            }
            if !a.quiet {
                say!(
                    "Fixed {} finding{} in {written} file{}; {} remaining.",
                    report.applied,
                    if report.applied == 1 { "" } else { "s" },
                    if written == 1 { "" } else { "s" },
                    report.outcome.diagnostics.len()
                );
            }
            report.outcome
        }
    } else {
        check::run_with(&opts, given)
    };
    let mut failed_output = false;
    for (format, path) in &a.outputs {
        if let Err(e) = render_to_file(*format, a.quiet, &outcome, path) {
            say!("error: writing output: {e}");
            failed_output = true;
        }
    }
    let result = if a.statistics {
        let json = matches!(a.format, Format::Json);
        std::io::stdout()
            .lock()
            .write_all(statistics(&outcome, json).as_bytes())
    } else if let Some(path) = &a.output_file {
        if let Err(e) = render_to_file(a.format, a.quiet, &outcome, path) {
            say!("error: writing output: {e}");
            failed_output = true;
        }
        Ok(())
    } else {
        let choice = match (a.format, a.color.as_str(), color_from_env()) {
            (Format::Full, "always", _) | (Format::Full, "auto", Some(true)) => ColorChoice::Always,
            (Format::Full, "auto", None) if std::io::stdout().is_terminal() => ColorChoice::Auto,
            _ => ColorChoice::Never,
        };
        render(
            a.format,
            a.quiet,
            &outcome,
            &mut StandardStream::stdout(choice).lock(),
        )
    };
    for e in &outcome.errors {
        say!("error: {e}");
    }
    if let Err(e) = result {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            say!("error: writing output: {e}");
            return 2;
        }
    }
    if outcome.files == 0 && outcome.errors.is_empty() {
        // As ruff does: a repository with YAML but no compose file is not an error (a hook
        // runs on every YAML change).
        if !a.quiet {
            say!("note: no compose files found under the given paths; nothing to lint");
        }
        return u8::from(failed_output) * 2;
    }
    if !outcome.errors.is_empty() || fix_failed || failed_output {
        return 2;
    }
    let code = failing(a, &config, &outcome.diagnostics);
    // The process ends next: freeing every tree one by one would only cost time.
    std::mem::forget(outcome);
    code
}

/// `--fix` on standard input: the fixed text goes to standard output (the text unchanged when
/// nothing was fixed), the findings that remain to standard error, one line each.
fn fixed_stdin(
    a: &CheckArgs,
    config: &Config,
    given: &std::collections::HashMap<PathBuf, String>,
    report: hylint::fix::Report,
) -> u8 {
    let text = report
        .changes
        .first()
        .map(|c| c.fixed.as_str())
        .or_else(|| given.values().next().map(String::as_str))
        .unwrap_or_default();
    for r in &report.refused {
        say!("warning: {r}");
    }
    let files = report.outcome.ws.files();
    for d in &report.outcome.diagnostics {
        say!("{}", report::concise_line(&files, d));
    }
    for e in &report.outcome.errors {
        say!("error: {e}");
    }
    if let Err(code) = emit(text) {
        return code;
    }
    if !report.outcome.errors.is_empty() {
        return 2;
    }
    failing(a, config, &report.outcome.diagnostics)
}

/// The exit code findings give: 1 when one is at or above the failure threshold (and
/// `--exit-zero` is not given).
fn failing(a: &CheckArgs, config: &Config, diagnostics: &[hylint::diagnostic::Diagnostic]) -> u8 {
    let threshold = match &a.failure_threshold {
        Some(t) => Severity::parse(t).unwrap_or(Severity::Warning),
        None => config.failure_threshold.unwrap_or(Severity::Warning),
    };
    u8::from(!a.exit_zero && diagnostics.iter().any(|d| d.severity >= threshold))
}

/// The paths a run starts from: with `-f`, the first file (the others are merged over it by
/// the loader); else the paths given, or `.`.
fn start_paths(paths: &[PathBuf], files: &[PathBuf]) -> Vec<PathBuf> {
    match (files.first(), paths.is_empty()) {
        (Some(first), _) => vec![first.clone()],
        (None, true) => vec![PathBuf::from(".")],
        (None, false) => paths.to_vec(),
    }
}

fn run_graph(a: &GraphArgs) -> u8 {
    let paths = start_paths(&a.paths, &a.files);
    let mut load = a.load.options();
    load.overrides = a.files.iter().skip(1).cloned().collect();
    let given = if a.files.is_empty() {
        paths.clone()
    } else {
        a.files.clone()
    };
    let opts = CheckOptions {
        confinement: Some(a.load.confinement(&given)),
        paths,
        load,
        // The graph needs the projects, not the findings.
        rules: RuleOptions {
            enabled: Some(HashSet::new()),
            ..Default::default()
        },
        keep_projects: true,
        drop_fixes: true,
        ..Default::default()
    };
    let outcome = check::run(&opts);
    for e in &outcome.errors {
        say!("error: {e}");
    }
    let selection = hylint::report::graph::Selection {
        service: a.service.clone(),
    };
    let projects: Vec<serde_json::Value> = outcome
        .projects
        .iter()
        .filter_map(|l| hylint::report::graph::project_json(&outcome.ws, &l.project, &selection))
        .collect();
    if let (Some(name), true) = (&a.service, projects.is_empty()) {
        say!("error: no service {name:?} in the projects loaded");
        return 2;
    }
    let doc = hylint::report::graph::render_json(projects);
    let text = match a.format.as_str() {
        "json" => serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n",
        "dot" => hylint::report::graph::render_dot(&doc),
        _ => hylint::report::graph::render_mermaid(&doc),
    };
    if let Err(code) = emit(&text) {
        return code;
    }
    u8::from(!outcome.errors.is_empty()) * 2
}

fn run_model(a: ModelArgs) -> u8 {
    let path = a
        .files
        .first()
        .or(a.path.as_ref())
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    // A directory: its default file and the override file beside it, as `docker compose` run
    // there reads them.
    let mut dir_override = None;
    let file = if path.is_dir() {
        match hylint::discover::default_files(&path) {
            Some((f, over)) => {
                dir_override = over;
                f
            }
            None => {
                say!(
                    "error: {}: no compose.yaml or docker-compose.yml here",
                    path.display()
                );
                return 2;
            }
        }
    } else {
        path
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let given = if a.files.is_empty() {
        vec![file.clone()]
    } else {
        a.files.clone()
    };
    let ws = Workspace::new(cwd, file.is_relative()).confined(Some(a.load.confinement(&given)));
    let id = match ws.load(&file) {
        Ok(id) => id,
        Err(e) => {
            say!("error: {}: {e}", file.display());
            return 2;
        }
    };
    let mut options = a.load.options();
    options.overrides = a.files.iter().skip(1).cloned().collect();
    options.overrides.extend(dir_override);
    let loaded = load_project(&ws, id, &options);
    let value = hylint::model::json::compose_json(&loaded.project);
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    if let Err(code) = emit(&text) {
        return code;
    }
    // Problems loading are reported on stderr; `hylint check` explains them in full.
    let files = ws.files();
    let mut problems = Vec::new();
    for f in &files {
        problems.extend(hylint::rules::file_findings(&ws.parsed(f.id)));
    }
    problems.extend(hylint::rules::resolution::findings(&loaded));
    for d in &problems {
        say!("{}", report::concise_line(&files, d));
    }
    for e in &loaded.errors {
        say!("error: {e}");
    }
    if problems.iter().any(|d| d.severity == Severity::Error) || !loaded.errors.is_empty() {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    /// Option 15 is mimalloc's purge delay: its documented v3 default (1000 ms) unless this
    /// test process already changed it.
    #[test]
    fn purge_delay_option_number() {
        // SAFETY: reads and sets an integer option.
        unsafe {
            assert_eq!(super::mi_option_get(super::MI_OPTION_PURGE_DELAY), 1000);
            super::tune_allocator();
            assert_eq!(super::mi_option_get(super::MI_OPTION_PURGE_DELAY), 10);
        }
    }
}
