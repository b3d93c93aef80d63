//! `include-error`: reported by the loader (`crate::resolve`) while it resolves the project.

crate::rule_meta!(
    "include-error",
    "HY005",
    "resolution",
    Error,
    fixable = false,
    "An `include` names a missing or unreadable file, or forms a cycle"
);
