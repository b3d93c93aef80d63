//! Diagnostics: what a rule reports, where, and how to fix it.

use crate::source::Span;
use rayon::prelude::*;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Applied by `--fix`.
    Safe,
    /// Applied only with `--unsafe-fixes`.
    Unsafe,
}

pub use crate::source::Edit;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fix {
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
    /// Where in the resolved model (`hylint model` JSON pointers, `*` for any key) the fix is
    /// meant to change things; the engine refuses a fix that changes anything else.
    pub touches: Vec<String>,
}

impl Fix {
    pub fn safe(title: impl Into<String>, edits: Vec<Edit>, touches: Vec<String>) -> Fix {
        Fix {
            title: title.into(),
            applicability: Applicability::Safe,
            edits,
            touches,
        }
    }
    pub fn unsafe_(title: impl Into<String>, edits: Vec<Edit>, touches: Vec<String>) -> Fix {
        Fix {
            title: title.into(),
            applicability: Applicability::Unsafe,
            edits,
            touches,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// Stable rule name (`static-ip`).
    pub rule: &'static str,
    /// Stable rule code (`HY201`).
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub primary: Span,
    pub labels: Vec<Label>,
    /// The service the finding is about, when there is one.
    pub service: Option<String>,
    pub fix: Option<Box<Fix>>,
}

impl Diagnostic {
    pub fn new(rule: &RuleMeta, primary: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            rule: rule.name,
            code: rule.code,
            severity: rule.severity,
            message: message.into(),
            primary,
            labels: Vec::new(),
            service: None,
            fix: None,
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
    pub fn with_fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix.filter(|f| !f.edits.is_empty()).map(Box::new);
        self
    }
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// Deterministic order: file, byte offset, then rule and message; exact duplicates removed
/// (a file included by two projects is checked twice). `file_rank` orders files (by their
/// displayed path): a number per file, so comparisons do not build strings.
pub fn sort_and_dedup(diags: &mut Vec<Diagnostic>, file_rank: impl Fn(&Span) -> usize + Sync) {
    // Sort keys, not findings: a stable sort of the findings themselves would need a second
    // buffer of them (tens of MB on a large tree); the order is applied in place below. A key
    // packs file rank and start in one word, then end and index: comparisons read 16 bytes in
    // order rather than two findings scattered over the heap, and only ties at one span read
    // rule and message. The index last keeps the sort stable: of exact duplicates, the first
    // found stays.
    let mut keys: Vec<(u64, u32, u32)> = diags
        .par_iter()
        .enumerate()
        .map(|(i, d)| {
            let rank = file_rank(&d.primary) as u64;
            (rank << 32 | d.primary.start as u64, d.primary.end, i as u32)
        })
        .collect();
    keys.par_sort_unstable_by(|a, b| {
        (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| {
            let (x, y) = (&diags[a.2 as usize], &diags[b.2 as usize]);
            (x.rule, x.message.as_str())
                .cmp(&(y.rule, y.message.as_str()))
                .then(a.2.cmp(&b.2))
        })
    });
    let mut order: Vec<usize> = keys.into_iter().map(|k| k.2 as usize).collect();
    for i in 0..order.len() {
        // Follow the cycle through `i`: position j takes the finding at order[j].
        let mut j = i;
        while order[j] != i {
            let k = order[j];
            diags.swap(j, k);
            order[j] = j;
            j = k;
        }
        order[j] = j;
    }
    diags.dedup_by(|a, b| a.rule == b.rule && a.primary == b.primary && a.message == b.message);
}

/// Whether a rule's findings carry a fix. Declared by each rule and checked when it reports
/// (`rules::Reporter`): a rule that never fixes cannot slip one in, and one that always fixes
/// cannot forget to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FixAvailability {
    Never,
    /// Some findings: those the rule can fix without guessing.
    Sometimes,
    Always,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::Never => "never",
            FixAvailability::Sometimes => "sometimes",
            FixAvailability::Always => "always",
        }
    }
}

/// What identifies and documents a rule. The page under `rules/` is the rule's documentation,
/// embedded at build time so `hylint explain` and the docs never drift apart.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable identifier (JSON `rule`).
    pub name: &'static str,
    /// Stable short code (JSON `code`).
    pub code: &'static str,
    pub category: &'static str,
    pub severity: Severity,
    pub fix: FixAvailability,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// For rules whose findings weaken a container's isolation: the score code scanning ranks
    /// them by (SARIF `security-severity`, CVSS-like: 4.0 to 6.9 is medium, 7.0 to 8.9 high).
    pub security_severity: Option<&'static str>,
    /// The Markdown page.
    pub doc: &'static str,
}

impl RuleMeta {
    /// Whether the rule offers a fix at all.
    pub fn fixable(&self) -> bool {
        self.fix != FixAvailability::Never
    }
}

/// `Some(x)` for a given literal, `None` without one (`declare_rule!`'s optional fields).
#[doc(hidden)]
#[macro_export]
macro_rules! __optional {
    () => {
        None
    };
    ($x:literal) => {
        Some($x)
    };
}

/// Declare a rule: its type (which implements `rules::Rule`) and its metadata, `META`, with the
/// page `rules/<name>.md`. `build.rs` finds every declaration under `src/rules/<category>/` and
/// registers the rule: nothing else lists it.
///
/// ```ignore
/// crate::declare_rule! {
///     StaticIp {
///         name: "static-ip",
///         code: "HY101",
///         category: "policy",
///         severity: Warning,
///         fix: Sometimes,
///         summary: "A service pins a static IP address instead of using Docker DNS",
///         // Optional: for findings that weaken a container's isolation.
///         // security_severity: "5.0",
///     }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $ty:ident {
            name: $name:literal,
            code: $code:literal,
            category: $cat:literal,
            severity: $sev:ident,
            fix: $fix:ident,
            summary: $summary:literal
            $(, security_severity: $security:literal)? $(,)?
        }
    ) => {
        pub struct $ty;
        pub static META: $crate::diagnostic::RuleMeta = $crate::diagnostic::RuleMeta {
            name: $name,
            code: $code,
            category: $cat,
            severity: $crate::diagnostic::Severity::$sev,
            fix: $crate::diagnostic::FixAvailability::$fix,
            summary: $summary,
            security_severity: $crate::__optional!($($security)?),
            doc: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $name, ".md")),
        };
    };
}
