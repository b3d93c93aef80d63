//! `env-file-error`: reported by the loader (`crate::resolve`) while it resolves the project.

crate::declare_rule! {
    EnvFileError {
        name: "env-file-error",
        code: "HY008",
        category: "resolution",
        severity: Error,
        fix: Never,
        summary: "A service's `env_file` names a missing or unreadable file, or one compose cannot parse",
    }
}

impl crate::rules::Rule for EnvFileError {}
