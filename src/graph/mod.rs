//! The project graph: services as nodes; edges for dependencies, network membership, use of
//! volumes, secrets and configs, and provenance (extends, include). Rules query it instead of
//! walking YAML again.

use crate::model::Project;
use crate::source::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// `depends_on` with its condition (`service_started`, `service_healthy`, ...).
    DependsOn {
        condition: String,
        required: bool,
    },
    /// Service is attached to a network (`networks:`), or to another service's network stack
    /// (`network_mode: service:X`).
    Network,
    NetworkModeService,
    Volume,
    Secret,
    Config,
    /// `links:` / `volumes_from:`.
    Link,
    VolumesFrom,
    /// The service `extends` a base (in `base_file`).
    Extends,
}

#[derive(Clone, Debug)]
pub struct Edge {
    /// Service index in `Project::services`.
    pub from: usize,
    pub kind: EdgeKind,
    /// The referenced name: a service, network, volume, secret or config.
    pub to: String,
    /// Where the reference is written.
    pub span: Span,
}

#[derive(Debug, Default)]
pub struct Graph {
    pub edges: Vec<Edge>,
    /// Edge indices by source service.
    pub out: Vec<Vec<usize>>,
}

impl Graph {
    pub fn build(p: &Project) -> Graph {
        let mut g = Graph {
            edges: Vec::new(),
            out: vec![Vec::new(); p.services.len()],
        };
        for (i, s) in p.services.values().enumerate() {
            let mut add = |kind: EdgeKind, to: &str, span: Span| {
                g.out[i].push(g.edges.len());
                g.edges.push(Edge {
                    from: i,
                    kind,
                    to: to.to_string(),
                    span,
                });
            };
            for (name, v) in s.depends_on() {
                let condition = v
                    .get("condition")
                    .and_then(|c| c.as_str())
                    .unwrap_or("service_started")
                    .to_string();
                let required = !matches!(
                    v.get("required").map(|r| r.typed()),
                    Some(crate::yaml::Typed::Bool(false))
                );
                add(
                    EdgeKind::DependsOn {
                        condition,
                        required,
                    },
                    name,
                    v.site(),
                );
            }
            if let Some(nets) = s.get("networks").and_then(|n| n.as_map()) {
                for e in nets {
                    add(EdgeKind::Network, e.key_str(), e.key.site());
                }
            }
            if let Some(nm) = s.get("network_mode") {
                if let Some(target) = nm.as_str().and_then(|m| m.strip_prefix("service:")) {
                    add(EdgeKind::NetworkModeService, target, nm.site());
                }
            }
            for v in s.get("volumes").and_then(|v| v.as_seq()).unwrap_or(&[]) {
                if v.get("type").and_then(|t| t.as_str()) == Some("volume") {
                    if let Some(src) = v.get("source").and_then(|t| t.as_str()) {
                        add(EdgeKind::Volume, src, v.site());
                    }
                }
            }
            for (key, kind) in [("secrets", EdgeKind::Secret), ("configs", EdgeKind::Config)] {
                for v in s.get(key).and_then(|v| v.as_seq()).unwrap_or(&[]) {
                    if let Some(src) = v.get("source").and_then(|t| t.as_str()) {
                        add(kind.clone(), src, v.site());
                    }
                }
            }
            for (key, kind) in [
                ("links", EdgeKind::Link),
                ("volumes_from", EdgeKind::VolumesFrom),
            ] {
                for v in s.get(key).and_then(|v| v.as_seq()).unwrap_or(&[]) {
                    if let Some(t) = v.as_str() {
                        // `links: [db:alias]`, `volumes_from: [svc:ro]`
                        let name = t.split(':').next().unwrap_or(t);
                        if !(key == "volumes_from" && name == "container") {
                            add(kind.clone(), name, v.site());
                        }
                    }
                }
            }
            for link in &s.extends {
                add(EdgeKind::Extends, &link.base_service, link.at);
            }
        }
        g
    }

    /// Edges leaving service `i`.
    pub fn edges_from(&self, i: usize) -> impl Iterator<Item = &Edge> {
        self.out[i].iter().map(|&e| &self.edges[e])
    }
}
