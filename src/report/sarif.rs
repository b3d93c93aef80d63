//! `--format sarif`: SARIF 2.1.0 with rule metadata (each rule's page as help), fixes, and
//! partial fingerprints so GitHub code scanning follows a finding across commits.

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

pub fn render(outcome: &Outcome) -> Value {
    let files = outcome.ws.files();
    let docs_url = std::env::var("HYLINT_DOCS_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let rules: Vec<Value> = registry::ALL
        .iter()
        .map(|r| {
            let mut v = json!({
                "id": r.name,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "help": {"text": r.doc, "markdown": r.doc},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"tags": [r.category], "code": r.code, "fixable": r.fixable},
            });
            if let Some(base) = &docs_url {
                v["helpUri"] = json!(format!("{}{}.md", base, r.name));
            }
            v
        })
        .collect();
    let fps = fingerprints(outcome);
    let loc = |span: crate::source::Span| {
        json!({
            "physicalLocation": {
                "artifactLocation": {"uri": uri(&files[span.file.0 as usize].display)},
                "region": region(position(&files, span)),
            }
        })
    };
    let results: Vec<Value> = outcome
        .diagnostics
        .iter()
        .zip(&fps)
        .map(|(d, fp): (&Diagnostic, &String)| {
            let index = registry::ALL
                .iter()
                .position(|r| r.name == d.rule)
                .unwrap_or(0);
            let mut v = json!({
                "ruleId": d.rule,
                "ruleIndex": index,
                "level": level(d.severity),
                "message": {"text": d.message},
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
                        "artifactLocation": {"uri": uri(&files[id as usize].display)},
                        "replacements": reps,
                    })).collect::<Vec<_>>(),
                }]);
            }
            v
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "hylint",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}
