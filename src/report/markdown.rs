//! `--format markdown`: a summary for a CI job page (GitHub's `$GITHUB_STEP_SUMMARY`, a pull
//! request comment): the findings per rule, then the findings themselves, at most `MAX_LISTED`
//! (a job summary holds 1 MiB).

use super::{position, printable};
use crate::check::Outcome;
use std::fmt::Write;

const MAX_LISTED: usize = 500;

/// Text for a table cell: no line breaks, no `|` ending the cell, no HTML.
fn cell(s: &str) -> String {
    printable(s)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn render(outcome: &Outcome) -> String {
    let files = outcome.ws.files();
    let n = outcome.diagnostics.len();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut out = String::new();
    if n == 0 {
        let _ = writeln!(
            out,
            "### hylint: no findings in {}\n",
            plural(outcome.files, "file")
        );
    } else {
        let _ = writeln!(
            out,
            "### hylint: {} in {}\n",
            plural(n, "finding"),
            plural(outcome.files, "file")
        );
        out.push_str("| Rule | Code | Severity | Findings | Fixable |\n");
        out.push_str("| --- | --- | --- | ---: | ---: |\n");
        for r in super::rule_counts(outcome) {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} |",
                r.rule,
                r.code,
                r.severity.as_str(),
                r.count,
                r.fixable
            );
        }
        let _ = writeln!(
            out,
            "\n<details><summary>Findings</summary>\n\n| Location | Rule | Message |\n| --- | --- | --- |"
        );
        for d in outcome.diagnostics.iter().take(MAX_LISTED) {
            let f = &files[d.primary.file.0 as usize];
            let p = position(&files, d.primary);
            let _ = writeln!(
                out,
                "| {}:{}:{} | `{}` | {} |",
                cell(&f.display),
                p.line,
                p.column,
                d.rule,
                cell(&d.message)
            );
        }
        if n > MAX_LISTED {
            let _ = writeln!(
                out,
                "\n{} more not listed here; the other reports have them all.",
                n - MAX_LISTED
            );
        }
        out.push_str("\n</details>\n");
    }
    if !outcome.errors.is_empty() {
        out.push_str("\n**hylint could not lint everything:**\n\n");
        for e in &outcome.errors {
            let _ = writeln!(out, "- {}", cell(e));
        }
    }
    out
}
