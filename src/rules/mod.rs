//! Rules: one file per rule under `src/rules/<category>/`, one page per rule under `rules/`.
//! Every rule declares a [`RuleMeta`]; `registry` lists them all, in code order.

pub mod registry;
pub mod resolution;
pub mod schema;
pub mod syntax;

use crate::diagnostic::Severity;

/// What identifies and documents a rule. The page under `rules/` is the rule's documentation,
/// embedded at build time so `hylint explain` and the docs never drift apart.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable identifier (JSON `rule`).
    pub name: &'static str,
    /// Stable short code (JSON `code`).
    pub code: &'static str,
    pub category: &'static str,
    pub severity: Severity,
    /// Whether the rule offers a fix.
    pub fixable: bool,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// The Markdown page.
    pub doc: &'static str,
}

/// Declare a rule's metadata from its page `rules/<name>.md`.
#[macro_export]
macro_rules! rule_meta {
    ($name:literal, $code:literal, $cat:literal, $sev:ident, fixable = $fix:literal, $summary:literal) => {
        pub static META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
            name: $name,
            code: $code,
            category: $cat,
            severity: $crate::diagnostic::Severity::$sev,
            fixable: $fix,
            summary: $summary,
            doc: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $name, ".md")),
        };
    };
}
