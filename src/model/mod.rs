//! The resolved compose project. Values stay as span-carrying YAML nodes so that every field
//! knows where it is written; typed accessors cover what rules ask for most.

pub mod json;
pub mod specs;

use crate::source::{FileId, Span};
use crate::yaml::Node;
use indexmap::IndexMap;
use std::path::PathBuf;

/// Services and resources by name, in file order. Hashed with foldhash, not SipHash: rules
/// look names up here for every reference they follow.
pub type NameMap<V> = IndexMap<String, V, foldhash::fast::RandomState>;

/// One link of an `extends` chain: the service declaring `extends`, and the base it names.
#[derive(Clone, Debug)]
pub struct ExtendsLink {
    /// The `extends` value in the extending service.
    pub at: Span,
    pub base_file: FileId,
    pub base_service: String,
    /// The base service's name key.
    pub base_decl: Span,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub name: String,
    /// Fully resolved: extends merged, interpolated, normalised.
    pub node: Node,
    /// The service's name key where it is declared.
    pub decl: Span,
    /// The service's own mapping as written (a value outside it is inherited).
    pub body: Span,
    pub file: FileId,
    pub profiles: Vec<String>,
    /// Extends chain, nearest base first.
    pub extends: Vec<ExtendsLink>,
    /// The `include` entry that brought this service in, outermost first.
    pub included_via: Vec<Span>,
}

impl Service {
    /// Whether a value is written in this service's own mapping (not inherited through
    /// `extends` or brought in from an anchor elsewhere).
    pub fn owns(&self, span: Span) -> bool {
        span.file == self.body.file && span.start >= self.body.start && span.end <= self.body.end
    }
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.node.get(key)
    }
    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(|n| n.as_str())
    }
    pub fn image(&self) -> Option<&str> {
        self.str("image")
    }
    pub fn container_name(&self) -> Option<&str> {
        self.str("container_name")
    }
    /// Names of the services this one depends on (depends_on is normalised to a map).
    pub fn depends_on(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.get("depends_on")
            .and_then(|d| d.as_map())
            .unwrap_or(&[])
            .iter()
            .map(|e| (e.key_str(), &e.value))
    }
    pub fn networks(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.get("networks")
            .and_then(|d| d.as_map())
            .unwrap_or(&[])
            .iter()
            .map(|e| (e.key_str(), &e.value))
    }
}

/// A top-level network, volume, secret or config.
#[derive(Clone, Debug)]
pub struct Resource {
    pub name: String,
    pub node: Node,
    pub decl: Span,
    pub file: FileId,
    pub included_via: Vec<Span>,
}

impl Resource {
    pub fn external(&self) -> bool {
        self.node.get("external").and_then(specs::compose_bool) == Some(true)
    }
}

/// An `include` edge: `entry` in `from` pulls in `to`.
#[derive(Clone, Debug)]
pub struct IncludeEdge {
    pub from: FileId,
    pub entry: Span,
    pub to: FileId,
}

#[derive(Debug)]
pub struct Project {
    pub name: String,
    pub file: FileId,
    pub dir: PathBuf,
    /// Every service, whatever its profiles: rules see them all; `is_active` tells.
    pub services: NameMap<Service>,
    pub networks: NameMap<Resource>,
    pub volumes: NameMap<Resource>,
    pub secrets: NameMap<Resource>,
    pub configs: NameMap<Resource>,
    pub includes: Vec<IncludeEdge>,
    /// Files that contributed (root, includes, extends bases), in load order.
    pub files: Vec<FileId>,
    pub env: Env,
    /// Profiles enabled for this load (`--profile`, COMPOSE_PROFILES); `*` enables all.
    pub profiles: Vec<String>,
    /// The root file's top-level `x-*` entries, interpolated.
    pub extensions: Vec<crate::yaml::Entry>,
}

impl Project {
    pub fn all_profiles(&self) -> bool {
        self.profiles.iter().any(|p| p == "*")
    }
    /// Whether a service runs under the enabled profiles.
    pub fn is_active(&self, s: &Service) -> bool {
        // With no profile enabled, compose's list of enabled profiles is `[""]`: a service
        // whose profiles include "" runs by default.
        s.profiles.is_empty()
            || self.all_profiles()
            || s.profiles
                .iter()
                .any(|p| self.profiles.contains(p) || (self.profiles.is_empty() && p.is_empty()))
    }
    pub fn active_services(&self) -> impl Iterator<Item = &Service> {
        self.services.values().filter(|s| self.is_active(s))
    }
    /// The name docker gives the project's network `key`. A network the project never declares
    /// (compose refuses that; `undefined-reference` says so) is taken as the shared network of
    /// that name, which is what such a file means to join.
    pub fn network_name(&self, key: &str) -> String {
        match self.networks.get(key) {
            Some(r) => match r.node.get("name").and_then(|n| n.as_str()) {
                Some(n) => n.to_string(),
                None if r.external() => key.to_string(),
                None => format!("{}_{key}", self.name),
            },
            None => key.to_string(),
        }
    }
    /// Networks by which other projects can reach this one's services: the docker names of
    /// the declared networks its services join that are external or named explicitly
    /// (`name:`). A project's own networks (`<project>_default`) are private to it, and a
    /// network it never declares makes it a fragment for `-f`, not a project of its own.
    pub fn shared_networks(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for svc in self.services.values() {
            for (key, _) in svc.networks() {
                let shared = self.networks.get(key).is_some_and(|r| {
                    r.external() || r.node.get("name").is_some_and(|n| n.as_str().is_some())
                });
                if shared {
                    out.push(self.network_name(key));
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// Variables visible to a project, with their origin for messages. Hashed with foldhash, not
/// SipHash: every `${VAR}` of every file is looked up here.
#[derive(Clone, Debug, Default)]
pub struct Env {
    pub vars: std::collections::HashMap<String, String, foldhash::fast::RandomState>,
}

impl Env {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.vars.get(k).map(|s| s.as_str())
    }
}
