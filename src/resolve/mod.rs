//! Loading a compose project the way docker compose does: read and parse files (once each),
//! interpolate, apply `include` (each included file a self-contained project relative to
//! itself), resolve `extends` chains across files, normalise, and apply profiles.

pub mod dotenv;
pub mod interpolate;
pub mod merge;
pub mod normalize;
pub mod problem;
/// Spec parsing (ports, volumes, sizes, durations) is the model's; kept at this path too.
pub use crate::model::specs;
mod workspace;

pub use problem::{LoadKind, LoadProblem};
pub use workspace::{Confinement, FileError, Workspace, MAX_FILE_SIZE};

use crate::model::{ExtendsLink, IncludeEdge, NameMap, Project, Resource, Service};
use crate::source::{resolve_path, FileId, Span};
use crate::yaml::{Entry, Kind, Node};
use foldhash::HashMap as FastMap;
use interpolate::{Env, VarEvent};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `--profile` values; empty means "from COMPOSE_PROFILES, else none".
    pub profiles: Vec<String>,
    /// `--env-file` values; empty means `<project dir>/.env` when it exists.
    pub env_files: Vec<PathBuf>,
    /// The process environment (tests pass a clean one).
    pub environment: HashMap<String, String>,
    /// `--project-name`.
    pub project_name: Option<String>,
    /// Files merged over the root in order, as `docker compose -f root -f a -f b` merges them;
    /// their relative paths resolve against the root's directory, as compose resolves them.
    /// An override that cannot be read is an error of the load (`Loaded::errors`).
    pub overrides: Vec<PathBuf>,
}

/// A variable reference met while interpolating, with where it is written.
#[derive(Clone, Debug)]
pub struct VarUse {
    pub span: Span,
    pub event: VarEvent,
}

/// Everything loading one project produced.
#[derive(Debug)]
pub struct Loaded {
    pub project: Project,
    /// What loading found wrong, in the order found (`rules::resolution::findings` makes
    /// them findings).
    pub problems: Vec<LoadProblem>,
    /// The documents to check against the compose-spec schema (each file as written, before
    /// merging, as compose checks them), with the service each is about; their findings go
    /// before `problems[schema_at..]`.
    pub unvalidated: Vec<(std::sync::Arc<Node>, Option<String>)>,
    pub schema_at: usize,
    pub variables: Vec<VarUse>,
    /// Problems that are not about a position in a compose file (an unreadable env file).
    pub errors: Vec<String>,
}

/// A resolved service: its node and its extends chain.
type Resolved = (Node, Vec<ExtendsLink>);

const RESOURCE_KINDS: [&str; 4] = ["networks", "volumes", "secrets", "configs"];

#[derive(Default)]
struct Model {
    services: NameMap<Service>,
    resources: [NameMap<Resource>; 4],
}

struct Ctx<'a> {
    ws: &'a Workspace,
    envs: Vec<Env>,
    docs: FastMap<(FileId, usize), Option<std::sync::Arc<Node>>>,
    /// Services resolved as extends bases, by (file, service, env): a template many services
    /// extend is resolved once.
    bases: FastMap<(FileId, String, usize), Option<std::sync::Arc<Resolved>>>,
    diags: Vec<LoadProblem>,
    /// Documents interpolated ahead, in parallel, with the project's own environment (id 0):
    /// taken by `doc` on first use, with what interpolating them found.
    ahead: FastMap<FileId, Interpolated>,
    /// Documents to validate against the schema once the project is loaded (in parallel), with
    /// the service whose resolution first needed the document, if any.
    unvalidated: Vec<(std::sync::Arc<Node>, Option<String>)>,
    vars: Vec<VarUse>,
    errors: Vec<String>,
    files: Vec<FileId>,
    includes: Vec<IncludeEdge>,
}

/// `dir/.env` when `files` is empty and it exists, else `files`.
fn env_file_list(dir: &Path, files: Vec<PathBuf>) -> Vec<PathBuf> {
    if !files.is_empty() {
        return files;
    }
    let p = dir.join(".env");
    if p.is_file() {
        vec![p]
    } else {
        vec![]
    }
}

/// Add the variables of env files to `env`; values already there win (the process environment
/// over `.env`, a parent project's variables over an included one's).
fn read_env_files(ws: &Workspace, files: &[PathBuf], env: &mut Env, errors: &mut Vec<String>) {
    for f in files {
        match ws.read_env_file(f) {
            Ok(text) => match dotenv::parse(&text, env) {
                Ok(pairs) => {
                    for (k, v) in pairs {
                        env.vars.entry(k).or_insert(v);
                    }
                }
                Err(e) => errors.push(format!("{}:{}: {}", ws.display(f), e.line, e.message)),
            },
            Err(e) => errors.push(format!("{}: cannot read env file: {e}", ws.display(f))),
        }
    }
}

/// Build the variables a project sees: env files first, the process environment wins.
pub fn project_env(
    ws: &Workspace,
    dir: &Path,
    opts: &LoadOptions,
    errors: &mut Vec<String>,
) -> Env {
    let mut env = Env {
        vars: opts
            .environment
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    let files = env_file_list(dir, opts.env_files.iter().map(|p| ws.cwd.join(p)).collect());
    read_env_files(ws, &files, &mut env, errors);
    env
}

/// The variables compose provides to interpolation when they are not set: `PWD` (the working
/// directory) and `COMPOSE_PROJECT_NAME` (the project's name as far as it is known before
/// interpolating: `--project-name`, then the root file's literal `name:`, then its directory).
fn provided_variables(ws: &Workspace, root: FileId, dir: &Path, opts: &LoadOptions, env: &mut Env) {
    if !env.vars.contains_key("PWD") {
        env.vars
            .insert("PWD".into(), ws.cwd.to_string_lossy().into_owned());
    }
    if env.vars.contains_key("COMPOSE_PROJECT_NAME") {
        return;
    }
    let written = || {
        let parsed = ws.parsed(root);
        let name = parsed.docs.first()?.get("name")?.scalar_string()?;
        (!name.is_empty() && !name.contains('$')).then_some(name)
    };
    let name = opts
        .project_name
        .clone()
        .or_else(written)
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()));
    if let Some(name) = name {
        env.vars
            .insert("COMPOSE_PROJECT_NAME".into(), normalize_project_name(&name));
    }
}

/// docker compose's project-name normalisation.
pub fn normalize_project_name(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect::<String>()
        .trim_start_matches(['_', '-'])
        .to_string()
}

pub fn load_project(ws: &Workspace, root: FileId, opts: &LoadOptions) -> Loaded {
    load_project_ahead(ws, root, opts, &[])
}

/// `load_project`, interpolating `ahead` (files the project is expected to load, already
/// parsed) in parallel with the project's environment before the loader walks them in order.
/// The outcome is the same; a file the loader reads with another environment (an include's
/// `env_file` or `.env`) is interpolated again then.
pub fn load_project_ahead(
    ws: &Workspace,
    root: FileId,
    opts: &LoadOptions,
    ahead: &[FileId],
) -> Loaded {
    let file = ws.file(root);
    let dir = file.dir().to_path_buf();
    let mut errors = Vec::new();
    let overrides: Vec<FileId> = opts
        .overrides
        .iter()
        .filter_map(|p| match ws.load(p) {
            Ok(id) => Some(id),
            Err(e) => {
                errors.push(format!("{}: {e}", ws.display(p)));
                None
            }
        })
        .collect();
    let mut env = project_env(ws, &dir, opts, &mut errors);
    provided_variables(ws, root, &dir, opts, &mut env);
    let mut profiles = opts.profiles.clone();
    if profiles.is_empty() {
        if let Some(p) = env.get("COMPOSE_PROFILES") {
            profiles = p
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
    }
    let ahead: FastMap<FileId, Interpolated> = {
        use rayon::prelude::*;
        ahead
            .par_iter()
            .map(|id| (*id, interpolated(ws, *id, &env)))
            .collect()
    };
    let mut ctx = Ctx {
        ws,
        ahead,
        envs: vec![env],
        docs: FastMap::default(),
        bases: FastMap::default(),
        diags: Vec::new(),
        unvalidated: Vec::new(),
        vars: Vec::new(),
        errors,
        files: Vec::new(),
        includes: Vec::new(),
    };
    if let Some(d) = empty_root(&ws.file(root), &ws.parsed(root)) {
        ctx.diags.push(d);
    }
    let mut stack = vec![root];
    let mut model = ctx.load_model(root, &dir, 0, &mut stack);
    for &over in &overrides {
        ctx.merge_override(&mut model, over, &dir);
    }
    ctx.finalize_level(&mut model, 0, &dir);
    let schema_at = ctx.diags.len();
    // The top level as compose reads it: the root with each override merged over it.
    let mut root_doc = ctx.doc(root, 0);
    for &over in &overrides {
        if let (Some(base), Some(o)) = (&root_doc, ctx.doc(over, 0)) {
            root_doc = Some(std::sync::Arc::new(merge::merge_documents(base, &o)));
        }
    }
    let doc_name = root_doc
        .as_ref()
        .and_then(|d| d.get("name").and_then(|n| n.scalar_string()));
    let extensions = root_doc
        .as_ref()
        .and_then(|d| d.as_map())
        .map(|m| {
            m.iter()
                .filter(|e| e.key_str().starts_with("x-"))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let name = opts
        .project_name
        .clone()
        .or(doc_name.filter(|n| !n.is_empty()))
        .or_else(|| ctx.envs[0].get("COMPOSE_PROJECT_NAME").map(str::to_string))
        .unwrap_or_else(|| {
            dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
    let [networks, volumes, secrets, configs] = model.resources;
    let project = Project {
        name: normalize_project_name(&name),
        file: root,
        dir,
        services: model.services,
        networks,
        volumes,
        secrets,
        configs,
        includes: ctx.includes,
        files: ctx.files,
        env: ctx.envs.swap_remove(0),
        profiles,
        extensions,
    };
    Loaded {
        project,
        problems: ctx.diags,
        unvalidated: std::mem::take(&mut ctx.unvalidated),
        schema_at,
        variables: ctx.vars,
        errors: ctx.errors,
    }
}

/// A file's documents merged into one and interpolated with one environment, with the
/// variables used and the problems met on the way (in order).
struct Interpolated {
    doc: Option<Node>,
    vars: Vec<VarUse>,
    diags: Vec<LoadProblem>,
}

fn interpolated(ws: &Workspace, file: FileId, env: &Env) -> Interpolated {
    let parsed = ws.parsed(file);
    let mut vars = Vec::new();
    let mut diags = Vec::new();
    let doc = if parsed.has_syntax_error() || parsed.docs.is_empty() {
        None
    } else {
        let mut it = parsed.docs.iter().filter(|d| !d.is_null());
        match it.next() {
            None => None,
            Some(first) if !first.is_map() => None,
            Some(first) => {
                let text = ws.file(file);
                let mut interpolate = |d: &Node| {
                    interpolated_change(d, &mut Vec::new(), env, &text.text, &mut vars, &mut diags)
                        .unwrap_or_else(|| d.clone())
                };
                let rest: Vec<&Node> = it.filter(|o| o.is_map()).collect();
                if rest.is_empty() {
                    Some(interpolate(first))
                } else {
                    let mut d = first.clone();
                    for other in rest {
                        d = merge::merge_documents(&d, other);
                    }
                    Some(interpolate(&d))
                }
            }
        }
    };
    let doc = doc.map(|mut d| {
        enforce_unicity(&mut d);
        d
    });
    Interpolated { doc, vars, diags }
}

/// compose-go's `EnforceUnicity`, which it applies to each file before validating it: in the
/// lists it indexes, a later item with the key of an earlier one takes the earlier one's
/// place. So `expose: [80, 80]` loads as one entry, while a repeated `security_opt` (not
/// indexed) is refused by the schema.
fn enforce_unicity(doc: &mut Node) {
    fn scalar_key(n: &Node) -> Option<String> {
        crate::yaml::go_string(n.typed())
    }
    /// compose-go's keyValueIndexer: `KEY=value` items by their key.
    fn key_value_key(n: &Node) -> Option<String> {
        let s = scalar_key(n)?;
        Some(match s.split_once('=') {
            Some((k, _)) => k.to_string(),
            None => s,
        })
    }
    fn port_key(n: &Node) -> Option<String> {
        match &n.kind {
            Kind::Map(_) => {
                let f = |k: &str| n.get(k).and_then(scalar_key).unwrap_or_default();
                Some(format!(
                    "{}:{}:{}:{}",
                    f("host_ip"),
                    f("published"),
                    f("target"),
                    f("protocol")
                ))
            }
            _ => scalar_key(n),
        }
    }
    fn volume_key(n: &Node) -> Option<String> {
        match &n.kind {
            Kind::Map(_) => n.get("target").and_then(scalar_key),
            _ => specs::parse_volume(n.as_str()?).ok().map(|v| v.target),
        }
    }
    fn mount_key(prefix: &'static str) -> impl Fn(&Node) -> Option<String> {
        move |n: &Node| match &n.kind {
            Kind::Map(_) => n.get("target").and_then(scalar_key).or_else(|| {
                Some(format!(
                    "{prefix}/{}",
                    n.get("source").and_then(scalar_key)?
                ))
            }),
            _ => Some(format!("{prefix}/{}", scalar_key(n)?)),
        }
    }
    /// The list without the items a later one replaces; `None` when nothing repeats.
    fn dedup(list: &Node, key: &dyn Fn(&Node) -> Option<String>) -> Option<Node> {
        let Kind::Seq(items) = &list.kind else {
            return None;
        };
        let keys: Vec<Option<String>> = items.iter().map(key).collect();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut out: Vec<Node> = Vec::with_capacity(items.len());
        for (item, k) in items.iter().zip(&keys) {
            match k.as_deref().and_then(|k| seen.get(k).copied()) {
                Some(at) => out[at] = item.clone(),
                None => {
                    if let Some(k) = k {
                        seen.insert(k, out.len());
                    }
                    out.push(item.clone());
                }
            }
        }
        (out.len() != items.len()).then(|| list.with_kind(Kind::seq(out)))
    }
    // Found first, changed after: most files repeat nothing, and changing a node copies the
    // collections above it.
    let mut changes: Vec<(usize, usize, Node)> = Vec::new();
    let services = doc.get("services").and_then(|s| s.as_map()).unwrap_or(&[]);
    for (si, svc) in services.iter().enumerate() {
        for (fi, f) in svc.value.as_map().unwrap_or(&[]).iter().enumerate() {
            let key: &dyn Fn(&Node) -> Option<String> = match f.key_str() {
                "expose" => &scalar_key,
                "cap_add" | "cap_drop" | "dns" | "dns_opt" | "dns_search" | "links"
                | "profiles" | "tmpfs" | "environment" | "labels" | "annotations" | "sysctls" => {
                    &key_value_key
                }
                "ports" => &port_key,
                "volumes" => &volume_key,
                "secrets" => &mount_key("/run/secrets"),
                "configs" => &mount_key(""),
                _ => continue,
            };
            if let Some(list) = dedup(&f.value, key) {
                changes.push((si, fi, list));
            }
        }
    }
    if changes.is_empty() {
        return;
    }
    let services = doc
        .get_mut("services")
        .and_then(|s| s.as_map_mut())
        .expect("services found above");
    for (si, fi, list) in changes {
        if let Some(fields) = services[si].value.as_map_mut() {
            fields[fi].value = list;
        }
    }
}

impl Ctx<'_> {
    /// The file's documents merged into one and interpolated with env `env_id`; `None` when the
    /// file cannot be used (its own diagnostics say why).
    fn doc(&mut self, file: FileId, env_id: usize) -> Option<std::sync::Arc<Node>> {
        if let Some(d) = self.docs.get(&(file, env_id)) {
            return d.clone();
        }
        if !self.files.contains(&file) {
            self.files.push(file);
        }
        let ready = if env_id == 0 {
            self.ahead.remove(&file)
        } else {
            None
        };
        let done = ready.unwrap_or_else(|| interpolated(self.ws, file, &self.envs[env_id]));
        self.vars.extend(done.vars);
        self.diags.extend(done.diags);
        let doc = done.doc.map(std::sync::Arc::new);
        if let Some(d) = &doc {
            // Compose validates each file, interpolated, against its schema.
            self.unvalidated.push((d.clone(), None));
        }
        self.docs.insert((file, env_id), doc.clone());
        doc
    }

    fn load_model(
        &mut self,
        file: FileId,
        dir: &Path,
        env_id: usize,
        stack: &mut Vec<FileId>,
    ) -> Model {
        let mut model = Model::default();
        let Some(doc) = self.doc(file, env_id) else {
            return model;
        };
        if let Some(inc) = doc.get("include") {
            self.apply_includes(inc, file, dir, env_id, stack, &mut model);
        }
        for (ki, kind) in RESOURCE_KINDS.iter().enumerate() {
            let Some(entries) = doc.get(kind).and_then(|n| n.as_map()) else {
                continue;
            };
            for e in entries {
                let node = resource_node(&e.value, ki, dir);
                let res = Resource {
                    name: e.key_str().to_string(),
                    node,
                    decl: e.key.span,
                    file,
                    included_via: vec![],
                };
                self.insert_checked(&mut model.resources[ki], kind, res, |r| &r.node, |r| r.decl);
            }
        }
        if let Some(services) = doc.get("services").and_then(|n| n.as_map()) {
            for e in services {
                let Some(svc) = self.service(file, dir, e, env_id) else {
                    continue;
                };
                self.insert_checked(
                    &mut model.services,
                    "services",
                    svc,
                    |s| &s.node,
                    |s| s.decl,
                );
            }
        }
        // The root's services wait for the override files (`load_project_ahead`).
        if stack.len() > 1 {
            self.finalize_level(&mut model, env_id, dir);
        }
        model
    }

    /// The service declared by `e` in `file`: resolved (normalised, `extends` merged), or
    /// `None` when it cannot be. Problems met on the way are about that service.
    fn service(&mut self, file: FileId, dir: &Path, e: &Entry, env_id: usize) -> Option<Service> {
        let mut chain = vec![(file, e.key_str().to_string())];
        let before = self.diags.len();
        let before_docs = self.unvalidated.len();
        let resolved = self.resolve_service(file, dir, &e.value, env_id, &mut chain);
        for d in &mut self.diags[before..] {
            d.service.get_or_insert_with(|| e.key_str().to_string());
        }
        for (_, s) in &mut self.unvalidated[before_docs..] {
            s.get_or_insert_with(|| e.key_str().to_string());
        }
        let (node, extends) = resolved?;
        Some(Service {
            name: e.key_str().to_string(),
            profiles: profiles_of(&node),
            node,
            decl: e.key.span,
            body: e.value.site(),
            file,
            extends,
            included_via: vec![],
        })
    }

    /// Finalise the services a level of the project declares itself (those it includes were
    /// finalised by their own load).
    fn finalize_level(&mut self, model: &mut Model, env_id: usize, dir: &Path) {
        for s in model
            .services
            .values_mut()
            .filter(|s| s.included_via.is_empty())
        {
            self.finalize_service(&mut s.node, env_id, &s.name, dir);
        }
    }

    /// Merge the file `over` onto the root project's `model`, as compose merges `-f` files:
    /// services by name (compose's override rules), resources by key. The root's services are
    /// finalised once every override is merged (`load_project_ahead`).
    fn merge_override(&mut self, model: &mut Model, over: FileId, dir: &Path) {
        let Some(doc) = self.doc(over, 0) else {
            return;
        };
        for (ki, kind) in RESOURCE_KINDS.iter().enumerate() {
            let Some(entries) = doc.get(kind).and_then(|n| n.as_map()) else {
                continue;
            };
            for e in entries {
                if e.value.tag() == Some(&crate::yaml::Tag::Reset) {
                    model.resources[ki].shift_remove(e.key_str());
                    continue;
                }
                let node = resource_node(&e.value, ki, dir);
                match model.resources[ki].get_mut(e.key_str()) {
                    Some(r) => r.node = merge::merge_documents(&r.node, &node),
                    None => {
                        let res = Resource {
                            name: e.key_str().to_string(),
                            node,
                            decl: e.key.span,
                            file: over,
                            included_via: vec![],
                        };
                        model.resources[ki].insert(res.name.clone(), res);
                    }
                }
            }
        }
        if let Some(services) = doc.get("services").and_then(|n| n.as_map()) {
            for e in services {
                if e.value.tag() == Some(&crate::yaml::Tag::Reset) {
                    model.services.shift_remove(e.key_str());
                    continue;
                }
                let Some(svc) = self.service(over, dir, e, 0) else {
                    continue;
                };
                match model.services.get_mut(&svc.name) {
                    Some(s) => {
                        s.node = merge::merge_service(&s.node, &svc.node);
                        s.profiles = profiles_of(&s.node);
                        s.extends.extend(svc.extends);
                    }
                    None => {
                        model.services.insert(svc.name.clone(), svc);
                    }
                }
            }
        }
    }

    /// Insert a definition; one that differs from an imported definition of the same name is
    /// what compose rejects as "conflicts with imported resource".
    fn insert_checked<T>(
        &mut self,
        map: &mut NameMap<T>,
        kind: &str,
        item: T,
        node: impl Fn(&T) -> &Node,
        decl: impl Fn(&T) -> Span,
    ) where
        T: Named,
    {
        let name = item.name().to_string();
        if let Some(existing) = map.get(&name) {
            if !node(existing).same_value(node(&item)) {
                let mut d = LoadProblem::new(
                    LoadKind::IncludeConflict {
                        section: kind.to_string(),
                        name: name.clone(),
                        imported: decl(existing),
                    },
                    decl(&item),
                );
                if kind == "services" {
                    d = d.with_service(name.clone());
                }
                self.diags.push(d);
            }
            return;
        }
        map.insert(name, item);
    }

    fn apply_includes(
        &mut self,
        inc: &Node,
        file: FileId,
        dir: &Path,
        env_id: usize,
        stack: &mut Vec<FileId>,
        model: &mut Model,
    ) {
        let Some(items) = inc.as_seq() else { return };
        for item in items {
            // Short form: a path; long form: {path: str | [str], project_directory, env_file}.
            let (paths, project_dir, env_files): (Vec<&Node>, Option<&Node>, Vec<&Node>) =
                match &item.kind {
                    Kind::Scalar(_) => (vec![item], None, vec![]),
                    Kind::Map(_) => {
                        let paths = match item.get("path") {
                            Some(p) if p.is_seq() => p.as_seq().unwrap_or(&[]).iter().collect(),
                            Some(p) => vec![p],
                            None => vec![],
                        };
                        let envs = match item.get("env_file") {
                            Some(p) if p.is_seq() => p.as_seq().unwrap_or(&[]).iter().collect(),
                            Some(p) => vec![p],
                            None => vec![],
                        };
                        (paths, item.get("project_directory"), envs)
                    }
                    Kind::Seq(_) => continue,
                };
            for p in paths {
                let Some(rel) = p.as_str() else { continue };
                let abs = resolve_path(dir, rel);
                let id = match self.ws.load(&abs) {
                    Ok(id) => id,
                    Err(e) => {
                        self.diags.push(LoadProblem::new(
                            LoadKind::IncludeUnreadable {
                                path: self.ws.display(&abs),
                                error: e.to_string(),
                            },
                            p.site(),
                        ));
                        continue;
                    }
                };
                self.includes.push(IncludeEdge {
                    from: file,
                    entry: p.site(),
                    to: id,
                });
                if stack.contains(&id) {
                    let chain: Vec<String> = stack
                        .iter()
                        .chain(std::iter::once(&id))
                        .map(|f| self.ws.file(*f).display.clone())
                        .collect();
                    self.diags
                        .push(LoadProblem::new(LoadKind::IncludeCycle { chain }, p.site()));
                    continue;
                }
                let sub_dir = match project_dir.and_then(|d| d.as_str()) {
                    Some(d) => resolve_path(dir, d),
                    None => abs.parent().unwrap_or(dir).to_path_buf(),
                };
                // The included project sees the parent's variables plus its own env files;
                // the parent's values win.
                let env_paths = env_file_list(
                    &sub_dir,
                    env_files
                        .iter()
                        .filter_map(|n| n.as_str())
                        .map(|s| resolve_path(dir, s))
                        .collect(),
                );
                let sub_env_id = if env_paths.is_empty() {
                    env_id
                } else {
                    let mut env = self.envs[env_id].clone();
                    read_env_files(self.ws, &env_paths, &mut env, &mut self.errors);
                    self.envs.push(env);
                    self.envs.len() - 1
                };
                stack.push(id);
                let sub = self.load_model(id, &sub_dir, sub_env_id, stack);
                stack.pop();
                let entry_span = p.site();
                for mut s in sub.services.into_values() {
                    s.included_via.insert(0, entry_span);
                    self.insert_checked(
                        &mut model.services,
                        "services",
                        s,
                        |s| &s.node,
                        |s| s.decl,
                    );
                }
                for (ki, res) in sub.resources.into_iter().enumerate() {
                    for mut rsc in res.into_values() {
                        rsc.included_via.insert(0, entry_span);
                        self.insert_checked(
                            &mut model.resources[ki],
                            RESOURCE_KINDS[ki],
                            rsc,
                            |r| &r.node,
                            |r| r.decl,
                        );
                    }
                }
            }
        }
    }

    /// Resolve one service: normalise it and merge its `extends` chain.
    fn resolve_service(
        &mut self,
        file: FileId,
        dir: &Path,
        raw: &Node,
        env_id: usize,
        chain: &mut Vec<(FileId, String)>,
    ) -> Option<(Node, Vec<ExtendsLink>)> {
        let mut node = if raw.is_null() {
            Node::map(vec![], raw.span)
        } else {
            raw.clone()
        };
        if !node.is_map() {
            return None; // the schema check reports it
        }
        let ext = node.as_map_mut().and_then(|m| {
            let pos = m.iter().position(|e| e.key_str() == "extends")?;
            Some(m.remove(pos))
        });
        let mut problems = Vec::new();
        normalize::normalize_service(&mut node, dir, &self.envs[env_id], &mut problems);
        for p in problems {
            self.diags.push(LoadProblem::new(
                LoadKind::Invalid { detail: p.message },
                p.span,
            ));
        }
        let Some(ext) = ext else {
            return Some((node, vec![]));
        };
        let Some((base_name, base_file, base_dir)) = self.extends_target(&ext, file, dir) else {
            return Some((node, vec![]));
        };
        let ext_span = ext.value.site();
        if let Some(i) = chain
            .iter()
            .position(|(f, s)| *f == base_file && *s == base_name)
        {
            let names: Vec<String> = chain[i..]
                .iter()
                .map(|(_, s)| s.clone())
                .chain(std::iter::once(base_name.clone()))
                .collect();
            self.diags.push(LoadProblem::new(
                LoadKind::ExtendsCycle { chain: names },
                ext_span,
            ));
            return Some((node, vec![]));
        }
        let Some(base_doc) = self.doc(base_file, env_id) else {
            return Some((node, vec![]));
        };
        // Borrowed from this call's handle on the base document, not cloned.
        let Some(base_entry) = base_doc.get("services").and_then(|s| s.entry(&base_name)) else {
            let at = ext
                .value
                .get("service")
                .map(|s| s.site())
                .unwrap_or(ext_span);
            self.diags.push(LoadProblem::new(
                LoadKind::ExtendsMissingService {
                    service: base_name.clone(),
                    file: self.ws.file(base_file).display.clone(),
                },
                at,
            ));
            return Some((node, vec![]));
        };
        let key = (base_file, base_name.clone(), env_id);
        let base = match self.bases.get(&key) {
            Some(b) => b.clone(),
            None => {
                chain.push((base_file, base_name.clone()));
                let b = self
                    .resolve_service(base_file, &base_dir, &base_entry.value, env_id, chain)
                    .map(std::sync::Arc::new);
                chain.pop();
                self.bases.insert(key, b.clone());
                b
            }
        };
        let Some(base) = base else {
            return Some((node, vec![]));
        };
        let merged = merge::merge_service(&base.0, &node);
        let mut links = base.1.clone();
        links.insert(
            0,
            ExtendsLink {
                at: ext_span,
                base_file,
                base_service: base_name,
                base_decl: base_entry.key.span,
            },
        );
        Some((merged, links))
    }

    /// What compose does to a service once its `extends` chain is merged: the variables of its
    /// `env_file`s join `environment` (values written there win), `links`, `network_mode:
    /// service:` and `volumes_from` imply a `depends_on`, and `scale` is the replica count.
    fn finalize_service(&mut self, node: &mut Node, env_id: usize, service: &str, dir: &Path) {
        normalize::build_defaults(node, dir);
        self.distinct_limits(node, service);
        self.merge_env_files(node, env_id, service);
        // (service, where it is named, whether a restart of it restarts this one)
        let mut implied: Vec<(String, crate::source::Span, bool)> = Vec::new();
        if let Some(links) = node.get("links").and_then(|l| l.as_seq()) {
            for l in links {
                if let Some(s) = l.as_str() {
                    let name = match s.split_once(':') {
                        Some((n, _)) => n,
                        None => s,
                    };
                    implied.push((name.to_string(), l.span, true));
                }
            }
        }
        if let Some(m) = node.get("network_mode") {
            if let Some(name) = m.as_str().and_then(|s| s.strip_prefix("service:")) {
                implied.push((name.to_string(), m.span, true));
            }
        }
        if let Some(vf) = node.get("volumes_from").and_then(|l| l.as_seq()) {
            for v in vf {
                if let Some(s) = v.as_str().filter(|s| !s.starts_with("container:")) {
                    let name = s.split(':').next().unwrap_or(s);
                    implied.push((name.to_string(), v.span, false));
                }
            }
        }
        if !implied.is_empty() {
            let span = node.span;
            let map = node.as_map_mut().expect("a service is a mapping");
            let deps = normalize::value_or_empty_map(map, "depends_on", span);
            if let Some(deps) = deps.as_map_mut() {
                for (name, sp, restart) in implied {
                    if deps.iter().any(|d| d.key_str() == name) {
                        continue;
                    }
                    let mut fields = vec![normalize::entry(
                        "condition",
                        normalize::string("service_started", sp),
                    )];
                    if restart {
                        fields.push(normalize::entry("restart", Node::scalar("true", sp)));
                    }
                    fields.push(normalize::entry("required", Node::scalar("true", sp)));
                    deps.push(normalize::entry(&name, Node::map(fields, sp)));
                }
            }
        }
        if let Some(scale) = node.get("scale").filter(|s| !s.is_null()).cloned() {
            let map = node.as_map_mut().expect("a service is a mapping");
            // Only a `deploy` that is written takes the count.
            if let Some(d) = map
                .iter_mut()
                .find(|e| e.key_str() == "deploy")
                .and_then(|e| e.value.as_map_mut())
            {
                if !d.iter().any(|e| e.key_str() == "replicas") {
                    d.push(normalize::entry("replicas", scale));
                }
            }
        }
    }

    /// A service-level limit and its `deploy.resources` twin set to different values: compose
    /// refuses the project ("can't set distinct values on 'mem_limit' and ...").
    fn distinct_limits(&mut self, node: &Node, service: &str) {
        #[derive(PartialEq)]
        enum Amount {
            Bytes(i64),
            Number(f64),
        }
        let amount = |n: &Node, bytes: bool| -> Option<Amount> {
            let s = n.scalar_string()?;
            if bytes {
                specs::parse_bytes(&s).ok().map(Amount::Bytes)
            } else {
                s.trim().parse::<f64>().ok().map(Amount::Number)
            }
        };
        let pairs: [(&str, &[&str], bool); 4] = [
            ("mem_limit", &["limits", "memory"], true),
            ("cpus", &["limits", "cpus"], false),
            ("mem_reservation", &["reservations", "memory"], true),
            ("pids_limit", &["limits", "pids"], false),
        ];
        for (key, twin, bytes) in pairs {
            let Some(own) = node.get(key) else { continue };
            let deployed = node
                .get("deploy")
                .and_then(|d| d.get("resources"))
                .and_then(|r| r.get(twin[0]))
                .and_then(|l| l.get(twin[1]));
            let Some(deployed) = deployed else { continue };
            let (a, b) = (amount(own, bytes), amount(deployed, bytes));
            if a.is_some() && b.is_some() && a != b {
                let twin_path = format!("deploy.resources.{}.{}", twin[0], twin[1]);
                self.diags.push(
                    LoadProblem::new(
                        LoadKind::LimitsDiffer {
                            service: service.to_string(),
                            key: key.to_string(),
                            twin: twin_path,
                            other: deployed.site(),
                        },
                        own.site(),
                    )
                    .with_service(service.to_string()),
                );
            }
        }
    }

    /// `env_file` variables into `environment`, as compose merges them: files in order, a later
    /// file winning over an earlier one and `environment` over all. A `${VAR}` in a file is
    /// looked up, as compose looks it up, in the project's variables, then the service's
    /// `environment`, then the files before it, then the file's own earlier lines.
    fn merge_env_files(&mut self, node: &mut Node, env_id: usize, service: &str) {
        let Some(files) = node.get("env_file").and_then(|f| f.as_seq()) else {
            return;
        };
        let mut from_files: Vec<(String, String, crate::source::Span)> = Vec::new();
        let mut scope: Option<interpolate::Env> = None;
        for f in files {
            let Some(pnode) = f.get("path") else { continue };
            let Some(path) = pnode.as_str() else { continue };
            let required = !matches!(
                f.get("required").map(|r| r.typed()),
                Some(crate::yaml::Typed::Bool(false))
            );
            let shown = self.ws.display(Path::new(path));
            let text = match self.ws.read_env_file(Path::new(path)) {
                Ok(t) => t,
                Err(FileError::NotFound) if !required => continue,
                Err(e) => {
                    let what = (e != FileError::NotFound).then(|| e.to_string());
                    self.diags.push(
                        LoadProblem::new(
                            LoadKind::EnvFileUnreadable {
                                path: shown,
                                error: what,
                            },
                            pnode.site(),
                        )
                        .with_service(service.to_string()),
                    );
                    continue;
                }
            };
            let scope = scope.get_or_insert_with(|| {
                let mut scope = self.envs[env_id].clone();
                for e in node
                    .get("environment")
                    .and_then(|e| e.as_map())
                    .unwrap_or(&[])
                {
                    if let Some(v) = e.value.as_str().filter(|_| !e.value.is_null()) {
                        scope
                            .vars
                            .entry(e.key_str().to_string())
                            .or_insert_with(|| v.to_string());
                    }
                }
                scope
            });
            match dotenv::parse(&text, scope) {
                Ok(pairs) => {
                    for (k, v) in pairs {
                        scope.vars.entry(k.clone()).or_insert_with(|| v.clone());
                        match from_files.iter_mut().find(|(fk, _, _)| *fk == k) {
                            Some(slot) => slot.1 = v,
                            None => from_files.push((k, v, pnode.span)),
                        }
                    }
                }
                Err(e) => self.diags.push(
                    LoadProblem::new(
                        LoadKind::EnvFileSyntax {
                            path: shown,
                            line: e.line,
                            detail: e.message,
                        },
                        pnode.site(),
                    )
                    .with_service(service.to_string()),
                ),
            }
        }
        if from_files.is_empty() {
            return;
        }
        let span = node.span;
        let map = node.as_map_mut().expect("a service is a mapping");
        let Some(env) = normalize::value_or_empty_map(map, "environment", span).as_map_mut() else {
            return;
        };
        let mut added: Vec<Entry> = from_files
            .into_iter()
            .filter(|(k, _, _)| !env.iter().any(|e| e.key_str() == k))
            .map(|(k, v, sp)| normalize::entry(&k, normalize::string(v, sp)))
            .collect();
        added.append(env);
        *env = added;
    }

    /// (service, file, directory for relative paths) named by an `extends` entry.
    fn extends_target(
        &mut self,
        ext: &Entry,
        file: FileId,
        dir: &Path,
    ) -> Option<(String, FileId, PathBuf)> {
        let v = &ext.value;
        let (service, rel) = match &v.kind {
            Kind::Scalar(s) => (s.to_string(), None),
            Kind::Map(_) => (
                v.get("service")?.as_str()?.to_string(),
                v.get("file")
                    .and_then(|f| f.as_str())
                    .map(|f| (f, v.get("file").unwrap())),
            ),
            Kind::Seq(_) => return None,
        };
        let Some((rel, fnode)) = rel else {
            return Some((service, file, dir.to_path_buf()));
        };
        // Relative to the file that declares the extends.
        let decl_dir = self.ws.file(file).dir().to_path_buf();
        let abs = resolve_path(&decl_dir, rel);
        match self.ws.load(&abs) {
            Ok(id) => {
                let d = abs.parent().unwrap_or(&decl_dir).to_path_buf();
                Some((service, id, d))
            }
            Err(e) => {
                self.diags.push(LoadProblem::new(
                    LoadKind::ExtendsUnreadable {
                        path: self.ws.display(&abs),
                        error: e.to_string(),
                    },
                    fnode.site(),
                ));
                None
            }
        }
    }
}

/// A top-level network, volume, secret or config (by `RESOURCE_KINDS` index) as the model holds
/// it: a null declaration is an empty mapping; labels and options normalised; secret and config
/// files made absolute against `dir`.
fn resource_node(value: &Node, kind: usize, dir: &Path) -> Node {
    let mut node = if value.is_null() {
        Node::map(vec![], value.span)
    } else {
        value.clone()
    };
    normalize::normalize_resource(&mut node);
    if kind >= 2 {
        normalize::normalize_file_resource(&mut node, dir);
    }
    node
}

/// A service's `profiles`, as written.
fn profiles_of(node: &Node) -> Vec<String> {
    node.get("profiles")
        .and_then(|p| p.as_seq())
        .map(|s| s.iter().filter_map(|p| p.scalar_string()).collect())
        .unwrap_or_default()
}

trait Named {
    fn name(&self) -> &str;
}
impl Named for Service {
    fn name(&self) -> &str {
        &self.name
    }
}
impl Named for Resource {
    fn name(&self) -> &str {
        &self.name
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cast {
    Bool,
    Int,
    Float,
}

/// Fields whose interpolated values compose casts from string (compose-go's
/// interpolateTypeCastMapping); every other interpolated value is a string.
const CASTS: &[(&[&str], Cast)] = &[
    (&["services", "*", "configs", "[]", "mode"], Cast::Int),
    (&["services", "*", "secrets", "[]", "mode"], Cast::Int),
    (&["services", "*", "cpu_count"], Cast::Int),
    (&["services", "*", "cpu_percent"], Cast::Float),
    (&["services", "*", "cpu_period"], Cast::Int),
    (&["services", "*", "cpu_quota"], Cast::Int),
    (&["services", "*", "cpu_rt_period"], Cast::Int),
    (&["services", "*", "cpu_rt_runtime"], Cast::Int),
    (&["services", "*", "cpus"], Cast::Float),
    (&["services", "*", "cpu_shares"], Cast::Int),
    (&["services", "*", "init"], Cast::Bool),
    (&["services", "*", "deploy", "replicas"], Cast::Int),
    (
        &["services", "*", "deploy", "update_config", "parallelism"],
        Cast::Int,
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "update_config",
            "max_failure_ratio",
        ],
        Cast::Float,
    ),
    (
        &["services", "*", "deploy", "rollback_config", "parallelism"],
        Cast::Int,
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "rollback_config",
            "max_failure_ratio",
        ],
        Cast::Float,
    ),
    (
        &["services", "*", "deploy", "restart_policy", "max_attempts"],
        Cast::Int,
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "placement",
            "max_replicas_per_node",
        ],
        Cast::Int,
    ),
    (&["services", "*", "healthcheck", "retries"], Cast::Int),
    (&["services", "*", "healthcheck", "disable"], Cast::Bool),
    (&["services", "*", "oom_kill_disable"], Cast::Bool),
    (&["services", "*", "oom_score_adj"], Cast::Int),
    (&["services", "*", "pids_limit"], Cast::Int),
    (&["services", "*", "ports", "[]", "target"], Cast::Int),
    (&["services", "*", "privileged"], Cast::Bool),
    (&["services", "*", "read_only"], Cast::Bool),
    (&["services", "*", "scale"], Cast::Int),
    (&["services", "*", "stdin_open"], Cast::Bool),
    (&["services", "*", "tty"], Cast::Bool),
    (&["services", "*", "ulimits", "*"], Cast::Int),
    (&["services", "*", "ulimits", "*", "hard"], Cast::Int),
    (&["services", "*", "ulimits", "*", "soft"], Cast::Int),
    (&["services", "*", "volumes", "[]", "read_only"], Cast::Bool),
    (
        &["services", "*", "volumes", "[]", "volume", "nocopy"],
        Cast::Bool,
    ),
    (&["networks", "*", "external"], Cast::Bool),
    (&["networks", "*", "internal"], Cast::Bool),
    (&["networks", "*", "attachable"], Cast::Bool),
    (&["networks", "*", "enable_ipv6"], Cast::Bool),
    (&["volumes", "*", "external"], Cast::Bool),
    (&["secrets", "*", "external"], Cast::Bool),
    (&["configs", "*", "external"], Cast::Bool),
];

/// Whether a value at `path`, or under it, is one compose casts. The loader asks for every key
/// of every service: the last key is looked up first among the keys the patterns have at its
/// depth, which rejects most at once.
fn cast_may_apply(path: &[&str]) -> bool {
    static AT_DEPTH: std::sync::OnceLock<Vec<(bool, Vec<&'static str>)>> =
        std::sync::OnceLock::new();
    let at_depth = AT_DEPTH.get_or_init(|| {
        let deepest = CASTS.iter().map(|(p, _)| p.len()).max().unwrap_or(0);
        (0..deepest)
            .map(|d| {
                let mut keys: Vec<&'static str> = CASTS
                    .iter()
                    .filter_map(|(p, _)| p.get(d).copied())
                    .collect();
                keys.sort_unstable();
                keys.dedup();
                (keys.contains(&"*"), keys)
            })
            .collect()
    });
    let Some(last) = path.last() else {
        return true;
    };
    match at_depth.get(path.len() - 1) {
        None => return false,
        Some((any, keys)) if !(*any && *last != "[]") && keys.binary_search(last).is_err() => {
            return false
        }
        _ => {}
    }
    CASTS.iter().any(|(pat, _)| {
        pat.len() >= path.len()
            && pat
                .iter()
                .zip(path)
                .all(|(p, s)| *p == "*" && *s != "[]" || p == s)
    })
}

fn cast_for(path: &[&str]) -> Option<Cast> {
    CASTS.iter().find_map(|(pat, c)| {
        (pat.len() == path.len()
            && pat
                .iter()
                .zip(path)
                .all(|(p, s)| *p == "*" && *s != "[]" || p == s))
        .then_some(*c)
    })
}

/// A copy of `n` with every scalar value (not keys) interpolated, recording variable uses with
/// the span of the `${...}` text where it can be found in the source. The result is a string,
/// except in the fields compose casts (booleans, numbers), where a value that does not cast is
/// an error. compose casts the strings written there too (`privileged: "yes"` is `true`).
/// The parse stays as it was; the copy shares every collection in which nothing changed with
/// it (most of a file has no `$` and no such string). `None` when nothing in `n` changes.
fn interpolated_change<'a>(
    n: &'a Node,
    path: &mut Vec<&'a str>,
    env: &Env,
    text: &str,
    vars: &mut Vec<VarUse>,
    diags: &mut Vec<LoadProblem>,
) -> Option<Node> {
    if !n.may_hold_dollar() {
        if !cast_may_apply(path) {
            return None;
        }
        if let Kind::Scalar(_) = &n.kind {
            return cast_literal(n, path, diags);
        }
    }
    match &n.kind {
        Kind::Scalar(_) => {
            let mut out = n.clone();
            interpolate_scalar(&mut out, path, env, text, vars, diags);
            Some(out)
        }
        Kind::Seq(items) => {
            path.push("[]");
            let items = changed_list(items, |i| {
                interpolated_change(i, path, env, text, vars, diags)
            });
            path.pop();
            items.map(|items| n.with_kind(Kind::seq(items)))
        }
        Kind::Map(entries) => {
            let entries = changed_list(entries, |e| {
                path.push(e.key_str());
                let value = interpolated_change(&e.value, path, env, text, vars, diags);
                path.pop();
                Some(Entry {
                    key: e.key.clone(),
                    value: value?,
                    merged_from: e.merged_from,
                })
            });
            entries.map(|entries| n.with_kind(Kind::map(entries)))
        }
    }
}

/// `items` with each item `change` gives a new value for replaced, or `None` when it gives
/// none: the list is copied from the first change on, the other items shared, not copied.
fn changed_list<'a, T: Clone>(
    items: &'a [T],
    mut change: impl FnMut(&'a T) -> Option<T>,
) -> Option<Vec<T>> {
    let mut out: Option<Vec<T>> = None;
    for (k, item) in items.iter().enumerate() {
        match (change(item), &mut out) {
            (new, Some(out)) => out.push(new.unwrap_or_else(|| item.clone())),
            (Some(new), None) => {
                let mut list = Vec::with_capacity(items.len());
                list.extend_from_slice(&items[..k]);
                list.push(new);
                out = Some(list);
            }
            (None, None) => {}
        }
    }
    out
}

/// `s` as compose casts it to `cast`, written as YAML reads that type back; `None` when it
/// does not cast.
fn cast_value(cast: Cast, s: &str) -> Option<String> {
    Some(match cast {
        Cast::Bool => crate::model::specs::lenient_bool(s)?.to_string(),
        // Go's strconv.Atoi and ParseFloat: no surrounding space.
        Cast::Int => s.parse::<i64>().ok()?.to_string(),
        Cast::Float => {
            s.parse::<f64>().ok()?;
            s.to_string()
        }
    })
}

/// A string written where compose casts, as compose casts it: `"yes"` in a boolean field is
/// `true`, `"8080"` in an integer field `8080`. `None` when it is already typed so, or does not
/// cast (compose refuses the file then, and it is reported).
fn cast_literal(n: &Node, path: &[&str], diags: &mut Vec<LoadProblem>) -> Option<Node> {
    let cast = cast_for(path)?;
    let crate::yaml::Typed::Str(s) = n.typed() else {
        return None;
    };
    let Some(value) = cast_value(cast, s) else {
        diags.push(cast_problem(Some(cast), path, s, n.span, false));
        return None;
    };
    let mut out = n.clone();
    out.kind = Kind::Scalar(value.into());
    out.style = crate::yaml::Style::Plain;
    (out.typed() != n.typed()).then_some(out)
}

/// A value that does not cast to what its field needs.
fn cast_problem(
    cast: Option<Cast>,
    path: &[&str],
    value: &str,
    span: Span,
    interpolated: bool,
) -> LoadProblem {
    LoadProblem::new(
        LoadKind::InterpolationCast {
            field: path.join("."),
            value: value.to_string(),
            to: match cast {
                Some(Cast::Bool) => "a boolean",
                Some(Cast::Int) => "an integer",
                _ => "a number",
            },
            interpolated,
        },
        span,
    )
}

/// Interpolate one scalar in place (see `interpolated_change`).
fn interpolate_scalar(
    n: &mut Node,
    path: &[&str],
    env: &Env,
    text: &str,
    vars: &mut Vec<VarUse>,
    diags: &mut Vec<LoadProblem>,
) {
    let span = n.span;
    let Kind::Scalar(s) = &mut n.kind else {
        return;
    };
    if !s.contains('$') {
        return;
    }
    let mut events = Vec::new();
    match interpolate::interpolate(s, env, &mut events) {
        Ok(v) => {
            for ev in events {
                let at = locate_in_source(text, span, s, &ev);
                vars.push(VarUse {
                    span: at,
                    event: ev,
                });
            }
            *s = v.into();
            let cast = cast_for(path);
            let cast_ok = match cast {
                None => true,
                Some(c) => match cast_value(c, s) {
                    Some(v) => {
                        *s = v.into();
                        true
                    }
                    None => false,
                },
            };
            if !cast_ok {
                diags.push(cast_problem(cast, path, s, span, true));
            }
            // A cast value reads back as its type, however it was quoted; anything else as the
            // string it is.
            n.style = if cast.is_some() && cast_ok {
                crate::yaml::Style::Plain
            } else {
                crate::yaml::Style::DoubleQuoted
            };
        }
        Err(e) => diags.push(LoadProblem::new(
            LoadKind::Interpolation {
                detail: e.message,
                beyond_hylint: e.limit,
            },
            span,
        )),
    }
}

/// Narrow a scalar's span to the `${VAR...}` occurrence when the source spells it the same way
/// (plain and single-line quoted scalars); otherwise the whole scalar.
fn locate_in_source(text: &str, span: Span, value: &str, ev: &VarEvent) -> Span {
    let (offset, len) = match ev {
        VarEvent::Unset { offset, len, .. } | VarEvent::Required { offset, len, .. } => {
            (*offset, *len)
        }
    };
    let Some(needle) = value.get(offset..offset + len) else {
        return span;
    };
    let raw = text.get(span.range()).unwrap_or("");
    // Prefer the same relative position; else the first occurrence.
    if raw.get(offset..offset + len) == Some(needle) {
        return Span::new(
            span.file,
            span.start as usize + offset,
            span.start as usize + offset + len,
        );
    }
    if let Some(p) = raw.find(needle) {
        return Span::new(
            span.file,
            span.start as usize + p,
            span.start as usize + p + len,
        );
    }
    span
}

/// An empty first file, which compose refuses (as an `include` target or an override it is
/// taken as nothing). Not reported over a syntax error, which says more.
fn empty_root(
    file: &crate::source::SourceFile,
    parsed: &crate::yaml::Parsed,
) -> Option<LoadProblem> {
    use crate::yaml::ProblemKind;
    let syntax = parsed
        .problems
        .iter()
        .any(|p| matches!(p.kind, ProblemKind::Syntax | ProblemKind::AliasLimit));
    (!syntax && parsed.docs.iter().all(|d| d.is_null()))
        .then(|| LoadProblem::new(LoadKind::EmptyFile, Span::new(file.id, 0, 0)))
}
