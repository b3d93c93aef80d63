//! The resolved project in the JSON shape of `docker compose config --format json`: the
//! contract the differential tests hold hylint's loader to.

use super::specs::{format_duration, parse_bytes, parse_duration};
use super::{NameMap, Project, Resource};
use crate::yaml::{Kind, Node, Typed};
use serde_json::{json, Map, Value};
use std::collections::HashSet;

fn sorted(m: Map<String, Value>) -> Value {
    let mut entries: Vec<(String, Value)> = m.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Object(entries.into_iter().collect())
}

/// compose prints `$` as `$$` so that its output reads back the same.
fn escape(s: &str) -> String {
    s.replace('$', "$$")
}

/// Go's encoding/json prints a whole float without a fraction (`1`, not `1.0`).
fn go_float(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        json!(f as i64)
    } else {
        json!(f)
    }
}

fn scalar(n: &Node) -> Value {
    match n.typed() {
        Typed::Null => Value::Null,
        Typed::Bool(b) => json!(b),
        Typed::Int(i) => json!(i),
        Typed::Float(f) => go_float(f),
        Typed::Str(s) => json!(escape(s)),
        Typed::Collection => Value::Null,
    }
}

fn string_of(n: &Node) -> Value {
    match n.typed() {
        Typed::Null => Value::Null,
        _ => json!(escape(n.as_str().unwrap_or(""))),
    }
}

const DURATIONS: &[&str] = &["interval", "timeout", "start_period", "start_interval"];
const BYTES: &[&str] = &["mem_limit", "mem_reservation", "memswap_limit", "shm_size"];

/// Convert a node at `path` (keys from the service root) applying compose's type casts.
fn convert(n: &Node, path: &mut Vec<String>) -> Value {
    let p: Vec<&str> = path.iter().map(|s| s.as_str()).collect();
    let last = p.last().copied().unwrap_or("");
    match &n.kind {
        Kind::Map(entries) => {
            let mut m = Map::new();
            for e in entries.iter() {
                path.push(e.key_str().to_string());
                m.insert(e.key_str().to_string(), convert(&e.value, path));
                path.pop();
            }
            sorted(m)
        }
        Kind::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items.iter() {
                path.push("[]".into());
                out.push(convert(i, path));
                path.pop();
            }
            Value::Array(out)
        }
        Kind::Scalar(s) => {
            let parent = if p.len() >= 2 { p[p.len() - 2] } else { "" };
            let in_map_of_strings = p.len() >= 2
                && matches!(p[0], "environment" | "labels" | "annotations" | "sysctls")
                && p.len() == 2;
            if in_map_of_strings || (p.first() == Some(&"expose")) {
                return string_of(n);
            }
            if n.is_null() {
                return Value::Null;
            }
            if (parent == "healthcheck" && DURATIONS.contains(&last)) || last == "stop_grace_period"
            {
                if let Ok(ns) = parse_duration(s) {
                    return json!(format_duration(ns));
                }
            }
            if (p.len() == 1 && BYTES.contains(&last))
                || (last == "memory" && matches!(parent, "limits" | "reservations"))
            {
                if let Ok(b) = parse_bytes(s) {
                    return json!(b.to_string());
                }
            }
            if last == "cpus" {
                if let Ok(f) = s.trim().parse::<f64>() {
                    return go_float(f);
                }
            }
            if p.first() == Some(&"ports") && last == "published" {
                return string_of(n);
            }
            if last == "count" && parent == "[]" && &**s == "all" {
                return json!(-1);
            }
            scalar(n)
        }
    }
}

/// A value as go-yaml decodes it, with no cast (extension fields are printed as written).
fn raw(n: &Node) -> Value {
    match &n.kind {
        Kind::Map(entries) => sorted(
            entries
                .iter()
                .map(|e| (e.key_str().to_string(), raw(&e.value)))
                .collect(),
        ),
        Kind::Seq(items) => Value::Array(items.iter().map(raw).collect()),
        Kind::Scalar(_) => scalar(n),
    }
}

/// Mappings whose keys are the user's (names, variables), not fields of a compose type: their
/// entries are kept whatever their value.
const USER_MAPS: &[&str] = &[
    "environment",
    "labels",
    "annotations",
    "sysctls",
    "args",
    "options",
    "driver_opts",
    "storage_opt",
    "log_opt",
    "additional_contexts",
    "networks",
    "depends_on",
    "ulimits",
];

/// Fields compose's types hold as pointers or without `omitempty`: printed even when zero.
const KEEP_ZERO: &[&str] = &[
    "command",
    "entrypoint",
    "attach",
    "init",
    "scale",
    "retries",
    "replicas",
    "max_attempts",
    "parallelism",
    "required",
    "enable_ipv4",
    "enable_ipv6",
];

/// Drop what Go's `omitempty` drops from compose's types: `""`, `false`, `0` and `[]` fields.
fn omit_empty(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, x| {
                KEEP_ZERO.contains(&k.as_str())
                    || !(matches!(x, Value::Bool(false))
                        || x.as_str() == Some("")
                        || x.as_i64() == Some(0)
                        || x.as_f64() == Some(0.0)
                        || x.as_array().is_some_and(|a| a.is_empty()))
            });
            for (k, x) in m.iter_mut() {
                if k.starts_with("x-") {
                    continue;
                }
                if USER_MAPS.contains(&k.as_str()) {
                    if let Value::Object(entries) = x {
                        for e in entries.values_mut() {
                            if e.is_object() {
                                omit_empty(e);
                            }
                        }
                    }
                } else {
                    omit_empty(x);
                }
            }
        }
        Value::Array(items) => {
            for i in items.iter_mut().filter(|i| i.is_object()) {
                omit_empty(i);
            }
        }
        _ => {}
    }
}

/// A port entry whose target is a range of container ports (`"8000-8010"`, as the loader keeps
/// short-syntax ranges) as the entries compose makes of it: one per container port, paired
/// with the published range's ports.
fn expand_port_range(entry: &Value, out: &mut Vec<Value>) {
    let range = |v: Option<&Value>| -> Option<(u32, u32)> {
        let (a, b) = v?.as_str()?.split_once('-')?;
        Some((a.parse().ok()?, b.parse().ok()?))
    };
    let Some((t0, t1)) = range(entry.get("target")) else {
        out.push(entry.clone());
        return;
    };
    let published = range(entry.get("published"));
    for i in 0..=t1.saturating_sub(t0) {
        let mut e = entry.clone();
        e["target"] = json!(t0 + i);
        if let Some((p0, _)) = published {
            e["published"] = json!((p0 + i).to_string());
        }
        out.push(e);
    }
}

fn service_json(n: &Node, expand_ranges: bool) -> Value {
    let mut v = convert(n, &mut Vec::new());
    if expand_ranges {
        if let Some(Value::Array(ports)) = v.get_mut("ports") {
            if ports
                .iter()
                .any(|p| p.get("target").is_some_and(Value::is_string))
            {
                let mut out = Vec::with_capacity(ports.len());
                for p in ports.iter() {
                    expand_port_range(p, &mut out);
                }
                *ports = out;
            }
        }
    }
    if let Value::Object(m) = &mut v {
        // Read into `environment` (compose discards the list); service extensions are not
        // printed.
        m.retain(|k, _| k != "env_file" && !k.starts_with("x-"));
        omit_empty(&mut v);
    }
    if let Value::Object(m) = &mut v {
        if !m.contains_key("networks") && !m.contains_key("network_mode") {
            m.insert("networks".into(), json!({"default": null}));
        }
        let m2 = std::mem::take(m);
        v = sorted(m2);
    }
    v
}

fn resource_name(project: &str, r: &Resource) -> String {
    if let Some(n) = r.node.get("name").and_then(|n| n.as_str()) {
        return n.to_string();
    }
    if r.external() {
        return r.name.clone();
    }
    format!("{project}_{}", r.name)
}

/// Top-level resources; with `used`, only those (compose prunes the rest).
fn resources(
    project: &str,
    map: &NameMap<Resource>,
    used: Option<&HashSet<String>>,
    ipam: bool,
) -> Value {
    let mut m = Map::new();
    for r in map
        .values()
        .filter(|r| used.is_none_or(|u| u.contains(&r.name)))
    {
        let mut v = convert(&r.node, &mut Vec::new());
        omit_empty(&mut v);
        if let Value::Object(o) = &mut v {
            // A `name` written empty (an unset variable) stays empty, and unprinted.
            let name = resource_name(project, r);
            if !name.is_empty() {
                o.insert("name".into(), json!(name));
            }
            if ipam && !o.contains_key("ipam") {
                o.insert("ipam".into(), json!({}));
            }
        }
        m.insert(r.name.clone(), v);
    }
    sorted(m)
}

/// The project as `docker compose config --format json` prints it: active services only, and
/// only the networks, volumes, secrets and configs they use (compose prunes the rest).
pub fn compose_json(p: &Project) -> Value {
    compose_json_of(p, false)
}

/// `compose_json` with every service, whatever its profiles, and every declared resource (the
/// fix engine compares whole models; a port range stays one entry there, so a file cannot make
/// the comparison hold a port by the thousand).
pub fn compose_json_of(p: &Project, all_services: bool) -> Value {
    let prune = !all_services;
    let mut services = Map::new();
    let mut used: [HashSet<String>; 4] = Default::default();
    for s in p
        .services
        .values()
        .filter(|s| all_services || p.is_active(s))
    {
        let v = service_json(&s.node, !all_services);
        if let Some(nets) = v.get("networks").and_then(|n| n.as_object()) {
            used[0].extend(nets.keys().cloned());
        }
        for vol in v
            .get("volumes")
            .and_then(|x| x.as_array())
            .unwrap_or(&vec![])
        {
            if vol.get("type").and_then(|t| t.as_str()) == Some("volume") {
                if let Some(src) = vol.get("source").and_then(|t| t.as_str()) {
                    used[1].insert(src.to_string());
                }
            }
        }
        let build_secrets = v.pointer("/build/secrets").and_then(|x| x.as_array());
        for x in build_secrets.into_iter().flatten() {
            if let Some(src) = x.get("source").and_then(|t| t.as_str()) {
                used[2].insert(src.to_string());
            }
        }
        for (i, key) in [(2, "secrets"), (3, "configs")] {
            for x in v.get(key).and_then(|x| x.as_array()).unwrap_or(&vec![]) {
                if let Some(src) = x.get("source").and_then(|t| t.as_str()) {
                    used[i].insert(src.to_string());
                }
            }
        }
        services.insert(s.name.clone(), v);
    }
    let mut out = Map::new();
    out.insert("name".into(), json!(p.name));
    let mut networks = resources(&p.name, &p.networks, prune.then_some(&used[0]), true);
    if let Value::Object(o) = &mut networks {
        if used[0].contains("default") && !o.contains_key("default") {
            o.insert(
                "default".into(),
                json!({"name": format!("{}_default", p.name), "ipam": {}}),
            );
        }
        let o2 = std::mem::take(o);
        networks = sorted(o2);
    }
    if networks.as_object().is_some_and(|o| !o.is_empty()) {
        out.insert("networks".into(), networks);
    }
    for (i, key, map) in [
        (1, "volumes", &p.volumes),
        (2, "secrets", &p.secrets),
        (3, "configs", &p.configs),
    ] {
        let v = resources(&p.name, map, prune.then_some(&used[i]), false);
        if v.as_object().is_some_and(|o| !o.is_empty()) {
            out.insert(key.into(), v);
        }
    }
    out.insert("services".into(), sorted(services));
    for e in p.extensions.iter() {
        out.insert(e.key_str().to_string(), raw(&e.value));
    }
    Value::Object(out)
}

/// Where two JSON documents differ: (JSON pointer, left value, right value), objects compared
/// key by key (a missing key reads as null), at most `limit` places.
pub fn differences<'a>(
    a: &'a Value,
    b: &'a Value,
    limit: usize,
) -> Vec<(String, &'a Value, &'a Value)> {
    fn walk<'a>(
        a: &'a Value,
        b: &'a Value,
        path: &str,
        limit: usize,
        out: &mut Vec<(String, &'a Value, &'a Value)>,
    ) {
        if out.len() >= limit || a == b {
            return;
        }
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    walk(
                        x.get(k).unwrap_or(&Value::Null),
                        y.get(k).unwrap_or(&Value::Null),
                        &format!("{path}/{k}"),
                        limit,
                        out,
                    );
                }
            }
            _ => out.push((path.to_string(), a, b)),
        }
    }
    let mut out = Vec::new();
    walk(a, b, "", limit, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::differences;
    use serde_json::json;

    #[test]
    fn differences_name_every_differing_place() {
        let a = json!({"a": 1, "b": {"c": 2}, "e": [1]});
        let b = json!({"a": 1, "b": {"c": 3}, "d": 4, "e": [2]});
        let paths: Vec<String> = differences(&a, &b, 10).into_iter().map(|d| d.0).collect();
        assert_eq!(paths, ["/b/c", "/d", "/e"]);
        assert_eq!(differences(&a, &b, 1).len(), 1);
        assert!(differences(&a, &a, 10).is_empty());
    }
}
