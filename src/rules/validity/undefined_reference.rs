//! `undefined-reference`: a service uses a network, volume, secret, config or service the
//! project does not define (or that its profiles switch off).

use super::{severity_for, when_enabled};
use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::EdgeKind;
use crate::rules::Tree;

crate::rule_meta!(
    "undefined-reference",
    "HY011",
    "validity",
    Error,
    fixable = false,
    "A service refers to a network, volume, secret, config or service the project does not define or switches off"
);

pub fn check(t: &Tree, out: &mut Vec<Diagnostic>) {
    for (p, g) in &t.projects {
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
            let mut d = Diagnostic::new(
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
                // A shared resource declared by another project of the tree: say where.
                let elsewhere = t.projects.iter().find_map(|(q, _)| {
                    let map = match what {
                        "network" => &q.networks,
                        "secret" => &q.secrets,
                        _ => &q.configs,
                    };
                    map.get(&e.to).map(|r| r.decl)
                });
                if let Some(decl) = elsewhere {
                    d = d.with_label(decl, "declared here, in another project: declare it `external: true` to share it");
                }
            }
            out.push(d);
        }
    }
}
