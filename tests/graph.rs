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
