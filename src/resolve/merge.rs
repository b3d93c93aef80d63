//! Compose's override merge, used for `extends`, multi-document files and `include` imports.
//! Works on normalised service nodes (see `normalize`), so sequences that compose merges by key
//! (volumes by target, ports, secrets) are already in long form.

use crate::yaml::{Entry, Kind, Node, Tag};

/// Merge `over` onto `base` for one service, the way compose-go's override rules do.
pub fn merge_service(base: &Node, over: &Node) -> Node {
    merge_at(base, over, &mut vec!["services".into(), "*".into()])
}

/// Merge two top-level documents (multi-document files): services by name, the rest by key.
pub fn merge_documents(base: &Node, over: &Node) -> Node {
    merge_at(base, over, &mut Vec::new())
}

fn merge_at(base: &Node, over: &Node, path: &mut Vec<String>) -> Node {
    if over.tag() == Some(&Tag::Override) {
        let mut n = over.clone();
        n.set_tag(None);
        return n;
    }
    // `path` is `services.*` followed by `p` (checked without building the pattern: this runs
    // for every node merged).
    let svc = |p: &[&str]| -> bool {
        path.len() == 2 + p.len()
            && path[0] == "services"
            && path[2..].iter().zip(p).all(|(a, b)| a == b)
    };
    // Keys compose replaces rather than merges.
    if svc(&["command"])
        || svc(&["entrypoint"])
        || svc(&["healthcheck", "test"])
        || svc(&["profiles"])
    {
        return over.clone();
    }
    match (&base.kind, &over.kind) {
        (Kind::Map(b), Kind::Map(o)) => {
            // logging: a different driver replaces the whole block.
            if svc(&["logging"]) {
                let bd = base.get("driver").and_then(|d| d.as_str());
                let od = over.get("driver").and_then(|d| d.as_str());
                if od.is_some() && bd.is_some() && bd != od {
                    return over.clone();
                }
            }
            let mut entries: Vec<Entry> = b.to_vec();
            for oe in o.iter() {
                let key = oe.key_str().to_string();
                if oe.value.tag() == Some(&Tag::Reset) {
                    entries.retain(|e| e.key_str() != key);
                    continue;
                }
                match entries.iter_mut().find(|e| e.key_str() == key) {
                    Some(be) => {
                        path.push(key);
                        let merged = merge_at(&be.value, &oe.value, path);
                        path.pop();
                        be.value = merged;
                        // The overriding key is where the value is now written.
                        be.key = oe.key.clone();
                    }
                    None => entries.push(oe.clone()),
                }
            }
            // `over`'s place and style with the merged entries (not a copy of `over` whose
            // entries are then thrown away).
            over.with_kind(Kind::map(entries))
        }
        (Kind::Seq(b), Kind::Seq(o)) => {
            let mut items: Vec<Node> = b.to_vec();
            if svc(&["volumes"]) {
                merge_keyed(&mut items, o, |n| field(n, "target"));
            } else if svc(&["secrets"]) || svc(&["configs"]) {
                merge_keyed(&mut items, o, |n| field(n, "source"));
            } else if svc(&["env_file"]) {
                merge_keyed(&mut items, o, |n| field(n, "path"));
            } else {
                // Append, dropping exact repeats (cap_add, security_opt, ports, dns, ...).
                for oi in o.iter() {
                    if !items.iter().any(|i| i.same_value(oi)) {
                        items.push(oi.clone());
                    }
                }
            }
            over.with_kind(Kind::seq(items))
        }
        _ => {
            if over.tag() == Some(&Tag::Reset) {
                return base.clone();
            }
            over.clone()
        }
    }
}

fn field(n: &Node, key: &str) -> Option<String> {
    n.get(key).and_then(|v| v.scalar_string())
}

fn merge_keyed(items: &mut Vec<Node>, over: &[Node], key: impl Fn(&Node) -> Option<String>) {
    for oi in over {
        let k = key(oi);
        match k
            .as_ref()
            .and_then(|k| items.iter().position(|i| key(i).as_ref() == Some(k)))
        {
            Some(pos) => items[pos] = oi.clone(),
            None => items.push(oi.clone()),
        }
    }
}

impl Node {
    /// Structural equality of values, ignoring spans and styles (`"1"` and `1` differ only when
    /// their YAML types differ).
    pub fn same_value(&self, other: &Node) -> bool {
        match (&self.kind, &other.kind) {
            (Kind::Scalar(_), Kind::Scalar(_)) => {
                let (a, b) = (self.typed(), other.typed());
                match (a, b) {
                    (crate::yaml::Typed::Float(x), crate::yaml::Typed::Float(y)) => x == y,
                    _ => a == b,
                }
            }
            (Kind::Seq(a), Kind::Seq(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.same_value(y))
            }
            (Kind::Map(a), Kind::Map(b)) => {
                a.len() == b.len()
                    && a.iter().all(|ea| {
                        b.iter()
                            .find(|eb| eb.key_str() == ea.key_str())
                            .is_some_and(|eb| ea.value.same_value(&eb.value))
                    })
            }
            _ => false,
        }
    }
}
