//! `hylint graph` and `hylint model`: what the loader made of a tree.

use super::*;

pub(super) fn run_graph(a: &GraphArgs) -> u8 {
    let paths = start_paths(&a.paths, &a.files);
    let mut load = a.load.options();
    load.overrides = a.files.iter().skip(1).cloned().collect();
    let given = if a.files.is_empty() {
        paths.clone()
    } else {
        a.files.clone()
    };
    let opts = CheckOptions {
        confinement: Some(a.load.confinement(&given)),
        paths,
        load,
        // The graph needs the projects, not the findings.
        rules: RuleOptions {
            enabled: Some(HashSet::new()),
            ..Default::default()
        },
        keep_projects: true,
        drop_fixes: true,
        ..Default::default()
    };
    let outcome = check::run(&opts);
    for e in &outcome.errors {
        say!("error: {e}");
    }
    let selection = crate::report::graph::Selection {
        service: a.service.clone(),
    };
    let projects: Vec<serde_json::Value> = outcome
        .projects
        .iter()
        .filter_map(|l| crate::report::graph::project_json(&outcome.ws, &l.project, &selection))
        .collect();
    if let (Some(name), true) = (&a.service, projects.is_empty()) {
        say!("error: no service {name:?} in the projects loaded");
        return 2;
    }
    let doc = crate::report::graph::render_json(projects);
    let text = match a.format.as_str() {
        "json" => serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n",
        "dot" => crate::report::graph::render_dot(&doc),
        _ => crate::report::graph::render_mermaid(&doc),
    };
    if let Err(code) = emit(&text) {
        return code;
    }
    u8::from(!outcome.errors.is_empty()) * 2
}

pub(super) fn run_model(a: ModelArgs) -> u8 {
    let path = a
        .files
        .first()
        .or(a.path.as_ref())
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    // A directory: its default file and the override file beside it, as `docker compose` run
    // there reads them.
    let mut dir_override = None;
    let file = if path.is_dir() {
        match crate::discover::default_files(&path) {
            Some((f, over)) => {
                dir_override = over;
                f
            }
            None => {
                say!(
                    "error: {}: no compose.yaml or docker-compose.yml here",
                    path.display()
                );
                return 2;
            }
        }
    } else {
        path
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let given = if a.files.is_empty() {
        vec![file.clone()]
    } else {
        a.files.clone()
    };
    let ws = Workspace::new(cwd, file.is_relative()).confined(Some(a.load.confinement(&given)));
    let id = match ws.load(&file) {
        Ok(id) => id,
        Err(e) => {
            say!("error: {}: {e}", file.display());
            return 2;
        }
    };
    let mut options = a.load.options();
    options.overrides = a.files.iter().skip(1).cloned().collect();
    options.overrides.extend(dir_override);
    let loaded = load_project(&ws, id, &options);
    let value = crate::model::json::compose_json(&loaded.project);
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    if let Err(code) = emit(&text) {
        return code;
    }
    // Problems loading are reported on stderr; `hylint check` explains them in full.
    let files = ws.files();
    let mut problems = Vec::new();
    for f in &files {
        problems.extend(crate::rules::file_findings(&ws.parsed(f.id)));
    }
    problems.extend(crate::rules::resolution::findings(&loaded));
    for d in &problems {
        say!("{}", report::concise_line(&files, d));
    }
    for e in &loaded.errors {
        say!("error: {e}");
    }
    if problems.iter().any(|d| d.severity == Severity::Error) || !loaded.errors.is_empty() {
        1
    } else {
        0
    }
}
