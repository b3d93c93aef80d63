//! `static-ip`: a service pins `ipv4_address`/`ipv6_address`.

use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::model::{Project, Service};
use crate::rules::Tree;
use crate::source::Span;
use crate::yaml::edit;
use crate::yaml::{Kind, Node};
use std::collections::HashMap;
use std::net::IpAddr;

crate::rule_meta!(
    "static-ip",
    "HY101",
    "policy",
    Warning,
    fixable = true,
    "A service pins a static IP address instead of using Docker DNS"
);

struct Pin<'a> {
    project: &'a Project,
    svc: &'a Service,
    /// The network key in the service, and the real docker network name.
    key: String,
    network: String,
    addr: IpAddr,
    node: &'a Node,
}

/// The name docker gives a project's network. A network the project never declares (compose
/// refuses that; `undefined-reference` says so) is taken as the shared network of that name,
/// which is what such a file means to join.
fn network_name(p: &Project, key: &str) -> String {
    match p.networks.get(key) {
        Some(r) => match r.node.get("name").and_then(|n| n.as_str()) {
            Some(n) => n.to_string(),
            None if r.external() => key.to_string(),
            None => format!("{}_{key}", p.name),
        },
        None => key.to_string(),
    }
}

/// The DNS name other containers should use for a service.
fn dns_name(svc: &Service) -> String {
    svc.container_name()
        .map(str::to_string)
        .unwrap_or_else(|| svc.name.clone())
}

fn subnets(t: &Tree) -> HashMap<String, Vec<(String, Span)>> {
    let mut out: HashMap<String, Vec<(String, Span)>> = HashMap::new();
    for (p, _) in &t.projects {
        for key in p.networks.keys() {
            let r = &p.networks[key];
            for cfg in r
                .node
                .path(&["ipam", "config"])
                .and_then(|c| c.as_seq())
                .unwrap_or(&[])
            {
                if let Some(s) = cfg.get("subnet") {
                    if let Some(text) = s.scalar_string() {
                        out.entry(network_name(p, key))
                            .or_default()
                            .push((text, s.span));
                    }
                }
            }
        }
    }
    out
}

fn in_subnet(addr: IpAddr, cidr: &str) -> Option<bool> {
    let (net, bits) = cidr.split_once('/')?;
    let bits: u32 = bits.parse().ok()?;
    match (addr, net.parse::<IpAddr>().ok()?) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            Some(u32::from(a) & mask == u32::from(n) & mask)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            Some(u128::from(a) & mask == u128::from(n) & mask)
        }
        (IpAddr::V4(_), IpAddr::V6(_)) | (IpAddr::V6(_), IpAddr::V4(_)) => None,
        _ => None,
    }
}

fn pins_run_together(t: &Tree, a: &Pin, b: &Pin) -> Option<Severity> {
    crate::rules::run_together(t, a.project, a.svc, b.project, b.svc)
}

/// Delete a pinned address; when no network of the mapping keeps any setting, write the
/// mapping in its list form (`- infra_net`).
fn address_fix(t: &Tree, node: &Node) -> Option<Fix> {
    let raw = t.raw(node.span.file);
    let chain = raw.chain(node.span)?;
    let n = chain.len();
    if n < 3 {
        return None;
    }
    let (entry, networks) = (chain[n - 2], chain[n - 3]);
    let addr = ["ipv4_address", "ipv6_address"];
    let keeps_settings = |m: &Node| {
        m.as_map()
            .is_some_and(|es| es.iter().any(|e| !addr.contains(&e.key_str())))
    };
    let all_empty = networks
        .as_map()?
        .iter()
        .all(|e| e.value.is_null() || (e.value.is_map() && !keeps_settings(&e.value)));
    let src = raw.src();
    let touches = vec!["/services/*/networks".to_string()];
    if all_empty {
        return Some(Fix::safe(
            "Remove the static address and list the networks by name",
            vec![edit::map_to_list(&src, networks)?],
            touches,
        ));
    }
    let key = entry
        .as_map()?
        .iter()
        .find(|e| e.value.span == node.span)?
        .key_str()
        .to_string();
    Some(Fix::safe(
        "Remove the static address",
        vec![edit::delete_entry(&src, entry, &key)?],
        touches,
    ))
}

/// Byte offsets of `needle` in `hay` as a whole address (not part of a longer number).
fn find_address(hay: &str, needle: &str) -> Vec<usize> {
    let b = hay.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = hay[from..].find(needle) {
        let s = from + p;
        let e = s + needle.len();
        let before_ok = s == 0 || !(b[s - 1].is_ascii_digit() || b[s - 1] == b'.');
        let after_ok = e >= b.len()
            || !(b[e].is_ascii_digit()
                || (b[e] == b'.' && b.get(e + 1).is_some_and(|c| c.is_ascii_digit())));
        if before_ok && after_ok {
            out.push(s);
        }
        from = e;
    }
    out
}

/// Substrings that look like an IP address (digits and dots, or hex and colons).
fn address_tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_hexdigit() || c == '.' || c == ':'))
        .flat_map(|tok| {
            // `10.0.0.5:8080` and `[fd00::1]:80`: try the token and its parts around a port.
            let trimmed = tok.trim_matches(|c| c == '.' || c == ':');
            std::iter::once(trimmed).chain(trimmed.rsplit_once(':').map(|(a, _)| a))
        })
        .filter(|t| t.len() >= 7 && (t.contains('.') || t.contains(':')))
}

/// Scalars of a service where hard-coded addresses matter: everything but its own network
/// settings.
fn scalars<'a>(n: &'a Node, skip_networks: bool, out: &mut Vec<&'a Node>) {
    match &n.kind {
        Kind::Scalar(_) => out.push(n),
        Kind::Seq(items) => items.iter().for_each(|i| scalars(i, false, out)),
        Kind::Map(es) => {
            for e in es {
                if skip_networks && matches!(e.key_str(), "networks" | "extra_hosts") {
                    continue;
                }
                scalars(&e.value, false, out);
            }
        }
    }
}

pub fn check(t: &Tree, out: &mut Vec<Diagnostic>) {
    let mut pins: Vec<Pin> = Vec::new();
    for (p, _) in &t.projects {
        for svc in p.services.values() {
            for (key, cfg) in svc.networks() {
                let network = network_name(p, key);
                if t.options
                    .static_ip_allowed_networks
                    .iter()
                    .any(|n| n == key || *n == network)
                {
                    continue;
                }
                for fam in ["ipv4_address", "ipv6_address"] {
                    let Some(node) = cfg.get(fam) else { continue };
                    let Some(text) = node.scalar_string().filter(|s| !s.is_empty()) else {
                        continue;
                    };
                    let mut msg = format!(
                        "service `{}` pins {fam} {text} on network `{key}`: static IPs collide and block scaling; \
                         drop it and reach the service by its DNS name `{}`",
                        svc.name,
                        dns_name(svc)
                    );
                    let aliases: Vec<String> = cfg
                        .get("aliases")
                        .and_then(|a| a.as_seq())
                        .unwrap_or(&[])
                        .iter()
                        .filter_map(|a| a.scalar_string())
                        .collect();
                    if !aliases.is_empty() {
                        msg.push_str(&format!(" (or an alias: {})", aliases.join(", ")));
                    }
                    out.push(
                        t.at_value(&super::super::registry::STATIC_IP, svc, node, msg)
                            .with_fix(address_fix(t, node)),
                    );
                    if let Ok(addr) = text.parse::<IpAddr>() {
                        pins.push(Pin {
                            project: p,
                            svc,
                            key: key.to_string(),
                            network: network.clone(),
                            addr,
                            node,
                        });
                    }
                }
            }
        }
    }
    let meta = &super::super::registry::STATIC_IP;

    // Two services holding one address on one network.
    // Grouped by (network, address): no pass over all pairs.
    let mut groups: HashMap<(&str, IpAddr), Vec<usize>> = HashMap::new();
    for (i, p) in pins.iter().enumerate() {
        groups
            .entry((p.network.as_str(), p.addr))
            .or_default()
            .push(i);
    }
    let mut group_list: Vec<&Vec<usize>> = groups.values().filter(|g| g.len() > 1).collect();
    group_list.sort();
    for group in group_list {
        for (gi, &bi) in group.iter().enumerate() {
            let b = &pins[bi];
            if let Some((a, sev)) = group[..gi]
                .iter()
                .map(|&ai| &pins[ai])
                .find_map(|a| pins_run_together(t, a, b).map(|s| (a, s)))
            {
                out.push(
                Diagnostic::new(
                    meta,
                    b.node.span,
                    format!(
                        "address {} on network `{}` is also pinned by service `{}`: the second container to start fails",
                        b.addr, b.key, a.svc.name
                    ),
                )
                .with_severity(sev)
                .with_service(&b.svc.name)
                .with_label(a.node.span, format!("also pinned by `{}`", a.svc.name)),
            );
            }
        }
    }

    // An address outside the subnets declared for the network anywhere in the tree.
    let subnets = subnets(t);
    for pin in &pins {
        let Some(list) = subnets.get(&pin.network) else {
            continue;
        };
        let verdicts: Vec<Option<bool>> =
            list.iter().map(|(c, _)| in_subnet(pin.addr, c)).collect();
        if verdicts.contains(&Some(true)) || verdicts.iter().all(|v| v.is_none()) {
            continue;
        }
        let mut d = Diagnostic::new(
            meta,
            pin.node.span,
            format!(
                "address {} is outside the subnet of network `{}` ({}): docker refuses to start the container",
                pin.addr,
                pin.key,
                list.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(", ")
            ),
        )
        .with_severity(Severity::Error)
        .with_service(&pin.svc.name);
        d = d.with_label(list[0].1, "subnet declared here");
        out.push(d);
    }

    // Places that hard-code a pinned address: they break when the address goes. One report
    // per place, naming the first service that pins the address.
    let mut seen_addr = std::collections::HashSet::new();
    let pins: Vec<&Pin> = pins.iter().filter(|p| seen_addr.insert(p.addr)).collect();
    let by_text: HashMap<String, &Pin> = pins.iter().map(|p| (p.addr.to_string(), *p)).collect();
    // Candidate addresses in a text, looked up by value: one pass over the text, whatever the
    // number of pins.
    let candidates = |text: &str| -> Vec<&Pin> {
        let mut found: Vec<&Pin> = Vec::new();
        for m in address_tokens(text) {
            if let Some(p) = by_text.get(m) {
                if !found.iter().any(|f| std::ptr::eq(*f, *p)) {
                    found.push(p);
                }
            }
        }
        found
    };
    for (p, _) in &t.projects {
        for svc in p.services.values() {
            let mut vals = Vec::new();
            scalars(&svc.node, true, &mut vals);
            for v in vals {
                let Some(text) = v.as_str() else { continue };
                for pin in candidates(text) {
                    let needle = pin.addr.to_string();
                    let raw = t.text(v.span);
                    let positions = find_address(&raw, &needle);
                    let spans: Vec<Span> = if positions.is_empty() {
                        if find_address(text, &needle).is_empty() {
                            continue;
                        }
                        vec![v.span]
                    } else {
                        positions
                            .iter()
                            .map(|&o| {
                                Span::new(
                                    v.span.file,
                                    v.span.start as usize + o,
                                    v.span.start as usize + o + needle.len(),
                                )
                            })
                            .collect()
                    };
                    let narrowed = !positions.is_empty();
                    for span in spans {
                        let dns = dns_name(pin.svc);
                        // Replacing the address changes where the service connects: unsafe.
                        let fix = narrowed.then(|| {
                            let raw = t.raw(span.file);
                            Fix::unsafe_(
                                format!("Replace {needle} with the DNS name `{dns}`"),
                                vec![edit::replace_text(&raw.src(), span, &dns)],
                                vec![format!("/services/{}", svc.name)],
                            )
                        });
                        out.push(
                            Diagnostic::new(
                                meta,
                                span,
                                format!(
                                    "hard-coded address {needle} of service `{}`: use its DNS name `{dns}`",
                                    pin.svc.name
                                ),
                            )
                            .with_service(&svc.name)
                            .with_label(pin.node.span, format!("pinned by `{}` here", pin.svc.name))
                            .with_fix(fix),
                        );
                    }
                }
            }
            // Config files the service mounts.
            for vol in svc.get("volumes").and_then(|v| v.as_seq()).unwrap_or(&[]) {
                if vol.get("type").and_then(|t| t.as_str()) != Some("bind") {
                    continue;
                }
                let Some(src) = vol.get("source").and_then(|s| s.as_str()) else {
                    continue;
                };
                let Some(id) = t.ws.load_aux(std::path::Path::new(src)) else {
                    continue;
                };
                let f = t.ws.file(id);
                for pin in candidates(&f.text) {
                    let needle = pin.addr.to_string();
                    for o in find_address(&f.text, &needle) {
                        out.push(
                            Diagnostic::new(
                                meta,
                                Span::new(id, o, o + needle.len()),
                                format!(
                                    "hard-coded address {needle} of service `{}` in a file service `{}` mounts: use its DNS name `{}`",
                                    pin.svc.name,
                                    svc.name,
                                    dns_name(pin.svc)
                                ),
                            )
                            .with_service(&svc.name)
                            .with_label(pin.node.span, format!("pinned by `{}` here", pin.svc.name))
                            .with_label(vol.site(), "mounted here"),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn subnet_membership() {
        let a: IpAddr = "172.19.0.70".parse().unwrap();
        assert_eq!(in_subnet(a, "172.19.0.0/16"), Some(true));
        assert_eq!(in_subnet(a, "172.20.0.0/16"), Some(false));
        assert_eq!(in_subnet(a, "fd00::/64"), None);
        assert_eq!(
            in_subnet("fd00::5".parse().unwrap(), "fd00::/64"),
            Some(true)
        );
    }
    #[test]
    fn whole_addresses_only() {
        assert_eq!(
            find_address("http://172.19.0.7:80 172.19.0.70", "172.19.0.7"),
            vec![7]
        );
        assert_eq!(
            find_address("1172.19.0.7", "172.19.0.7"),
            Vec::<usize>::new()
        );
        assert_eq!(find_address("172.19.0.7.", "172.19.0.7"), vec![0]);
    }
}
