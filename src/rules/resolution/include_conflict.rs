//! `include-conflict`: reported by the loader (`crate::resolve`) while it resolves the project.

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
