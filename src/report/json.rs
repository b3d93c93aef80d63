//! `--format json`: a versioned document. Schema: docs/json-output.md.

use super::{position, Position};
use crate::check::Outcome;
use serde_json::{json, Value};

pub const SCHEMA_VERSION: u32 = 1;

fn pos_json(file: &str, p: Position) -> Value {
    json!({
        "file": file,
        "line": p.line,
        "column": p.column,
        "end_line": p.end_line,
        "end_column": p.end_column,
    })
}

pub fn render(outcome: &Outcome) -> Value {
    let files = outcome.ws.files();
    let diags: Vec<Value> = outcome
        .diagnostics
        .iter()
        .map(|d| {
            let p = position(&files, d.primary);
            let file = &files[d.primary.file.0 as usize].display;
            let labels: Vec<Value> = d
                .labels
                .iter()
                .map(|l| {
                    let mut v = pos_json(&files[l.span.file.0 as usize].display, position(&files, l.span));
                    v["message"] = json!(l.message);
                    v
                })
                .collect();
            let fix = d.fix.as_ref().map(|f| {
                json!({
                    "title": f.title,
                    "applicability": f.applicability,
                    "intent": f.touches,
                    "edits": f.edits.iter().map(|e| {
                        let mut v = pos_json(&files[e.span.file.0 as usize].display, position(&files, e.span));
                        v["start_offset"] = json!(e.span.start);
                        v["end_offset"] = json!(e.span.end);
                        v["content"] = json!(e.content);
                        v
                    }).collect::<Vec<_>>(),
                })
            });
            json!({
                "rule": d.rule,
                "code": d.code,
                "severity": d.severity,
                "message": d.message,
                "file": file,
                "line": p.line,
                "column": p.column,
                "end_line": p.end_line,
                "end_column": p.end_column,
                "start_offset": d.primary.start,
                "end_offset": d.primary.end,
                "service": d.service,
                "labels": labels,
                "fix": fix,
            })
        })
        .collect();
    let mut doc = json!({
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "hylint", "version": env!("CARGO_PKG_VERSION")},
        "files_checked": outcome.files,
        "diagnostics": diags,
        "errors": outcome.errors,
    });
    if let Some(fixed) = &outcome.fixed {
        doc["fixes_applied"] = json!(fixed);
    }
    doc
}
