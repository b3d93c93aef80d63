//! The module graph of the library: which top-level module uses which (`crate::x` paths
//! outside tests). It must have no cycle. An edge that closes one while it is being cut can be
//! listed in `TO_CUT`, with why; a listed edge that no longer exists fails the test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod common;

/// Edges that still close a cycle, with why, to be cut.
const TO_CUT: &[(&str, &str, &str)] = &[];

fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = common::repo_root().join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let re = regex::Regex::new(r"\$?crate::([a-z_]+)").unwrap();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = p.strip_prefix(&src).unwrap();
            let top = first_component(rel);
            if top == "main" || top == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            // Tests may reach anywhere.
            let code = text.split("#[cfg(test)]").next().unwrap();
            let used = graph.entry(top.clone()).or_default();
            for c in re.captures_iter(code) {
                let m = c[1].to_string();
                // `crate::declare_rule!` is a macro at the crate root, not a module.
                if m != top && m != "declare_rule" {
                    used.insert(m);
                }
            }
        }
    }
    graph
}

fn first_component(rel: &Path) -> String {
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// A cycle in `graph`, if any (depth first, iteratively).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    let mut state: BTreeMap<&str, u8> = BTreeMap::new(); // 1 on the path, 2 done
    for start in graph.keys() {
        if state.contains_key(start.as_str()) {
            continue;
        }
        let mut path: Vec<(&str, Vec<&str>)> =
            vec![(start, graph[start].iter().map(String::as_str).collect())];
        state.insert(start, 1);
        while let Some((node, next)) = path.last_mut() {
            let node = *node;
            match next.pop() {
                Some(n) => match state.get(n) {
                    Some(1) => {
                        let from = path.iter().position(|(x, _)| *x == n).unwrap();
                        let mut ring: Vec<String> =
                            path[from..].iter().map(|(x, _)| x.to_string()).collect();
                        ring.push(n.to_string());
                        return Some(ring);
                    }
                    Some(_) => {}
                    None => {
                        state.insert(n, 1);
                        let out = graph
                            .get(n)
                            .map(|s| s.iter().map(String::as_str).collect())
                            .unwrap_or_default();
                        path.push((n, out));
                    }
                },
                None => {
                    state.insert(node, 2);
                    path.pop();
                }
            }
        }
    }
    None
}

#[test]
fn the_module_graph_has_no_cycle() {
    let mut graph = module_graph();
    assert!(graph.len() > 10, "{graph:?}");
    for (from, to, why) in TO_CUT {
        let edges = graph.get_mut(*from).unwrap();
        assert!(
            edges.remove(*to),
            "`{from}` no longer uses `{to}` ({why}): drop the edge from TO_CUT"
        );
    }
    if let Some(ring) = find_cycle(&graph) {
        panic!(
            "the modules use each other in a ring: {}; lower modules must not use higher ones",
            ring.join(" -> ")
        );
    }
}

#[test]
fn the_cycle_check_finds_cycles() {
    let g: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    let ring = find_cycle(&g).unwrap();
    assert_eq!(ring.first(), ring.last());
    assert_eq!(ring.len(), 4);
}

/// The rule files under `src/rules/<category>/`: those that declare a rule.
fn rule_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules")).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            let text = std::fs::read_to_string(&f).unwrap();
            if text.contains("crate::declare_rule! {") {
                out.push(f);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_declared_rule_is_registered_under_its_folder() {
    let files = rule_files();
    let registered: BTreeSet<(String, String)> = hylint::rules::registry::RULES
        .iter()
        .map(|r| (r.meta.category.to_string(), r.meta.name.replace('-', "_")))
        .collect();
    let declared: BTreeSet<(String, String)> = files
        .iter()
        .map(|f| {
            let category = f.parent().unwrap().file_name().unwrap();
            let stem = f.file_stem().unwrap();
            (
                category.to_string_lossy().into_owned(),
                stem.to_string_lossy().into_owned(),
            )
        })
        .collect();
    assert_eq!(declared, registered, "rule files and the registry differ");
    assert!(
        registered.len() >= 20,
        "the registry lists {}",
        registered.len()
    );
}

/// `cargo fmt` formats the modules it reaches through `mod` declarations; the rule modules are
/// declared by the generated registry (`build.rs`), so they are checked here. Format them with
/// `rustfmt --edition 2021 src/rules/*/*.rs`.
#[test]
fn rule_files_are_formatted() {
    let out = std::process::Command::new("rustfmt")
        .args(["--edition", "2021", "--check"])
        .args(rule_files())
        .output()
        .expect("rustfmt runs (rustup component add rustfmt)");
    assert!(
        out.status.success(),
        "rule files need `rustfmt --edition 2021 src/rules/*/*.rs`:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
