//! Rules: one file per rule under `src/rules/<category>/`, one page per rule under `rules/`.
//! Every rule declares itself (`crate::declare_rule!`) and implements [`Rule`]; `build.rs`
//! lists them all in `registry`, in code order.

pub mod fixes;
pub mod knowledge;
pub mod meta;
pub mod policy;
pub mod registry;
pub mod resolution;
pub mod schema;
pub mod syntax;
pub mod topology;
pub mod validity;

use crate::diagnostic::{Diagnostic, Fix, FixAvailability, Severity};
use crate::graph::Graph;
use crate::model::{Project, Service};
use crate::resolve::Workspace;
use crate::source::FileId;
use crate::source::Span;
use crate::yaml::{Node, Parsed};
use knowledge::Knowledge;
use std::any::Any;

/// A rule's checks. The engine calls each where it has what the check needs; a rule implements
/// the ones it uses (the others report nothing). Rules whose findings the loader or the
/// suppression pass detect (resolution, schema, `unused-suppression`) implement none: their
/// files hold what they report.
pub trait Rule: Sync {
    /// One file as parsed, alone: what its text shows.
    fn check_file(&self, _parsed: &Parsed, _out: &mut Reporter) {}
    /// One loaded project.
    fn check(&self, _scope: &Scope, _out: &mut Reporter) {}
    /// One loaded project, for a rule that compares projects: what it can report already, and
    /// what it records for [`Rule::check_tree`] (its claims: addresses, names, ports).
    fn summarize(&self, _scope: &Scope, _out: &mut Reporter) -> Option<Claims> {
        None
    }
    /// Every project's claims at once.
    fn check_tree(&self, _tree: &TreeScope, _out: &mut Reporter) {}
}

/// What every rule finds in one file alone ([`Rule::check_file`]), whatever the selection: a
/// file's findings are recorded once for the run, and the run's filters drop what is not
/// selected.
pub fn file_findings(parsed: &Parsed) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for r in registry::RULES {
        let mut rep = Reporter::new(r.meta, true);
        r.rule.check_file(parsed, &mut rep);
        out.extend(rep.into_findings());
    }
    out
}

/// What a rule records of one project for its check across projects; the rule downcasts it
/// back ([`Summary::claims`]).
pub type Claims = Box<dyn Any + Send + Sync>;

/// A rule as the registry lists it.
pub struct Registered {
    pub meta: &'static RuleMeta,
    pub rule: &'static dyn Rule,
}

/// Where a rule puts its findings. It holds the rule to what it declares: every finding is the
/// rule's own, and carries a fix only as the rule's [`FixAvailability`] says. A debug build
/// (the tests) stops at a breach; a release build drops a fix the rule says it never makes.
pub struct Reporter {
    meta: &'static RuleMeta,
    fixes: bool,
    found: Vec<Diagnostic>,
}

impl Reporter {
    /// `fixes`: whether findings carry fixes in this run (see `Scope::fixes`).
    pub fn new(meta: &'static RuleMeta, fixes: bool) -> Reporter {
        Reporter {
            meta,
            fixes,
            found: Vec::new(),
        }
    }
    /// A finding of this rule at `span`.
    pub fn diagnostic(&self, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.meta, span, message)
    }
    pub fn push(&mut self, mut d: Diagnostic) {
        debug_assert_eq!(
            d.rule, self.meta.name,
            "rule {} reported a finding of another rule",
            self.meta.name
        );
        match self.meta.fix {
            FixAvailability::Never if d.fix.is_some() => {
                debug_assert!(
                    false,
                    "rule {} declares `fix: Never` but offered a fix: {}",
                    self.meta.name, d.message
                );
                d.fix = None;
            }
            FixAvailability::Always if self.fixes && d.fix.is_none() => {
                debug_assert!(
                    false,
                    "rule {} declares `fix: Always` but offered no fix: {}",
                    self.meta.name, d.message
                );
            }
            _ => {}
        }
        self.found.push(d);
    }
    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        for d in ds {
            self.push(d);
        }
    }
    pub fn len(&self) -> usize {
        self.found.len()
    }
    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }
    pub fn into_findings(self) -> Vec<Diagnostic> {
        self.found
    }
}

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

/// What a rule sees: one project of the run with its graph. Projects are linted one at a time
/// and dropped, so memory stays bounded by the projects in flight; what a rule needs to compare
/// across projects (addresses, names, ports) it records in a [`Summary`] for [`Rule::check_tree`].
pub struct Scope<'a> {
    pub ws: &'a Workspace,
    pub project: &'a Project,
    pub graph: &'a Graph,
    /// Variable uses met while interpolating.
    pub variables: &'a [crate::resolve::VarUse],
    /// What the loader reported.
    pub loader_diagnostics: &'a [Diagnostic],
    pub knowledge: &'a Knowledge,
    pub options: &'a RuleOptions,
    /// Whether findings carry fixes: not when the output shows none and nothing is fixed
    /// (`CheckOptions::drop_fixes`), so rules need not build them.
    pub fixes: bool,
}

/// A service as tree-wide checks see it: enough to tell whether two services run together.
#[derive(Clone, Debug)]
pub struct SvcRef {
    /// Index of the project in the run (project order).
    pub project: usize,
    pub name: String,
    /// Whether it runs under the profiles of this run.
    pub active: bool,
    pub profiles: Vec<String>,
    pub file: FileId,
}

/// What one project contributes to the checks across projects.
#[derive(Default)]
pub struct Summary {
    /// The project's services, in declaration order.
    pub services: Vec<SvcRef>,
    /// Each rule's claims ([`Rule::summarize`]), by rule name.
    pub claims: Vec<(&'static str, Claims)>,
    /// `Project::shared_networks`: how other projects of the tree reach this one.
    pub networks: Vec<String>,
}

impl Summary {
    /// A project's summary; its services' `project` index is set once the run knows which
    /// projects it keeps and in what order (`check::run_with`).
    pub fn of(p: &Project) -> Summary {
        Summary {
            services: p
                .services
                .values()
                .map(|s| SvcRef {
                    project: 0,
                    name: s.name.clone(),
                    active: p.is_active(s),
                    profiles: s.profiles.clone(),
                    file: s.file,
                })
                .collect(),
            networks: p.shared_networks(),
            claims: Vec::new(),
        }
    }

    /// What `rule` recorded of this project, when it ran.
    pub fn claims<T: Any>(&self, rule: &RuleMeta) -> Option<&T> {
        self.claims
            .iter()
            .find(|(name, _)| *name == rule.name)
            .and_then(|(_, c)| c.downcast_ref())
    }
}

/// What a tree-wide check sees: every project's summary, in project order.
pub struct TreeScope<'a> {
    pub ws: &'a Workspace,
    pub summaries: &'a [Summary],
    pub options: &'a RuleOptions,
    /// See `Scope::fixes`.
    pub fixes: bool,
}

/// `build()`'s fix when findings carry fixes, else none (and nothing built).
pub fn fix_if(fixes: bool, build: impl FnOnce() -> Option<Fix>) -> Option<Fix> {
    if fixes {
        build()
    } else {
        None
    }
}

impl<'a> TreeScope<'a> {
    pub fn service(&self, project: usize, index: usize) -> &SvcRef {
        &self.summaries[project].services[index]
    }
    /// What `rule` recorded of each project ([`Rule::summarize`]), with the project's index,
    /// in project order.
    pub fn claims<T: Any>(&self, rule: &'a RuleMeta) -> impl Iterator<Item = (usize, &'a T)> {
        let summaries: &'a [Summary] = self.summaries;
        summaries
            .iter()
            .enumerate()
            .filter_map(move |(pi, s)| Some((pi, s.claims::<T>(rule)?)))
    }
}

impl RuleOptions {
    pub fn is_enabled(&self, rule: &str) -> bool {
        self.enabled.as_ref().is_none_or(|e| e.contains(rule))
    }
}

/// Whether two services can be up at the same time, and how sure that is.
///
/// In one project: `Error` when both run under the profiles of this run, `Warning` when some
/// other selection of profiles runs both, `None` when their profiles are disjoint.
///
/// Across projects, each started by its own `docker compose up`, nothing says both are up, so
/// at most `Warning`, and only for projects that join a network by the same name (the shared
/// bridge of an infra tree). Projects that share nothing are separate deployments (the
/// `cluster/` and `single/` variants of one repository, or unrelated repositories), and two
/// files of one directory are variants of one stack (`docker-compose.yml` beside
/// `docker-compose.cluster.yml`).
pub fn run_together(t: &TreeScope, a: &SvcRef, b: &SvcRef) -> Option<Severity> {
    if a.project == b.project {
        if a.active && b.active {
            return Some(Severity::Error);
        }
        let possible = a.profiles.is_empty()
            || b.profiles.is_empty()
            || a.profiles.iter().any(|p| b.profiles.contains(p));
        return possible.then_some(Severity::Warning);
    }
    let (fa, fb) = (t.ws.file(a.file), t.ws.file(b.file));
    let variants = fa.path != fb.path && fa.dir() == fb.dir();
    let (na, nb) = (
        &t.summaries[a.project].networks,
        &t.summaries[b.project].networks,
    );
    let joined = na.iter().any(|n| nb.binary_search(n).is_ok());
    (!variants && joined).then_some(Severity::Warning)
}

impl Scope<'_> {
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
        if let Some(site) = value.used_at() {
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

pub use crate::diagnostic::RuleMeta;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Fix;
    use crate::source::{Edit, FileId};

    fn finding(meta: &'static RuleMeta, fix: bool) -> Diagnostic {
        let span = Span::new(FileId(0), 0, 1);
        let d = Diagnostic::new(meta, span, "m");
        if fix {
            d.with_fix(Some(Fix::safe(
                "f",
                vec![Edit {
                    span,
                    content: String::new(),
                }],
                vec![],
            )))
        } else {
            d
        }
    }

    #[test]
    fn a_reporter_keeps_what_the_rule_declares() {
        let mut r = Reporter::new(&registry::STATIC_IP, true);
        r.push(finding(&registry::STATIC_IP, true));
        r.push(finding(&registry::STATIC_IP, false));
        let found = r.into_findings();
        assert_eq!(found.len(), 2);
        assert!(found[0].fix.is_some() && found[1].fix.is_none());
    }

    #[test]
    #[cfg_attr(debug_assertions, should_panic(expected = "declares `fix: Never`"))]
    fn a_rule_that_never_fixes_cannot_offer_a_fix() {
        let mut r = Reporter::new(&registry::CONFLICT, true);
        r.push(finding(&registry::CONFLICT, true));
        // Release builds: the fix is dropped.
        assert!(r.into_findings()[0].fix.is_none());
    }

    static ALWAYS: RuleMeta = RuleMeta {
        name: "always",
        code: "HY999",
        category: "test",
        severity: Severity::Warning,
        fix: FixAvailability::Always,
        summary: "",
        security_severity: None,
        doc: "",
    };

    #[test]
    #[cfg_attr(debug_assertions, should_panic(expected = "declares `fix: Always`"))]
    fn a_rule_that_always_fixes_cannot_forget_to() {
        let mut r = Reporter::new(&ALWAYS, true);
        r.push(finding(&ALWAYS, false));
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn without_fixes_in_the_run_a_rule_that_always_fixes_offers_none() {
        let mut r = Reporter::new(&ALWAYS, false);
        r.push(finding(&ALWAYS, false));
        assert_eq!(r.len(), 1);
    }

    #[test]
    #[cfg_attr(
        debug_assertions,
        should_panic(expected = "reported a finding of another rule")
    )]
    fn a_rule_reports_only_its_own_findings() {
        let mut r = Reporter::new(&registry::CONFLICT, true);
        r.push(finding(&registry::STATIC_IP, false));
    }
}
