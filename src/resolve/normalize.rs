//! Canonical forms of service fields, as compose normalises them before merging and output:
//! list/map variants unified, short syntaxes expanded to long syntax, relative paths made
//! absolute against the directory of the file that declares them. Every synthesised node keeps
//! the span of what the user wrote.

use super::interpolate::Env;
use super::specs;
use crate::source::{resolve_path, Span};
use crate::yaml::{Entry, Kind, Node, Shared, Style};
use std::path::Path;

/// A value compose would refuse while normalising (bad volume or port spec, ...).
#[derive(Debug, Clone)]
pub struct NormalizeProblem {
    pub span: Span,
    pub message: String,
}

pub fn string(value: impl Into<crate::yaml::Text>, span: Span) -> Node {
    let mut n = Node::scalar(value, span);
    n.style = Style::DoubleQuoted;
    n
}
fn plain(value: impl Into<crate::yaml::Text>, span: Span) -> Node {
    Node::scalar(value, span)
}
/// A mapping entry whose key is synthesised (it takes the value's span).
pub fn entry(key: &str, value: Node) -> Entry {
    Entry {
        key: string(key, value.span),
        value,
        merged_from: None,
    }
}
/// The value of `key` in `map`, an empty mapping at `span` added first if the key is missing
/// (for fields a step of the loader fills in: `depends_on`, `environment`).
pub fn value_or_empty_map<'a>(map: &'a mut Vec<Entry>, key: &str, span: Span) -> &'a mut Node {
    let pos = match map.iter().position(|e| e.key_str() == key) {
        Some(p) => p,
        None => {
            map.push(entry(key, Node::map(vec![], span)));
            map.len() - 1
        }
    };
    &mut map[pos].value
}

fn null(span: Span) -> Node {
    plain("", span)
}

/// Scalar rendered as compose stringifies environment and label values: the value go-yaml
/// decoded, printed by Go (`UMASK: 022` is "18", `1.50` is "1.5").
fn stringify(n: &Node) -> Option<String> {
    crate::yaml::go_string(n.typed())
}

fn is_remote_context(s: &str) -> bool {
    s.contains("://") || s.starts_with("git@") || s.starts_with("github.com/")
}

/// Normalise `svc` (one service mapping) in place.
pub fn normalize_service(
    svc: &mut Node,
    dir: &Path,
    env: &Env,
    problems: &mut Vec<NormalizeProblem>,
) {
    let Kind::Map(entries) = &mut svc.kind else {
        return;
    };
    for e in Shared::make_mut(entries).iter_mut() {
        let Entry { key, value: v, .. } = e;
        let key = key.as_str().unwrap_or("");
        match key {
            "environment" => *v = key_value_map(v, Some(env), false),
            "labels" | "annotations" | "sysctls" => *v = key_value_map(v, None, true),
            "depends_on" => *v = depends_on(v),
            "networks" => {
                if let Kind::Seq(items) = &v.kind {
                    let es = items
                        .iter()
                        .filter_map(|i| Some(entry(i.as_str()?, null(i.span))))
                        .collect();
                    *v = v.with_kind(Kind::map(es));
                }
            }
            "volumes" => *v = volumes(v, dir, problems),
            "ports" => *v = ports(v, problems),
            "secrets" => *v = file_refs(v, Some("/run/secrets/")),
            "configs" => *v = file_refs(v, Some("/")),
            "command" | "entrypoint" => {
                if let Some(s) = v.as_str() {
                    if !v.is_null() {
                        match specs::shell_words(s) {
                            Ok(words) => {
                                let items = words.into_iter().map(|w| string(w, v.span)).collect();
                                *v = v.with_kind(Kind::seq(items));
                            }
                            Err(m) => problems.push(NormalizeProblem {
                                span: v.span,
                                message: format!("{key}: {m}"),
                            }),
                        }
                    }
                }
            }
            "healthcheck" => {
                if let Some(test) = v.get_mut("test") {
                    if let Some(s) = test.as_str() {
                        if !test.is_null() {
                            let items = vec![string("CMD-SHELL", test.span), string(s, test.span)];
                            *test = test.with_kind(Kind::seq(items));
                        }
                    }
                }
            }
            "build" => *v = build(v, dir, env),
            // compose's StringList: a single string is a list of one.
            "tmpfs" | "dns" | "dns_search" if matches!(v.kind, Kind::Scalar(_)) && !v.is_null() => {
                *v = v.with_kind(Kind::seq(vec![v.clone()]));
            }
            "devices" => *v = devices(v),
            "logging" => {
                if let Some(o) = v.get_mut("options") {
                    *o = string_map(o);
                }
            }
            "deploy" => {
                if let Some(l) = v.get_mut("labels") {
                    *l = key_value_map(l, None, true);
                }
            }
            "storage_opt" | "log_opt" => *v = string_map(v),
            "develop" => {
                if let Some(Kind::Seq(items)) = v.get_mut("watch").map(|w| &mut w.kind) {
                    for w in Shared::make_mut(items).iter_mut() {
                        if let Some(p) = w.get_mut("path") {
                            if let Some(s) = p.as_str().filter(|s| !s.is_empty()) {
                                *p = string(resolve_path(dir, s).to_string_lossy(), p.span);
                            }
                        }
                    }
                }
            }
            "extra_hosts" => *v = extra_hosts(v, problems),
            "env_file" | "label_file" => *v = env_files(v, dir),
            "expose" => {
                if let Kind::Seq(items) = &mut v.kind {
                    for i in Shared::make_mut(items).iter_mut() {
                        if let Some(s) = stringify(i) {
                            *i = string(s, i.span);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// `environment`/`labels` list or map to a map of strings. In `environment`, a bare `KEY` takes
/// its value from the project environment (null when unset); in labels, null becomes "".
fn key_value_map(v: &Node, env: Option<&Env>, null_to_empty: bool) -> Node {
    let resolve_missing = |k: &str, span: Span| -> Node {
        match env.and_then(|e| e.get(k)) {
            Some(val) => string(val, span),
            None if null_to_empty => string("", span),
            None => null(span),
        }
    };
    let entries: Vec<Entry> = match &v.kind {
        Kind::Seq(items) => {
            // `KEY=value` or `KEY`. A repeated key keeps its last value at its last place: the
            // items kept are the last of their keys, in order (`last_of_key`; removing the
            // earlier entry at each item made a long list quadratic).
            let pairs: Vec<(&str, Option<&str>, Span)> = items
                .iter()
                .filter_map(|i| {
                    let s = i.as_str()?;
                    Some(match s.split_once('=') {
                        Some((k, val)) => (k, Some(val), i.span),
                        None => (s, None, i.span),
                    })
                })
                .collect();
            let is_last = crate::yaml::last_of_key(pairs.len(), |n| Some(pairs[n].0));
            pairs
                .iter()
                .enumerate()
                .filter(|(n, _)| is_last(*n))
                .map(|(_, &(k, val, span))| Entry {
                    key: string(k, span),
                    value: match val {
                        Some(val) => string(val, span),
                        None => resolve_missing(k, span),
                    },
                    merged_from: None,
                })
                .collect()
        }
        Kind::Map(es) => es
            .iter()
            .map(|e| {
                let mut value = match stringify(&e.value) {
                    Some(s) => string(s, e.value.span),
                    None => resolve_missing(e.key_str(), e.value.span),
                };
                value.set_used_at(e.value.used_at());
                Entry {
                    key: e.key.clone(),
                    value,
                    merged_from: e.merged_from,
                }
            })
            .collect(),
        Kind::Scalar(_) => return v.clone(),
    };
    v.with_kind(Kind::map(entries))
}

fn depends_on(v: &Node) -> Node {
    let mk = |name: &Node, cond: Option<&Node>, extra: &[Entry]| -> Entry {
        let span = name.span;
        let mut es = vec![
            entry(
                "condition",
                cond.cloned()
                    .unwrap_or_else(|| string("service_started", span)),
            ),
            entry("required", plain("true", span)),
        ];
        for x in extra {
            match x.key_str() {
                "condition" => {}
                "required" => es[1].value = x.value.clone(),
                _ => es.push(x.clone()),
            }
        }
        Entry {
            key: name.clone(),
            value: Node::map(es, span),
            merged_from: None,
        }
    };
    match &v.kind {
        Kind::Seq(items) => {
            v.with_kind(Kind::map(items.iter().map(|i| mk(i, None, &[])).collect()))
        }
        Kind::Map(es) => v.with_kind(Kind::map(
            es.iter()
                .map(|e| {
                    let extra = e.value.as_map().unwrap_or(&[]);
                    let mut out = mk(&e.key, e.value.get("condition"), extra);
                    out.value.span = e.value.span;
                    out.merged_from = e.merged_from;
                    out
                })
                .collect(),
        )),
        _ => v.clone(),
    }
}

fn volumes(v: &Node, dir: &Path, problems: &mut Vec<NormalizeProblem>) -> Node {
    let Kind::Seq(items) = &v.kind else {
        return v.clone();
    };
    let mut out = Vec::with_capacity(items.len());
    for i in items.iter() {
        match &i.kind {
            Kind::Scalar(s) => match specs::parse_volume(s) {
                Ok(spec) => {
                    let sp = i.span;
                    let mut es = vec![entry("type", string(spec.kind, sp))];
                    if let Some(src) = &spec.source {
                        let src = if spec.kind == "bind" {
                            resolve_path(dir, src).to_string_lossy().into_owned()
                        } else {
                            src.clone()
                        };
                        es.push(entry("source", string(src, sp)));
                    }
                    es.push(entry("target", string(specs::clean_path(&spec.target), sp)));
                    if spec.read_only {
                        es.push(entry("read_only", plain("true", sp)));
                    }
                    if s.chars().count() <= 2 {
                        // compose takes a spec this short as a target and sets nothing else.
                    } else {
                        // Bind options are kept whatever the type (`data:/d:Z` too); a bind
                        // mount in short syntax creates its host path.
                        let mut b = vec![];
                        if spec.kind == "bind" {
                            b.push(entry("create_host_path", plain("true", sp)));
                        }
                        if let Some(p) = &spec.propagation {
                            b.push(entry("propagation", string(p.as_str(), sp)));
                        }
                        if let Some(z) = &spec.selinux {
                            b.push(entry("selinux", string(z.as_str(), sp)));
                        }
                        if !b.is_empty() {
                            es.push(entry("bind", Node::map(b, sp)));
                        }
                        if spec.kind == "volume" {
                            let mut vol = vec![];
                            if spec.nocopy {
                                vol.push(entry("nocopy", plain("true", sp)));
                            }
                            es.push(entry("volume", Node::map(vol, sp)));
                        }
                    }
                    let mut n = Node::map(es, sp);
                    n.set_used_at(i.used_at());
                    out.push(n);
                }
                Err(m) => {
                    // A `${` left after interpolation is one that failed (`invalid-interpolation`
                    // reports it): the spec's colons are not yet its own.
                    if !s.contains("${") {
                        problems.push(NormalizeProblem {
                            span: i.span,
                            message: format!("volumes: {m}"),
                        });
                    }
                    out.push(i.clone());
                }
            },
            Kind::Map(_) => {
                let mut n = i.clone();
                if let Some(t) = n.get_mut("target") {
                    if let Some(s) = t.as_str() {
                        if !t.is_null() {
                            *t = string(specs::clean_path(s), t.span);
                        }
                    }
                }
                let is_bind = n.get("type").and_then(|t| t.as_str()) == Some("bind");
                if is_bind {
                    if let Some(src) = n.get_mut("source") {
                        if let Some(s) = src.as_str() {
                            if !s.is_empty() {
                                let abs = resolve_path(dir, s).to_string_lossy().into_owned();
                                *src = string(abs, src.span);
                            }
                        }
                    }
                }
                out.push(n);
            }
            Kind::Seq(_) => out.push(i.clone()),
        }
    }
    v.with_kind(Kind::seq(out))
}

fn ports(v: &Node, problems: &mut Vec<NormalizeProblem>) -> Node {
    let Kind::Seq(items) = &v.kind else {
        return v.clone();
    };
    let mut out = Vec::new();
    for i in items.iter() {
        match &i.kind {
            Kind::Scalar(s) => match specs::parse_ports(s) {
                Ok(p) => {
                    // A range of container ports stays one entry here, its target the range
                    // ("8000-8010"); `model::json` prints the entries compose makes of it. Rules
                    // read ranges; expanded, `1-65535` would be 65 535 nodes.
                    let sp = i.span;
                    let mut es = vec![entry("mode", string("ingress", sp))];
                    if let Some(h) = &p.host_ip {
                        es.push(entry("host_ip", string(h.as_str(), sp)));
                    }
                    let (t0, t1) = p.target;
                    if t0 == t1 {
                        es.push(entry("target", plain(t0.to_string(), sp)));
                    } else {
                        es.push(entry("target", string(format!("{t0}-{t1}"), sp)));
                    }
                    let published = match p.published {
                        Some((p0, p1)) if p0 != p1 => Some(format!("{p0}-{p1}")),
                        Some((p0, _)) => Some(p0.to_string()),
                        None => None,
                    };
                    if let Some(pb) = published {
                        es.push(entry("published", string(pb, sp)));
                    }
                    es.push(entry("protocol", string(p.protocol.as_str(), sp)));
                    let mut n = Node::map(es, sp);
                    n.set_used_at(i.used_at());
                    out.push(n);
                }
                Err(m) => {
                    problems.push(NormalizeProblem {
                        span: i.span,
                        message: format!("ports: {m}"),
                    });
                    out.push(i.clone());
                }
            },
            _ => {
                let mut n = i.clone();
                if let Some(p) = n.get_mut("published") {
                    if let Some(s) = stringify(p) {
                        *p = string(s, p.span);
                    }
                }
                // compose's defaults for the long syntax.
                let sp = n.span;
                if let Some(m) = n.as_map_mut() {
                    for (k, v) in [("mode", "ingress"), ("protocol", "tcp")] {
                        if !m.iter().any(|e| e.key_str() == k) {
                            m.push(entry(k, string(v, sp)));
                        }
                    }
                }
                out.push(n);
            }
        }
    }
    v.with_kind(Kind::seq(out))
}

/// Service `secrets`/`configs`: strings become `{source}`; the default target is filled in.
fn file_refs(v: &Node, target_prefix: Option<&str>) -> Node {
    let Kind::Seq(items) = &v.kind else {
        return v.clone();
    };
    let out = items
        .iter()
        .map(|i| {
            let mut n = match &i.kind {
                Kind::Scalar(s) => {
                    let mut n = Node::map(vec![entry("source", string(s.clone(), i.span))], i.span);
                    n.set_used_at(i.used_at());
                    n
                }
                _ => i.clone(),
            };
            if let (Some(prefix), Some(src)) = (
                target_prefix,
                n.get("source").and_then(|s| s.as_str()).map(str::to_string),
            ) {
                let span = n.span;
                // An explicit target is kept as written; only a missing one is filled in.
                if n.get("target").is_none() {
                    if let Some(m) = n.as_map_mut() {
                        m.push(entry("target", string(format!("{prefix}{src}"), span)));
                    }
                }
            }
            n
        })
        .collect();
    v.with_kind(Kind::seq(out))
}

/// `extra_hosts` as compose holds them: one `host=ip` string per address (`host:ip`, `host=ip`,
/// comma-separated addresses and the mapping form all read), brackets taken off an IPv6
/// address, sorted as compose prints them. Entries compose cannot read (an empty side, a
/// missing address) are problems.
fn extra_hosts(v: &Node, problems: &mut Vec<NormalizeProblem>) -> Node {
    let mut out: Vec<(String, Span)> = Vec::new();
    let mut add = |host: &str, ips: &str, span: Span, problems: &mut Vec<NormalizeProblem>| {
        if host.is_empty() || host.contains([':', '=']) {
            problems.push(NormalizeProblem {
                span,
                message: format!("extra_hosts: bad host name '{host}'"),
            });
            return;
        }
        if ips.is_empty() {
            problems.push(NormalizeProblem {
                span,
                message: format!("extra_hosts: no address for host {host:?}"),
            });
            return;
        }
        for ip in ips.split(',') {
            let ip = match ip.strip_prefix('[').and_then(|i| i.strip_suffix(']')) {
                Some(inner) if ip.len() > 2 => inner,
                _ => ip,
            };
            out.push((format!("{host}={ip}"), span));
        }
    };
    match &v.kind {
        Kind::Seq(items) => {
            for i in items.iter() {
                let Some(e) = i.as_str() else { continue };
                match e.split_once('=').or_else(|| e.split_once(':')) {
                    Some((h, ip)) => add(h, ip, i.span, problems),
                    None => problems.push(NormalizeProblem {
                        span: i.span,
                        message: format!("extra_hosts: invalid entry {e:?}, expected host:ip"),
                    }),
                }
            }
        }
        Kind::Map(es) => {
            for e in es.iter() {
                match &e.value.kind {
                    Kind::Seq(ips) => {
                        for ip in ips.iter() {
                            let ip = ip.scalar_string().unwrap_or_default();
                            add(e.key_str(), &ip, e.value.span, problems);
                        }
                    }
                    _ => {
                        let ip = e.value.scalar_string().unwrap_or_default();
                        add(e.key_str(), &ip, e.value.span, problems);
                    }
                }
            }
        }
        Kind::Scalar(_) => return v.clone(),
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    v.with_kind(Kind::seq(
        out.into_iter().map(|(s, span)| string(s, span)).collect(),
    ))
}

fn build(v: &Node, dir: &Path, env: &Env) -> Node {
    let abs = |s: &str| -> String {
        if is_remote_context(s) {
            s.to_string()
        } else {
            resolve_path(dir, s).to_string_lossy().into_owned()
        }
    };
    match &v.kind {
        Kind::Scalar(s) => {
            let sp = v.span;
            v.with_kind(Kind::map(vec![entry("context", string(abs(s), sp))]))
        }
        Kind::Map(es) => {
            let mut es = es.to_vec();
            if let Some(c) = es.iter_mut().find(|e| e.key_str() == "context") {
                if let Some(s) = c.value.as_str() {
                    c.value = string(abs(s), c.value.span);
                }
            }
            for e in es.iter_mut() {
                match e.key_str() {
                    // A bare `NAME` takes its value from the environment; compose drops an
                    // argument that is still unset.
                    "args" => {
                        let mut m = key_value_map(&e.value, Some(env), false);
                        if let Some(list) = m.as_map_mut() {
                            list.retain(|a| !a.value.is_null());
                        }
                        e.value = m;
                    }
                    "labels" => e.value = key_value_map(&e.value, None, true),
                    "secrets" => e.value = file_refs(&e.value, None),
                    "additional_contexts" => {
                        if let Kind::Map(ctx) = &e.value.kind {
                            let ctx = ctx
                                .iter()
                                .map(|c| match c.value.as_str() {
                                    Some(s) if !s.contains("://") => Entry {
                                        value: string(abs(s), c.value.span),
                                        ..c.clone()
                                    },
                                    _ => c.clone(),
                                })
                                .collect();
                            e.value = e.value.with_kind(Kind::map(ctx));
                        }
                    }
                    _ => {}
                }
            }
            v.with_kind(Kind::map(es))
        }
        _ => v.clone(),
    }
}

fn env_files(v: &Node, dir: &Path) -> Node {
    let one = |i: &Node| -> Node {
        match &i.kind {
            Kind::Scalar(s) => Node::map(
                vec![
                    entry(
                        "path",
                        string(resolve_path(dir, s).to_string_lossy(), i.span),
                    ),
                    entry("required", plain("true", i.span)),
                ],
                i.span,
            ),
            _ => {
                let mut n = i.clone();
                if let Some(p) = n.get_mut("path") {
                    if let Some(s) = p.as_str() {
                        *p = string(resolve_path(dir, s).to_string_lossy(), p.span);
                    }
                }
                n
            }
        }
    };
    match &v.kind {
        Kind::Scalar(_) => v.with_kind(Kind::seq(vec![one(v)])),
        Kind::Seq(items) => v.with_kind(Kind::seq(items.iter().map(one).collect())),
        _ => v.clone(),
    }
}

/// compose's defaults for `build`, set once the service is merged (an override or `extends`
/// that writes part of `build` must not replace the base's context): the context is the
/// service's directory, the Dockerfile `Dockerfile`.
pub fn build_defaults(svc: &mut Node, dir: &Path) {
    let Some(b) = svc.get_mut("build") else {
        return;
    };
    let sp = b.span;
    let Some(es) = b.as_map_mut() else {
        return;
    };
    if !es.iter().any(|e| e.key_str() == "context") {
        es.push(entry(
            "context",
            string(resolve_path(dir, ".").to_string_lossy(), sp),
        ));
    }
    if !es
        .iter()
        .any(|e| e.key_str() == "dockerfile" || e.key_str() == "dockerfile_inline")
    {
        es.push(entry("dockerfile", string("Dockerfile", sp)));
    }
}

/// A mapping whose values compose holds as strings (`map[string]string`): numbers and booleans
/// printed as Go prints them.
fn string_map(v: &Node) -> Node {
    let Kind::Map(es) = &v.kind else {
        return v.clone();
    };
    let es = es
        .iter()
        .map(|e| match stringify(&e.value) {
            Some(s) => Entry {
                value: string(s, e.value.span),
                ..e.clone()
            },
            None => e.clone(),
        })
        .collect();
    v.with_kind(Kind::map(es))
}

/// Short-syntax devices (`HOST[:CONTAINER[:PERMISSIONS]]`) in compose's long form.
fn devices(v: &Node) -> Node {
    let Kind::Seq(items) = &v.kind else {
        return v.clone();
    };
    let out = items
        .iter()
        .map(|i| {
            let Some(spec) = i.as_str().filter(|_| !i.is_null()) else {
                return i.clone();
            };
            let parts: Vec<&str> = spec.split(':').collect();
            if parts.len() > 3 {
                return i.clone();
            }
            let src = parts[0];
            let dst = parts.get(1).copied().unwrap_or(src);
            let perms = parts.get(2).copied().unwrap_or("rwm");
            let sp = i.span;
            let mut n = Node::map(
                vec![
                    entry("source", string(src, sp)),
                    entry("target", string(dst, sp)),
                    entry("permissions", string(perms, sp)),
                ],
                sp,
            );
            n.set_used_at(i.used_at());
            n
        })
        .collect();
    v.with_kind(Kind::seq(out))
}

/// A top-level network, volume, secret or config: `labels` as a mapping, `driver_opts` values as
/// strings.
pub fn normalize_resource(res: &mut Node) {
    if let Some(l) = res.get_mut("labels") {
        *l = key_value_map(l, None, true);
    }
    if let Some(o) = res.get_mut("driver_opts") {
        *o = string_map(o);
    }
}

/// Top-level `secrets`/`configs` entries: `file` made absolute.
pub fn normalize_file_resource(res: &mut Node, dir: &Path) {
    if let Some(f) = res.get_mut("file") {
        if let Some(s) = f.as_str() {
            *f = string(resolve_path(dir, s).to_string_lossy(), f.span);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    /// `KEY=value` lists, short (scanned) and long (indexed): a repeated key keeps its last
    /// value at its last place, as removing the earlier entry at each item does.
    #[test]
    fn key_value_lists_keep_the_last_of_each_key_at_its_place() {
        for n in [6, 2 * crate::yaml::PAIRWISE] {
            let mut items: Vec<String> = (0..n).map(|i| format!("K{i}=v{i}")).collect();
            items.extend(["K3=late".into(), "K1".into(), "K3=last".into()]);
            let text = format!("[{}]", items.join(", "));
            let list = crate::yaml::parse(FileId(0), &text).docs.remove(0);
            let got: Vec<(String, String)> = key_value_map(&list, None, true)
                .as_map()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e.key_str().to_string(),
                        e.value.as_str().unwrap().to_string(),
                    )
                })
                .collect();
            let mut want: Vec<(String, String)> = Vec::new();
            for i in &items {
                let (k, v) = i.split_once('=').unwrap_or((i, ""));
                want.retain(|(key, _)| key != k);
                want.push((k.to_string(), v.to_string()));
            }
            assert_eq!(got, want, "{n} items");
            assert_eq!(got.len(), n);
            assert_eq!(got[n - 2], ("K1".into(), String::new()));
            assert_eq!(got[n - 1], ("K3".into(), "last".into()));
        }
    }
}
