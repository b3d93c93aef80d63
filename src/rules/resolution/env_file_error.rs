//! `env-file-error`: reported by the loader (`crate::resolve`) while it resolves the project.

crate::rule_meta!(
    "env-file-error",
    "HY008",
    "resolution",
    Error,
    fixable = false,
    "A service's `env_file` names a missing or unreadable file, or one compose cannot parse"
);
