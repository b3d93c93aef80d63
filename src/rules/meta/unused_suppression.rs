//! `unused-suppression`: a `# hylint: ignore[...]` comment that suppresses nothing. The
//! suppression pass (`src/suppress.rs`) knows which comments were used; this file writes the
//! findings.

use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::source::{SourceFile, Span};

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

/// A suppression that names rules hylint does not have.
pub fn unknown_rules(at: Span, names: &[String]) -> Diagnostic {
    Diagnostic::new(
        &META,
        at,
        format!(
            "suppression names unknown rule {}: `hylint rules` lists them",
            names.join(", ")
        ),
    )
}

/// A suppression `at` (the comment, in `file`) that suppressed nothing, with the fix that
/// deletes it: the whole line when the comment stands alone on it.
pub fn unused(file: &SourceFile, at: Span) -> Diagnostic {
    let (line, _) = file.line_col(at.start as usize);
    let ls = file.line_start(line);
    let alone = file.text[ls..at.start as usize].trim().is_empty();
    let end = file.line_start(line + 1).min(file.text.len());
    let edit = if alone {
        Edit {
            span: Span::new(at.file, ls, end),
            content: String::new(),
        }
    } else {
        let mut start = at.start as usize;
        while start > ls && file.text.as_bytes()[start - 1] == b' ' {
            start -= 1;
        }
        Edit {
            span: Span::new(at.file, start, at.end as usize),
            content: String::new(),
        }
    };
    Diagnostic::new(
        &META,
        at,
        "this suppression suppresses no finding: remove it",
    )
    .with_fix(Some(Fix::safe(
        "Remove the unused suppression",
        vec![edit],
        vec![],
    )))
}
