//! `conflict`: two services that run together claim the same container name or host port.

use crate::diagnostic::Diagnostic;
use crate::model::specs::binds_all_interfaces;
use crate::rules::{run_together, Reporter, Rule, Scope, TreeScope};
use crate::source::Span;
use std::any::Any;

crate::declare_rule! {
    Conflict {
        name: "conflict",
        code: "HY013",
        category: "validity",
        severity: Error,
        fix: Never,
        summary: "Two services that run together use the same container_name or host port",
    }
}

impl Rule for Conflict {
    fn summarize(&self, t: &Scope, _out: &mut Reporter) -> Option<Box<dyn Any + Send + Sync>> {
        Some(Box::new(summarize(t)))
    }
    fn check_tree(&self, t: &TreeScope, out: &mut Reporter) {
        check_tree(t, out)
    }
}

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

/// One published host port spec (a range of ports) of a service of the tree.
struct Binding<'a> {
    svc: SvcAt,
    port: &'a Port,
}

fn summarize(t: &Scope) -> Claims {
    let mut claims = Claims::default();
    let c = &mut claims;
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
            // Port 0 (or what did not read as a port) claims nothing.
            let lo = lo.max(1);
            if lo > hi {
                continue;
            }
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
    claims
}

fn check_tree(t: &TreeScope, out: &mut Reporter) {
    // Claims grouped by sorting (stable: a group keeps project order), not by hash maps: on a
    // large tree the maps' growth was a third of this check.
    let mut names: Vec<(&str, SvcAt, Span)> = Vec::new();
    // Port specs as ranges, in tree order (a range is not expanded port by port: `1-65535`
    // in a few services would be millions of entries).
    let mut ports: Vec<Binding> = Vec::new();
    for (pi, sum) in t.claims::<Claims>(&META) {
        for (name, si, span) in &sum.names {
            names.push((name.as_str(), (pi, *si), *span));
        }
        for port in &sum.ports {
            ports.push(Binding {
                svc: (pi, port.svc),
                port,
            });
        }
    }
    names.sort_by(|a, b| a.0.cmp(b.0));
    let together = |a: SvcAt, b: SvcAt| run_together(t, t.service(a.0, a.1), t.service(b.0, b.1));
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
    // Which earlier specs each spec shares a port with: a sweep over the ranges by their
    // first port keeps only the ranges still open.
    let mut by_start: Vec<usize> = (0..ports.len()).collect();
    by_start.sort_by_key(|&i| (ports[i].port.protocol.as_str(), ports[i].port.lo, i));
    let mut earlier: Vec<Vec<usize>> = vec![Vec::new(); ports.len()];
    let mut open: Vec<usize> = Vec::new();
    for &i in &by_start {
        let b = ports[i].port;
        open.retain(|&j| ports[j].port.protocol == b.protocol && ports[j].port.hi >= b.lo);
        for &j in &open {
            let (first, second) = if j < i { (j, i) } else { (i, j) };
            earlier[second].push(first);
        }
        open.push(i);
    }
    for (
        bi,
        Binding {
            svc: b_svc,
            port: b,
        },
    ) in ports.iter().enumerate()
    {
        let b_svc = *b_svc;
        let mut candidates = std::mem::take(&mut earlier[bi]);
        candidates.sort_unstable();
        // As port by port: at each port, the first earlier spec that clashes is the one named,
        // and each pair of specs is reported once, at the first port it is named for.
        let mut uncovered: Vec<(u32, u32)> = vec![(b.lo, b.hi)];
        for ai in candidates {
            let Binding {
                svc: a_svc,
                port: a,
            } = ports[ai];
            if uncovered.is_empty() {
                break;
            }
            let clash = a_svc != b_svc
                && (binds_all_interfaces(&a.host_ip)
                    || binds_all_interfaces(&b.host_ip)
                    || a.host_ip == b.host_ip);
            let Some(sev) = clash.then(|| together(a_svc, b_svc)).flatten() else {
                continue;
            };
            let (lo, hi) = (a.lo.max(b.lo), a.hi.min(b.hi));
            let mut first_port = None;
            let mut rest = Vec::with_capacity(uncovered.len() + 1);
            for (ulo, uhi) in uncovered {
                let (olo, ohi) = (ulo.max(lo), uhi.min(hi));
                if olo > ohi {
                    rest.push((ulo, uhi));
                    continue;
                }
                first_port = Some(first_port.map_or(olo, |p: u32| p.min(olo)));
                if ulo < olo {
                    rest.push((ulo, olo - 1));
                }
                if ohi < uhi {
                    rest.push((ohi + 1, uhi));
                }
            }
            uncovered = rest;
            let Some(port) = first_port else { continue };
            let a_name = &t.service(a_svc.0, a_svc.1).name;
            let protocol = &b.protocol;
            out.push(
                Diagnostic::new(
                    &META,
                    b.span,
                    format!(
                        "host port {port}/{protocol} is also published by service `{a_name}`: the second container fails to start (\"port is already allocated\")"
                    ),
                )
                .with_severity(sev)
                .with_service(&t.service(b_svc.0, b_svc.1).name)
                .with_label(a.span, format!("published by `{a_name}` here")),
            );
        }
    }
}
