//! `missing-healthcheck`: a long-running service without a health check.

use super::{healthcheck_disabled, is_run_once};
use crate::diagnostic::Diagnostic;
use crate::rules::Tree;

crate::rule_meta!(
    "missing-healthcheck",
    "HY103",
    "policy",
    Warning,
    fixable = false,
    "A long-running service has no health check, own or inherited"
);

pub fn check(t: &Tree, out: &mut Vec<Diagnostic>) {
    let meta = &crate::rules::registry::MISSING_HEALTHCHECK;
    for (p, _) in &t.projects {
        for svc in p.services.values() {
            if is_run_once(svc) {
                continue;
            }
            match svc.get("healthcheck") {
                None => out.push(t.at_service(
                    meta,
                    svc,
                    format!(
                        "service `{}` has no health check: dependents cannot wait for it to be ready and failures go unnoticed",
                        svc.name
                    ),
                )),
                Some(h) if healthcheck_disabled(svc) && t.options.healthcheck_strict => out.push(t.at_value(
                    meta,
                    svc,
                    h,
                    format!("service `{}` disables its health check", svc.name),
                )),
                Some(_) => {}
            }
        }
    }
}
