//! What the loader finds wrong, typed. The loader knows where a problem is and what it is; the
//! rule that reports it (`rules::resolution::findings` turns each into its rule's finding)
//! says it, so the loader needs nothing from the rules.

use crate::source::Span;

/// What the loader met: the facts of each kind of problem. The rule that reports a kind
/// writes its message (`rules::resolution::finding` says which rule that is).
#[derive(Clone, Debug, PartialEq)]
pub enum LoadKind {
    /// A project's first file is empty.
    EmptyFile,
    /// A resource defined both here and, differently, in an included file.
    IncludeConflict {
        /// `services`, `networks`, ...
        section: String,
        name: String,
        /// The included definition.
        imported: Span,
    },
    /// An included file cannot be read.
    IncludeUnreadable { path: String, error: String },
    /// Files that include each other, in order, the first repeated at the end.
    IncludeCycle { chain: Vec<String> },
    /// `extends.file` cannot be read.
    ExtendsUnreadable { path: String, error: String },
    /// Services that extend each other, in order, the first repeated at the end.
    ExtendsCycle { chain: Vec<String> },
    /// `extends` names a service its file does not define.
    ExtendsMissingService { service: String, file: String },
    /// A value compose refuses as it reads a service (`detail` says which and why).
    Invalid { detail: String },
    /// A resource limit set both on the service and under `deploy.resources`, differently.
    LimitsDiffer {
        service: String,
        key: String,
        twin: String,
        /// The `deploy.resources` value.
        other: Span,
    },
    /// An `env_file` that is required and missing (`error` is `None`) or unreadable.
    EnvFileUnreadable { path: String, error: Option<String> },
    /// An `env_file` line compose cannot parse.
    EnvFileSyntax {
        path: String,
        line: usize,
        detail: String,
    },
    /// A value compose cannot cast to the type its field needs (`interpolated`: the value
    /// after interpolation; else as written).
    InterpolationCast {
        field: String,
        value: String,
        /// `a boolean`, `an integer`, `a number`.
        to: &'static str,
        interpolated: bool,
    },
    /// An interpolation compose refuses (`beyond_hylint`: one compose resolves and hylint
    /// does not).
    Interpolation { detail: String, beyond_hylint: bool },
}

/// One problem met while loading a project.
#[derive(Clone, Debug)]
pub struct LoadProblem {
    pub kind: LoadKind,
    pub primary: Span,
    pub service: Option<String>,
}

impl LoadProblem {
    pub fn new(kind: LoadKind, primary: Span) -> Self {
        LoadProblem {
            kind,
            primary,
            service: None,
        }
    }
    pub fn with_service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }
}
