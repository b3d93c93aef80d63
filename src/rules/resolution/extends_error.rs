//! `extends-error`: reported by the loader (`crate::resolve`) while it resolves the project.

crate::declare_rule! {
    ExtendsError {
        name: "extends-error",
        code: "HY004",
        category: "resolution",
        severity: Error,
        fix: Never,
        summary: "An `extends` names a missing file or service, or forms a cycle",
    }
}

impl crate::rules::Rule for ExtendsError {}
