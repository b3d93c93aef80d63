//! `missing-healthcheck`: a long-running service without a health check.

use super::{healthcheck_disabled, is_one_shot};
use crate::diagnostic::Fix;
use crate::model::Service;
use crate::rules::fixes::service_fix;
use crate::rules::knowledge::ImageHealthcheck;
use crate::rules::Reporter;
use crate::rules::Scope;
use crate::yaml::edit::{self, Value};

crate::declare_rule! {
    MissingHealthcheck {
        name: "missing-healthcheck",
        code: "HY103",
        category: "policy",
        severity: Warning,
        fix: Sometimes,
        summary: "A long-running service has no health check, own or inherited",
    }
}

impl crate::rules::Rule for MissingHealthcheck {
    fn check(&self, t: &Scope, out: &mut Reporter) {
        check(t, out)
    }
}

/// Insert the health check known for the image (rules/knowledge.yml). Unsafe: the check runs
/// inside the container and needs its tools.
fn known_healthcheck_fix(t: &Scope, svc: &Service) -> Option<Fix> {
    let image = svc.image()?;
    let known = t
        .knowledge
        .healthchecks
        .iter()
        .find(|h| h.images.matches_image(image))?;
    let test: Vec<String> = known
        .test
        .iter()
        .map(|s| serde_json::to_string(s).unwrap_or_default())
        .collect();
    service_fix(
        t,
        svc,
        "Add the health check known for this image",
        vec![format!("/services/{}/healthcheck", svc.name)],
        |src, node| {
            edit::insert_entry(
                src,
                node,
                "healthcheck",
                &Value::Map(vec![("test".into(), Value::FlowSeq(test))]),
            )
            .into_iter()
            .collect()
        },
    )
}

/// An interactive tool container (`stdin_open: true` and `tty: true`, a shell to `exec` into)
/// serves nothing a health check could probe.
fn is_interactive(svc: &Service) -> bool {
    let on = |k: &str| svc.get(k).and_then(crate::model::specs::compose_bool) == Some(true);
    on("stdin_open") && on("tty")
}

fn check(t: &Scope, out: &mut Reporter) {
    let meta = &META;
    {
        let p = t.project;
        for svc in p.services.values() {
            if super::is_fragment(svc) || is_one_shot(p, svc) || is_interactive(svc) {
                continue;
            }
            match svc.get("healthcheck") {
                None => {
                    // The image's own HEALTHCHECK counts (a Dockerfile of the tree, a known
                    // image); of an image hylint cannot see, the message says so.
                    let unknown =
                        match super::dependency_without_healthcheck::image_healthcheck(t, svc) {
                            ImageHealthcheck::Declared => continue,
                            ImageHealthcheck::None => false,
                            ImageHealthcheck::Unknown => true,
                        };
                    let message = if unknown {
                        format!(
                            "service `{}` declares no health check (its image may have one: hylint cannot tell offline): without one, dependents cannot wait for it to be ready and failures go unnoticed",
                            svc.name
                        )
                    } else {
                        format!(
                            "service `{}` has no health check: dependents cannot wait for it to be ready and failures go unnoticed",
                            svc.name
                        )
                    };
                    out.push(
                        t.at_service(meta, svc, message)
                            .with_fix(crate::rules::fix_if(t.fixes, || {
                                known_healthcheck_fix(t, svc)
                            })),
                    )
                }
                Some(h) if healthcheck_disabled(svc) && t.options.healthcheck_strict => {
                    out.push(t.at_value(
                        meta,
                        svc,
                        h,
                        format!("service `{}` disables its health check", svc.name),
                    ))
                }
                Some(_) => {}
            }
        }
    }
}
