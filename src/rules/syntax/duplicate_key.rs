//! `duplicate-key`: a mapping defines the same key twice.

use crate::diagnostic::Diagnostic;
use crate::yaml::{Parsed, ProblemKind};

crate::rule_meta!(
    "duplicate-key",
    "HY002",
    "syntax",
    Error,
    fixable = false,
    "A mapping key is defined twice; docker compose refuses the file"
);

pub fn check(parsed: &Parsed, out: &mut Vec<Diagnostic>) {
    for p in &parsed.problems {
        if p.kind == ProblemKind::DuplicateKey {
            let mut d = Diagnostic::new(
                &META,
                p.span,
                format!("{}: docker compose refuses the file", p.message),
            );
            if let Some(first) = p.related {
                d = d.with_label(first, "first defined here");
            }
            out.push(d);
        }
    }
}
