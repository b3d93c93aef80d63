//! `invalid-yaml`: the file cannot be read as a compose file at all.

use crate::diagnostic::Diagnostic;
use crate::rules::Reporter;
use crate::source::Span;
use crate::yaml::{Parsed, ProblemKind};

crate::declare_rule! {
    InvalidYaml {
        name: "invalid-yaml",
        code: "HY001",
        category: "syntax",
        severity: Error,
        fix: Never,
        summary: "The file is not valid YAML, not UTF-8, binary, too large, empty, or not a mapping at the top",
    }
}

impl crate::rules::Rule for InvalidYaml {
    fn check_file(&self, parsed: &Parsed, out: &mut Reporter) {
        check(parsed, out)
    }
}

fn check(parsed: &Parsed, out: &mut Reporter) {
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
    // An empty file is refused only as a project's first file; as an `include` target or an
    // override (`-f`) compose takes it as nothing: the loader reports it (`resolve::empty_root`).
    if let Some(d) = parsed.docs.iter().find(|d| !d.is_null()) {
        if !d.is_map() {
            out.push(Diagnostic::new(
                &META,
                d.span,
                "top-level object must be a mapping (services:, networks:, ...)",
            ));
        }
    }
}

/// A project's first file is empty (the loader finds it: as an `include` target or an
/// override, compose takes an empty file as nothing).
pub fn empty_file(at: Span) -> Diagnostic {
    Diagnostic::new(
        &META,
        at,
        "empty compose file: docker compose refuses a file with no content",
    )
}
