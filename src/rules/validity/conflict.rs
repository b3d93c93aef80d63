//! `conflict`: two services that run together claim the same container name or host port.

use crate::diagnostic::Diagnostic;
use crate::rules::{run_together, Scope, Summary, TreeScope};
use crate::source::Span;

crate::rule_meta!(
    "conflict",
    "HY013",
    "validity",
    Error,
    fixable = false,
    "Two services that run together use the same container_name or host port"
);

/// What a project claims that must be unique among services that run together.
#[derive(Debug, Default)]
pub struct Claims {
    /// (container name, service index, where).
    names: Vec<(String, usize, Span)>,
    ports: Vec<Port>,
}

/// One published host port spec: protocol, port range, host IP ("" for all interfaces).
#[derive(Debug)]
struct Port {
    protocol: String,
    lo: u32,
    hi: u32,
    host_ip: String,
    svc: usize,
    span: Span,
}

/// A service of the tree: (project index, service index).
type SvcAt = (usize, usize);

/// One published host port of one service.
struct Binding<'a> {
    svc: SvcAt,
    host_ip: &'a str,
    span: Span,
}

fn is_any(ip: &str) -> bool {
    matches!(ip, "" | "0.0.0.0" | "::" | "[::]")
}

pub fn summarize(t: &Scope, sum: &mut Summary, _out: &mut Vec<Diagnostic>) {
    let c = &mut sum.conflict;
    for (si, svc) in t.project.services.values().enumerate() {
        if let Some(n) = svc.get("container_name") {
            if let Some(name) = n.scalar_string().filter(|s| !s.is_empty()) {
                c.names.push((name, si, n.site()));
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
            c.ports.push(Port {
                protocol,
                lo,
                hi,
                host_ip,
                svc: si,
                span: port.site(),
            });
        }
    }
}

pub fn check_tree(t: &TreeScope, out: &mut Vec<Diagnostic>) {
    // Claims grouped by sorting (stable: a group keeps project order), not by hash maps: on a
    // large tree the maps' growth was a third of this check.
    let mut names: Vec<(&str, SvcAt, Span)> = Vec::new();
    let mut ports: Vec<((&str, u32), Binding)> = Vec::new();
    for (pi, sum) in t.summaries.iter().enumerate() {
        for (name, si, span) in &sum.conflict.names {
            names.push((name.as_str(), (pi, *si), *span));
        }
        for port in &sum.conflict.ports {
            for n in port.lo..=port.hi.min(port.lo + 65535) {
                if n == 0 {
                    continue;
                }
                ports.push((
                    (port.protocol.as_str(), n),
                    Binding {
                        svc: (pi, port.svc),
                        host_ip: &port.host_ip,
                        span: port.span,
                    },
                ));
            }
        }
    }
    names.sort_by(|a, b| a.0.cmp(b.0));
    ports.sort_by(|a, b| a.0.cmp(&b.0));
    let together =
        |a: SvcAt, b: SvcAt| run_together(t.ws, t.service(a.0, a.1), t.service(b.0, b.1));
    for holders in names.chunk_by(|a, b| a.0 == b.0) {
        for (i, (name, svc, span)) in holders.iter().enumerate() {
            if let Some((first, first_span, sev)) = holders[..i]
                .iter()
                .find_map(|(_, other, s)| together(*other, *svc).map(|sev| (other, s, sev)))
            {
                let first = &t.service(first.0, first.1).name;
                out.push(
                    Diagnostic::new(
                        &META,
                        *span,
                        format!(
                            "container name `{name}` is also used by service `{first}`: the second container cannot be created (\"name is already in use\")"
                        ),
                    )
                    .with_severity(sev)
                    .with_service(&t.service(svc.0, svc.1).name)
                    .with_label(*first_span, format!("used by `{first}` here")),
                );
            }
        }
    }
    for binds in ports.chunk_by(|a, b| a.0 == b.0) {
        let mut reported = std::collections::HashSet::new();
        for (i, ((protocol, port), b)) in binds.iter().enumerate() {
            let clash = binds[..i].iter().find_map(|(_, a)| {
                (a.svc != b.svc
                    && (is_any(a.host_ip) || is_any(b.host_ip) || a.host_ip == b.host_ip))
                    .then(|| together(a.svc, b.svc))
                    .flatten()
                    .map(|s| (a, s))
            });
            let Some((a, sev)) = clash else { continue };
            // A range clashes port by port: one report per pair of specs.
            if !reported.insert((a.span, b.span)) {
                continue;
            }
            let a_name = &t.service(a.svc.0, a.svc.1).name;
            out.push(
                Diagnostic::new(
                    &META,
                    b.span,
                    format!(
                        "host port {port}/{protocol} is also published by service `{a_name}`: the second container fails to start (\"port is already allocated\")"
                    ),
                )
                .with_severity(sev)
                .with_service(&t.service(b.svc.0, b.svc.1).name)
                .with_label(a.span, format!("published by `{a_name}` here")),
            );
        }
    }
}
