//! `extends-error`: the loader (`crate::resolve`) meets these problems while it resolves a
//! project and returns them typed (`resolve::LoadKind`); this file writes the findings.

use crate::diagnostic::Diagnostic;
use crate::source::Span;

crate::declare_rule! {
    ExtendsError {
        name: "extends-error",
        code: "HY004",
        category: "resolution",
        severity: Error,
        fix: Never,
        summary: "An `extends` names a missing file or service, or forms a cycle",
    }
}

impl crate::rules::Rule for ExtendsError {}

/// An `extends.file` that cannot be read.
pub fn unreadable(at: Span, path: &str, error: &str) -> Diagnostic {
    Diagnostic::new(&META, at, format!("cannot extend from {path}: {error}"))
}

/// Services that extend each other.
pub fn cycle(at: Span, chain: &[String]) -> Diagnostic {
    Diagnostic::new(&META, at, format!("extends cycle: {}", chain.join(" -> ")))
}

/// `extends` names a service its file does not define.
pub fn missing_service(at: Span, service: &str, file: &str) -> Diagnostic {
    Diagnostic::new(
        &META,
        at,
        format!("cannot extend service \"{service}\": no such service in {file}"),
    )
}
