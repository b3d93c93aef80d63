//! `invalid-interpolation`: the loader (`crate::resolve`) meets these problems while it resolves a
//! project and returns them typed (`resolve::LoadKind`); this file writes the findings.

use crate::diagnostic::Diagnostic;
use crate::source::Span;

crate::declare_rule! {
    InvalidInterpolation {
        name: "invalid-interpolation",
        code: "HY003",
        category: "resolution",
        severity: Error,
        fix: Never,
        summary: "A `${...}` template compose cannot parse (missing brace, bad operator)",
    }
}

impl crate::rules::Rule for InvalidInterpolation {}

/// A value compose cannot cast to the type of its field (`to`: `a boolean`, ...), after
/// interpolation or as written.
pub fn cast(at: Span, field: &str, value: &str, to: &str, interpolated: bool) -> Diagnostic {
    let what = if interpolated {
        "interpolates to"
    } else {
        "is"
    };
    Diagnostic::new(
        &META,
        at,
        format!(
            "{field} {what} {value:?}, which compose cannot cast to {to}: docker compose \
             refuses the file"
        ),
    )
}

/// An interpolation compose refuses, or one only compose resolves (`beyond_hylint`).
pub fn refused(at: Span, detail: &str, beyond_hylint: bool) -> Diagnostic {
    let message = if beyond_hylint {
        format!("{detail}: hylint does not resolve it (docker compose does)")
    } else {
        format!("{detail}: docker compose refuses the file")
    };
    Diagnostic::new(&META, at, message)
}
