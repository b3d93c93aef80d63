//! `unused-suppression`: a `# hylint: ignore[...]` comment that suppresses nothing.

crate::declare_rule! {
    UnusedSuppression {
        name: "unused-suppression",
        code: "HY900",
        category: "meta",
        severity: Warning,
        fix: Sometimes,
        summary: "A `# hylint: ignore` comment suppresses no finding: the problem is gone or the rule name is wrong",
    }
}

impl crate::rules::Rule for UnusedSuppression {}
