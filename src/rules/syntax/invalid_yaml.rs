//! `invalid-yaml`: the file cannot be read as a compose file at all.

use crate::diagnostic::Diagnostic;
use crate::source::{SourceFile, Span};
use crate::yaml::{Parsed, ProblemKind};

crate::rule_meta!(
    "invalid-yaml",
    "HY001",
    "syntax",
    Error,
    fixable = false,
    "The file is not valid YAML, not UTF-8, binary, too large, empty, or not a mapping at the top"
);

pub fn check(file: &SourceFile, parsed: &Parsed, out: &mut Vec<Diagnostic>) {
    let mut syntax = false;
    for p in &parsed.problems {
        if matches!(
            p.kind,
            ProblemKind::Syntax | ProblemKind::AliasLimit | ProblemKind::MergeInvalid
        ) {
            syntax |= p.kind != ProblemKind::MergeInvalid;
            out.push(Diagnostic::new(&META, p.span, p.message.clone()));
        }
    }
    if syntax {
        return;
    }
    let docs: Vec<_> = parsed.docs.iter().filter(|d| !d.is_null()).collect();
    let at_start = Span::new(file.id, 0, 0);
    match docs.first() {
        None => out.push(Diagnostic::new(
            &META,
            at_start,
            "empty compose file: docker compose refuses a file with no content",
        )),
        Some(d) if !d.is_map() => out.push(Diagnostic::new(
            &META,
            d.span,
            "top-level object must be a mapping (services:, networks:, ...)",
        )),
        _ => {}
    }
}
