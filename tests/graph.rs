//! The project graph built from a real multi-file tree: edges for dependencies, networks,
//! secrets and provenance, each with the span where it is written.

use hylint::check::{run, CheckOptions};
use hylint::graph::{EdgeKind, Graph};
use std::path::PathBuf;

mod common;

#[test]
fn example_tree_graph() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/example");
    let out = run(&CheckOptions {
        paths: vec![root.clone()],
        keep_projects: true,
        ..Default::default()
    });
    assert_eq!(
        out.projects.len(),
        1,
        "the root includes every stack: one project"
    );
    let p = &out.projects[0].project;
    assert_eq!(p.name, "example");
    let names: Vec<&str> = p.services.keys().map(|s| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "app-pg",
            "app-pg-init",
            "app-pg-exporter",
            "prometheus",
            "node-exporter",
            "ollama"
        ]
    );
    let g = Graph::build(p);
    let idx = |n: &str| p.services.get_index_of(n).unwrap();
    let files = out.ws.files();
    let text_at = |s: hylint::source::Span| files[s.file.0 as usize].text[s.range()].to_string();

    let init: Vec<_> = g.edges_from(idx("app-pg-init")).collect();
    let dep = init
        .iter()
        .find(|e| matches!(e.kind, EdgeKind::DependsOn { .. }))
        .unwrap();
    assert_eq!(dep.to, "app-pg");
    assert_eq!(
        dep.kind,
        EdgeKind::DependsOn {
            condition: "service_healthy".into(),
            required: true
        }
    );
    assert!(init
        .iter()
        .any(|e| e.kind == EdgeKind::Network && e.to == "infra_net"));
    let ext = init.iter().find(|e| e.kind == EdgeKind::Extends).unwrap();
    assert_eq!(ext.to, "template-infra-low");

    let pg: Vec<_> = g.edges_from(idx("app-pg")).collect();
    let secret = pg.iter().find(|e| e.kind == EdgeKind::Secret).unwrap();
    assert_eq!(secret.to, "app_db_password");
    assert_eq!(text_at(secret.span), "app_db_password");
    let net = pg.iter().find(|e| e.kind == EdgeKind::Network).unwrap();
    assert_eq!(text_at(net.span), "infra_net");
    assert!(files[net.span.file.0 as usize]
        .display
        .ends_with("infra/04-data/app-db/docker-compose.yml"));

    // Provenance: the service came through include, its limits through a two-step extends.
    let svc = &p.services["app-pg"];
    assert_eq!(svc.included_via.len(), 1);
    assert_eq!(
        text_at(svc.included_via[0]),
        "infra/04-data/app-db/docker-compose.yml"
    );
    assert_eq!(svc.extends.len(), 2);
    assert_eq!(svc.extends[1].base_service, "base-security");
    let mem = svc
        .node
        .path(&["deploy", "resources", "limits", "memory"])
        .unwrap();
    assert!(files[mem.span.file.0 as usize]
        .display
        .ends_with("infra/common-optimizations.yml"));
    assert_eq!(text_at(mem.span), "\"256M\"");
    // Profiles are known even for services the default load leaves inactive.
    assert_eq!(p.services["ollama"].profiles, vec!["ai"]);
    assert!(!p.is_active(&p.services["ollama"]));
}

/// The findings, errors and project roots of a check of `paths` reading `chunk` files at a time.
fn outcome_in_chunks(paths: &[PathBuf], chunk: usize) -> (String, Vec<String>, Vec<String>) {
    let out = run(&CheckOptions {
        paths: paths.to_vec(),
        keep_projects: true,
        chunk,
        ..Default::default()
    });
    let roots = out
        .projects
        .iter()
        .map(|p| out.ws.file(p.project.file).display.clone())
        .collect();
    // JSON shows every part of a finding (place, labels, service, fix) but not file ids,
    // which follow the order files happen to be read in.
    (
        hylint::report::json::render(&out).to_string(),
        out.errors,
        roots,
    )
}

/// Projects are linted as a stream, chunk by chunk, before every file's references are known;
/// a project whose root a later file includes is dropped. The findings must not depend on the
/// chunk size, including when a root is read before the file that includes it.
#[test]
fn findings_do_not_depend_on_stream_order() {
    let dir = tempfile::tempdir().unwrap();
    let w = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    // Read first (shallowest, mentions extends), yet included by a deeper file.
    w(
        "docker-compose.yml",
        "services:\n  base:\n    image: nginx:1.27\n  web:\n    extends: base\n    ports: [\"80:80\"]\n",
    );
    w(
        "deep/a/b/docker-compose.yml",
        "include:\n  - ../../../docker-compose.yml\nservices:\n  app:\n    image: busybox:1.36\n    depends_on: [web]\n",
    );
    let small = vec![dir.path().to_path_buf()];
    let (_, errors, roots) = outcome_in_chunks(&small, 1);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        roots.len(),
        1,
        "the included file is not a project: {roots:?}"
    );
    assert!(roots[0].contains("deep"), "{roots:?}");
    for paths in [small, vec![common::corpus()]] {
        let whole = outcome_in_chunks(&paths, 0);
        assert!(whole.0.contains("\"rule\""), "both trees have findings");
        for chunk in [1, 2, 5] {
            assert!(
                outcome_in_chunks(&paths, chunk) == whole,
                "chunk {chunk} changed the outcome on {}",
                paths[0].display()
            );
        }
    }
}

fn graph_cmd(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    common::hylint()
        .current_dir(dir)
        .arg("graph")
        .args(args)
        .output()
        .unwrap()
}

fn names(v: &serde_json::Value) -> std::collections::BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap().to_string())
        .collect()
}

/// `hylint graph --format json` on the real tree holds every service, network, volume, secret
/// and dependency `hylint model` (docker compose's model, tests/differential.rs) has.
#[test]
fn json_graph_covers_the_model_of_the_real_tree() {
    use std::collections::BTreeSet;
    let corpus = common::corpus();
    let model = common::hylint()
        .current_dir(&corpus)
        .args(["model", "."])
        .output()
        .unwrap();
    let model: serde_json::Value = serde_json::from_slice(&model.stdout).unwrap();
    let out = graph_cmd(&corpus, &["--format", "json", "."]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["version"], 1);
    let project = doc["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["root"] == "docker-compose.yml")
        .expect("the root project");
    let keys = |v: &serde_json::Value| -> BTreeSet<String> {
        v.as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert!(keys(&model["services"]).len() > 50);
    assert_eq!(names(&project["services"]), keys(&model["services"]));
    for (kind, list) in [
        ("networks", "networks"),
        ("volumes", "volumes"),
        ("secrets", "secrets"),
        ("configs", "configs"),
    ] {
        assert!(
            keys(&model[kind]).is_subset(&names(&project[list])),
            "{kind}: {:?} not in the graph",
            keys(&model[kind]).difference(&names(&project[list]))
        );
    }
    let edges = |kind: &str| -> BTreeSet<(String, String)> {
        project["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == kind)
            .map(|e| {
                (
                    e["from"].as_str().unwrap().to_string(),
                    e["to"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let mut depends = BTreeSet::new();
    let mut networks = BTreeSet::new();
    for (name, s) in model["services"].as_object().unwrap() {
        for dep in keys(&s["depends_on"]) {
            depends.insert((name.clone(), dep));
        }
        for net in keys(&s["networks"]) {
            networks.insert((name.clone(), net));
        }
    }
    assert!(depends.len() > 20);
    assert_eq!(edges("depends_on"), depends);
    assert_eq!(edges("network"), networks);
    // The conditions are compose's.
    for e in project["edges"].as_array().unwrap() {
        if e["kind"] == "depends_on" {
            let (from, to) = (e["from"].as_str().unwrap(), e["to"].as_str().unwrap());
            assert_eq!(
                e["condition"],
                model["services"][from]["depends_on"][to]["condition"]
            );
        }
    }
}

/// Dot renders with Graphviz and Mermaid parses with mermaid, on the example and the real tree.
#[test]
fn dot_renders_and_mermaid_parses() {
    let tmp = tempfile::tempdir().unwrap();
    let trees = [
        common::repo_root().join("fixtures/example"),
        common::corpus(),
    ];
    let mut mermaid_files = Vec::new();
    for (i, tree) in trees.iter().enumerate() {
        for profile in ["", "*"] {
            let mut args = vec![];
            if !profile.is_empty() {
                args.extend(["--profile", profile]);
            }
            let dot = graph_cmd(tree, &[&args[..], &["--format", "dot", "."]].concat());
            assert_eq!(dot.status.code(), Some(0));
            let dot_file = tmp.path().join(format!("g{i}{}.dot", profile.len()));
            std::fs::write(&dot_file, &dot.stdout).unwrap();
            let svg = std::process::Command::new("dot")
                .arg("-Tsvg")
                .arg(&dot_file)
                .output()
                .expect("Graphviz `dot` is missing: run `bash .ci/install-tools`");
            assert!(
                svg.status.success() && svg.stderr.is_empty(),
                "{}",
                String::from_utf8_lossy(&svg.stderr)
            );
            assert!(String::from_utf8_lossy(&svg.stdout).contains("<svg"));
            let mermaid = graph_cmd(tree, &[&args[..], &["--format", "mermaid", "."]].concat());
            let file = tmp.path().join(format!("g{i}{}.mmd", profile.len()));
            std::fs::write(&file, &mermaid.stdout).unwrap();
            mermaid_files.push(file);
        }
    }
    // A broken diagram must fail, or the check proves nothing.
    let broken = tmp.path().join("broken.mmd");
    std::fs::write(&broken, "flowchart LR\n  a[\"x\"] -->\n").unwrap();
    let tools = common::repo_root().join(".tools");
    assert!(
        tools.join("node_modules/mermaid").is_dir(),
        "mermaid is missing: run `bash .ci/install-tools`"
    );
    let script = tools.join("mermaid-parse.mjs");
    std::fs::copy(common::repo_root().join("tests/mermaid-parse.mjs"), &script).unwrap();
    let parse = |files: &[std::path::PathBuf]| {
        std::process::Command::new("node")
            .arg(&script)
            .args(files)
            .output()
            .unwrap()
    };
    let out = parse(&mermaid_files);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .matches(": flowchart")
            .count(),
        mermaid_files.len()
    );
    assert!(!parse(&[broken]).status.success());
}

#[test]
fn one_service_and_its_neighbours() {
    let example = common::repo_root().join("fixtures/example");
    let out = graph_cmd(&example, &["--format", "json", "--service", "app-pg", "."]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = &doc["projects"][0];
    assert_eq!(
        names(&p["services"]),
        ["app-pg", "app-pg-exporter", "app-pg-init"]
            .map(String::from)
            .into()
    );
    // Its own network and secret; the edges all touch it.
    assert_eq!(names(&p["secrets"]).len(), 1);
    for e in p["edges"].as_array().unwrap() {
        assert!(e["from"] == "app-pg" || e["to"] == "app-pg", "{e}");
    }
    let healthy = p["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["from"] == "app-pg-init")
        .unwrap();
    assert_eq!(healthy["condition"], "service_healthy");
    // The whole example: the includes, and extends to the template file.
    let out = graph_cmd(&example, &["--format", "json", "."]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = &doc["projects"][0];
    assert_eq!(p["includes"].as_array().unwrap().len(), 3);
    assert!(p["edges"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "extends" && e["base_file"] == "infra/common-optimizations.yml"));
    let out = graph_cmd(&example, &["--service", "nope", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no service \"nope\""));
}
