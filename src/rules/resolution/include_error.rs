//! `include-error`: the loader (`crate::resolve`) meets these problems while it resolves a
//! project and returns them typed (`resolve::LoadKind`); this file writes the findings.

use crate::diagnostic::Diagnostic;
use crate::source::Span;

crate::declare_rule! {
    IncludeError {
        name: "include-error",
        code: "HY005",
        category: "resolution",
        severity: Error,
        fix: Never,
        summary: "An `include` names a missing or unreadable file, or forms a cycle",
    }
}

impl crate::rules::Rule for IncludeError {}

/// An included file that cannot be read.
pub fn unreadable(at: Span, path: &str, error: &str) -> Diagnostic {
    Diagnostic::new(&META, at, format!("cannot include {path}: {error}"))
}

/// Files that include each other.
pub fn cycle(at: Span, chain: &[String]) -> Diagnostic {
    Diagnostic::new(&META, at, format!("include cycle: {}", chain.join(" -> ")))
}
