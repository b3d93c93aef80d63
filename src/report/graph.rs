//! `hylint graph`: the loaded projects as a versioned JSON document, a Mermaid flowchart
//! (rendered by GitHub in Markdown) or a Graphviz digraph. Services are grouped by the file
//! that declares them (its stack); networks, volumes, secrets and configs are nodes of their
//! own; edges carry `depends_on` with its condition, links, `volumes_from`, `network_mode`,
//! `extends` and `include`. The JSON shape is documented in docs/graph.md.

use crate::graph::{EdgeKind, Graph};
use crate::model::Project;
use crate::resolve::Workspace;
use serde_json::{json, Value};

/// Bumped when a field changes meaning or goes; new fields keep the version.
pub const VERSION: u32 = 1;

/// What to show: every active service, or one service and its neighbours.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub service: Option<String>,
}

fn kind_name(k: &EdgeKind) -> &'static str {
    match k {
        EdgeKind::DependsOn { .. } => "depends_on",
        EdgeKind::Network => "network",
        EdgeKind::NetworkModeService => "network_mode",
        EdgeKind::Volume => "volume",
        EdgeKind::Secret => "secret",
        EdgeKind::Config => "config",
        EdgeKind::Link => "link",
        EdgeKind::VolumesFrom => "volumes_from",
        EdgeKind::Extends => "extends",
    }
}

/// Whether the edge points at another service (rather than a network, volume, ...).
fn to_service(k: &EdgeKind) -> bool {
    matches!(
        k,
        EdgeKind::DependsOn { .. }
            | EdgeKind::NetworkModeService
            | EdgeKind::Link
            | EdgeKind::VolumesFrom
            | EdgeKind::Extends
    )
}

/// One project as the JSON graph: what `render_json` puts in `projects`. `None` when the
/// selected service is not in it.
pub fn project_json(ws: &Workspace, p: &Project, sel: &Selection) -> Option<Value> {
    let g = Graph::build(p);
    let services: Vec<_> = p.services.values().collect();
    let display = |id: crate::source::FileId| ws.file(id).display.clone();
    let line = |s: crate::source::Span| ws.file(s.file).line_col(s.start as usize).0;
    // The services shown: active ones; with --service, that one and the services it has an
    // edge to or from.
    let active: Vec<bool> = services.iter().map(|s| p.is_active(s)).collect();
    let shown: Vec<bool> = match &sel.service {
        None => active.clone(),
        Some(name) => {
            let center = p.services.get_index_of(name.as_str())?;
            let mut near = vec![false; services.len()];
            near[center] = true;
            for e in &g.edges {
                if !to_service(&e.kind) || e.kind == EdgeKind::Extends {
                    continue;
                }
                let Some(to) = p.services.get_index_of(e.to.as_str()) else {
                    continue;
                };
                if e.from == center {
                    near[to] = true;
                } else if to == center {
                    near[e.from] = true;
                }
            }
            near
        }
    };
    let is_center = |i: usize| sel.service.as_deref().is_none_or(|c| services[i].name == c);
    let mut edges = Vec::new();
    let mut used: std::collections::BTreeSet<(&'static str, String)> = Default::default();
    for e in &g.edges {
        if !shown[e.from] {
            continue;
        }
        // A service extends its nearest base; the rest of the chain is between templates.
        if e.kind == EdgeKind::Extends
            && services[e.from].extends.first().map(|l| l.at) != Some(e.span)
        {
            continue;
        }
        let kind = kind_name(&e.kind);
        if to_service(&e.kind) && e.kind != EdgeKind::Extends {
            match p.services.get_index_of(e.to.as_str()) {
                Some(t) if shown[t] && (is_center(e.from) || is_center(t)) => {}
                _ => continue,
            }
        } else if !is_center(e.from) {
            // With --service, a neighbour's networks and volumes are not the question.
            continue;
        }
        let mut v = json!({
            "from": services[e.from].name,
            "to": e.to,
            "kind": kind,
            "file": display(e.span.file),
            "line": line(e.span),
        });
        match &e.kind {
            EdgeKind::DependsOn {
                condition,
                required,
            } => {
                v["condition"] = json!(condition);
                v["required"] = json!(required);
            }
            EdgeKind::Extends => {
                let link = services[e.from]
                    .extends
                    .iter()
                    .find(|l| l.base_service == e.to && l.at == e.span);
                if let Some(l) = link {
                    v["base_file"] = json!(display(l.base_file));
                }
            }
            EdgeKind::Network | EdgeKind::Volume | EdgeKind::Secret | EdgeKind::Config => {
                used.insert((kind, e.to.clone()));
            }
            _ => {}
        }
        edges.push(v);
    }
    // Compose puts a service that names no network (and no network mode) on `default`.
    for (i, svc) in services.iter().enumerate() {
        if shown[i]
            && is_center(i)
            && svc.get("networks").is_none()
            && svc.get("network_mode").is_none()
        {
            edges.push(json!({
                "from": svc.name,
                "to": "default",
                "kind": "network",
                "implicit": true,
                "file": display(svc.decl.file),
                "line": line(svc.decl),
            }));
            used.insert(("network", "default".to_string()));
        }
    }
    let resources = |kind: &'static str, map: &crate::model::NameMap<crate::model::Resource>| {
        let mut out: Vec<Value> = map
            .iter()
            .filter(|(k, _)| sel.service.is_none() || used.contains(&(kind, (*k).clone())))
            .map(|(k, r)| {
                let mut v = json!({
                    "name": k,
                    "external": r.external(),
                    "file": display(r.file),
                    "line": line(r.decl),
                });
                if kind == "network" {
                    v["docker_name"] = json!(p.network_name(k));
                }
                v
            })
            .collect();
        // A service's implicit `default` network, which the project need not declare.
        if kind == "network"
            && !map.contains_key("default")
            && used.contains(&("network", "default".to_string()))
        {
            out.push(json!({
                "name": "default",
                "external": false,
                "docker_name": p.network_name("default"),
            }));
        }
        out
    };
    let svc_json: Vec<Value> = services
        .iter()
        .enumerate()
        .filter(|(i, _)| shown[*i])
        .map(|(i, s)| {
            json!({
                "name": s.name,
                "stack": display(s.file),
                "line": line(s.decl),
                "active": active[i],
                "profiles": s.profiles,
                "image": s.image(),
                "build": s.get("build").is_some(),
            })
        })
        .collect();
    let includes: Vec<Value> = p
        .includes
        .iter()
        .map(|i| {
            json!({
                "from": display(i.from),
                "to": display(i.to),
                "line": line(i.entry),
            })
        })
        .collect();
    Some(json!({
        "name": p.name,
        "root": display(p.file),
        "profiles": p.profiles,
        "files": p.files.iter().map(|f| display(*f)).collect::<Vec<_>>(),
        "includes": includes,
        "services": svc_json,
        "networks": resources("network", &p.networks),
        "volumes": resources("volume", &p.volumes),
        "secrets": resources("secret", &p.secrets),
        "configs": resources("config", &p.configs),
        "edges": edges,
    }))
}

/// The whole document: `{"version": 1, "projects": [...]}`.
pub fn render_json(projects: Vec<Value>) -> Value {
    json!({"version": VERSION, "projects": projects})
}

/// Text for a quoted Mermaid label: quotes and angle brackets as entities.
fn mermaid_text(s: &str) -> String {
    super::printable(s)
        .replace('&', "#amp;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}

/// Text for a quoted Graphviz label.
fn dot_text(s: &str) -> String {
    super::printable(s)
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
}

/// Ids and labels both formats share: per project, its stack files, its services and its
/// resources, numbered in order.
struct Layout<'a> {
    p: usize,
    project: &'a Value,
    files: Vec<String>,
}

impl<'a> Layout<'a> {
    fn new(p: usize, project: &'a Value) -> Layout<'a> {
        let mut files: Vec<String> = Vec::new();
        let mut add = |f: &str| {
            if !files.iter().any(|x| x == f) {
                files.push(f.to_string());
            }
        };
        add(project["root"].as_str().unwrap_or(""));
        for s in arr(&project["services"]) {
            add(s["stack"].as_str().unwrap_or(""));
        }
        for i in arr(&project["includes"]) {
            add(i["from"].as_str().unwrap_or(""));
            add(i["to"].as_str().unwrap_or(""));
        }
        for e in arr(&project["edges"]) {
            if let Some(f) = e["base_file"].as_str() {
                add(f);
            }
        }
        Layout { p, project, files }
    }
    fn file_id(&self, f: &str) -> String {
        let i = self.files.iter().position(|x| x == f).unwrap_or(0);
        format!("p{}f{i}", self.p)
    }
    fn service_id(&self, name: &str) -> Option<String> {
        arr(&self.project["services"])
            .iter()
            .position(|s| s["name"] == name)
            .map(|i| format!("p{}s{i}", self.p))
    }
    fn resource_id(&self, kind: &str, name: &str) -> Option<String> {
        let list = match kind {
            "network" => "networks",
            "volume" => "volumes",
            "secret" => "secrets",
            _ => "configs",
        };
        arr(&self.project[list])
            .iter()
            .position(|r| r["name"] == name)
            .map(|i| format!("p{}{}{i}", self.p, prefix(kind)))
    }
    /// (id, label, kind) of every resource node.
    fn resources(&self) -> Vec<(String, String, &'static str)> {
        let mut out = Vec::new();
        for (list, kind) in [
            ("networks", "network"),
            ("volumes", "volume"),
            ("secrets", "secret"),
            ("configs", "config"),
        ] {
            for (i, r) in arr(&self.project[list]).iter().enumerate() {
                let name = r["name"].as_str().unwrap_or("");
                out.push((
                    format!("p{}{}{i}", self.p, prefix(kind)),
                    format!("{kind}: {name}"),
                    kind,
                ));
            }
        }
        out
    }
    /// (id, name, image or "build") of each service file `f` declares.
    fn services_of(&self, f: &str) -> Vec<(String, String, String)> {
        arr(&self.project["services"])
            .iter()
            .filter(|s| s["stack"].as_str() == Some(f))
            .map(|s| {
                let name = s["name"].as_str().unwrap_or("").to_string();
                let what = match s["image"].as_str() {
                    Some(i) => i.to_string(),
                    None if s["build"] == true => "build".to_string(),
                    None => String::new(),
                };
                (self.service_id(&name).unwrap_or_default(), name, what)
            })
            .collect()
    }
    /// (from id, to id, label, dashed, kind) of every edge.
    fn edges(&self) -> Vec<(String, String, String, bool, &'static str)> {
        let mut out = Vec::new();
        for e in arr(&self.project["edges"]) {
            let kind = e["kind"].as_str().unwrap_or("");
            let Some(from) = self.service_id(e["from"].as_str().unwrap_or("")) else {
                continue;
            };
            let to_name = e["to"].as_str().unwrap_or("");
            let (to, label, dashed) = match kind {
                "depends_on" => {
                    let c = e["condition"].as_str().unwrap_or("service_started");
                    let c = c.strip_prefix("service_").unwrap_or(c);
                    let opt = if e["required"] == false {
                        ", optional"
                    } else {
                        ""
                    };
                    (self.service_id(to_name), format!("{c}{opt}"), false)
                }
                "network" | "volume" | "secret" | "config" => {
                    (self.resource_id(kind, to_name), String::new(), true)
                }
                "extends" => {
                    let base = arr(&self.project["services"]).iter().any(|s| {
                        s["name"] == to_name
                            && Some(s["stack"].as_str()) == Some(e["base_file"].as_str())
                    });
                    // The base is a template (in another file, or not a service that runs):
                    // the edge goes to the file it is in.
                    let to = if base {
                        self.service_id(to_name)
                    } else {
                        Some(self.file_id(e["base_file"].as_str().unwrap_or("")))
                    };
                    (to, format!("extends {to_name}"), true)
                }
                other => (self.service_id(to_name), other.to_string(), true),
            };
            if let Some(to) = to {
                out.push((from, to, label, dashed, kind_of(kind)));
            }
        }
        for i in arr(&self.project["includes"]) {
            out.push((
                self.file_id(i["from"].as_str().unwrap_or("")),
                self.file_id(i["to"].as_str().unwrap_or("")),
                "includes".to_string(),
                true,
                "include",
            ));
        }
        out
    }
}

/// The letter of a resource's node ids (services are `s`, files `f`, their groups `g`).
fn prefix(kind: &str) -> &'static str {
    match kind {
        "network" => "n",
        "volume" => "v",
        "secret" => "k",
        _ => "c",
    }
}

/// An edge kind as a static string (they come from the JSON document).
fn kind_of(kind: &str) -> &'static str {
    [
        "depends_on",
        "network",
        "network_mode",
        "volume",
        "secret",
        "config",
        "link",
        "volumes_from",
        "extends",
    ]
    .into_iter()
    .find(|k| *k == kind)
    .unwrap_or("other")
}

/// Mermaid refuses a diagram of more edges than this (its default `maxEdges`, which GitHub
/// keeps): over it, the least telling kinds are left out, in this order.
const MERMAID_MAX_EDGES: usize = 500;
const MERMAID_DROP_ORDER: [&str; 6] = [
    "network", "secret", "config", "volume", "extends", "include",
];

fn arr(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// A Mermaid flowchart: a subgraph per project, inside it one per stack file.
pub fn render_mermaid(doc: &Value) -> String {
    let projects = arr(&doc["projects"]);
    let layouts: Vec<Layout> = projects
        .iter()
        .enumerate()
        .map(|(p, project)| Layout::new(p, project))
        .collect();
    let mut edges: Vec<Vec<_>> = layouts.iter().map(Layout::edges).collect();
    let mut dropped: Vec<&str> = Vec::new();
    for kind in MERMAID_DROP_ORDER {
        if edges.iter().map(Vec::len).sum::<usize>() <= MERMAID_MAX_EDGES {
            break;
        }
        for list in &mut edges {
            list.retain(|e| e.4 != kind);
        }
        dropped.push(kind);
    }
    let mut out = String::from("flowchart LR\n");
    if !dropped.is_empty() {
        out.push_str(&format!(
            "  %% left out to stay within Mermaid's {MERMAID_MAX_EDGES} edges: {} edges \
             (--format dot or json has them)\n",
            dropped.join(", ")
        ));
    }
    let mut total = 0;
    for ((p, project), l) in projects.iter().enumerate().zip(&layouts) {
        out.push_str(&format!(
            "  subgraph p{p}[\"project {}\"]\n",
            mermaid_text(project["name"].as_str().unwrap_or(""))
        ));
        for (fi, f) in l.files.iter().enumerate() {
            out.push_str(&format!(
                "    subgraph p{p}g{fi}[\"{}\"]\n      p{p}f{fi}[/\"{}\"/]\n",
                mermaid_text(f),
                mermaid_text(f.rsplit('/').next().unwrap_or(f))
            ));
            for (id, name, what) in l.services_of(f) {
                let label = if what.is_empty() {
                    mermaid_text(&name)
                } else {
                    format!(
                        "{}<br/><small>{}</small>",
                        mermaid_text(&name),
                        mermaid_text(&what)
                    )
                };
                out.push_str(&format!("      {id}[\"{label}\"]\n"));
            }
            out.push_str("    end\n");
        }
        for (id, label, kind) in l.resources() {
            if dropped.contains(&kind) {
                continue;
            }
            let label = mermaid_text(&label);
            let shape = match kind {
                "network" => format!("{id}{{{{\"{label}\"}}}}"),
                "volume" => format!("{id}[(\"{label}\")]"),
                _ => format!("{id}>\"{label}\"]"),
            };
            out.push_str(&format!("    {shape}\n"));
        }
        out.push_str("  end\n");
        for (from, to, label, dashed, _) in &edges[p] {
            if total == MERMAID_MAX_EDGES {
                out.push_str("  %% more edges left out: Mermaid draws no more\n");
                break;
            }
            total += 1;
            let arrow = match (dashed, label.is_empty()) {
                (false, true) => " --> ".to_string(),
                (false, false) => format!(" -->|\"{}\"| ", mermaid_text(label)),
                (true, true) => " -.- ".to_string(),
                (true, false) => format!(" -.->|\"{}\"| ", mermaid_text(label)),
            };
            out.push_str(&format!("  {from}{arrow}{to}\n"));
        }
    }
    out
}

/// A Graphviz digraph: a cluster per project, inside it one per stack file.
pub fn render_dot(doc: &Value) -> String {
    let mut out = String::from(
        "digraph hylint {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
    );
    for (p, project) in arr(&doc["projects"]).iter().enumerate() {
        let l = Layout::new(p, project);
        out.push_str(&format!(
            "  subgraph cluster_p{p} {{\n    label=\"project {}\";\n",
            dot_text(project["name"].as_str().unwrap_or(""))
        ));
        for (fi, f) in l.files.iter().enumerate() {
            out.push_str(&format!(
                "    subgraph cluster_p{p}g{fi} {{\n      label=\"{}\";\n      style=rounded;\n      p{p}f{fi} [shape=note, label=\"{}\"];\n",
                dot_text(f),
                dot_text(f.rsplit('/').next().unwrap_or(f))
            ));
            for (id, name, what) in l.services_of(f) {
                let label = if what.is_empty() {
                    dot_text(&name)
                } else {
                    format!("{}\\n{}", dot_text(&name), dot_text(&what))
                };
                out.push_str(&format!("      {id} [shape=box, label=\"{label}\"];\n"));
            }
            out.push_str("    }\n");
        }
        for (id, label, kind) in l.resources() {
            let shape = match kind {
                "network" => "hexagon",
                "volume" => "cylinder",
                _ => "component",
            };
            out.push_str(&format!(
                "    {id} [shape={shape}, label=\"{}\"];\n",
                dot_text(&label)
            ));
        }
        out.push_str("  }\n");
        for (from, to, label, dashed, _) in l.edges() {
            let mut attrs = Vec::new();
            if !label.is_empty() {
                attrs.push(format!("label=\"{}\"", dot_text(&label)));
            }
            if dashed {
                attrs.push("style=dashed".to_string());
            }
            if label.is_empty() {
                attrs.push("arrowhead=none".to_string());
            }
            out.push_str(&format!("  {from} -> {to} [{}];\n", attrs.join(", ")));
        }
    }
    out.push_str("}\n");
    out
}
