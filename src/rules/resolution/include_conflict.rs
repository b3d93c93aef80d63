//! `include-conflict`: reported by the loader (`crate::resolve`) while it resolves the project.

crate::rule_meta!(
    "include-conflict",
    "HY006",
    "resolution",
    Error,
    fixable = false,
    "A resource is defined both by a file and by a file it includes, differently"
);
