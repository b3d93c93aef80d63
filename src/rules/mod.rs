//! Rules: one file per rule under `src/rules/<category>/`, one page per rule under `rules/`.
//! Every rule declares a [`RuleMeta`]; `registry` lists them all, in code order.

pub mod fixes;
pub mod knowledge;
pub mod meta;
pub mod policy;
pub mod registry;
pub mod resolution;
pub mod schema;
pub mod syntax;
pub mod validity;

use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::Graph;
use crate::model::{Project, Service};
use crate::resolve::Workspace;
use crate::source::Span;
use crate::yaml::Node;
use knowledge::Knowledge;

/// Options rules read (set from hylint.toml; defaults here).
#[derive(Clone, Debug, Default)]
pub struct RuleOptions {
    /// Rules to run (names); `None` runs every rule.
    pub enabled: Option<std::collections::HashSet<&'static str>>,
    /// `missing-healthcheck`: also report `healthcheck: {disable: true}`.
    pub healthcheck_strict: bool,
    /// `static-ip`: networks on which pinned addresses are accepted.
    pub static_ip_allowed_networks: Vec<String>,
    /// `missing-resource-limits`: (cpus, memory) the unsafe fix inserts; no fix when unset.
    pub default_limits: Option<(String, String)>,
}

/// What a tree-wide rule sees: every project of the run with its graph.
pub struct Tree<'a> {
    pub ws: &'a Workspace,
    pub projects: Vec<(&'a Project, Graph)>,
    /// Per project (same order): variable uses met while interpolating.
    pub variables: Vec<&'a [crate::resolve::VarUse]>,
    /// Per project: what the loader reported.
    pub loader_diagnostics: Vec<&'a [Diagnostic]>,
    pub knowledge: &'a Knowledge,
    pub options: &'a RuleOptions,
}

/// A rule that runs on the loaded tree.
pub type Check = fn(&Tree, &mut Vec<Diagnostic>);

impl RuleOptions {
    pub fn is_enabled(&self, rule: &str) -> bool {
        self.enabled.as_ref().is_none_or(|e| e.contains(rule))
    }
}

/// Whether two services can be up at the same time, and how sure that is: `Error` when both run
/// under the profiles of this run, `Warning` when some other selection of profiles runs both,
/// `None` when they never run together. In one project, services with disjoint profiles are
/// alternatives; across projects, services declared in two files of one directory are
/// (`docker-compose.yml` beside `docker-compose.cluster.yml`: variants of one stack).
pub fn run_together(
    t: &Tree,
    pa: &Project,
    a: &Service,
    pb: &Project,
    b: &Service,
) -> Option<Severity> {
    if pa.is_active(a) && pb.is_active(b) && (std::ptr::eq(pa, pb) || !alternatives(t, a, b)) {
        return Some(Severity::Error);
    }
    let possible = if std::ptr::eq(pa, pb) {
        a.profiles.is_empty()
            || b.profiles.is_empty()
            || a.profiles.iter().any(|p| b.profiles.contains(p))
    } else {
        !alternatives(t, a, b)
    };
    possible.then_some(Severity::Warning)
}

fn alternatives(t: &Tree, a: &Service, b: &Service) -> bool {
    let (fa, fb) = (t.ws.file(a.file), t.ws.file(b.file));
    fa.path != fb.path && fa.dir() == fb.dir()
}

impl Tree<'_> {
    /// A diagnostic about `value` of `svc`, reported where the value is written; when that is
    /// not in the service's own mapping (a template reached through `extends`, an anchor), a
    /// secondary label marks the service that inherits it.
    pub fn at_value(
        &self,
        meta: &'static RuleMeta,
        svc: &Service,
        value: &Node,
        message: String,
    ) -> Diagnostic {
        let mut d = Diagnostic::new(meta, value.span, message).with_service(&svc.name);
        if let Some(site) = value.used_at {
            d = d.with_label(site, "used here through an alias");
        }
        if !svc.owns(value.span) {
            d = d.with_label(svc.decl, format!("inherited by service `{}`", svc.name));
        }
        d
    }

    /// A diagnostic about a service as a whole (a missing key): at its name.
    pub fn at_service(
        &self,
        meta: &'static RuleMeta,
        svc: &Service,
        message: String,
    ) -> Diagnostic {
        Diagnostic::new(meta, svc.decl, message).with_service(&svc.name)
    }

    pub fn text(&self, span: Span) -> String {
        let f = self.ws.file(span.file);
        f.text.get(span.range()).unwrap_or("").to_string()
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
    /// Whether the rule offers a fix.
    pub fixable: bool,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// The Markdown page.
    pub doc: &'static str,
}

/// Declare a rule's metadata from its page `rules/<name>.md`.
#[macro_export]
macro_rules! rule_meta {
    ($name:literal, $code:literal, $cat:literal, $sev:ident, fixable = $fix:literal, $summary:literal) => {
        pub static META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
            name: $name,
            code: $code,
            category: $cat,
            severity: $crate::diagnostic::Severity::$sev,
            fixable: $fix,
            summary: $summary,
            doc: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $name, ".md")),
        };
    };
}
