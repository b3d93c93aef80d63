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
pub mod topology;
pub mod validity;

use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::graph::Graph;
use crate::model::{Project, Service};
use crate::resolve::Workspace;
use crate::source::FileId;
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

/// What a rule sees: one project of the run with its graph. Projects are linted one at a time
/// and dropped, so memory stays bounded by the projects in flight; what a rule needs to compare
/// across projects (addresses, names, ports) it records in a [`Summary`] for [`TreeCheck`]s.
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

/// A rule that runs on one loaded project.
pub type Check = fn(&Scope, &mut Vec<Diagnostic>);

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
#[derive(Debug, Default)]
pub struct Summary {
    /// The project's services, in declaration order.
    pub services: Vec<SvcRef>,
    pub conflict: validity::conflict::Claims,
    pub static_ip: policy::static_ip::Claims,
    pub undefined: validity::undefined_reference::Claims,
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
            ..Default::default()
        }
    }
}

/// A rule that compares projects: per project it reports what it can and records the rest in
/// the project's summary; then it reports across every project's summary.
pub struct TreeCheck {
    pub summarize: fn(&Scope, &mut Summary, &mut Vec<Diagnostic>),
    pub check: fn(&TreeScope, &mut Vec<Diagnostic>),
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

impl TreeScope<'_> {
    pub fn service(&self, project: usize, index: usize) -> &SvcRef {
        &self.summaries[project].services[index]
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
