//! The `hylint` command line. Exit codes: 0 no findings at or above the failure threshold,
//! 1 findings, 2 usage, configuration or I/O error.

use crate::check::{self, CheckOptions};
use crate::config::Config;
use crate::diagnostic::Severity;
use crate::report::{self, Format};
use crate::resolve::{load_project, Confinement, LoadOptions, Workspace};
use crate::rules::knowledge::Knowledge;
use crate::rules::registry;
use crate::rules::RuleOptions;
use clap::{Args, Parser, Subcommand};
use codespan_reporting::term::termcolor::{ColorChoice, NoColor, StandardStream, WriteColor};
use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// A line on standard error, with what a terminal or CI log would act on (line ends, escape
/// sequences: a path or message from the tree may hold them) shown as escapes.
macro_rules! say {
    ($($arg:tt)*) => {
        eprintln!("{}", crate::report::printable(&format!($($arg)*)))
    };
}

mod inspect;
mod options;
mod render;
mod run;

use inspect::*;
use options::*;
use render::*;
use run::*;

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

pub fn run() -> ExitCode {
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
    let first = crate::report::printable(first);
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
