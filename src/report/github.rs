//! `--format github`: GitHub Actions workflow commands, one annotation per finding.

use super::position;
use crate::check::Outcome;
use crate::diagnostic::Severity;

/// Workflow-command escaping of a message.
fn data(s: &str) -> String {
    super::printable(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}
/// Workflow-command escaping of a property value.
fn prop(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(outcome: &Outcome) -> String {
    let files = outcome.ws.files();
    let mut out = String::new();
    for d in &outcome.diagnostics {
        let p = position(&files, d.primary);
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        out.push_str(&format!(
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            prop(&files[d.primary.file.0 as usize].display),
            p.line,
            p.column,
            p.end_line,
            p.end_column,
            prop(&format!("{} ({})", d.rule, d.code)),
            data(&d.message)
        ));
    }
    out
}
