//! `missing-resource-limits`: no CPU and/or memory limit after extends resolution.

use crate::diagnostic::Diagnostic;
use crate::rules::Tree;

crate::rule_meta!(
    "missing-resource-limits",
    "HY105",
    "policy",
    Warning,
    fixable = false,
    "A service has no CPU and/or memory limit (deploy.resources.limits, or legacy cpus/mem_limit)"
);

pub fn check(t: &Tree, out: &mut Vec<Diagnostic>) {
    let meta = &crate::rules::registry::MISSING_RESOURCE_LIMITS;
    for (p, _) in &t.projects {
        for svc in p.services.values() {
            let limits = svc.node.path(&["deploy", "resources", "limits"]);
            let has = |key: &str, legacy: &str| {
                limits
                    .and_then(|l| l.get(key))
                    .is_some_and(|v| !v.is_null())
                    || svc.get(legacy).is_some_and(|v| !v.is_null())
            };
            let missing: Vec<&str> = [("cpus", "cpus"), ("memory", "mem_limit")]
                .iter()
                .filter(|(k, l)| !has(k, l))
                .map(|(k, _)| if *k == "cpus" { "CPU" } else { "memory" })
                .collect();
            if missing.is_empty() {
                continue;
            }
            let message = format!(
                "service `{}` has no {} limit: one runaway container can starve the host",
                svc.name,
                missing.join(" or ")
            );
            out.push(match limits {
                Some(l) => t.at_value(meta, svc, l, message),
                None => t.at_service(meta, svc, message),
            });
        }
    }
}
