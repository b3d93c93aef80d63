//! `conflict`: two services that run together claim the same container name or host port.

use crate::diagnostic::Diagnostic;
use crate::model::{Project, Service};
use crate::rules::{run_together, Tree};
use crate::source::Span;
use std::collections::HashMap;

crate::rule_meta!(
    "conflict",
    "HY013",
    "validity",
    Error,
    fixable = false,
    "Two services that run together use the same container_name or host port"
);

/// One published host port: (protocol, port) and the host IP ("" for all interfaces).
struct Binding<'a> {
    p: &'a Project,
    svc: &'a Service,
    host_ip: String,
    span: Span,
}

fn is_any(ip: &str) -> bool {
    matches!(ip, "" | "0.0.0.0" | "::" | "[::]")
}

pub fn check(t: &Tree, out: &mut Vec<Diagnostic>) {
    let mut names: HashMap<String, Vec<(&Project, &Service, Span)>> = HashMap::new();
    let mut ports: HashMap<(String, u32), Vec<Binding>> = HashMap::new();
    for (p, _) in &t.projects {
        for svc in p.services.values() {
            if let Some(n) = svc.get("container_name") {
                if let Some(name) = n.scalar_string().filter(|s| !s.is_empty()) {
                    names.entry(name).or_default().push((p, svc, n.site()));
                }
            }
            for port in svc.get("ports").and_then(|x| x.as_seq()).unwrap_or(&[]) {
                let Some(published) = port.get("published").and_then(|x| x.scalar_string()) else {
                    continue;
                };
                let protocol = port
                    .get("protocol")
                    .and_then(|x| x.scalar_string())
                    .unwrap_or_else(|| "tcp".into());
                let host_ip = port
                    .get("host_ip")
                    .and_then(|x| x.scalar_string())
                    .unwrap_or_default();
                let (lo, hi) = match published.split_once('-') {
                    Some((a, b)) => (a.parse().unwrap_or(0), b.parse().unwrap_or(0)),
                    None => {
                        let v: u32 = published.parse().unwrap_or(0);
                        (v, v)
                    }
                };
                for n in lo..=hi.min(lo + 65535) {
                    if n == 0 {
                        continue;
                    }
                    ports
                        .entry((protocol.clone(), n))
                        .or_default()
                        .push(Binding {
                            p,
                            svc,
                            host_ip: host_ip.clone(),
                            span: port.site(),
                        });
                }
            }
        }
    }
    let mut names: Vec<_> = names.into_iter().collect();
    names.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, holders) in names {
        for (i, (p, svc, span)) in holders.iter().enumerate() {
            if let Some((first, first_span, sev)) = holders[..i].iter().find_map(|(q, other, s)| {
                run_together(t, q, other, p, svc).map(|sev| (other, s, sev))
            }) {
                out.push(
                    Diagnostic::new(
                        &META,
                        *span,
                        format!(
                            "container name `{name}` is also used by service `{}`: the second container cannot be created (\"name is already in use\")",
                            first.name
                        ),
                    )
                    .with_severity(sev)
                    .with_service(&svc.name)
                    .with_label(*first_span, format!("used by `{}` here", first.name)),
                );
            }
        }
    }
    let mut ports: Vec<_> = ports.into_iter().collect();
    ports.sort_by(|a, b| a.0.cmp(&b.0));
    for ((protocol, port), binds) in ports {
        let mut reported = std::collections::HashSet::new();
        for (i, b) in binds.iter().enumerate() {
            let clash = binds[..i].iter().find_map(|a| {
                (!std::ptr::eq(a.svc, b.svc)
                    && (is_any(&a.host_ip) || is_any(&b.host_ip) || a.host_ip == b.host_ip))
                    .then(|| run_together(t, a.p, a.svc, b.p, b.svc))
                    .flatten()
                    .map(|s| (a, s))
            });
            let Some((a, sev)) = clash else { continue };
            // A range clashes port by port: one report per pair of specs.
            if !reported.insert((a.span, b.span)) {
                continue;
            }
            out.push(
                Diagnostic::new(
                    &META,
                    b.span,
                    format!(
                        "host port {port}/{protocol} is also published by service `{}`: the second container fails to start (\"port is already allocated\")",
                        a.svc.name
                    ),
                )
                .with_severity(sev)
                .with_service(&b.svc.name)
                .with_label(a.span, format!("published by `{}` here", a.svc.name)),
            );
        }
    }
}
