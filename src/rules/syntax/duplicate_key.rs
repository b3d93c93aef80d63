//! `duplicate-key`: a mapping defines the same key twice.

use crate::diagnostic::Diagnostic;
use crate::rules::Reporter;
use crate::yaml::{Parsed, ProblemKind};

crate::declare_rule! {
    DuplicateKey {
        name: "duplicate-key",
        code: "HY002",
        category: "syntax",
        severity: Error,
        fix: Never,
        summary: "A mapping key is defined twice; docker compose refuses the file",
    }
}

impl crate::rules::Rule for DuplicateKey {
    fn check_file(&self, parsed: &Parsed, out: &mut Reporter) {
        check(parsed, out)
    }
}

fn check(parsed: &Parsed, out: &mut Reporter) {
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
