//! What the command line prints: rule listings, the summary after the findings, statistics,
//! and each report format to standard output or a file.

use super::*;

pub(super) fn rules_table() -> String {
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
pub(super) fn rules_json() -> String {
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
pub(super) fn show_fixes(fixed: &[crate::check::AppliedFix]) {
    let mut by_file: std::collections::BTreeMap<&str, Vec<&crate::check::AppliedFix>> =
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
pub(super) fn statistics(outcome: &crate::check::Outcome, json: bool) -> String {
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

/// The closing lines of the full format: the count, the findings per rule, and what `--fix`
/// would fix.
pub(super) fn full_summary(outcome: &crate::check::Outcome) -> String {
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
    let with = |a: crate::diagnostic::Applicability| {
        outcome
            .diagnostics
            .iter()
            .filter(|d| d.fix.as_ref().is_some_and(|f| f.applicability == a))
            .count()
    };
    let safe = with(crate::diagnostic::Applicability::Safe);
    let unsafe_ = with(crate::diagnostic::Applicability::Unsafe);
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
pub(super) fn render(
    format: Format,
    quiet: bool,
    outcome: &crate::check::Outcome,
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
pub(super) fn render_to_file(
    format: Format,
    quiet: bool,
    outcome: &crate::check::Outcome,
    path: &Path,
) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut w = NoColor::new(std::io::BufWriter::new(file));
    render(format, quiet, outcome, &mut w).map_err(|e| format!("{}: {e}", path.display()))
}
