//! `static-ip`: a service pins `ipv4_address`/`ipv6_address`.

use crate::diagnostic::{Diagnostic, Fix, Severity};
use crate::model::Service;
use crate::rules::{Reporter, Rule, Scope, TreeScope};
use crate::source::Span;
use crate::yaml::edit;
use crate::yaml::{Kind, Node};
use std::any::Any;
// Tree-wide maps over every pin and use of the tree: foldhash, not SipHash.
use foldhash::{HashMap, HashMapExt};
use std::net::IpAddr;

crate::declare_rule! {
    StaticIp {
        name: "static-ip",
        code: "HY101",
        category: "policy",
        severity: Warning,
        fix: Sometimes,
        summary: "A service pins a static IP address instead of using Docker DNS",
    }
}

impl Rule for StaticIp {
    fn summarize(&self, t: &Scope, _out: &mut Reporter) -> Option<Box<dyn Any + Send + Sync>> {
        Some(Box::new(summarize(t)))
    }
    fn check_tree(&self, t: &TreeScope, out: &mut Reporter) {
        check_tree(t, out)
    }
}

/// A pinned address, as the checks across projects need it.
#[derive(Debug)]
struct Pin {
    /// Service index in its project.
    svc: usize,
    /// The network key in the service, and the real docker network name.
    key: String,
    network: String,
    addr: IpAddr,
    span: Span,
    dns: String,
}

/// A pin's own finding, held until the whole tree is read: whether it is reported, and with
/// its fix, depends on how other services use the address.
#[derive(Debug)]
struct PinFinding {
    addr: Option<IpAddr>,
    diag: Diagnostic,
}

/// A scalar of a service that spells a canonical IP address: where, and whether the place is
/// narrowed to the address in the source (then it can be replaced).
#[derive(Debug)]
struct AddrUse {
    svc: usize,
    addr: IpAddr,
    spans: Vec<Span>,
    narrowed: bool,
    /// Where a name cannot be used (`dns:`, `extra_hosts`, a DNS server setting): the use
    /// needs the pin, so neither is reported.
    needs_address: bool,
}

/// A config file a service bind-mounts.
#[derive(Debug)]
struct Mount {
    svc: usize,
    file: crate::source::FileId,
    site: Span,
}

/// What a project records for the checks across projects.
#[derive(Debug, Default)]
pub struct Claims {
    pins: Vec<Pin>,
    findings: Vec<PinFinding>,
    /// (docker network name, subnet, where).
    subnets: Vec<(String, String, Span)>,
    uses: Vec<AddrUse>,
    mounts: Vec<Mount>,
}

/// The DNS name other containers should use for a service.
fn dns_name(svc: &Service) -> String {
    svc.container_name()
        .map(str::to_string)
        .unwrap_or_else(|| svc.name.clone())
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

/// Delete a pinned address; when no network of the mapping keeps any setting, write the
/// mapping in its list form (`- infra_net`). Unsafe: the container's address changes, and what
/// reaches it by address from outside the tree (firewall rules, other hosts) is not seen here.
fn address_fix(t: &Scope, node: &Node) -> Option<Fix> {
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
        return Some(Fix::unsafe_(
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
    Some(Fix::unsafe_(
        "Remove the static address",
        vec![edit::delete_entry(&src, entry, &key)?],
        touches,
    ))
}

/// Whether `raw` (an address as written) interpolates a variable named in `env_keys`.
fn scheme_variable(raw: &str, env_keys: &[&str]) -> bool {
    raw.match_indices('$').any(|(i, _)| {
        let rest = raw[i + 1..].trim_start_matches('{');
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        !name.is_empty() && env_keys.contains(&name.as_str())
    })
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

/// The bytes an address is written with: hex digits, `.` and `:`. A table: the scan below reads
/// every byte of mounted config files, and comparisons per byte showed in a corpus run.
static ADDRESS_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_hexdigit() || c == b'.' || c == b':';
        b += 1;
    }
    t
};

/// Substrings that look like an IP address (digits and dots, or hex and colons).
fn address_tokens(text: &str) -> impl Iterator<Item = &str> {
    let is_tok = |b: u8| ADDRESS_BYTE[b as usize];
    let bytes = text.as_bytes();
    let mut at = 0;
    // Runs of address characters, found bytewise (they are ASCII, so a run is always on char
    // boundaries); runs shorter than the shortest address are passed over unexamined.
    std::iter::from_fn(move || {
        while at < bytes.len() {
            let start = at + bytes[at..].iter().position(|b| is_tok(*b))?;
            let end = bytes[start..]
                .iter()
                .position(|b| !is_tok(*b))
                .map_or(bytes.len(), |n| start + n);
            at = end;
            if end - start >= 7 {
                return Some(&text[start..end]);
            }
        }
        None
    })
    .flat_map(|tok| {
        // `10.0.0.5:8080` and `[fd00::1]:80`: try the token and its parts around a port.
        let trimmed = tok.trim_matches(|c| c == '.' || c == ':');
        std::iter::once(trimmed).chain(trimmed.rsplit_once(':').map(|(a, _)| a))
    })
    .filter(|t| t.len() >= 7 && (t.contains('.') || t.contains(':')))
}

/// Scalars of a service where hard-coded addresses matter: everything but its own network
/// settings, each with whether it is a place that needs an address (`dns:`, `extra_hosts`,
/// an environment variable naming a DNS server or resolver).
fn service_scalars<'a>(svc: &'a Node, out: &mut Vec<(&'a Node, bool)>) {
    let one = |n: &'a Node, needs: bool, out: &mut Vec<(&'a Node, bool)>| {
        let mut v = Vec::new();
        scalars(n, &mut v);
        out.extend(v.into_iter().map(|x| (x, needs)));
    };
    for e in svc.as_map().unwrap_or(&[]) {
        match e.key_str() {
            "networks" => {}
            "dns" | "extra_hosts" => one(&e.value, true, out),
            "environment" if e.value.is_map() => {
                for v in e.value.as_map().unwrap_or(&[]) {
                    let key = v.key_str().to_ascii_uppercase();
                    let needs = ["DNS", "RESOLVER", "NAMESERVER"]
                        .iter()
                        .any(|w| key.contains(w));
                    one(&v.value, needs, out);
                }
            }
            _ => one(&e.value, false, out),
        }
    }
}

fn scalars<'a>(n: &'a Node, out: &mut Vec<&'a Node>) {
    match &n.kind {
        Kind::Scalar(_) => out.push(n),
        Kind::Seq(items) => items.iter().for_each(|i| scalars(i, out)),
        Kind::Map(es) => es.iter().for_each(|e| scalars(&e.value, out)),
    }
}

/// Canonical addresses a text spells, each once, in order of appearance.
fn addresses(text: &str) -> Vec<IpAddr> {
    let mut found: Vec<IpAddr> = Vec::new();
    // An IPv4 address has three dots, an IPv6 one at least two colons: most values (names,
    // image tags, paths, ports) have fewer and so hold no address.
    let (mut dots, mut colons) = (0, 0);
    let enough = text.len() >= 7
        && memchr::memchr2_iter(b'.', b':', text.as_bytes()).any(|i| {
            if text.as_bytes()[i] == b'.' {
                dots += 1;
            } else {
                colons += 1;
            }
            dots >= 3 || colons >= 2
        });
    if !enough {
        return found;
    }
    for m in address_tokens(text) {
        if let Ok(a) = m.parse::<IpAddr>() {
            // Only the canonical spelling is the address a pin is written as.
            if a.to_string() == m && !found.contains(&a) {
                found.push(a);
            }
        }
    }
    found
}

fn summarize(t: &Scope) -> Claims {
    let p = t.project;
    let mut claims = Claims::default();
    let env_keys: Vec<&str> = p
        .services
        .values()
        .flat_map(|s| {
            s.get("environment")
                .and_then(|e| e.as_map())
                .unwrap_or(&[])
                .iter()
                .map(|e| e.key_str())
        })
        .collect();
    for (si, svc) in p.services.values().enumerate() {
        let dns = dns_name(svc);
        for (key, cfg) in svc.networks() {
            let network = p.network_name(key);
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
                     drop it and reach the service by its DNS name `{dns}`",
                    svc.name,
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
                // An address built from a variable the project also hands to a container
                // (`${SUITE_SUBNET}.110` beside `SUITE_SUBNET` in an environment) belongs to an
                // addressing scheme the containers compute with: the pin is needed.
                if scheme_variable(&t.text(node.span), &env_keys) {
                    continue;
                }
                claims.findings.push(PinFinding {
                    addr: text.parse::<IpAddr>().ok(),
                    diag: t
                        .at_value(&META, svc, node, msg)
                        .with_fix(crate::rules::fix_if(t.fixes, || address_fix(t, node))),
                });
                if let Ok(addr) = text.parse::<IpAddr>() {
                    claims.pins.push(Pin {
                        svc: si,
                        key: key.to_string(),
                        network: network.clone(),
                        addr,
                        span: node.span,
                        dns: dns.clone(),
                    });
                }
            }
        }
    }
    for (key, r) in &p.networks {
        for cfg in r
            .node
            .path(&["ipam", "config"])
            .and_then(|c| c.as_seq())
            .unwrap_or(&[])
        {
            if let Some(s) = cfg.get("subnet") {
                if let Some(text) = s.scalar_string() {
                    claims.subnets.push((p.network_name(key), text, s.span));
                }
            }
        }
    }
    // One list for every service's scalars, emptied between them.
    let mut vals = Vec::new();
    for (si, svc) in p.services.values().enumerate() {
        vals.clear();
        service_scalars(&svc.node, &mut vals);
        for &(v, needs_address) in &vals {
            let Some(text) = v.as_str() else { continue };
            for addr in addresses(text) {
                let needle = addr.to_string();
                let raw = t.text(v.span);
                let positions = find_address(&raw, &needle);
                if positions.is_empty() && find_address(text, &needle).is_empty() {
                    continue;
                }
                let spans = if positions.is_empty() {
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
                claims.uses.push(AddrUse {
                    svc: si,
                    addr,
                    spans,
                    narrowed: !positions.is_empty(),
                    needs_address,
                });
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
            if let Some(file) = t.ws.load_aux(std::path::Path::new(src)) {
                claims.mounts.push(Mount {
                    svc: si,
                    file,
                    site: vol.site(),
                });
            }
        }
    }
    claims
}

fn check_tree(t: &TreeScope, out: &mut Reporter) {
    let meta = &META;
    // Every pin of the tree, in project order: (project, pin).
    let pins: Vec<(usize, &Pin)> = t
        .claims::<Claims>(&META)
        .flat_map(|(pi, s)| s.pins.iter().map(move |p| (pi, p)))
        .collect();
    let svc = |(pi, p): (usize, &Pin)| t.service(pi, p.svc);

    // Two services holding one address on one network.
    // Grouped by (network, address): no pass over all pairs.
    let mut groups: HashMap<(&str, IpAddr), Vec<usize>> = HashMap::new();
    for (i, (_, p)) in pins.iter().enumerate() {
        groups
            .entry((p.network.as_str(), p.addr))
            .or_default()
            .push(i);
    }
    let mut group_list: Vec<&Vec<usize>> = groups.values().filter(|g| g.len() > 1).collect();
    group_list.sort();
    for group in group_list {
        for (gi, &bi) in group.iter().enumerate() {
            let b = pins[bi];
            let clash = group[..gi]
                .iter()
                .map(|&ai| pins[ai])
                .find_map(|a| crate::rules::run_together(t, svc(a), svc(b)).map(|s| (a, s)));
            let Some((a, sev)) = clash else { continue };
            let (a_name, b_name) = (&svc(a).name, &svc(b).name);
            out.push(
                Diagnostic::new(
                    meta,
                    b.1.span,
                    format!(
                        "address {} on network `{}` is also pinned by service `{a_name}`: the second container to start fails",
                        b.1.addr, b.1.key
                    ),
                )
                .with_severity(sev)
                .with_service(b_name)
                .with_label(a.1.span, format!("also pinned by `{a_name}`")),
            );
        }
    }

    // An address outside the subnets declared for the network anywhere in the tree.
    let mut subnets: HashMap<&str, Vec<(&str, Span)>> = HashMap::new();
    for (_, s) in t.claims::<Claims>(&META) {
        for (net, cidr, span) in &s.subnets {
            subnets.entry(net).or_default().push((cidr, *span));
        }
    }
    for &(pi, pin) in &pins {
        let Some(list) = subnets.get(pin.network.as_str()) else {
            continue;
        };
        let verdicts: Vec<Option<bool>> =
            list.iter().map(|(c, _)| in_subnet(pin.addr, c)).collect();
        if verdicts.contains(&Some(true)) || verdicts.iter().all(|v| v.is_none()) {
            continue;
        }
        out.push(
            Diagnostic::new(
                meta,
                pin.span,
                format!(
                    "address {} is outside the subnet of network `{}` ({}): docker refuses to start the container",
                    pin.addr,
                    pin.key,
                    list.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
                ),
            )
            .with_severity(Severity::Error)
            .with_service(&svc((pi, pin)).name)
            .with_label(list[0].1, "subnet declared here"),
        );
    }

    // Places that hard-code a pinned address: they break when the address goes. One report
    // per place, naming the first service that pins the address.
    let mut by_addr: HashMap<IpAddr, (usize, &Pin)> = HashMap::new();
    for &(pi, p) in &pins {
        by_addr.entry(p.addr).or_insert((pi, p));
    }
    // Pinned addresses the tree uses: where only an address will do (then the pin is needed),
    // and elsewhere (then removing the pin would break the user).
    let mut needed: foldhash::HashSet<IpAddr> = Default::default();
    let mut used: foldhash::HashSet<IpAddr> = Default::default();
    for (_, s) in t.claims::<Claims>(&META) {
        for u in &s.uses {
            if by_addr.contains_key(&u.addr) {
                if u.needs_address {
                    needed.insert(u.addr);
                } else {
                    used.insert(u.addr);
                }
            }
        }
        for m in &s.mounts {
            used.extend(
                addresses(&t.ws.file(m.file).text)
                    .into_iter()
                    .filter(|a| by_addr.contains_key(a)),
            );
        }
    }
    for (_, s) in t.claims::<Claims>(&META) {
        for f in &s.findings {
            if f.addr.is_some_and(|a| needed.contains(&a)) {
                continue;
            }
            let mut d = f.diag.clone();
            if f.addr.is_some_and(|a| used.contains(&a)) {
                // Removing a pin the tree still uses by address breaks the user: no fix until
                // the uses name the service.
                d.fix = None;
                d.message.push_str(
                    "; services of the tree still use the address: replace those uses first",
                );
            }
            out.push(d);
        }
    }
    for (ui, s) in t.claims::<Claims>(&META) {
        for u in &s.uses {
            if needed.contains(&u.addr) {
                continue;
            }
            let Some(&(pi, pin)) = by_addr.get(&u.addr) else {
                continue;
            };
            let needle = pin.addr.to_string();
            let user = &t.service(ui, u.svc).name;
            let pinner = &svc((pi, pin)).name;
            for span in &u.spans {
                // Replacing the address changes where the service connects: unsafe.
                let fix = (t.fixes && u.narrowed).then(|| {
                    let f = t.ws.file(span.file);
                    Fix::unsafe_(
                        format!("Replace {needle} with the DNS name `{}`", pin.dns),
                        vec![edit::replace_text(&f.src(), *span, &pin.dns)],
                        vec![format!("/services/{user}")],
                    )
                });
                out.push(
                    Diagnostic::new(
                        meta,
                        *span,
                        format!(
                            "hard-coded address {needle} of service `{pinner}`: use its DNS name `{}`",
                            pin.dns
                        ),
                    )
                    .with_service(user)
                    .with_label(pin.span, format!("pinned by `{pinner}` here"))
                    .with_fix(fix),
                );
            }
        }
        for m in &s.mounts {
            let f = t.ws.file(m.file);
            let user = &t.service(ui, m.svc).name;
            for addr in addresses(&f.text) {
                if needed.contains(&addr) {
                    continue;
                }
                let Some(&(pi, pin)) = by_addr.get(&addr) else {
                    continue;
                };
                let needle = pin.addr.to_string();
                let pinner = &svc((pi, pin)).name;
                for o in find_address(&f.text, &needle) {
                    out.push(
                        Diagnostic::new(
                            meta,
                            Span::new(m.file, o, o + needle.len()),
                            format!(
                                "hard-coded address {needle} of service `{pinner}` in a file service `{user}` mounts: use its DNS name `{}`",
                                pin.dns
                            ),
                        )
                        .with_service(user)
                        .with_label(pin.span, format!("pinned by `{pinner}` here"))
                        .with_label(m.site, "mounted here"),
                    );
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
    #[test]
    fn addresses_in_text() {
        let got = |t: &str| -> Vec<String> { addresses(t).iter().map(|a| a.to_string()).collect() };
        assert_eq!(
            got("url=http://172.19.0.7:8080/x, peer [fd00::1]:80; again 172.19.0.7"),
            ["172.19.0.7", "fd00::1"]
        );
        // Not canonical, too short, or not an address at all.
        assert!(got("v1.2.3 010.0.0.1 1.2.3 cafe:bead deadbeef.").is_empty());
        assert_eq!(got("éé10.0.0.1é"), ["10.0.0.1"]);
        assert_eq!(got("...10.0.0.1..."), ["10.0.0.1"]);
    }
}
