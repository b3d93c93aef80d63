//! The fast YAML reader (src/yaml/fast.rs) against granit-parser: wherever the fast reader
//! takes a text, the tree, problems, anchors and directive comments must be exactly those
//! granit-parser gives. Checked on every YAML file of the corpus and the fixtures, on cases
//! written for the reader's edges, and on thousands of mutations of the corpus files (which
//! also must never make either reader panic).

mod common;

use hylint::source::FileId;
use hylint::yaml::{parse_fast, parse_granit};
use std::path::PathBuf;

/// `true` when the fast reader took the text (and then agreed with granit-parser).
fn same(name: &str, text: &str) -> bool {
    let slow = parse_granit(FileId(0), text);
    match parse_fast(FileId(0), text) {
        None => false,
        Some(fast) => {
            let (f, s) = (format!("{fast:?}"), format!("{slow:?}"));
            if f != s {
                let at = f
                    .bytes()
                    .zip(s.bytes())
                    .position(|(a, b)| a != b)
                    .unwrap_or(f.len().min(s.len()));
                let show = |t: &str| {
                    let from = at.saturating_sub(300);
                    t.get(from..(at + 200).min(t.len()))
                        .unwrap_or(t)
                        .to_string()
                };
                panic!(
                    "{name}: the fast reader differs from granit-parser\n--- text\n{text}\n--- fast\n{}\n--- granit\n{}",
                    show(&f),
                    show(&s)
                );
            }
            true
        }
    }
}

fn corpus_and_fixtures() -> Vec<PathBuf> {
    let mut files = common::yaml_files(&common::corpus());
    files.extend(common::yaml_files(&common::repo_root().join("fixtures")));
    files
}

#[test]
fn agrees_with_granit_on_every_yaml_file() {
    let files = corpus_and_fixtures();
    assert!(files.len() > 100, "found {} YAML files", files.len());
    let mut taken = 0;
    let mut compose_left = Vec::new();
    for p in &files {
        let Ok(text) = std::fs::read_to_string(p) else {
            continue;
        };
        if same(&p.display().to_string(), &text) {
            taken += 1;
        } else if p.starts_with(common::corpus()) && hylint::discover::is_compose_name(p) {
            compose_left.push(p.display().to_string());
        }
    }
    // The reader exists for speed: it must take every compose file of the corpus.
    assert!(
        compose_left.is_empty(),
        "the fast reader gives up on corpus compose files: {compose_left:#?}"
    );
    assert!(
        taken * 10 >= files.len() * 8,
        "took {taken} of {} files",
        files.len()
    );
}

/// Texts at the reader's edges: each either agrees or is left to granit-parser; the ones
/// marked `true` must be taken.
#[test]
fn agrees_on_edge_cases() {
    let cases: &[(&str, bool)] = &[
        ("a: 1\n", true),
        ("a:\nb: 1\n", true),
        ("a:\n  - 1\n  -\n  - - 2\n", false),
        ("a:\n- 1\n- x: 2\n  y: 3\n", true),
        ("- a\n- b: 1\n", true),
        (
            "a: !reset\nb: !override\n  c: 1\nd: !reset []\ne: !!str 1\n",
            true,
        ),
        ("a: &x\n  b: 1\nc: *x\nd:\n  <<: *x\n  e: 2\n", true),
        ("a: &x 1\nb: &x 2\nc: *x\n", true),
        ("a: *nope\n", false),
        (
            "a: [1, \"b\", 'c', [d], {e: f}]\nb: {a: 1 , b: [x], c: \"q\\tz\\u00e9\" }\n",
            true,
        ),
        ("a: [1,\n    2]\nb: {\n  x: 1,\n  y: 2\n}\n", false),
        ("a: [1,\n    2]\nb: 3\n", true),
        ("a: []\nb: {}\nc: [ ]\nd: [a, b,]\n", true),
        ("a: |\n  x\n   y\n\n  z\n\n\nb: 1\n", true),
        (
            "a: |-\n  x\nb: |+\n  y\n\nc: >\n  f\n  g\n\n  h\n   i\n  j\nd: >-\n  k\n",
            true,
        ),
        ("a: |\n  x\n# hylint: disable=x\nb: 1\n", true),
        ("a: |\n  x", false),
        ("a: | # hylint: c\n  x\n", true),
        (
            "# hylint: disable=a\na: 1 # hylint: b  \n#c\nb: \"x\" #   hylint: c\n",
            true,
        ),
        ("---\na: 1\n", true),
        ("--- # c\na: 1\n", true),
        ("a: 1\n---\nb: 2\n", false),
        ("%YAML 1.2\n---\na: 1\n", false),
        ("a: b\n  c\n", false),
        ("a: b\n\n  c\n", false),
        ("a: b: c\n", false),
        (
            "a: 'it''s'\nb: \"\\\"q\\\" \\\\ \\/ \\x41 \\U0001F600\"\nc: \"\"\nd: ''\n",
            true,
        ),
        ("a: 'x\n  y'\n", false),
        ("\"k\": 1\n'l': 2\n\"m n\" : 3\n", true),
        ("a  : 1\nb :   2   \n", true),
        (
            "a: -x\nb: a:b\nc: http://x:80/y?z#w\nd: x #c\ne: x# y\n",
            true,
        ),
        ("a: - x\n", false),
        ("? a\n: b\n", false),
        ("a:\n  b:\n    c: 1\n  d: 2\ne: 3\n", true),
        ("a:\n    b: 1\n  c: 2\n", false),
        ("a:\n\tb: 1\n", false),
        ("a: 1\r\nb: 2\r\n", false),
        ("\u{feff}a: 1\n", false),
        ("a: é\nb: \"日本\"\n", true),
        ("", true),
        ("# only a comment\n", true),
        ("\n\n", true),
        ("a:\n  # comment\n  b: 1\n", true),
        ("a: &a\nb: !reset\nc: &c !reset\nd: !reset &d\n", true),
        ("a: &a # x\n  b: 1\n", true),
        ("x: [*a]\n", false),
        ("a: &a 1\nx: [*a, &b 2]\n", false),
        ("a: &a 1\nx: [*a, 2]\n", true),
        ("a: {\"b\":1}\n", true),
        ("a: [a: 1]\n", false),
        ("a: [\"a\": 1]\n", false),
        ("a: 1\n...\n", false),
        ("a:\n  - |\n    x\n  - >\n    y\n", true),
        ("a: >\n  x\n\n\n  y\n  \n  z\n", true),
        ("a: >\n  x\n    y\n  z\n", true),
        ("a: |\n    \n  x\n", false),
        ("a: |\n  x\n     \n  y\n", false),
        ("a:\n  key: |\n      x\n  next: 1\n", true),
        ("- - a\n", false),
        ("-\n- a\n", true),
        ("- \n- a\n", true),
        ("a:\n  -\n  - b\n", true),
        ("a: 1\n b: 2\n", false),
        ("a: 1\nb\n", false),
        ("a: [1, 2] x\n", false),
        ("a: \"x\" y\n", false),
        ("a: \"x\"#c\n", false),
        ("a: *x\n", false),
        ("a: &\n", false),
        ("a: !foo x\n", false),
        ("a: !<tag:x> x\n", false),
        ("a: \"\\q\"\n", false),
        ("a: \"\\ud800\"\n", false),
        ("x\n", false),
        ("a: [\n  1]\n", true),
        ("a: [b\n  , c]\n", true),
        ("a:\n  b: [1,\n  2]\n", false),
        ("a: {b: }\n", false),
        ("a: [,]\n", false),
        ("a: [b #c\n]\n", false),
        ("a: b\n# hylint: x\n  # hylint: y\nc: d\n", true),
        ("a: \u{85}\n", false),
        ("a: x\u{7f}\n", false),
        ("a: &x [*x]\n", false),
        ("a: &x\n  b: *x\n", false),
        ("a: &x\n  b: 1\nc: &x 2\nd: *x\n", true),
    ];
    for (i, (text, must_take)) in cases.iter().enumerate() {
        let took = same(&format!("case {i}"), text);
        if *must_take {
            assert!(took, "case {i} was left to granit-parser:\n{text}");
        }
    }
}

fn mutate(text: &str, rng: &mut common::Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        return String::new();
    }
    let i = rng.below(lines.len());
    match rng.below(7) {
        0 => {
            lines.remove(i);
        }
        1 => {
            let l = lines[i].clone();
            lines.insert(i, l);
        }
        2 => lines[i].insert_str(0, ["  ", " ", "    "][rng.below(3)]),
        3 => {
            let cut = lines[i].len() - lines[i].trim_start().len();
            let n = cut.min(1 + rng.below(2));
            lines[i].drain(..n);
        }
        4 | 5 => {
            const BITS: &[&str] = &[
                ":", "-", " ", "#", "'", "\"", "[", "]", "{", "}", ",", "&a", "*a", "!", "!reset ",
                "|", ">", "\n", "x", "?", "\\", ": ", "- ", "&", "*", "\n  ", "<<: ", "\t",
            ];
            let l = &mut lines[i];
            let mut at = rng.below(l.len() + 1);
            while !l.is_char_boundary(at) {
                at -= 1;
            }
            l.insert_str(at, BITS[rng.below(BITS.len())]);
        }
        _ => {
            let j = rng.below(lines.len());
            lines.swap(i, j);
        }
    }
    let mut out = lines.join("\n");
    if rng.below(8) != 0 {
        out.push('\n');
    }
    out
}

#[test]
fn agrees_with_granit_on_mutations() {
    let mut rng = common::Rng(0x9e37_79b9_7f4a_7c15);
    let texts: Vec<(String, String)> = corpus_and_fixtures()
        .into_iter()
        .filter(|p| hylint::discover::is_compose_name(p))
        .filter_map(|p| Some((p.display().to_string(), std::fs::read_to_string(&p).ok()?)))
        .collect();
    assert!(texts.len() > 30);
    let (mut taken, mut total) = (0, 0);
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(100);
    for round in 0..rounds {
        for (name, text) in &texts {
            let mut t = mutate(text, &mut rng);
            // Some texts take several changes.
            for _ in 0..rng.below(3) {
                t = mutate(&t, &mut rng);
            }
            total += 1;
            if same(&format!("{name} (round {round})"), &t) {
                taken += 1;
            }
        }
    }
    eprintln!("took {taken} of {total} mutated texts");
    // Most mutations keep a file readable; the reader must still take a good share of them.
    assert!(taken * 4 > total, "took {taken} of {total} mutated texts");
}
