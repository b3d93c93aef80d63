//! Output formats. Reporters only read an [`Outcome`](crate::check::Outcome); nothing in the
//! library prints.

pub mod full;
pub mod github;
pub mod gitlab;
pub mod graph;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;

use crate::source::{SourceFile, Span};
use std::borrow::Cow;
use std::sync::Arc;

/// Characters a terminal or a CI log would act on rather than show: C0 controls but tab (line
/// ends too: a path or name with a newline could start a line of its own, and a CI runner reads
/// a line starting with `::` as a workflow command), DEL, C1 controls, and the bidirectional
/// overrides that reorder what is shown.
fn unprintable(c: char) -> bool {
    (c.is_control() && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every unprintable character written as an escape (`\n`, `\u{1b}`): for names and
/// messages printed to a terminal, a log or XML. Borrowed when there is nothing to escape.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unprintable) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if unprintable(c) => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Source text for snippets: each byte of an unprintable character but a line end replaced by
/// `?`, so that byte offsets (spans) still point where they did.
pub fn printable_source(s: &str) -> Cow<'_, str> {
    let bad = |c: char| unprintable(c) && c != '\n' && c != '\r';
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if bad(c) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style snippets (colour on a terminal)
    Full,
    /// One line per finding: `path:line:col: severity[rule] message`
    Concise,
    /// A versioned JSON document (see docs/json-output.md)
    Json,
    /// SARIF 2.1.0 (GitHub code scanning)
    Sarif,
    /// GitHub Actions annotations (workflow commands)
    Github,
    /// JUnit XML
    Junit,
    /// GitLab Code Quality JSON
    Gitlab,
    /// A Markdown summary: findings per rule, then the findings (for a CI job summary)
    Markdown,
}

/// Start and end (1-based line, 1-based character column; end exclusive) of a span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub fn position(files: &[Arc<SourceFile>], span: Span) -> Position {
    let f = &files[span.file.0 as usize];
    let (line, column) = f.line_col(span.start as usize);
    let (end_line, end_column) = f.line_col(span.end as usize);
    Position {
        line,
        column,
        end_line,
        end_column,
    }
}

/// `path:line:col: severity[rule] message`
pub fn concise_line(files: &[Arc<SourceFile>], d: &crate::diagnostic::Diagnostic) -> String {
    let mut out = String::new();
    push_concise(&mut out, files, d);
    out
}

/// `concise_line` appended to `out`: only the start is placed (the end is not shown), and no
/// string is made per line.
fn push_concise(out: &mut String, files: &[Arc<SourceFile>], d: &crate::diagnostic::Diagnostic) {
    use std::fmt::Write;
    let f = &files[d.primary.file.0 as usize];
    let (line, column) = f.line_col(d.primary.start as usize);
    out.push_str(&printable(&f.display));
    let _ = write!(out, ":{line}:{column}: ");
    out.push_str(d.severity.as_str());
    out.push('[');
    out.push_str(d.rule);
    out.push_str("] ");
    out.push_str(&printable(&d.message));
}

/// The concise lines, formatted in parallel a block at a time (a large tree has findings by
/// the hundred thousand) and written in order, so memory holds one block, not the output.
pub fn write_concise<W: std::io::Write + ?Sized>(
    outcome: &crate::check::Outcome,
    w: &mut W,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    let files = outcome.ws.files();
    for block in outcome.diagnostics.chunks(8192) {
        let parts: Vec<String> = block
            .par_chunks(256)
            .map(|part| {
                let mut text = String::with_capacity(part.len() * 128);
                for d in part {
                    push_concise(&mut text, &files, d);
                    text.push('\n');
                }
                text
            })
            .collect();
        for p in parts {
            w.write_all(p.as_bytes())?;
        }
    }
    Ok(())
}

/// Findings of one rule in a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleCount {
    pub code: &'static str,
    pub rule: &'static str,
    pub count: usize,
    /// How many carry a fix.
    pub fixable: usize,
    /// The highest severity among them (the configuration may change a rule's).
    pub severity: crate::diagnostic::Severity,
}

/// The findings per rule, most first, then by code: what `--statistics`, the full output's
/// closing lines and the Markdown summary list.
pub fn rule_counts(outcome: &crate::check::Outcome) -> Vec<RuleCount> {
    let mut by: std::collections::BTreeMap<(&'static str, &'static str), RuleCount> =
        Default::default();
    for d in &outcome.diagnostics {
        let e = by.entry((d.code, d.rule)).or_insert(RuleCount {
            code: d.code,
            rule: d.rule,
            count: 0,
            fixable: 0,
            severity: d.severity,
        });
        e.count += 1;
        e.fixable += usize::from(d.fix.is_some());
        e.severity = e.severity.max(d.severity);
    }
    let mut rows: Vec<RuleCount> = by.into_values().collect();
    // Stable, so equal counts keep code order.
    rows.sort_by_key(|r| std::cmp::Reverse(r.count));
    rows
}

/// FNV-1a, 64 bits: a stable hash with no dependency.
fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// A fingerprint that follows a finding across commits: a hash of its stable identity
/// (`baseline::entry`); repeats get a counter.
pub fn fingerprints(outcome: &crate::check::Outcome) -> Vec<String> {
    let mut seen: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    outcome
        .diagnostics
        .iter()
        .map(|d| {
            let e = crate::baseline::entry(&outcome.ws, d);
            let key = format!(
                "{}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
                e.rule,
                e.file,
                e.service.as_deref().unwrap_or(""),
                e.message,
                e.line
            );
            let h = fnv(key.as_bytes());
            let n = seen.entry(h).or_default();
            *n += 1;
            format!("{h:016x}:{n}")
        })
        .collect()
}
