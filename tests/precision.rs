//! The precision audit of docs/precision.md, kept true.
//!
//! hylint runs on each project of the world corpus as its users would (`hylint check` at the
//! project's top). Every finding of a rule with at most 40 findings is reviewed; of a rule with
//! more, a sample of 40 drawn with a fixed seed. The verdicts (right or wrong, with the reason)
//! are data in docs/precision/verdicts.tsv. This test fails when:
//!
//! - a sampled finding has no verdict (a rule changed what it reports: review the new findings),
//!   or a verdict matches no sampled finding (it is stale);
//! - more than 5 % of a rule's reviewed findings are wrong;
//! - docs/precision.md is not what the findings and verdicts give (`UPDATE_EXPECT=1` rewrites
//!   it, and writes the findings still to review to docs/precision/unreviewed.tsv).

mod common;

use common::*;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

const SEED: u64 = 20261204;
const SAMPLE: usize = 40;

/// splitmix64: small, and the same everywhere.
struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[derive(Clone, Debug)]
struct Finding {
    rule: String,
    file: String,
    offset: u64,
    location: String,
    severity: String,
    message: String,
}

/// Every finding on the world corpus, project by project: the project's root files (from the
/// corpus manifest) linted together, confined to the project.
fn findings() -> Vec<Finding> {
    let world = world();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(world.join("manifest.json")).unwrap())
            .unwrap();
    let projects = manifest["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 30);
    let mut out = Vec::new();
    for p in projects {
        let d = p["dir"].as_str().unwrap();
        let roots: Vec<String> = p["root_files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| format!("{d}/{}", r.as_str().unwrap()))
            .collect();
        let o = hylint()
            .current_dir(&world)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .args(["check", "--format", "json", "--root", d])
            .args(&roots)
            .output()
            .unwrap();
        assert!(o.status.code().unwrap() <= 1, "{d}: {o:?}");
        for x in json(&o)["diagnostics"].as_array().unwrap() {
            let s = |k: &str| x[k].as_str().unwrap_or_default().to_string();
            out.push(Finding {
                rule: s("rule"),
                file: s("file"),
                offset: x["start_offset"].as_u64().unwrap(),
                location: format!("{}:{}:{}", s("file"), x["line"], x["column"]),
                severity: s("severity"),
                message: s("message"),
            });
        }
    }
    out
}

/// By rule: (all findings, the reviewed ones).
fn sample(all: Vec<Finding>) -> BTreeMap<String, (usize, Vec<Finding>)> {
    let mut by: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    for f in all {
        by.entry(f.rule.clone()).or_default().push(f);
    }
    by.into_iter()
        .map(|(rule, mut xs)| {
            xs.sort_by(|a, b| {
                (&a.file, a.offset, &a.message).cmp(&(&b.file, b.offset, &b.message))
            });
            let n = xs.len();
            if n > SAMPLE {
                let mut r = SplitMix(SEED ^ fnv1a(&rule));
                let mut idx: Vec<usize> = (0..n).collect();
                for i in 0..SAMPLE {
                    let j = i + (r.next() % (n - i) as u64) as usize;
                    idx.swap(i, j);
                }
                let mut chosen: Vec<usize> = idx[..SAMPLE].to_vec();
                chosen.sort_unstable();
                xs = chosen.into_iter().map(|i| xs[i].clone()).collect();
            }
            (rule, (n, xs))
        })
        .collect()
}

/// One verdict: right or wrong, and why.
struct Verdict {
    right: bool,
    reason: String,
}

fn key(rule: &str, location: &str, message: &str) -> String {
    format!("{rule}\t{location}\t{message}")
}

/// docs/precision/verdicts.tsv: rule, location, verdict, reason, message (tab-separated).
fn verdicts(text: &str) -> HashMap<String, Verdict> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let c: Vec<&str> = l.splitn(5, '\t').collect();
            assert_eq!(c.len(), 5, "bad verdict line: {l}");
            assert!(matches!(c[2], "right" | "wrong"), "bad verdict: {l}");
            (
                key(c[0], c[1], c[4]),
                Verdict {
                    right: c[2] == "right",
                    reason: c[3].to_string(),
                },
            )
        })
        .collect()
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

#[test]
fn the_precision_audit_is_current_and_every_rule_is_precise() {
    let root = repo_root();
    let tsv = root.join("docs/precision/verdicts.tsv");
    let known = verdicts(&std::fs::read_to_string(&tsv).unwrap_or_default());
    let mut sampled = sample(findings());
    // Rules without a finding on the corpus have a row too.
    for r in hylint::rules::registry::ALL {
        sampled.entry(r.name.to_string()).or_default();
    }
    let mut used: Vec<String> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    let mut md = String::new();
    let mut detail = String::new();
    let mut too_wrong = Vec::new();
    md.push_str(PREAMBLE);
    md.push_str("| rule | findings | reviewed | right | wrong | wrong % |\n|---|---:|---:|---:|---:|---:|\n");
    for (rule, (n, xs)) in &sampled {
        let (mut right, mut wrong) = (0, 0);
        if xs.is_empty() {
            let _ = writeln!(md, "| {rule} | 0 | 0 | 0 | 0 | 0.0 |");
            continue;
        }
        let _ = writeln!(
            detail,
            "\n## {rule}\n\n{} of {n} findings reviewed.\n\n| # | location | severity | finding | verdict | reason |\n|---:|---|---|---|---|---|",
            xs.len()
        );
        for (i, f) in xs.iter().enumerate() {
            let k = key(&f.rule, &f.location, &f.message);
            let (verdict, reason) = match known.get(&k) {
                Some(v) => {
                    used.push(k.clone());
                    if v.right {
                        right += 1;
                    } else {
                        wrong += 1;
                    }
                    (
                        if v.right { "right" } else { "**wrong**" },
                        v.reason.as_str(),
                    )
                }
                None => {
                    missing.push(format!("{rule}\t{}\tTODO\tTODO\t{}", f.location, f.message));
                    ("unreviewed", "")
                }
            };
            let _ = writeln!(
                detail,
                "| {} | `{}` | {} | {} | {verdict} | {} |",
                i + 1,
                f.location,
                f.severity,
                md_cell(&f.message),
                md_cell(reason)
            );
        }
        let reviewed = xs.len();
        let pct = 100.0 * wrong as f64 / reviewed.max(1) as f64;
        let _ = writeln!(
            md,
            "| {rule} | {n} | {reviewed} | {right} | {wrong} | {pct:.1} |"
        );
        if pct > 5.0 {
            too_wrong.push(format!("{rule}: {wrong} of {reviewed} wrong ({pct:.1} %)"));
        }
    }
    md.push_str(&detail);
    let stale: Vec<&String> = known.keys().filter(|k| !used.contains(k)).collect();
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        // Written before the checks below, so a run that lists unreviewed findings also
        // brings the page up to date.
        assert_generated("docs/precision.md", &md, "precision");
        let todo = root.join("docs/precision/unreviewed.tsv");
        if missing.is_empty() {
            let _ = std::fs::remove_file(todo);
        } else {
            std::fs::write(todo, missing.join("\n") + "\n").unwrap();
        }
    }
    assert!(
        missing.is_empty(),
        "{} sampled findings have no verdict in docs/precision/verdicts.tsv (review them; UPDATE_EXPECT=1 lists them in docs/precision/unreviewed.tsv):\n{}",
        missing.len(),
        missing.join("\n")
    );
    assert!(
        stale.is_empty(),
        "verdicts for findings hylint no longer reports (remove them):\n{}",
        stale
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(too_wrong.is_empty(), "{}", too_wrong.join("\n"));
    assert_generated("docs/precision.md", &md, "precision");
}

const PREAMBLE: &str = "# Precision audit on the world corpus

Generated by `tests/precision.rs` from the findings and from the verdicts in
`docs/precision/verdicts.tsv`; CI fails when a rule's findings change without a review, or when a
rule is wrong on more than 5 % of what was reviewed.

**Method.** hylint runs on each of the 30 projects of `../shared/corpus/world/` as its users
would, on the project's root files (from the corpus manifest; some projects name their files
`lighthouse.yml`, which no directory walk takes for compose files): `hylint check --format json
--root P P/<root files>` from the corpus directory, default profiles, no environment. Every finding of a rule with at most 40 findings is reviewed. For a rule with more,
40 are drawn: the findings sorted by file, byte offset and message, then a partial Fisher-Yates
shuffle driven by splitmix64 seeded with `20261204 XOR fnv1a(rule name)`, the 40 drawn kept in
sorted order. A finding is **right** when what it says is true of the tree and its advice
applies; the reason says how that was checked (for validity rules, against docker compose
2.40.3 run on the file; for policy rules, against the service as compose resolves it and what
the service runs). It is **wrong** when the claim is false or the advice does not apply.

**Wrong findings found by this review, and fixed** (each class has a fixture that failed
before the change; the counts are from the review's first pass, on the projects linted as
directories):

- `conflict`, `static-ip`: 232 errors between separate projects (the `cluster/` and `open-core/`
  variants of Graylog, unrelated repositories). Projects now conflict only when they join a
  network by the same declared name, and then as a warning (`fixtures/rules/static-ip/`, rule
  pages).
- `static-ip`: pins whose address the tree uses in `dns:` or `extra_hosts` (Mailu's resolver,
  zulip's certbot test), and the uses themselves; a safe fix removed such pins
  (`good-address-needed`, `used-by-address`).
- `writable-exporter`: `penpot-exporter`, named like an exporter but running
  `penpotapp/exporter`, which renders files (`good-named-like-an-exporter`).
- `missing-healthcheck`: Mailu's images, which declare HEALTHCHECK; one-shot jobs
  (`rsa-keys` generating keys, `zabbix-build-base`, busybox data containers, `migrator`, a
  `cypress` test runner) (`good-one-shot-jobs`).
- `schema-violation`: a volume spec judged while its interpolation had failed
  (`invalid-interpolation/in-a-volume`).
- `missing-image`-adjacent policy findings on fragments (services with neither image nor build,
  completed by another file): no longer reported by policy rules.

";
