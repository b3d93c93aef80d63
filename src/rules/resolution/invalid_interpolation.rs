//! `invalid-interpolation`: reported by the loader (`crate::resolve`) while it resolves the project.

crate::rule_meta!(
    "invalid-interpolation",
    "HY003",
    "resolution",
    Error,
    fixable = false,
    "A `${...}` template compose cannot parse (missing brace, bad operator)"
);
