//! `invalid-interpolation`: reported by the loader (`crate::resolve`) while it resolves the project.

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
