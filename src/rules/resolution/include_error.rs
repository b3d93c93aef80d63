//! `include-error`: reported by the loader (`crate::resolve`) while it resolves the project.

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
