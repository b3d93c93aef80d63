//! `missing-resource-limits`: no CPU and/or memory limit after extends resolution.

use crate::diagnostic::{Applicability, Fix};
use crate::model::Service;
use crate::rules::fixes::{own_path, service_fix};
use crate::rules::Reporter;
use crate::rules::Scope;
use crate::yaml::edit::{self, Value};

crate::declare_rule! {
    MissingResourceLimits {
        name: "missing-resource-limits",
        code: "HY105",
        category: "policy",
        severity: Warning,
        fix: Sometimes,
        summary: "A service has no CPU and/or memory limit (deploy.resources.limits, or legacy cpus/mem_limit)",
    }
}

impl crate::rules::Rule for MissingResourceLimits {
    fn check(&self, t: &Scope, out: &mut Reporter) {
        check(t, out)
    }
}

/// Insert the default limits the configuration sets (none set: no fix). Unsafe: a limit can
/// starve a service that needs more.
fn default_limits_fix(
    t: &Scope,
    svc: &Service,
    missing_cpus: bool,
    missing_memory: bool,
) -> Option<Fix> {
    let (cpus, memory) = t.options.default_limits.as_ref()?;
    let mut wanted: Vec<(String, Value)> = Vec::new();
    if missing_cpus {
        wanted.push(("cpus".into(), Value::Scalar(format!("\"{cpus}\""))));
    }
    if missing_memory {
        wanted.push(("memory".into(), Value::Scalar(memory.clone())));
    }
    let mut fix = service_fix(
        t,
        svc,
        "Add the default resource limits",
        vec![format!("/services/{}/deploy/resources/limits", svc.name)],
        |src, node| {
            let path = ["deploy", "resources", "limits"];
            match own_path(node, &path) {
                Some(limits) if limits.is_map() => {
                    let mut combined: Option<crate::diagnostic::Edit> = None;
                    for (k, v) in &wanted {
                        let Some(e) = edit::insert_entry(src, limits, k, v) else {
                            return vec![];
                        };
                        match &mut combined {
                            None => combined = Some(e),
                            Some(c) => c.content.push_str(&e.content),
                        }
                    }
                    combined.into_iter().collect()
                }
                Some(_) => vec![],
                None => edit::insert_into(src, node, &path, Value::Map(wanted.clone()))
                    .into_iter()
                    .collect(),
            }
        },
    )?;
    fix.applicability = Applicability::Unsafe;
    Some(fix)
}

fn check(t: &Scope, out: &mut Reporter) {
    let meta = &META;
    {
        let p = t.project;
        for svc in p.services.values() {
            if super::is_fragment(svc) {
                continue;
            }
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
            let fix = crate::rules::fix_if(t.fixes, || {
                default_limits_fix(
                    t,
                    svc,
                    missing.contains(&"CPU"),
                    missing.contains(&"memory"),
                )
            });
            // At the `limits` key when there is one (where a suppression comment goes).
            let key = svc
                .node
                .path(&["deploy", "resources"])
                .and_then(|r| r.entry("limits"))
                .map(|e| &e.key);
            out.push(
                match key {
                    Some(k) => t.at_value(meta, svc, k, message),
                    None => t.at_service(meta, svc, message),
                }
                .with_fix(fix),
            );
        }
    }
}
