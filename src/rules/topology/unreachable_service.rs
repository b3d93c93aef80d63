//! `unreachable-service`: a service names another service of its project as a host (in a URL
//! or a `*_HOST`-like variable) but the two share no network, so Docker's DNS will not
//! resolve the name from it.

use crate::diagnostic::Diagnostic;
use crate::model::{Project, Service};
use crate::rules::Reporter;
use crate::rules::Scope;
use std::collections::BTreeSet;

crate::declare_rule! {
    UnreachableService {
        name: "unreachable-service",
        code: "HY201",
        category: "topology",
        severity: Warning,
        fix: Never,
        summary: "A service names another service as a host in its settings, but they share no network",
    }
}

impl crate::rules::Rule for UnreachableService {
    fn check(&self, t: &Scope, out: &mut Reporter) {
        check(t, out)
    }
}

/// The docker networks a service is attached to, or `None` when that is not a question of
/// compose networks (`network_mode: host`, `none`, `container:...`, or a mode built from a
/// variable).
fn networks(p: &Project, svc: &Service, depth: usize) -> Option<BTreeSet<String>> {
    if let Some(mode) = svc.get("network_mode").and_then(|m| m.scalar_string()) {
        let target = mode.strip_prefix("service:")?;
        // `service:x` shares x's stack (a ring is dependency-cycle's to report).
        let t = p.services.get(target).filter(|_| depth < 8)?;
        return networks(p, t, depth + 1);
    }
    let mut out: BTreeSet<String> = svc.networks().map(|(k, _)| p.network_name(k)).collect();
    if svc.get("networks").is_none() {
        out.insert(p.network_name("default"));
    }
    Some(out)
}

/// Variable names whose values are host names (or `host:port` lists).
fn names_hosts(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    [
        "_HOST",
        "_HOSTS",
        "_HOSTNAME",
        "_ADDR",
        "_ADDRESS",
        "_SERVERS",
        "_BROKERS",
        "BOOTSTRAPSERVERS",
    ]
    .iter()
    .any(|s| k.ends_with(s))
        || k == "HOST"
}

/// The host names a setting names: the host of each URL in it, and for a host-like variable
/// each comma-separated `host[:port]`.
fn hosts(key: &str, value: &str) -> Vec<String> {
    static URL: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let url = URL.get_or_init(|| {
        regex::Regex::new(r"[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/\s]*@)?([A-Za-z0-9_.-]+)")
            .expect("valid regex")
    });
    let mut out: Vec<String> = url.captures_iter(value).map(|c| c[1].to_string()).collect();
    if out.is_empty() && names_hosts(key) {
        for part in value.split(',') {
            let host = part.trim().split(':').next().unwrap_or("");
            if !host.is_empty() && !host.contains(['/', ' ', '=']) {
                out.push(host.to_string());
            }
        }
    }
    out
}

/// The service of the project `host` names, and the networks on which it does: a service
/// name or container name resolves on every network of the service, an alias only on the
/// networks that declare it.
fn resolve<'a>(p: &'a Project, host: &str) -> Option<(&'a Service, Option<BTreeSet<String>>)> {
    if let Some(s) = p.services.get(host) {
        return Some((s, None));
    }
    for s in p.services.values() {
        if s.container_name() == Some(host) {
            return Some((s, None));
        }
        let on: BTreeSet<String> = s
            .networks()
            .filter(|(_, v)| {
                v.get("aliases")
                    .and_then(|a| a.as_seq())
                    .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(host)))
            })
            .map(|(k, _)| p.network_name(k))
            .collect();
        if !on.is_empty() {
            return Some((s, Some(on)));
        }
    }
    None
}

fn list(nets: &BTreeSet<String>) -> String {
    nets.iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check(t: &Scope, out: &mut Reporter) {
    let p = t.project;
    for svc in p.active_services() {
        let Some(mine) = networks(p, svc, 0) else {
            continue;
        };
        let env = svc
            .get("environment")
            .and_then(|e| e.as_map())
            .unwrap_or(&[]);
        // The settings: each variable, and the command and entrypoint (URLs only: a bare word
        // there is no host).
        let mut settings: Vec<(&str, String, crate::source::Span)> = Vec::new();
        for e in env {
            if let Some(value) = e.value.scalar_string() {
                settings.push((e.key_str(), value, e.value.site()));
            }
        }
        for key in ["command", "entrypoint"] {
            let Some(n) = svc.get(key) else { continue };
            let items: Vec<&crate::yaml::Node> = match n.as_seq() {
                Some(items) => items.iter().collect(),
                None => vec![n],
            };
            for item in items {
                if let Some(text) = item.scalar_string() {
                    settings.push((key, text, item.site()));
                }
            }
        }
        // Each service it cannot reach is reported once, at the first setting naming it.
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for (key, value, site) in settings {
            let mut unreachable: Vec<(&Service, String, BTreeSet<String>)> = Vec::new();
            for host in hosts(key, &value) {
                let Some((target, only_on)) = resolve(p, &host) else {
                    continue;
                };
                if target.name == svc.name
                    || !p.is_active(target)
                    || seen.contains(target.name.as_str())
                {
                    continue;
                }
                let Some(theirs) = only_on.or_else(|| networks(p, target, 0)) else {
                    continue;
                };
                if mine.is_disjoint(&theirs) {
                    seen.insert(&target.name);
                    unreachable.push((target, host, theirs));
                }
            }
            let Some((first, _, _)) = unreachable.first() else {
                continue;
            };
            let named: Vec<String> = unreachable
                .iter()
                .map(|(target, host, theirs)| {
                    let alias = if *host == target.name {
                        String::new()
                    } else {
                        format!(" as `{host}`")
                    };
                    format!("`{}`{alias} (on {})", target.name, list(theirs))
                })
                .collect();
            let (them, it) = if unreachable.len() == 1 {
                ("it", "its")
            } else {
                ("them", "their")
            };
            let mut d = Diagnostic::new(
                &META,
                site,
                format!(
                    "`{}` (on {}) names {} in `{}`, but shares no network with {them}: Docker's \
                     DNS will not resolve the name from `{}`; attach it to one of {it} networks",
                    svc.name,
                    list(&mine),
                    named.join(", "),
                    key,
                    svc.name,
                ),
            )
            .with_service(svc.name.clone());
            if unreachable.len() == 1 {
                d = d.with_label(first.decl, format!("`{}` is declared here", first.name));
            }
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::hosts;

    #[test]
    fn hosts_in_settings() {
        assert_eq!(hosts("DATABASE_URL", "postgres://u:p@db:5432/x"), ["db"]);
        assert_eq!(
            hosts("X", "see http://api:8080/a and https://web/"),
            ["api", "web"]
        );
        assert_eq!(
            hosts("KAFKA_BOOTSTRAP_SERVERS", "k1:9092, k2:9092"),
            ["k1", "k2"]
        );
        assert_eq!(hosts("REDIS_HOST", "cache"), ["cache"]);
        assert!(hosts("GREETING", "cache").is_empty());
        assert!(hosts("LOG_PATH", "/var/log").is_empty());
    }
}
