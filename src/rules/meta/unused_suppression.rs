//! `unused-suppression`: a `# hylint: ignore[...]` comment that suppresses nothing.

crate::rule_meta!(
    "unused-suppression",
    "HY900",
    "meta",
    Warning,
    fixable = true,
    "A `# hylint: ignore` comment suppresses no finding: the problem is gone or the rule name is wrong"
);
