//! `dependency-cycle`: services that depend on each other in a ring (`depends_on`, and the
//! dependencies `links`, `volumes_from` and `network_mode: service:` imply). Compose cannot
//! order their start and refuses the project ("dependency cycle detected"); it names the first
//! ring it meets, hylint every ring, each in full.

use super::when_enabled;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::Reporter;
use crate::rules::Scope;

crate::declare_rule! {
    DependencyCycle {
        name: "dependency-cycle",
        code: "HY014",
        category: "validity",
        severity: Error,
        fix: Never,
        summary: "Services depend on each other in a ring (depends_on, links, volumes_from, network_mode); docker compose refuses the project",
    }
}

impl crate::rules::Rule for DependencyCycle {
    fn check(&self, t: &Scope, out: &mut Reporter) {
        check(t, out)
    }
}

/// Strongly connected components of `edges` (adjacency lists), iteratively (Tarjan): a tree
/// may chain thousands of services, deeper than a thread's stack would recurse.
fn components(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        // (node, next edge to look at)
        let mut work = vec![(root, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut i)) = work.last_mut() {
            if let Some(&w) = edges[v].get(*i) {
                *i += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut c = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    c.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(c);
            }
        }
    }
    out
}

/// The shortest ring through `start` within `members` (breadth first), as the services in
/// order, `start` first.
fn ring(edges: &[Vec<usize>], members: &[usize], start: usize) -> Vec<usize> {
    let mut prev = vec![usize::MAX; edges.len()];
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in &edges[v] {
            if !members.contains(&w) {
                continue;
            }
            if w == start {
                let mut path = vec![v];
                let mut at = v;
                while at != start {
                    at = prev[at];
                    path.push(at);
                }
                path.reverse();
                return path;
            }
            if prev[w] == usize::MAX {
                prev[w] = v;
                queue.push_back(w);
            }
        }
    }
    vec![start]
}

fn check(t: &Scope, out: &mut Reporter) {
    let p = t.project;
    let services: Vec<_> = p.services.values().collect();
    let position = |name: &str| p.services.get_index_of(name);
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); services.len()];
    for (i, s) in services.iter().enumerate() {
        for (name, _) in s.depends_on() {
            if let Some(j) = position(name) {
                if !edges[i].contains(&j) {
                    edges[i].push(j);
                }
            }
        }
    }
    for c in components(&edges) {
        let self_loop = c.len() == 1 && edges[c[0]].contains(&c[0]);
        if c.len() < 2 && !self_loop {
            continue;
        }
        // Named from its first service by name, as compose's message would read it.
        let start = *c
            .iter()
            .min_by_key(|i| services[**i].name.as_str())
            .expect("a component has a member");
        let path = ring(&edges, &c, start);
        let names: Vec<&str> = path
            .iter()
            .chain(std::iter::once(&start))
            .map(|i| services[*i].name.as_str())
            .collect();
        let link = |from: usize, to: usize| {
            services[from]
                .depends_on()
                .find(|(n, _)| *n == services[to].name)
                .map(|(_, v)| v.site())
                .unwrap_or(services[from].decl)
        };
        let active = c.iter().all(|i| p.is_active(services[*i]));
        let inactive = c.iter().find(|i| !p.is_active(services[**i]));
        let when = inactive.map_or(String::new(), |i| when_enabled(p, services[*i]));
        let mut d = Diagnostic::new(
            &META,
            link(path[0], *path.get(1).unwrap_or(&start)),
            format!(
                "dependency cycle: {}{when}: docker compose cannot order their start and refuses \
                 the project; remove one of these dependencies",
                names.join(" -> ")
            ),
        )
        .with_service(services[start].name.clone())
        .with_severity(if active {
            Severity::Error
        } else {
            Severity::Warning
        });
        for k in 1..path.len() {
            let (from, to) = (path[k], *path.get(k + 1).unwrap_or(&start));
            d = d.with_label(
                link(from, to),
                format!(
                    "`{}` depends on `{}` here",
                    services[from].name, services[to].name
                ),
            );
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_and_their_shortest_paths() {
        // 0 -> 1 -> 2 -> 0, 2 -> 3, 3 -> 3, 4 alone.
        let edges = vec![vec![1], vec![2], vec![0, 3], vec![3], vec![]];
        let mut c: Vec<Vec<usize>> = components(&edges)
            .into_iter()
            .map(|mut c| {
                c.sort();
                c
            })
            .collect();
        c.sort();
        assert_eq!(c, vec![vec![0, 1, 2], vec![3], vec![4]]);
        assert_eq!(ring(&edges, &[0, 1, 2], 1), vec![1, 2, 0]);
        assert_eq!(ring(&edges, &[3], 3), vec![3]);
    }

    #[test]
    fn a_long_chain_does_not_recurse() {
        let n = 200_000;
        let edges: Vec<Vec<usize>> = (0..n).map(|i| vec![(i + 1) % n]).collect();
        let c = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || components(&edges))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].len(), n);
    }
}
