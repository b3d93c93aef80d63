//! Inline suppressions, in YAML comments:
//!
//! - `# hylint: ignore[rule, ...]` at the end of the line of a finding, or alone on the line
//!   above it: those rules are not reported there. Without `[...]`: every rule.
//! - `# hylint: ignore-file[rule, ...]` on a comment line before any content: not reported
//!   anywhere in the file.
//!
//! Rules are named by name or code. A suppression that suppresses nothing is reported as
//! `unused-suppression` (with a fix that deletes it).

use crate::diagnostic::Diagnostic;
use crate::resolve::Workspace;
use crate::rules::meta::unused_suppression::{self, META as UNUSED_SUPPRESSION};
use crate::rules::registry;
use crate::source::{FileId, Span};
use std::collections::HashMap;

#[derive(Debug)]
struct Suppression {
    span: Span,
    /// Lines (1-based) it covers; empty for a file-wide one.
    lines: Vec<usize>,
    /// Rule names; `None` for all rules.
    rules: Option<Vec<&'static str>>,
    used: bool,
    /// Unknown rule names written in it.
    unknown: Vec<String>,
}

fn parse_comment(text: &str) -> Option<(bool, Option<Vec<String>>)> {
    let t = text.trim_start();
    let rest = t.strip_prefix("hylint:")?.trim_start();
    let (file_wide, rest) = if let Some(r) = rest.strip_prefix("ignore-file") {
        (true, r)
    } else {
        (false, rest.strip_prefix("ignore")?)
    };
    let rest = rest.trim_start();
    if let Some(inner) = rest.strip_prefix('[') {
        let inner = &inner[..inner.find(']')?];
        Some((
            file_wide,
            Some(
                inner
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
            ),
        ))
    } else if rest.is_empty() || rest.starts_with(' ') || rest.starts_with('#') {
        Some((file_wide, None))
    } else {
        None
    }
}

fn collect(ws: &Workspace, id: FileId) -> Vec<Suppression> {
    let directives = ws.directives(id);
    let file = ws.file(id);
    let first_content = directives.first_content.unwrap_or(file.text.len());
    let mut out = Vec::new();
    for (span, text) in &directives.comments {
        let Some((file_wide, names)) = parse_comment(text) else {
            continue;
        };
        let (line, _) = file.line_col(span.start as usize);
        let line_start = file.line_start(line);
        let alone = file.text[line_start..span.start as usize].trim().is_empty();
        let rules = names.as_ref().map(|ns| {
            ns.iter()
                .filter_map(|n| registry::find(n).map(|r| r.name))
                .collect::<Vec<_>>()
        });
        let unknown = names
            .unwrap_or_default()
            .into_iter()
            .filter(|n| registry::find(n).is_none())
            .collect();
        let lines = if file_wide {
            if (span.start as usize) > first_content {
                continue; // only near the top
            }
            vec![]
        } else if alone {
            vec![line + 1]
        } else {
            vec![line]
        };
        out.push(Suppression {
            span: *span,
            lines,
            rules,
            used: false,
            unknown,
        });
    }
    out
}

/// Drop suppressed diagnostics; report unused suppressions (when `report_unused`).
pub fn apply(
    ws: &Workspace,
    diags: &mut Vec<Diagnostic>,
    report_unused: bool,
    enabled: &dyn Fn(&str) -> bool,
) {
    let mut by_file: HashMap<FileId, Vec<Suppression>> = HashMap::new();
    // Every file's text is searched: memchr's vectorised search, not `str::contains`.
    let marker = memchr::memmem::Finder::new("hylint:");
    for f in ws.files() {
        if ws.is_aux(f.id) || marker.find(f.text.as_bytes()).is_none() {
            continue;
        }
        let s = collect(ws, f.id);
        if !s.is_empty() {
            by_file.insert(f.id, s);
        }
    }
    if by_file.is_empty() {
        return;
    }
    diags.retain(|d| {
        let Some(sups) = by_file.get_mut(&d.primary.file) else {
            return true;
        };
        let (line, _) = ws.file(d.primary.file).line_col(d.primary.start as usize);
        for s in sups.iter_mut() {
            let covers_line = s.lines.is_empty() || s.lines.contains(&line);
            let covers_rule = s.rules.as_ref().is_none_or(|r| r.contains(&d.rule));
            if covers_line && covers_rule {
                s.used = true;
                return false;
            }
        }
        true
    });
    if !report_unused || !enabled(UNUSED_SUPPRESSION.name) {
        return;
    }
    for (id, sups) in by_file {
        let file = ws.file(id);
        for s in sups {
            if !s.unknown.is_empty() {
                diags.push(unused_suppression::unknown_rules(s.span, &s.unknown));
                continue;
            }
            // A suppression of rules that are off could not be used.
            if s.used
                || s.rules
                    .as_ref()
                    .is_some_and(|r| !r.iter().any(|n| enabled(n)))
            {
                continue;
            }
            diags.push(unused_suppression::unused(&file, s.span));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_comment;
    #[test]
    fn comment_forms() {
        assert_eq!(
            parse_comment(" hylint: ignore[static-ip, HY105]"),
            Some((false, Some(vec!["static-ip".into(), "HY105".into()])))
        );
        assert_eq!(parse_comment(" hylint: ignore"), Some((false, None)));
        assert_eq!(
            parse_comment(" hylint: ignore-file[missing-healthcheck]"),
            Some((true, Some(vec!["missing-healthcheck".into()])))
        );
        assert_eq!(parse_comment(" hylint: ignored"), None);
        assert_eq!(parse_comment(" not hylint: ignore"), None);
    }
}
