//! Output formats. Reporters only read an [`Outcome`](crate::check::Outcome); nothing in the
//! library prints.

pub mod full;
pub mod json;

use crate::source::{SourceFile, Span};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style snippets (colour on a terminal)
    Full,
    /// One line per finding: `path:line:col: severity[rule] message`
    Concise,
    /// A versioned JSON document (see docs/json-output.md)
    Json,
}

/// Start and end (1-based line, 1-based character column; end exclusive) of a span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub fn position(files: &[Arc<SourceFile>], span: Span) -> Position {
    let f = &files[span.file.0 as usize];
    let (line, column) = f.line_col(span.start as usize);
    let (end_line, end_column) = f.line_col(span.end as usize);
    Position {
        line,
        column,
        end_line,
        end_column,
    }
}

pub fn concise(outcome: &crate::check::Outcome) -> String {
    let files = outcome.ws.files();
    let mut out = String::new();
    for d in &outcome.diagnostics {
        let p = position(&files, d.primary);
        out.push_str(&format!(
            "{}:{}:{}: {}[{}] {}\n",
            files[d.primary.file.0 as usize].display,
            p.line,
            p.column,
            d.severity.as_str(),
            d.rule,
            d.message
        ));
    }
    out
}
