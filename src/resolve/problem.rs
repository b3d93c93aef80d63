//! What the loader finds wrong, typed by the rule that reports it. The loader knows where a
//! problem is and what it is; the rules layer (`rules::resolution::findings`) turns each into
//! its rule's finding, so the loader needs nothing from the rules.

use crate::diagnostic::{Label, Severity};
use crate::source::Span;

/// The rule a load problem belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoadRule {
    InvalidYaml,
    InvalidInterpolation,
    ExtendsError,
    IncludeError,
    IncludeConflict,
    SchemaViolation,
    EnvFileError,
}

/// One problem met while loading a project.
#[derive(Clone, Debug)]
pub struct LoadProblem {
    pub rule: LoadRule,
    pub primary: Span,
    pub message: String,
    pub labels: Vec<Label>,
    pub service: Option<String>,
    /// `None`: the rule's own severity.
    pub severity: Option<Severity>,
}

impl LoadProblem {
    pub fn new(rule: LoadRule, primary: Span, message: impl Into<String>) -> Self {
        LoadProblem {
            rule,
            primary,
            message: message.into(),
            labels: Vec::new(),
            service: None,
            severity: None,
        }
    }
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }
    pub fn with_service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }
}
