//! `schema-violation`: a value compose refuses to read. Each file is validated, after
//! interpolation, against the compose-spec JSON schema docker compose itself embeds
//! (`rules/schema/compose-spec.json`), and each error is reported at the key or value it is
//! about. The loader also reports malformed volume and port specs and unparsable commands while
//! it normalises services.

use super::json_schema::{Error, ErrorKind, Schema};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::yaml::{Kind, Node, Tag, Typed};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;
crate::declare_rule! {
    SchemaViolation {
        name: "schema-violation",
        code: "HY007",
        category: "schema",
        severity: Error,
        fix: Never,
        summary: "A value docker compose refuses: the compose-spec schema, malformed volume or port specs, unbalanced quotes in a command",
    }
}

impl crate::rules::Rule for SchemaViolation {}

/// The compose-spec schema embedded in docker compose v2.40.3 (see rules/schema/README.md).
pub const SCHEMA: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/rules/schema/compose-spec.json"
));

pub fn validator() -> &'static Schema {
    static V: OnceLock<Schema> = OnceLock::new();
    V.get_or_init(|| Schema::compile(SCHEMA).expect("vendored schema compiles"))
}

/// A value as compose hands it to the validator, for messages: typed scalars, interpolated values as
/// strings, `!reset` entries dropped.
pub fn to_json(n: &Node) -> Value {
    match &n.kind {
        Kind::Scalar(_) => {
            // Interpolated values are already strings or cast (see resolve::interpolated_change).
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
            for e in es.iter() {
                if e.value.tag() == Some(&Tag::Reset) {
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

/// Of the alternatives a `oneOf` failed on, the error nearest the value (the longest
/// instance path), as compose reports it.
fn most_specific<'a, 's>(err: &'a Error<'s>) -> &'a Error<'s> {
    match &err.kind {
        ErrorKind::OneOfNotValid(context) => {
            let mut best = err;
            for e in context.iter().flatten() {
                let e = most_specific(e);
                if e.pointer.len() > best.pointer.len() {
                    best = e;
                }
            }
            best
        }
        _ => err,
    }
}

/// What the rule reports of one schema error, with the values it quotes already written as
/// JSON. (`tests/schema_engine.rs` builds these from the `jsonschema` crate's errors too.)
#[doc(hidden)]
pub enum Problem {
    AdditionalProperties(Vec<String>),
    /// The property, as a JSON string.
    Required(String),
    Type {
        types: Vec<String>,
        instance: Value,
    },
    Pattern {
        pattern: String,
        instance: Value,
    },
    Enum {
        options: String,
        instance: Value,
    },
    UniqueItems,
    /// Any other error, in `jsonschema`'s words.
    Other(String),
}

fn problem(err: &Error) -> Problem {
    let instance = || to_json(err.instance);
    match &err.kind {
        ErrorKind::AdditionalProperties(names) => Problem::AdditionalProperties(names.clone()),
        ErrorKind::Required(p) => Problem::Required(Value::from(*p).to_string()),
        ErrorKind::Type(t) => Problem::Type {
            types: t.names().into_iter().map(String::from).collect(),
            instance: instance(),
        },
        ErrorKind::Pattern(p) => Problem::Pattern {
            pattern: p.to_string(),
            instance: instance(),
        },
        ErrorKind::Enum(options) => Problem::Enum {
            options: options.to_string(),
            instance: instance(),
        },
        ErrorKind::UniqueItems => Problem::UniqueItems,
        ErrorKind::Minimum(limit) => Problem::Other(format!(
            "{} is less than the minimum of {limit}",
            instance()
        )),
        ErrorKind::Maximum(limit) => Problem::Other(format!(
            "{} is greater than the maximum of {limit}",
            instance()
        )),
        ErrorKind::OneOfNotValid(_) => Problem::Other(format!(
            "{} is not valid under any of the schemas listed in the 'oneOf' keyword",
            instance()
        )),
        ErrorKind::OneOfMultipleValid => Problem::Other(format!(
            "{} is valid under more than one of the schemas listed in the 'oneOf' keyword",
            instance()
        )),
        ErrorKind::FalseSchema => {
            Problem::Other(format!("False schema does not allow {}", instance()))
        }
    }
}

fn type_names(names: &[String]) -> String {
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
    let problems: Vec<(String, Problem)> = validator()
        .errors(doc)
        .iter()
        .map(|top| {
            let err = most_specific(top);
            (err.pointer.clone(), problem(err))
        })
        .collect();
    diagnostics(doc, problems)
}

/// Mapping keys go-yaml reads as something other than a string (`true`, `1`, `~`): compose
/// refuses the file ("non-string key"), wherever the mapping is, extensions included. Not a
/// JSON Schema check (JSON has only string keys), so apart from `validate`.
pub fn non_string_key_problems(doc: &Node) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    non_string_keys(doc, &mut Vec::new(), &mut out);
    out
}

fn non_string_keys(n: &Node, path: &mut Vec<String>, out: &mut Vec<Diagnostic>) {
    match &n.kind {
        crate::yaml::Kind::Map(entries) => {
            for e in entries.iter() {
                if !matches!(e.key.typed(), Typed::Str(_)) {
                    let at = if path.is_empty() {
                        "the top level".to_string()
                    } else {
                        path.join(".")
                    };
                    out.push(Diagnostic::new(
                        &META,
                        e.key.site(),
                        format!(
                            "non-string key `{}` in {at}: docker compose refuses the file; quote it",
                            e.key_str()
                        ),
                    ));
                }
                path.push(e.key_str().to_string());
                non_string_keys(&e.value, path, out);
                path.pop();
            }
        }
        crate::yaml::Kind::Seq(items) => {
            for i in items.iter() {
                path.push("[]".into());
                non_string_keys(i, path, out);
                path.pop();
            }
        }
        crate::yaml::Kind::Scalar(_) => {}
    }
}

/// The diagnostics of the problems found in `doc` (each with the JSON pointer of its value).
#[doc(hidden)]
pub fn diagnostics(doc: &Node, problems: Vec<(String, Problem)>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let refuses = "docker compose refuses the file";
    for (pointer, problem) in problems {
        let before = out.len();
        let (node, key) = locate(doc, &pointer);
        let at = dotted(&pointer);
        let value_span = if node.is_map() || node.is_seq() {
            key.unwrap_or(node.site())
        } else {
            node.site()
        };
        match problem {
            // compose does not enforce uniqueItems (duplicate `expose` entries load fine).
            Problem::UniqueItems => continue,
            Problem::AdditionalProperties(unexpected) => {
                for name in unexpected {
                    let span = node
                        .entry(&name)
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
            Problem::Required(property) => out.push(Diagnostic::new(
                &META,
                key.unwrap_or(node.site()),
                format!("{at}: missing required property {property}: {refuses}"),
            )),
            Problem::Type { types, instance } => out.push(Diagnostic::new(
                &META,
                value_span,
                format!(
                    "{at} must be a {}, not {}: {refuses}",
                    type_names(&types),
                    short(&instance)
                ),
            )),
            Problem::Pattern { pattern, instance } => out.push(Diagnostic::new(
                &META,
                value_span,
                format!(
                    "{at} {} does not match pattern '{pattern}': {refuses}",
                    short(&instance)
                ),
            )),
            Problem::Enum { options, instance } => out.push(Diagnostic::new(
                &META,
                value_span,
                format!(
                    "{at} must be one of {options}, not {}: {refuses}",
                    short(&instance)
                ),
            )),
            Problem::Other(msg) => {
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

/// A value compose refuses as it reads a service (the loader's normalisation says which).
pub fn invalid(at: Span, detail: &str) -> Diagnostic {
    Diagnostic::new(
        &META,
        at,
        format!("{detail}: docker compose refuses the file"),
    )
}

/// A limit set on the service and, differently, under `deploy.resources` (`twin`).
pub fn limits_differ(at: Span, service: &str, key: &str, twin: &str, other: Span) -> Diagnostic {
    Diagnostic::new(
        &META,
        at,
        format!(
            "services.{service}: `{key}` and `{twin}` differ: docker compose refuses the \
             project; keep one of them"
        ),
    )
    .with_label(other, "the other value")
}
