//! `dependency-without-healthcheck`: `condition: service_healthy` on a service with no health
//! check, so compose can never start the dependent.

use super::healthcheck;
use crate::diagnostic::Diagnostic;
use crate::rules::Scope;

crate::rule_meta!(
    "dependency-without-healthcheck",
    "HY104",
    "policy",
    Error,
    fixable = false,
    "depends_on waits for service_healthy on a service that has no health check"
);

pub fn check(t: &Scope, out: &mut Vec<Diagnostic>) {
    let meta = &crate::rules::registry::DEPENDENCY_WITHOUT_HEALTHCHECK;
    {
        let p = t.project;
        for svc in p.services.values() {
            for (name, dep) in svc.depends_on() {
                let Some(cond) = dep.get("condition") else {
                    continue;
                };
                if cond.as_str() != Some("service_healthy") {
                    continue;
                }
                let Some(target) = p.services.get(name) else {
                    continue;
                };
                if healthcheck(target).is_some() {
                    continue;
                }
                let why = if super::healthcheck_disabled(target) {
                    "disables its health check"
                } else {
                    "has no health check"
                };
                out.push(
                    t.at_value(
                        meta,
                        svc,
                        cond,
                        format!(
                            "`{}` waits for `{name}` to be healthy, but `{name}` {why}: `docker compose up` fails with \"dependency failed to start\"",
                            svc.name
                        ),
                    )
                    .with_label(target.decl, format!("`{name}` is declared here")),
                );
            }
        }
    }
}
