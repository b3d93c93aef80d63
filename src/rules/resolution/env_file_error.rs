//! `env-file-error`: the loader (`crate::resolve`) meets these problems while it resolves a
//! project and returns them typed (`resolve::LoadKind`); this file writes the findings.

use crate::diagnostic::Diagnostic;
use crate::source::Span;

crate::declare_rule! {
    EnvFileError {
        name: "env-file-error",
        code: "HY008",
        category: "resolution",
        severity: Error,
        fix: Never,
        summary: "A service's `env_file` names a missing or unreadable file, or one compose cannot parse",
    }
}

impl crate::rules::Rule for EnvFileError {}

/// A required `env_file` that is missing (`error`: `None`) or cannot be read.
pub fn unreadable(at: Span, path: &str, error: Option<&str>) -> Diagnostic {
    let what = match error {
        None => "not found".to_string(),
        Some(e) => format!("cannot be read: {e}"),
    };
    Diagnostic::new(
        &META,
        at,
        format!("env file {path} {what}: docker compose refuses the project"),
    )
}

/// An `env_file` line compose cannot parse.
pub fn syntax(at: Span, path: &str, line: usize, detail: &str) -> Diagnostic {
    Diagnostic::new(
        &META,
        at,
        format!("env file {path}, line {line}: {detail}: docker compose refuses the project"),
    )
}
