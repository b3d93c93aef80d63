//! The `hylint` command line. Exit codes: 0 no findings at or above the failure threshold,
//! 1 findings, 2 usage, configuration or I/O error.

use clap::{Args, Parser, Subcommand};
use hylint::check::{self, CheckOptions};
use hylint::diagnostic::Severity;
use hylint::report::{self, Format};
use hylint::resolve::{load_project, LoadOptions, Workspace};
use hylint::rules::registry;
use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

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

#[derive(Subcommand, Debug)]
enum Command {
    /// Lint compose files and the projects they form (the default command)
    Check(CheckArgs),
    /// Print the resolved project as `docker compose config --format json` does
    Model(ModelArgs),
    /// List every rule: name, code, severity, fixable
    Rules,
    /// Print a rule's documentation
    Explain {
        /// Rule name or code
        rule: String,
    },
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
}

impl LoadArgs {
    fn options(&self) -> LoadOptions {
        LoadOptions {
            profiles: self.profiles.clone(),
            env_files: self.env_files.clone(),
            environment: std::env::vars().collect(),
            project_name: self.project_name.clone(),
        }
    }
}

#[derive(Args, Debug, Clone)]
struct CheckArgs {
    /// Files or directories to lint [default: .]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Full)]
    format: Format,
    /// Lowest severity that makes the exit code 1
    #[arg(long, value_name = "SEVERITY", default_value = "warning", value_parser = ["info", "warning", "error"])]
    failure_threshold: String,
    /// Only these rules: names, codes, code prefixes (HY1), categories or ALL; comma-separated
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    select: Vec<String>,
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
    /// Colour in full output: auto, always, never
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    color: String,
    #[command(flatten)]
    load: LoadArgs,
}

#[derive(Args, Debug)]
struct ModelArgs {
    /// The compose file, or a directory holding compose.yaml / docker-compose.yml [default: .]
    path: Option<PathBuf>,
    /// Output format (json only)
    #[arg(long, default_value = "json", value_parser = ["json"])]
    format: String,
    #[command(flatten)]
    load: LoadArgs,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        None => run_check(cli.check),
        Some(Command::Check(a)) => run_check(a),
        Some(Command::Model(a)) => run_model(a),
        Some(Command::Rules) => {
            print_rules();
            0
        }
        Some(Command::Explain { rule }) => match registry::find(&rule) {
            Some(r) => {
                print!("{}", r.doc);
                0
            }
            None => {
                eprintln!("error: unknown rule {rule:?}; `hylint rules` lists them");
                2
            }
        },
    };
    ExitCode::from(code)
}

fn print_rules() {
    println!(
        "{:<28} {:<6} {:<9} {:<8} summary",
        "name", "code", "severity", "fixable"
    );
    for r in registry::ALL {
        println!(
            "{:<28} {:<6} {:<9} {:<8} {}",
            r.name,
            r.code,
            r.severity.as_str(),
            if r.fixable { "yes" } else { "no" },
            r.summary
        );
    }
}

/// The rules `--select`/`--ignore` leave enabled; an unknown selector is a usage error.
fn enabled_rules(a: &CheckArgs) -> Result<Option<HashSet<&'static str>>, String> {
    if a.select.is_empty() && a.ignore.is_empty() {
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
    let mut on: HashSet<&'static str> = if a.select.is_empty() {
        registry::ALL.iter().map(|r| r.name).collect()
    } else {
        let mut s = HashSet::new();
        for sel in &a.select {
            s.extend(resolve(sel)?);
        }
        s
    };
    for sel in &a.ignore {
        for r in resolve(sel)? {
            on.remove(r);
        }
    }
    Ok(Some(on))
}

fn run_check(a: CheckArgs) -> u8 {
    let enabled = match enabled_rules(&a) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let paths = if a.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        a.paths.clone()
    };
    let opts = CheckOptions {
        paths,
        load: a.load.options(),
        rules: hylint::rules::RuleOptions {
            enabled,
            ..Default::default()
        },
    };
    let mut fix_failed = false;
    let outcome = if a.fix || a.diff {
        let report = hylint::fix::run(
            &opts,
            &hylint::fix::FixOptions {
                unsafe_fixes: a.unsafe_fixes,
                ..Default::default()
            },
        );
        if a.diff {
            let mut so = std::io::stdout().lock();
            for c in &report.changes {
                let _ = so.write_all(hylint::fix::unified_diff(c).as_bytes());
            }
            if !report.changes.is_empty() {
                eprintln!(
                    "Would fix {} finding{} in {} file{} (nothing written).",
                    report.applied,
                    if report.applied == 1 { "" } else { "s" },
                    report.changes.len(),
                    if report.changes.len() == 1 { "" } else { "s" }
                );
            }
            for r in &report.refused {
                eprintln!("warning: {r}");
            }
            // Like `ruff --diff`: 1 when there is something to fix.
            return u8::from(!report.changes.is_empty());
        }
        let mut written = 0;
        for c in &report.changes {
            match hylint::fix::write_atomic(&c.path, &c.original, &c.fixed, &opts.paths) {
                Ok(()) => written += 1,
                Err(e) => {
                    eprintln!("error: {}: {e}", c.display);
                    fix_failed = true;
                }
            }
        }
        for r in &report.refused {
            eprintln!("warning: {r}");
        }
        if fix_failed {
            // Report what is really on disk.
            let now = check::run(&opts);
            eprintln!(
                "Fixed {} of {} files; the others could not be written (see above). {} remaining.",
                written,
                report.changes.len(),
                now.diagnostics.len()
            );
            now
        } else {
            eprintln!(
                "Fixed {} finding{} in {written} file{}; {} remaining.",
                report.applied,
                if report.applied == 1 { "" } else { "s" },
                if written == 1 { "" } else { "s" },
                report.outcome.diagnostics.len()
            );
            report.outcome
        }
    } else {
        check::run(&opts)
    };
    let stdout = std::io::stdout();
    let result = match a.format {
        Format::Full => {
            use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
            let choice = match a.color.as_str() {
                "always" => ColorChoice::Always,
                "never" => ColorChoice::Never,
                _ if stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none() => {
                    ColorChoice::Auto
                }
                _ => ColorChoice::Never,
            };
            let mut w = StandardStream::stdout(choice);
            let r = report::full::render(&outcome, &mut w);
            let n = outcome.diagnostics.len();
            let plural =
                |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
            let summary = if outcome.files == 0 {
                String::new()
            } else if n == 0 {
                format!("No findings in {}.\n", plural(outcome.files, "file"))
            } else {
                format!(
                    "Found {} in {}.\n",
                    plural(n, "finding"),
                    plural(outcome.files, "file")
                )
            };
            r.and_then(|_| w.write_all(summary.as_bytes()))
        }
        Format::Concise => stdout
            .lock()
            .write_all(report::concise(&outcome).as_bytes()),
        Format::Json => {
            let v = report::json::render(&outcome);
            writeln!(
                stdout.lock(),
                "{}",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            )
        }
    };
    for e in &outcome.errors {
        eprintln!("error: {e}");
    }
    if let Err(e) = result {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: writing output: {e}");
            return 2;
        }
    }
    if outcome.files == 0 && outcome.errors.is_empty() {
        eprintln!("error: no compose files found under the given paths");
        return 2;
    }
    if !outcome.errors.is_empty() || fix_failed {
        return 2;
    }
    let threshold = Severity::parse(&a.failure_threshold).unwrap_or(Severity::Warning);
    if outcome.diagnostics.iter().any(|d| d.severity >= threshold) {
        1
    } else {
        0
    }
}

/// The compose file `docker compose` would pick in a directory.
fn default_compose_file(dir: &std::path::Path) -> Option<PathBuf> {
    [
        "compose.yaml",
        "compose.yml",
        "docker-compose.yaml",
        "docker-compose.yml",
    ]
    .iter()
    .map(|n| dir.join(n))
    .find(|p| p.is_file())
}

fn run_model(a: ModelArgs) -> u8 {
    let path = a.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let file = if path.is_dir() {
        match default_compose_file(&path) {
            Some(f) => f,
            None => {
                eprintln!(
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
    let ws = Workspace::new(cwd, file.is_relative());
    let id = match ws.load(&file) {
        Ok(id) => id,
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            return 2;
        }
    };
    let loaded = load_project(&ws, id, &a.load.options());
    let value = hylint::model::json::compose_json(&loaded.project);
    println!(
        "{}",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    );
    // Problems loading are reported on stderr; `hylint check` explains them in full.
    let files = ws.files();
    let mut problems = Vec::new();
    for f in &files {
        let parsed = ws.parsed(f.id);
        hylint::rules::syntax::invalid_yaml::check(f, &parsed, &mut problems);
        hylint::rules::syntax::duplicate_key::check(&parsed, &mut problems);
    }
    problems.extend(loaded.diagnostics.iter().cloned());
    for d in &problems {
        let p = report::position(&files, d.primary);
        eprintln!(
            "{}:{}:{}: {}[{}] {}",
            files[d.primary.file.0 as usize].display,
            p.line,
            p.column,
            d.severity.as_str(),
            d.rule,
            d.message
        );
    }
    for e in &loaded.errors {
        eprintln!("error: {e}");
    }
    if problems.iter().any(|d| d.severity == Severity::Error) || !loaded.errors.is_empty() {
        1
    } else {
        0
    }
}
