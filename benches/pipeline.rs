//! Micro-benchmark of the pipeline's stages on the corpus, reported per MB of YAML:
//! parse (YAML tree with spans), resolve (include, extends, interpolation, normalisation) and
//! rules. `cargo bench --bench pipeline` (release profile). Not a test: no assertions on time.

use hylint::check::{run, CheckOptions};
use hylint::resolve::{load_project, LoadOptions, Workspace};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn corpus() -> PathBuf {
    std::env::var_os("HYLINT_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/hy-home")
        })
}

/// Median of `runs` timings of `f`.
fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut t: Vec<Duration> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    t[runs / 2]
}

fn main() {
    let root = corpus();
    let (files, _) = hylint::discover::discover(std::slice::from_ref(&root));
    let texts: Vec<(PathBuf, String)> = files
        .iter()
        .map(|p| (p.clone(), std::fs::read_to_string(p).unwrap_or_default()))
        .collect();
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    let mb = bytes as f64 / 1e6;
    let runs = 30;

    let parse = time(runs, || {
        for (i, (_, t)) in texts.iter().enumerate() {
            std::hint::black_box(hylint::yaml::parse(hylint::source::FileId(i as u32), t));
        }
    });

    let root_file = root.join("docker-compose.yml");
    let opts = LoadOptions::default();
    let resolve = time(runs, || {
        let ws = Workspace::new(root.clone(), false);
        let id = ws.load(&root_file).unwrap();
        std::hint::black_box(load_project(&ws, id, &opts));
        // Every stack on its own too, as `hylint check FILE` would load it.
        for (p, _) in &texts {
            if let Ok(id) = ws.load(p) {
                std::hint::black_box(load_project(&ws, id, &opts));
            }
        }
    });

    let check_opts = CheckOptions {
        paths: vec![root.clone()],
        ..Default::default()
    };
    let whole = time(runs, || {
        std::hint::black_box(run(&check_opts));
    });

    let per_mb = |d: Duration| d.as_secs_f64() * 1000.0 / mb;
    println!(
        "corpus: {} compose files, {:.3} MB of YAML ({} runs, medians)",
        texts.len(),
        mb,
        runs
    );
    println!(
        "parse:                   {:>8.2} ms  ({:.1} ms/MB)",
        parse.as_secs_f64() * 1000.0,
        per_mb(parse)
    );
    println!(
        "resolve (root + stacks): {:>8.2} ms  ({:.1} ms/MB)",
        resolve.as_secs_f64() * 1000.0,
        per_mb(resolve)
    );
    println!(
        "check (everything):      {:>8.2} ms  ({:.1} ms/MB)",
        whole.as_secs_f64() * 1000.0,
        per_mb(whole)
    );
}
