//! `redundant-init-container`: a run-once service feeds a database a script that the database
//! image already runs from `/docker-entrypoint-initdb.d/`.

use super::{command_text, is_run_once};
use crate::diagnostic::Fix;
use crate::model::{Project, Service};
use crate::rules::fixes::own_get;
use crate::rules::Reporter;
use crate::rules::Scope;
use crate::yaml::edit;
use crate::yaml::Node;

crate::declare_rule! {
    RedundantInitContainer {
        name: "redundant-init-container",
        code: "HY102",
        category: "policy",
        severity: Warning,
        fix: Sometimes,
        summary: "A run-once container runs a script the database image already runs from /docker-entrypoint-initdb.d",
    }
}

impl crate::rules::Rule for RedundantInitContainer {
    fn check(&self, t: &Scope, out: &mut Reporter) {
        check(t, out)
    }
}

fn binds(svc: &Service) -> impl Iterator<Item = (&str, &str, &Node)> {
    svc.get("volumes")
        .and_then(|v| v.as_seq())
        .unwrap_or(&[])
        .iter()
        .filter(|v| v.get("type").and_then(|t| t.as_str()) == Some("bind"))
        .filter_map(|v| Some((v.get("source")?.as_str()?, v.get("target")?.as_str()?, v)))
}

/// Where a path inside the container comes from on the host, through a bind mount.
fn host_path(svc: &Service, container_path: &str) -> Option<String> {
    binds(svc).find_map(|(src, target, _)| {
        let target = target.trim_end_matches('/');
        if container_path == target {
            Some(src.to_string())
        } else {
            container_path
                .strip_prefix(target)
                .filter(|rest| rest.starts_with('/'))
                .map(|rest| format!("{}{rest}", src.trim_end_matches('/')))
        }
    })
}

/// Services the init container talks to: its dependencies and the hosts its command names.
fn targets<'a>(t: &Scope, p: &'a Project, svc: &Service, cmd: &str) -> Vec<&'a Service> {
    let mut names: Vec<String> = svc.depends_on().map(|(n, _)| n.to_string()).collect();
    for re in &t.knowledge.host_options {
        for c in re.captures_iter(cmd) {
            names.push(c[1].trim_matches('"').to_string());
        }
    }
    let mut out: Vec<&Service> = Vec::new();
    for n in names {
        let found = p.services.get(&n).or_else(|| {
            p.services
                .values()
                .find(|s| s.container_name() == Some(n.as_str()))
        });
        if let Some(s) = found {
            if !out.iter().any(|o| o.name == s.name) && s.name != svc.name {
                out.push(s);
            }
        }
    }
    out
}

/// Delete the service and every `depends_on` on it, in every file of the project. No fix when a
/// dependency on it is inherited (through `extends` or an anchor): that edit would reach
/// other services.
fn removal_fix(t: &Scope, p: &Project, svc: &Service) -> Option<Fix> {
    let raw = t.raw(svc.file);
    let services = raw.services_map(&svc.name)?;
    let mut edits = vec![edit::delete_entry(&raw.src(), services, &svc.name)?];
    for other in p.services.values().filter(|o| o.name != svc.name) {
        if !other.depends_on().any(|(n, _)| n == svc.name) {
            continue;
        }
        let oraw = t.raw(other.file);
        let node = oraw.service(&other.name)?;
        let dep = own_get(node, "depends_on")?;
        let src = oraw.src();
        let only = dep
            .as_seq()
            .map(|s| s.len())
            .or(dep.as_map().map(|m| m.len()))
            == Some(1);
        let e = if only {
            edit::delete_entry(&src, node, "depends_on")?
        } else if let Some(items) = dep.as_seq() {
            let idx = items
                .iter()
                .position(|i| i.as_str() == Some(svc.name.as_str()))?;
            edit::delete_item(&src, dep, idx)?
        } else {
            edit::delete_entry(&src, dep, &svc.name)?
        };
        edits.push(e);
    }
    // Unsafe: the database runs its init directory only on an empty data directory, while the
    // init container runs its script on every `up`.
    Some(Fix::unsafe_(
        format!("Remove `{}` and every depends_on on it", svc.name),
        edits,
        vec![
            format!("/services/{}", svc.name),
            format!("/services/*/depends_on/{}", svc.name),
        ],
    ))
}

fn check(t: &Scope, out: &mut Reporter) {
    let meta = &META;
    {
        let p = t.project;
        for svc in p.services.values() {
            if !is_run_once(svc) {
                continue;
            }
            let cmd = command_text(svc);
            let scripts: Vec<String> = t
                .knowledge
                .script_clients
                .iter()
                .flat_map(|re| {
                    re.captures_iter(&cmd)
                        .map(|c| c[1].to_string())
                        .collect::<Vec<_>>()
                })
                .collect();
            'script: for script in scripts {
                let Some(host) = host_path(svc, &script) else {
                    continue;
                };
                for target in targets(t, p, svc, &cmd) {
                    let Some(image) = target.image() else {
                        continue;
                    };
                    let Some(db) = t
                        .knowledge
                        .databases
                        .iter()
                        .find(|d| d.images.matches_image(image))
                    else {
                        continue;
                    };
                    let init_dir = db.init_dir.trim_end_matches('/');
                    for (src, dst, vol) in binds(target) {
                        let in_init_dir =
                            dst == init_dir || dst.starts_with(&format!("{init_dir}/"));
                        let same_file = host == src
                            || host.starts_with(&format!("{}/", src.trim_end_matches('/')));
                        if !(in_init_dir && same_file) {
                            continue;
                        }
                        let file = host.rsplit('/').next().unwrap_or(&host);
                        let mut d = t
                            .at_service(
                                meta,
                                svc,
                                format!(
                                    "service `{}` runs {file}, which `{}` ({}) already runs from {init_dir} on its first start: remove the init container",
                                    svc.name, target.name, db.name
                                ),
                            )
                            .with_label(vol.site(), format!("`{}` mounts it into {init_dir} here", target.name));
                        if let Some(c) = svc.get("command") {
                            d = d.with_label(c.site(), "and this command runs it again");
                        }
                        out.push(
                            d.with_fix(crate::rules::fix_if(t.fixes, || removal_fix(t, p, svc))),
                        );
                        continue 'script;
                    }
                }
            }
        }
    }
}
