//! `--format sarif`: SARIF 2.1.0 with rule metadata (each rule's page as help), fixes, and
//! partial fingerprints so GitHub code scanning follows a finding across commits. Paths are
//! relative to the project root (the git top level), as code scanning resolves them, and
//! what GitHub's ingestion asks for is there: a full description per rule, related locations
//! linked from the message, at most `MAX_RESULTS` results, run errors as notifications.

use super::{fingerprints, position, Position};
use crate::check::Outcome;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::registry;
use serde_json::{json, Value};

/// A relative path as a SARIF URI reference.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    if path.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

fn region(p: Position) -> Value {
    json!({
        "startLine": p.line,
        "startColumn": p.column,
        "endLine": p.end_line,
        "endColumn": p.end_column,
    })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// GitHub code scanning refuses a run with more results than this.
pub const MAX_RESULTS: usize = 25_000;

/// The first paragraph of a rule page's "What it does", on one line: the rule's full
/// description (the summary when the page has no such section).
fn full_description(r: &crate::rules::RuleMeta) -> String {
    let Some(start) = r.doc.find("## What it does\n") else {
        return r.summary.to_string();
    };
    let body = &r.doc[start + "## What it does\n".len()..];
    let para: Vec<&str> = body
        .lines()
        .take_while(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::trim)
        .collect();
    if para.is_empty() {
        r.summary.to_string()
    } else {
        para.join(" ")
    }
}

/// Text in a SARIF message with embedded links: `[`, `]` and `\` are literal only escaped.
fn escape_message(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub fn render(outcome: &Outcome) -> Value {
    let files = outcome.ws.files();
    let docs_url = std::env::var("HYLINT_DOCS_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let rules: Vec<Value> = registry::ALL
        .iter()
        .map(|r| {
            let mut tags = vec![r.category];
            let mut props = json!({"code": r.code, "fixable": r.fixable()});
            if let Some(score) = r.security_severity {
                tags.push("security");
                props["security-severity"] = json!(score);
            }
            props["tags"] = json!(tags);
            // `id` is the stable code, `name` the readable one (SARIF asks them to differ).
            let mut v = json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": full_description(r)},
                "help": {"text": r.doc, "markdown": r.doc},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": props,
            });
            if let Some(base) = &docs_url {
                v["helpUri"] = json!(format!("{}{}.md", base, r.name));
            }
            v
        })
        .collect();
    let fps = fingerprints(outcome);
    let path = |id: u32| outcome.ws.project_path(&files[id as usize].path);
    let loc = |span: crate::source::Span| {
        json!({
            "physicalLocation": {
                "artifactLocation": {"uri": uri(&path(span.file.0))},
                "region": region(position(&files, span)),
            }
        })
    };
    // Over the cap, the most severe findings are kept (then in the usual order).
    let mut order: Vec<usize> = (0..outcome.diagnostics.len()).collect();
    if order.len() > MAX_RESULTS {
        order.sort_by_key(|i| std::cmp::Reverse(outcome.diagnostics[*i].severity));
        order.truncate(MAX_RESULTS);
        order.sort_unstable();
    }
    let results: Vec<Value> = order
        .iter()
        .map(|i| (&outcome.diagnostics[*i], &fps[*i]))
        .map(|(d, fp): (&Diagnostic, &String)| {
            let index = registry::ALL
                .iter()
                .position(|r| r.name == d.rule)
                .unwrap_or(0);
            // Each related location is linked from the message, as code scanning shows them.
            let mut text = if d.labels.is_empty() {
                d.message.clone()
            } else {
                escape_message(&d.message)
            };
            for (i, l) in d.labels.iter().enumerate() {
                text.push_str(&format!(
                    "{}[{}]({})",
                    if i == 0 { " (related: " } else { "; " },
                    escape_message(&l.message),
                    i + 1
                ));
            }
            if !d.labels.is_empty() {
                text.push(')');
            }
            let mut v = json!({
                "ruleId": registry::ALL[index].code,
                "ruleIndex": index,
                "level": level(d.severity),
                "message": {"text": text},
                "locations": [loc(d.primary)],
                "partialFingerprints": {"hylint/v1": fp},
            });
            if !d.labels.is_empty() {
                v["relatedLocations"] = Value::Array(
                    d.labels
                        .iter()
                        .enumerate()
                        .map(|(i, l)| {
                            let mut x = loc(l.span);
                            x["id"] = json!(i + 1);
                            x["message"] = json!({"text": l.message});
                            x
                        })
                        .collect(),
                );
            }
            if let Some(s) = &d.service {
                v["properties"] = json!({"service": s});
            }
            if let Some(f) = &d.fix {
                let mut by_file: std::collections::BTreeMap<u32, Vec<Value>> = Default::default();
                for e in &f.edits {
                    by_file.entry(e.span.file.0).or_default().push(json!({
                        "deletedRegion": region(position(&files, e.span)),
                        "insertedContent": {"text": e.content},
                    }));
                }
                v["fixes"] = json!([{
                    "description": {"text": format!("{} ({})", f.title, match f.applicability {
                        crate::diagnostic::Applicability::Safe => "safe",
                        crate::diagnostic::Applicability::Unsafe => "unsafe",
                    })},
                    "artifactChanges": by_file.into_iter().map(|(id, reps)| json!({
                        "artifactLocation": {"uri": uri(&path(id))},
                        "replacements": reps,
                    })).collect::<Vec<_>>(),
                }]);
            }
            v
        })
        .collect();
    // What stopped part of the tree from being linted, and what the cap left out.
    let mut notes: Vec<Value> = outcome
        .errors
        .iter()
        .map(|e| json!({"level": "error", "message": {"text": e}}))
        .collect();
    if outcome.diagnostics.len() > MAX_RESULTS {
        notes.push(json!({
            "level": "warning",
            "message": {"text": format!(
                "{} findings; the {MAX_RESULTS} most severe are reported (GitHub code scanning \
                 accepts no more per run)",
                outcome.diagnostics.len()
            )},
        }));
    }
    let mut driver = json!({
        "name": "hylint",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    });
    if let Some(home) = std::env::var("HYLINT_HOME_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        driver["informationUri"] = json!(home);
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "invocations": [{
                "executionSuccessful": outcome.errors.is_empty(),
                "toolExecutionNotifications": notes,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}
