//! Human output: rustc-style snippets via codespan-reporting.

use super::{printable, printable_source};
use crate::check::Outcome;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceFile;
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{Error, Files};
use codespan_reporting::term::{self, termcolor::WriteColor};
use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

/// The files, with names and source text as they may be shown on a terminal (see
/// `report::printable`): a file's escape sequences are shown, not played.
struct SourceFiles<'a> {
    files: &'a [Arc<SourceFile>],
    names: Vec<Cow<'a, str>>,
    sources: Vec<Cow<'a, str>>,
}

impl<'a> SourceFiles<'a> {
    fn new(files: &'a [Arc<SourceFile>]) -> Self {
        SourceFiles {
            files,
            names: files.iter().map(|f| printable(&f.display)).collect(),
            sources: files.iter().map(|f| printable_source(&f.text)).collect(),
        }
    }
}

impl<'a> Files<'a> for SourceFiles<'a> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;
    fn name(&'a self, id: usize) -> Result<&'a str, Error> {
        self.names
            .get(id)
            .map(|n| n.as_ref())
            .ok_or(Error::FileMissing)
    }
    fn source(&'a self, id: usize) -> Result<&'a str, Error> {
        self.sources
            .get(id)
            .map(|s| s.as_ref())
            .ok_or(Error::FileMissing)
    }
    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, Error> {
        let f = self.files.get(id).ok_or(Error::FileMissing)?;
        Ok(f.line_col(byte_index).0 - 1)
    }
    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, Error> {
        let f = self.files.get(id).ok_or(Error::FileMissing)?;
        if line_index >= f.line_count() {
            return Err(Error::LineTooLarge {
                given: line_index,
                max: f.line_count() - 1,
            });
        }
        let start = f.line_start(line_index + 1);
        let end = if line_index + 1 < f.line_count() {
            f.line_start(line_index + 2)
        } else {
            f.text.len()
        };
        Ok(start..end)
    }
}

fn to_cs(d: &Diagnostic) -> cs::Diagnostic<usize> {
    let sev = match d.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Info => cs::Severity::Note,
    };
    let mut labels = vec![cs::Label::primary(
        d.primary.file.0 as usize,
        d.primary.range(),
    )];
    for l in &d.labels {
        labels.push(
            cs::Label::secondary(l.span.file.0 as usize, l.span.range())
                .with_message(printable(&l.message)),
        );
    }
    let mut notes = Vec::new();
    if let Some(s) = &d.service {
        notes.push(format!("service: {}", printable(s)));
    }
    if let Some(f) = &d.fix {
        notes.push(format!(
            "fix ({}): {}",
            match f.applicability {
                crate::diagnostic::Applicability::Safe => "safe",
                crate::diagnostic::Applicability::Unsafe => "unsafe",
            },
            f.title
        ));
    }
    cs::Diagnostic::new(sev)
        .with_message(printable(&d.message))
        .with_code(format!("{}/{}", d.code, d.rule))
        .with_labels(labels)
        .with_notes(notes)
}

pub fn render(outcome: &Outcome, w: &mut dyn WriteColor) -> std::io::Result<()> {
    let files = outcome.ws.files();
    let sf = SourceFiles::new(&files);
    let config = term::Config::default();
    for d in &outcome.diagnostics {
        term::emit_to_write_style(w, &config, &sf, &to_cs(d)).map_err(std::io::Error::other)?;
    }
    Ok(())
}
