//! `hylint check`: one run, with `--fix`, standard input and the exit code.

use super::*;

/// Standard input, as the text of the file `--stdin-filename` names.
pub(super) fn read_stdin() -> Result<String, String> {
    use std::io::Read;
    let limit = crate::resolve::MAX_FILE_SIZE;
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
pub(super) fn read_changed(path: &Path) -> Result<Vec<PathBuf>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .map(PathBuf::from)
        .collect())
}

/// What a `hylint check` run starts from: its options and configuration, and the text of
/// standard input (by the absolute path it is linted as).
pub(super) struct Prepared {
    opts: CheckOptions,
    config: Config,
    given: std::collections::HashMap<PathBuf, String>,
    stdin: bool,
}

/// `hylint check`: prepare, then write a baseline, fix, or lint; then report.
pub(super) fn run_check(a: &CheckArgs) -> u8 {
    let run = match prepare(a) {
        Ok(r) => r,
        Err(e) => {
            say!("error: {e}");
            return 2;
        }
    };
    if let Some(path) = &a.write_baseline {
        return write_baseline(&run, path);
    }
    let (outcome, fix_failed) = if a.fix || a.diff {
        match fix(a, &run) {
            Ok(done) => done,
            Err(code) => return code,
        }
    } else {
        (check::run_with(&run.opts, run.given.clone()), false)
    };
    finish(a, &run.config, outcome, fix_failed)
}

/// The options of a run from the arguments, the configuration, the changed-files list and
/// standard input; an error is a usage or configuration error (exit code 2).
fn prepare(a: &CheckArgs) -> Result<Prepared, String> {
    let stdin = a.paths.iter().any(|p| p.as_os_str() == "-");
    if stdin && a.paths.len() > 1 {
        return Err("`-` (standard input) must be the only path".into());
    }
    if a.stdin_filename.is_some() && !stdin {
        return Err(
            "--stdin-filename names the text read from standard input: give `-` as the path".into(),
        );
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
    let config = load_config(a, &paths)?;
    let mut opts = check_options(a, paths, &config)?;
    if let Some(list) = &a.changed_files {
        opts.changed = Some(read_changed(list)?);
    }
    // Standard input is linted as the file it is named as, in that file's place in the tree.
    let mut given = std::collections::HashMap::new();
    if stdin {
        let text = read_stdin()?;
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        given.insert(Workspace::new(cwd, true).absolute(&stdin_name), text);
    }
    Ok(Prepared {
        opts,
        config,
        given,
        stdin,
    })
}

/// `--write-baseline PATH`: every finding of the run into the baseline.
fn write_baseline(run: &Prepared, path: &Path) -> u8 {
    let outcome = check::run_with(&run.opts, run.given.clone());
    for e in &outcome.errors {
        say!("error: {e}");
    }
    match crate::baseline::write(path, &outcome.ws, &outcome.diagnostics) {
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
    }
}

/// `--fix` and `--diff`: the outcome after fixing, and whether writing failed; or, when the
/// run ends here (`--diff`, standard input), its exit code.
fn fix(a: &CheckArgs, run: &Prepared) -> Result<(check::Outcome, bool), u8> {
    let report = crate::fix::run(
        &run.opts,
        &crate::fix::FixOptions {
            unsafe_fixes: a.unsafe_fixes,
            // From standard input only that text is fixed: other files are not rewritten.
            only: run.stdin.then(|| run.given.keys().cloned().collect()),
            given: run.given.clone(),
            ..Default::default()
        },
    );
    if a.diff {
        let mut so = std::io::stdout().lock();
        for c in &report.changes {
            let _ = so.write_all(crate::fix::unified_diff(c).as_bytes());
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
        return Err(u8::from(!report.changes.is_empty()));
    }
    if run.stdin {
        return Err(fixed_stdin(a, &run.config, &run.given, report));
    }
    let mut fix_failed = false;
    let written = match crate::fix::write_all(&report.changes, &run.opts.paths) {
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
        let now = check::run(&run.opts);
        say!(
            "Fixed {written} of {} files: fixes are written to every file or to none, and \
             some could not be (see above). {} remaining.",
            report.changes.len(),
            now.diagnostics.len()
        );
        return Ok((now, true));
    }
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
    Ok((report.outcome, false))
}

/// Report the outcome (standard output, `--output`, `--output-file`, `--statistics`) and give
/// the exit code.
fn finish(a: &CheckArgs, config: &Config, outcome: check::Outcome, fix_failed: bool) -> u8 {
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
    let code = failing(a, config, &outcome.diagnostics);
    // The process ends next: freeing every tree one by one would only cost time.
    std::mem::forget(outcome);
    code
}

/// `--fix` on standard input: the fixed text goes to standard output (the text unchanged when
/// nothing was fixed), the findings that remain to standard error, one line each.
pub(super) fn fixed_stdin(
    a: &CheckArgs,
    config: &Config,
    given: &std::collections::HashMap<PathBuf, String>,
    report: crate::fix::Report,
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
pub(super) fn failing(
    a: &CheckArgs,
    config: &Config,
    diagnostics: &[crate::diagnostic::Diagnostic],
) -> u8 {
    let threshold = match &a.failure_threshold {
        Some(t) => Severity::parse(t).unwrap_or(Severity::Warning),
        None => config.failure_threshold.unwrap_or(Severity::Warning),
    };
    u8::from(!a.exit_zero && diagnostics.iter().any(|d| d.severity >= threshold))
}

/// The paths a run starts from: with `-f`, the first file (the others are merged over it by
/// the loader); else the paths given, or `.`.
pub(super) fn start_paths(paths: &[PathBuf], files: &[PathBuf]) -> Vec<PathBuf> {
    match (files.first(), paths.is_empty()) {
        (Some(first), _) => vec![first.clone()],
        (None, true) => vec![PathBuf::from(".")],
        (None, false) => paths.to_vec(),
    }
}
