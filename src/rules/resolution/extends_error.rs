//! `extends-error`: reported by the loader (`crate::resolve`) while it resolves the project.

crate::rule_meta!(
    "extends-error",
    "HY004",
    "resolution",
    Error,
    fixable = false,
    "An `extends` names a missing file or service, or forms a cycle"
);
