//! The schema engine (src/rules/schema/json_schema.rs) against the `jsonschema` crate it
//! replaced: on every YAML document of the corpus and the fixtures, and on thousands of
//! mutations of them (values of the wrong type or out of range, unknown and odd keys, removed
//! required keys, repeated keys and items, `!reset` entries), `schema-violation` must report
//! exactly what it reported when `jsonschema` validated the document's JSON copy.

mod common;

use common::Rng;
use hylint::diagnostic::Diagnostic;
use hylint::rules::schema::schema_violation::{diagnostics, to_json, validate, Problem, SCHEMA};
use hylint::source::{FileId, Span};
use hylint::yaml::{Entry, Kind, Node, Shared, Style, Tag};
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::ValidationError;
use std::sync::OnceLock;

fn reference_validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
        jsonschema::validator_for(&schema).unwrap()
    })
}

/// The rule's pick among the alternatives of a failed `oneOf` (see schema_violation.rs).
fn most_specific<'a>(err: &'a ValidationError<'static>) -> &'a ValidationError<'static> {
    match err.kind() {
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            let mut best = err;
            let mut best_len = err.instance_path().to_string().len();
            for e in context.iter().flatten() {
                let e = most_specific(e);
                let len = e.instance_path().to_string().len();
                if len > best_len {
                    best = e;
                    best_len = len;
                }
            }
            best
        }
        _ => err,
    }
}

fn problem(err: &ValidationError) -> Problem {
    let instance = || err.instance().clone().into_owned();
    match err.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            Problem::AdditionalProperties(unexpected.clone())
        }
        ValidationErrorKind::Required { property } => Problem::Required(property.to_string()),
        ValidationErrorKind::Type { kind } => Problem::Type {
            types: match kind {
                TypeKind::Single(t) => vec![t.to_string()],
                TypeKind::Multiple(set) => set.into_iter().map(|t| t.to_string()).collect(),
            },
            instance: instance(),
        },
        ValidationErrorKind::Pattern { pattern } => Problem::Pattern {
            pattern: pattern.clone(),
            instance: instance(),
        },
        ValidationErrorKind::Enum { options } => Problem::Enum {
            options: options.to_string(),
            instance: instance(),
        },
        ValidationErrorKind::UniqueItems => Problem::UniqueItems,
        _ => Problem::Other(err.to_string()),
    }
}

/// `schema-violation` as it was: the document's JSON copy validated by `jsonschema`.
fn reference(doc: &Node) -> Vec<Diagnostic> {
    let instance = to_json(doc);
    let problems = reference_validator()
        .iter_errors(&instance)
        .map(|top| {
            let top = top.to_owned();
            let err = most_specific(&top);
            (err.instance_path().to_string(), problem(err))
        })
        .collect();
    diagnostics(doc, problems)
}

/// Asserts the engine and the reference agree on `doc`; returns the findings.
fn agree(name: &str, doc: &Node) -> Vec<Diagnostic> {
    let (got, want) = (validate(doc), reference(doc));
    assert_eq!(
        format!("{got:#?}"),
        format!("{want:#?}"),
        "{name}: the schema engine differs from jsonschema on\n{}",
        serde_json::to_string_pretty(&to_json(doc)).unwrap()
    );
    want
}

/// The kinds of message the rule writes, by a phrase each has. (`minimum`, `maximum` and
/// overlapping `oneOf` alternatives appear in the compose schema only inside alternatives of
/// a `oneOf`, whose failure is reported as the `oneOf`'s: they decide validity, never words.)
const KINDS: [&str; 6] = [
    "additional property",
    "missing required property",
    " must be a ",
    "does not match pattern",
    " must be one of ",
    "not valid under any of the schemas listed in the 'oneOf'",
];

fn documents() -> Vec<(String, Node)> {
    let mut files = common::yaml_files(&common::corpus());
    files.extend(common::yaml_files(&common::repo_root().join("fixtures")));
    let mut out = Vec::new();
    for p in files {
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        for (i, d) in hylint::yaml::parse(FileId(0), &text)
            .docs
            .into_iter()
            .enumerate()
        {
            out.push((format!("{}#{i}", p.display()), d));
        }
    }
    out
}

#[test]
fn agrees_with_jsonschema_on_every_document() {
    let docs = documents();
    assert!(docs.len() > 100, "found {} documents", docs.len());
    let invalid = docs.iter().filter(|(n, d)| !agree(n, d).is_empty()).count();
    // The corpus and the fixtures hold documents compose refuses: the test sees both kinds.
    assert!(invalid >= 5, "only {invalid} documents with problems");
}

fn scalar(text: &str, style: Style, span: Span) -> Node {
    let mut n = Node::scalar(text, span);
    n.style = style;
    n
}

/// Scalars that hit the schema's types, enums, patterns and bounds.
const SCALARS: [(&str, Style); 24] = [
    ("true", Style::Plain),
    ("1", Style::Plain),
    ("-5", Style::Plain),
    ("0", Style::Plain),
    ("1.5", Style::Plain),
    ("1.0", Style::Plain),
    ("1e3", Style::Plain),
    (".nan", Style::Plain),
    (".inf", Style::Plain),
    ("", Style::Plain),
    ("~", Style::Plain),
    ("bogus", Style::Plain),
    ("1", Style::DoubleQuoted),
    ("80:80", Style::Plain),
    ("service_healthy", Style::Plain),
    ("always", Style::Plain),
    ("every_5m", Style::Plain),
    ("every_", Style::Plain),
    ("-x", Style::Plain),
    ("a/b~c", Style::Plain),
    ("0x10", Style::Plain),
    ("99999999999999999999", Style::Plain),
    ("rw", Style::Plain),
    ("101", Style::Plain),
];

/// Keys that hit `properties`, `patternProperties` and `additionalProperties: false`.
const KEYS: [&str; 20] = [
    "bogus",
    "x-extra",
    "a/b",
    "t~x",
    "",
    "with\nbreak",
    "cr\r",
    "É",
    "image",
    "services",
    "required",
    "condition",
    "9lives",
    "UPPER",
    "-dash",
    ".dot",
    "external",
    "driver",
    "target",
    "name",
];

fn random_value(rng: &mut Rng, span: Span, donors: &[Node]) -> Node {
    let leaf = |rng: &mut Rng| {
        let (t, s) = SCALARS[rng.below(SCALARS.len())];
        scalar(t, s, span)
    };
    match rng.below(6) {
        0 | 1 => leaf(rng),
        2 => {
            let n = rng.below(3);
            let mut items: Vec<Node> = (0..n).map(|_| leaf(rng)).collect();
            if rng.below(3) == 0 {
                if let Some(first) = items.first().cloned() {
                    items.push(first);
                }
            }
            Node::seq(items, span)
        }
        3 => Node::map(
            (0..rng.below(3))
                .map(|_| Entry {
                    key: scalar(KEYS[rng.below(KEYS.len())], Style::Plain, span),
                    value: leaf(rng),
                    merged_from: None,
                })
                .collect(),
            span,
        ),
        // A value from elsewhere in the corpus: a real shape in the wrong place.
        _ => {
            let mut d = donors[rng.below(donors.len())].clone();
            d.span = span;
            d
        }
    }
}

/// Every node of `n`, depth first, as paths of child indexes.
fn paths(n: &Node, at: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(at.clone());
    let children: Vec<&Node> = match &n.kind {
        Kind::Seq(items) => items.iter().collect(),
        Kind::Map(es) => es.iter().map(|e| &e.value).collect(),
        Kind::Scalar(_) => Vec::new(),
    };
    for (i, c) in children.into_iter().enumerate() {
        at.push(i);
        paths(c, at, out);
        at.pop();
    }
}

fn at_path<'a>(n: &'a mut Node, path: &[usize]) -> &'a mut Node {
    match path.split_first() {
        None => n,
        Some((i, rest)) => match &mut n.kind {
            Kind::Seq(items) => at_path(&mut Shared::make_mut(items)[*i], rest),
            Kind::Map(es) => at_path(&mut Shared::make_mut(es)[*i].value, rest),
            Kind::Scalar(_) => unreachable!("paths lead through collections"),
        },
    }
}

fn mutate(doc: &mut Node, rng: &mut Rng, donors: &[Node]) {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    let target = at_path(doc, &all[rng.below(all.len())]);
    let span = target.span;
    match (&mut target.kind, rng.below(6)) {
        (Kind::Map(es), 0) => {
            let value = random_value(rng, span, donors);
            let at = rng.below(es.len() + 1);
            Shared::make_mut(es).insert(
                at,
                Entry {
                    key: scalar(KEYS[rng.below(KEYS.len())], Style::Plain, span),
                    value,
                    merged_from: None,
                },
            );
        }
        (Kind::Map(es), 1) if !es.is_empty() => {
            let at = rng.below(es.len());
            Shared::make_mut(es).remove(at);
        }
        (Kind::Map(es), 2) if !es.is_empty() => {
            // A repeated key: its last value counts.
            let mut e = es[rng.below(es.len())].clone();
            if rng.below(2) == 0 {
                e.value = random_value(rng, span, donors);
            }
            Shared::make_mut(es).push(e);
        }
        (Kind::Map(es), 3) if !es.is_empty() => {
            let i = rng.below(es.len());
            Shared::make_mut(es)[i].value.set_tag(Some(Tag::Reset));
        }
        (Kind::Seq(items), 1 | 2) if !items.is_empty() => {
            let item = items[rng.below(items.len())].clone();
            Shared::make_mut(items).push(item);
        }
        _ => *target = random_value(rng, span, donors),
    }
}

#[test]
fn agrees_with_jsonschema_on_mutated_documents() {
    let docs: Vec<(String, Node)> = documents()
        .into_iter()
        .filter(|(_, d)| d.get("services").is_some())
        .collect();
    // Donor values: every service's definition and its fields.
    let mut donors: Vec<Node> = Vec::new();
    for (_, d) in &docs {
        for s in d.get("services").and_then(|s| s.as_map()).unwrap_or(&[]) {
            donors.push(s.value.clone());
            donors.extend(
                s.value
                    .as_map()
                    .unwrap_or(&[])
                    .iter()
                    .map(|e| e.value.clone()),
            );
        }
    }
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(40);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (mut checked, mut invalid) = (0, 0);
    let mut seen = [0usize; KINDS.len()];
    for round in 0..rounds {
        for (name, doc) in &docs {
            let mut d = doc.clone();
            for _ in 0..1 + rng.below(3) {
                mutate(&mut d, &mut rng, &donors);
            }
            checked += 1;
            let found = agree(&format!("{name}, round {round}"), &d);
            invalid += usize::from(!found.is_empty());
            for f in &found {
                for (k, phrase) in KINDS.iter().enumerate() {
                    seen[k] += usize::from(f.message.contains(phrase));
                }
            }
        }
    }
    // Most mutations must reach the schema, or the test proves little.
    assert!(
        invalid * 2 > checked,
        "{invalid} of {checked} mutated documents had problems"
    );
    eprintln!("{checked} mutated documents, {invalid} with problems, all equal");
    for (k, phrase) in KINDS.iter().enumerate() {
        eprintln!("{:>8} {phrase}", seen[k]);
    }
    // Every kind of message was compared at least once.
    assert!(seen.iter().all(|n| *n > 0), "kinds never reached: {seen:?}");
}

/// Mappings and lists longer than the engine compares pairwise (64 entries) are checked through
/// hashes: findings still agree with jsonschema, with repeated keys (the last value counts,
/// `!reset` ones left out) and repeated items.
#[test]
fn agrees_with_jsonschema_on_long_mappings_and_lists() {
    let service = |env: &str, hosts: &str| {
        let text =
            format!("services:\n  a:\n    image: x\n    environment:\n{env}    labels:\n{hosts}");
        hylint::yaml::parse(FileId(0), &text).docs.remove(0)
    };
    let env: String = (0..100).map(|i| format!("      K{i}: v{i}\n")).collect();
    let list = |extra: &str| -> String {
        let mut p: String = (0..100).map(|i| format!("      - L{i}=x\n")).collect();
        p.push_str(extra);
        p
    };
    let findings = |name: &str, doc: &Node| agree(name, doc).len();
    assert_eq!(findings("unique", &service(&env, &list(""))), 0);
    assert_eq!(
        findings("an item again", &service(&env, &list("      - L42=x\n"))),
        1
    );
    assert_eq!(
        findings("a near miss", &service(&env, &list("      - L42=y\n"))),
        0
    );

    // Repeated keys cannot be parsed (the parser keeps the last); they are put in by hand.
    let repeat = |first_bad: bool, reset: bool| {
        let mut doc = service(&env, &list(""));
        let svc = doc
            .get_mut("services")
            .and_then(|s| s.get_mut("a"))
            .unwrap();
        let es = svc.get_mut("environment").unwrap().as_map_mut().unwrap();
        let span = es[0].value.span;
        let bad = Node::seq(vec![Node::scalar("x", span)], span);
        let good = Node::scalar("fine", span);
        let (a, b) = if first_bad { (bad, good) } else { (good, bad) };
        es[7].value = a;
        let mut again = es[7].clone();
        again.value = b;
        if reset {
            again.value.set_tag(Some(Tag::Reset));
        }
        es.push(again);
        doc
    };
    assert_eq!(
        findings("repeated key, last valid", &repeat(true, false)),
        0
    );
    assert_eq!(
        findings("repeated key, last invalid", &repeat(false, false)),
        1
    );
    assert_eq!(findings("repeated key, last reset", &repeat(true, true)), 1);
}
