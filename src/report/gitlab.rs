//! `--format gitlab`: GitLab Code Quality report (a JSON array of issues).

use super::position;
use crate::check::Outcome;
use crate::diagnostic::Severity;
use serde_json::{json, Value};

pub fn render(outcome: &Outcome) -> Value {
    let files = outcome.ws.files();
    let fps = super::fingerprints(outcome);
    Value::Array(
        outcome
            .diagnostics
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let p = position(&files, d.primary);
                let file = &files[d.primary.file.0 as usize];
                json!({
                    "description": format!("{} ({})", d.message, d.rule),
                    "check_name": d.rule,
                    "fingerprint": fps[i],
                    "severity": match d.severity {
                        Severity::Error => "major",
                        Severity::Warning => "minor",
                        Severity::Info => "info",
                    },
                    "location": {
                        "path": outcome.ws.project_path(&file.path),
                        "lines": {"begin": p.line, "end": p.end_line},
                    },
                })
            })
            .collect(),
    )
}
