//! `schema-violation`: a value compose refuses to read. Each file is validated, after
//! interpolation, against the compose-spec JSON schema docker compose itself embeds
//! (`rules/schema/compose-spec.json`), and each error is reported at the key or value it is
//! about. The loader also reports malformed volume and port specs and unparsable commands while
//! it normalises services.

use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::yaml::{Kind, Node, Tag, Typed};
use jsonschema::error::ValidationErrorKind;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

crate::rule_meta!(
    "schema-violation",
    "HY007",
    "schema",
    Error,
    fixable = false,
    "A value docker compose refuses: the compose-spec schema, malformed volume or port specs, unbalanced quotes in a command"
);

/// The compose-spec schema embedded in docker compose v2.40.3 (see rules/schema/README.md).
pub const SCHEMA: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/rules/schema/compose-spec.json"
));

pub fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let schema: Value = serde_json::from_str(SCHEMA).expect("vendored schema is JSON");
        jsonschema::validator_for(&schema).expect("vendored schema compiles")
    })
}

/// The document as compose hands it to the validator: typed scalars, interpolated values as
/// strings, `!reset` entries dropped.
fn to_json(n: &Node) -> Value {
    match &n.kind {
        Kind::Scalar(_) => {
            // Interpolated values are already strings or cast (see resolve::interpolated_copy).
            match n.typed() {
                Typed::Null => Value::Null,
                Typed::Bool(b) => json!(b),
                Typed::Int(i) => json!(i),
                Typed::Float(f) => json!(f),
                Typed::Str(s) => json!(s),
                Typed::Collection => Value::Null,
            }
        }
        Kind::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        Kind::Map(es) => {
            let mut m = Map::new();
            for e in es {
                if e.value.tag == Some(Tag::Reset) {
                    continue;
                }
                m.insert(e.key_str().to_string(), to_json(&e.value));
            }
            Value::Object(m)
        }
    }
}

/// The node at a JSON pointer, with the key it sits under.
fn locate<'a>(doc: &'a Node, pointer: &str) -> (&'a Node, Option<Span>) {
    let mut n = doc;
    let mut key = None;
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        let next = match &n.kind {
            Kind::Map(es) => es.iter().find(|e| e.key_str() == seg).map(|e| {
                key = Some(e.key.site());
                &e.value
            }),
            Kind::Seq(items) => seg
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .inspect(|item| {
                    key = Some(item.site());
                }),
            Kind::Scalar(_) => None,
        };
        match next {
            Some(x) => n = x,
            None => break,
        }
    }
    (n, key)
}

fn dotted(pointer: &str) -> String {
    let p: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    if p.is_empty() {
        "(top level)".into()
    } else {
        p.join(".")
    }
}

/// Of the alternatives an `anyOf`/`oneOf` failed on, the error nearest the value (the longest
/// instance path), as compose reports it.
fn most_specific<'a>(
    err: &'a jsonschema::ValidationError<'static>,
) -> &'a jsonschema::ValidationError<'static> {
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

fn type_names(kind: &jsonschema::error::TypeKind) -> String {
    let names: Vec<String> = match kind {
        jsonschema::error::TypeKind::Single(t) => vec![t.to_string()],
        jsonschema::error::TypeKind::Multiple(set) => {
            set.into_iter().map(|t| t.to_string()).collect()
        }
    };
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(57).collect::<String>())
    } else {
        s
    }
}

/// Validate one interpolated document; one diagnostic per problem.
pub fn validate(doc: &Node) -> Vec<Diagnostic> {
    let instance = to_json(doc);
    let mut out = Vec::new();
    let refuses = "docker compose refuses the file";
    for top in validator().iter_errors(&instance) {
        let top = top.to_owned();
        let err = most_specific(&top);
        let pointer = err.instance_path().to_string();
        let before = out.len();
        let (node, key) = locate(doc, &pointer);
        let at = dotted(&pointer);
        let value_span = if node.is_map() || node.is_seq() {
            key.unwrap_or(node.site())
        } else {
            node.site()
        };
        match err.kind() {
            // compose does not enforce uniqueItems (duplicate `expose` entries load fine).
            ValidationErrorKind::UniqueItems => continue,
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for name in unexpected {
                    let span = node
                        .entry(name)
                        .map(|e| e.key.site())
                        .unwrap_or(node.site());
                    let place = if at == "(top level)" {
                        String::new()
                    } else {
                        format!("{at}: ")
                    };
                    out.push(Diagnostic::new(
                        &META,
                        span,
                        format!("{place}additional property `{name}` is not allowed: {refuses}"),
                    ));
                }
            }
            ValidationErrorKind::Required { property } => out.push(Diagnostic::new(
                &META,
                key.unwrap_or(node.site()),
                format!("{at}: missing required property {property}: {refuses}"),
            )),
            ValidationErrorKind::Type { kind } => out.push(Diagnostic::new(
                &META,
                value_span,
                format!(
                    "{at} must be a {}, not {}: {refuses}",
                    type_names(kind),
                    short(err.instance())
                ),
            )),
            ValidationErrorKind::Pattern { pattern } => out.push(Diagnostic::new(
                &META,
                value_span,
                format!(
                    "{at} {} does not match pattern '{pattern}': {refuses}",
                    short(err.instance())
                ),
            )),
            ValidationErrorKind::Enum { options } => out.push(Diagnostic::new(
                &META,
                value_span,
                format!(
                    "{at} must be one of {}, not {}: {refuses}",
                    options,
                    short(err.instance())
                ),
            )),
            _ => {
                let msg = err.to_string();
                let msg = if msg.chars().count() > 160 {
                    format!("{}...", msg.chars().take(157).collect::<String>())
                } else {
                    msg
                };
                out.push(Diagnostic::new(
                    &META,
                    value_span,
                    format!("{at}: {msg}: {refuses}"),
                ));
            }
        }
        // Name the service a problem is in.
        if let Some(svc) = pointer
            .strip_prefix("/services/")
            .map(|r| r.split('/').next().unwrap_or(""))
        {
            for d in &mut out[before..] {
                d.service = Some(svc.replace("~1", "/").replace("~0", "~"));
            }
        }
    }
    out
}
