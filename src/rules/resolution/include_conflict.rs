//! `include-conflict`: the loader (`crate::resolve`) meets these problems while it resolves a
//! project and returns them typed (`resolve::LoadKind`); this file writes the findings.

use crate::diagnostic::Diagnostic;
use crate::source::Span;

crate::declare_rule! {
    IncludeConflict {
        name: "include-conflict",
        code: "HY006",
        category: "resolution",
        severity: Error,
        fix: Never,
        summary: "A resource is defined both by a file and by a file it includes, differently",
    }
}

impl crate::rules::Rule for IncludeConflict {}

/// A resource defined here and, differently, in an included file.
pub fn conflict(at: Span, section: &str, name: &str, imported: Span) -> Diagnostic {
    Diagnostic::new(
        &META,
        at,
        format!(
            "{section}.{name} conflicts with imported resource: docker compose refuses the \
             project; define it in one place, or make both definitions identical"
        ),
    )
    .with_label(imported, "imported definition")
}
