//! `undefined-reference`: a service uses a network, volume, secret, config or service the
//! project does not define (or that its profiles switch off).

use super::{severity_for, when_enabled};
use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::EdgeKind;
use crate::rules::{Reporter, Rule, Scope, TreeScope};
use std::any::Any;
use std::collections::HashMap;

crate::declare_rule! {
    UndefinedReference {
        name: "undefined-reference",
        code: "HY011",
        category: "validity",
        severity: Error,
        fix: Never,
        summary: "A service refers to a network, volume, secret, config or service the project does not define or switches off",
    }
}

impl Rule for UndefinedReference {
    fn summarize(&self, t: &Scope, out: &mut Reporter) -> Option<Box<dyn Any + Send + Sync>> {
        Some(Box::new(summarize(t, out)))
    }
    fn check_tree(&self, t: &TreeScope, out: &mut Reporter) {
        check_tree(t, out)
    }
}

fn summarize(t: &Scope, out: &mut Reporter) -> Claims {
    let mut claims = Claims::default();
    {
        let (p, g) = (t.project, t.graph);
        let services: Vec<_> = p.services.values().collect();
        for e in &g.edges {
            let svc = services[e.from];
            let sev = severity_for(p, svc);
            let when = when_enabled(p, svc);
            let (what, defined) = match &e.kind {
                EdgeKind::Network => (
                    "network",
                    e.to == "default" || p.networks.contains_key(&e.to),
                ),
                EdgeKind::Volume => ("volume", p.volumes.contains_key(&e.to)),
                EdgeKind::Secret => ("secret", p.secrets.contains_key(&e.to)),
                EdgeKind::Config => ("config", p.configs.contains_key(&e.to)),
                EdgeKind::DependsOn { required, .. } => match p.services.get(&e.to) {
                    None => ("service", false),
                    Some(target) => {
                        if *required && !target.profiles.is_empty() {
                            let only = target
                                .profiles
                                .iter()
                                .map(|x| format!("`{x}`"))
                                .collect::<Vec<_>>()
                                .join(" or ");
                            if p.is_active(svc) && !p.is_active(target) {
                                out.push(
                                    Diagnostic::new(
                                        &META,
                                        e.span,
                                        format!(
                                            "`{}` depends on `{}`, which only profile {only} enables: docker compose refuses the project \
                                             (\"depends on undefined service\"); enable the profile, give `{}` the same profiles, or set `required: false`",
                                            svc.name, target.name, svc.name
                                        ),
                                    )
                                    .with_service(&svc.name)
                                    .with_label(target.decl, "declared here"),
                                );
                            } else {
                                // Latent: a selection that runs the dependent without the target.
                                let lacking: Vec<String> = if svc.profiles.is_empty() {
                                    vec!["no profile".into()]
                                } else {
                                    svc.profiles
                                        .iter()
                                        .filter(|sp| !target.profiles.contains(sp))
                                        .map(|sp| format!("profile `{sp}`"))
                                        .collect()
                                };
                                if !lacking.is_empty() {
                                    out.push(
                                        Diagnostic::new(
                                            &META,
                                            e.span,
                                            format!(
                                                "`{}` depends on `{}`, which only profile {only} enables: with {} alone, docker compose refuses the project",
                                                svc.name,
                                                target.name,
                                                lacking.join(" or ")
                                            ),
                                        )
                                        .with_severity(Severity::Warning)
                                        .with_service(&svc.name)
                                        .with_label(target.decl, "declared here"),
                                    );
                                }
                            }
                        }
                        continue;
                    }
                },
                EdgeKind::NetworkModeService | EdgeKind::Link | EdgeKind::VolumesFrom => {
                    ("service", p.services.contains_key(&e.to))
                }
                EdgeKind::Extends => continue, // extends-error
            };
            if defined {
                continue;
            }
            // A dependency marked `required: false` may be missing.
            if let EdgeKind::DependsOn {
                required: false, ..
            } = e.kind
            {
                continue;
            }
            let verb = if what == "service" {
                "depends on"
            } else {
                "refers to"
            };
            let d = Diagnostic::new(
                &META,
                e.span,
                format!(
                    "`{}` {verb} undefined {what} `{}`{when}: docker compose refuses the project; declare it under top-level `{}`",
                    svc.name,
                    e.to,
                    match what {
                        "service" => "services:",
                        "network" => "networks:",
                        "volume" => "volumes:",
                        "secret" => "secrets:",
                        _ => "configs:",
                    }
                ),
            )
            .with_severity(sev)
            .with_service(&svc.name);
            if what == "network" || what == "secret" || what == "config" {
                // A shared resource declared by another project of the tree: said across
                // projects, where every project's declarations are known.
                claims
                    .pending
                    .get_mut()
                    .expect("pending lock")
                    .push((d, what, e.to.clone()));
                continue;
            }
            out.push(d);
        }
    }
    for (what, map) in [
        ("network", &t.project.networks),
        ("secret", &t.project.secrets),
        ("config", &t.project.configs),
    ] {
        claims
            .declared
            .extend(map.values().map(|r| (what, r.name.clone(), r.decl)));
    }
    claims
}

/// Per project: its findings (references to resources it does not declare are labelled once
/// every project's declarations are known), and the resources it declares.
#[derive(Debug, Default)]
pub struct Claims {
    /// Findings about undeclared shared resources, labelled once every project is known. The
    /// tree-wide check takes them out (the checks across projects share the summaries).
    pending: std::sync::Mutex<Vec<(Diagnostic, &'static str, String)>>,
    declared: Vec<(&'static str, String, crate::source::Span)>,
}

fn check_tree(t: &TreeScope, out: &mut Reporter) {
    // First declaration in project order, as a scan of the projects would find it.
    let mut first: HashMap<(&str, &str), crate::source::Span> = HashMap::new();
    for (_, s) in t.claims::<Claims>(&META) {
        for (what, name, decl) in &s.declared {
            first.entry((what, name.as_str())).or_insert(*decl);
        }
    }
    for (_, s) in t.claims::<Claims>(&META) {
        let pending = std::mem::take(&mut *s.pending.lock().expect("pending lock"));
        for (mut d, what, name) in pending {
            if let Some(decl) = first.get(&(what, name.as_str())) {
                d = d.with_label(
                    *decl,
                    "declared here, in another project: declare it `external: true` to share it",
                );
            }
            out.push(d);
        }
    }
}
