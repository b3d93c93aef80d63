//! Building fixes: the raw (as written) nodes a fix edits, and the edits for changes several
//! rules make.

use super::Scope;
use crate::diagnostic::{Edit, Fix};
use crate::model::Service;
use crate::source::{FileId, SourceFile};
use crate::yaml::edit::{self, Src, Value};
use crate::yaml::{Node, Parsed};
use std::sync::Arc;

/// One file as written: its text and parse.
pub struct Raw {
    pub file: Arc<SourceFile>,
    pub parsed: Arc<Parsed>,
}

impl Raw {
    pub fn src(&self) -> Src<'_> {
        self.file.src()
    }
    /// The mapping of service `name` as written in this file.
    pub fn service(&self, name: &str) -> Option<&Node> {
        self.parsed.docs.iter().find_map(|d| {
            let e = d.get("services")?.entry(name)?;
            (e.merged_from.is_none() && e.value.used_at().is_none() && e.value.is_map())
                .then_some(&e.value)
        })
    }
    pub fn services_map(&self, name: &str) -> Option<&Node> {
        self.parsed.docs.iter().find_map(|d| {
            let s = d.get("services")?;
            s.entry(name).map(|_| s)
        })
    }
    /// Nodes from the document root down to the node written at `span`.
    pub fn chain(&self, span: crate::source::Span) -> Option<Vec<&Node>> {
        self.parsed.docs.iter().find_map(|d| d.chain_to(span))
    }
}

impl Scope<'_> {
    pub fn raw(&self, file: FileId) -> Raw {
        Raw {
            file: self.ws.file(file),
            parsed: self.ws.parsed(file),
        }
    }
}

/// Insert entries at the end of a service's own mapping, as one edit (two inserts at one place
/// would overlap).
pub fn insert_entries(src: &Src, svc: &Node, entries: &[(&str, Value)]) -> Option<Edit> {
    let mut combined: Option<Edit> = None;
    for (k, v) in entries {
        let e = edit::insert_entry(src, svc, k, v)?;
        match &mut combined {
            None => combined = Some(e),
            Some(c) => c.content.push_str(&e.content),
        }
    }
    combined
}

/// A fix for a service's own file that inserts or updates keys (read_only, security_opt, ...).
/// Unsafe: a setting added to a service changes what runs (a read-only root file system, a
/// GPU the host must have), so only `--unsafe-fixes` applies it.
pub fn service_fix(
    t: &Scope,
    svc: &Service,
    title: &str,
    touches: Vec<String>,
    build: impl FnOnce(&Src, &Node) -> Vec<Edit>,
) -> Option<Fix> {
    let raw = t.raw(svc.file);
    let node = raw.service(&svc.name)?;
    let src = raw.src();
    let edits = build(&src, node);
    (!edits.is_empty()).then(|| Fix::unsafe_(title, edits, touches))
}

/// A key of a mapping as written there (not brought in by `<<`).
pub fn own_get<'n>(map: &'n Node, key: &str) -> Option<&'n Node> {
    map.as_map()?
        .iter()
        .find(|e| e.key_str() == key && e.merged_from.is_none() && e.value.used_at().is_none())
        .map(|e| &e.value)
}

/// Follow own keys.
pub fn own_path<'n>(map: &'n Node, path: &[&str]) -> Option<&'n Node> {
    let mut n = map;
    for k in path {
        n = own_get(n, k)?;
    }
    Some(n)
}
