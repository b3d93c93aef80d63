//! The compose-spec JSON schema, compiled once and checked directly against our YAML trees.
//!
//! Why not a general JSON Schema crate: it needs every document converted to JSON values first,
//! and compiling its validators took longer than linting a small tree. The compose schema uses
//! a small part of draft 7 (`type`, `enum`, `minimum`, `maximum`, `required`, `pattern`,
//! `uniqueItems`, `properties`, `patternProperties`, `additionalProperties: false`, `items`,
//! `oneOf`, `$ref` to its own definitions); compiling anything else is an error, so a schema
//! update that needs more cannot slip through (a unit test compiles the vendored schema).
//!
//! Errors are those the `jsonschema` crate reports, in its order (it sorts a schema's
//! keywords as `Schema::collect` visits them, and walks object members as `check_object`
//! does): the rule picks the most specific error of a failed `oneOf` by position in that
//! order, so the order decides messages. `tests/schema_engine.rs` holds the two equal on the
//! corpus and on thousands of mutated documents.

use crate::yaml::{last_of_key, Entry, Kind, Node, Tag, Typed, PAIRWISE};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;

/// JSON types as bits, in the order `jsonschema` lists them in messages.
pub const TYPE_NAMES: [&str; 7] = [
    "null", "boolean", "integer", "number", "string", "array", "object",
];
const NULL: u8 = 1;
const BOOLEAN: u8 = 1 << 1;
const INTEGER: u8 = 1 << 2;
const NUMBER: u8 = 1 << 3;
const STRING: u8 = 1 << 4;
const ARRAY: u8 = 1 << 5;
const OBJECT: u8 = 1 << 6;

/// A `type` keyword: the accepted bits, and whether it was written as one name (messages say
/// "a string", or list the set).
#[derive(Clone, Copy, Debug)]
pub struct Types {
    pub bits: u8,
    pub single: bool,
}

impl Types {
    pub fn names(&self) -> Vec<&'static str> {
        (0..7)
            .filter(|i| self.bits & (1 << i) != 0)
            .map(|i| TYPE_NAMES[i])
            .collect()
    }
}

/// A pattern of the schema, with the ECMA-262 meaning JSON Schema gives it (as `jsonschema`
/// reads it: `.` matches no line terminator, `\r` and U+2028/U+2029 included). The ones the
/// compose schema uses are matched by hand (a regex each cost more to compile than a small
/// tree takes to lint); any other is compiled.
enum Matcher {
    /// `^x-`
    Prefix(String),
    /// `^.+$`: not empty, no line terminator.
    NonEmptyLine,
    /// `.+`: some character that is not a line terminator.
    HasNonTerminator,
    /// `^[a-z]+$`
    Lowercase,
    /// `^[a-zA-Z0-9._-]+$`
    NameChars,
    Regex(regex::Regex),
}

fn line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

fn name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

/// An ECMA-262 pattern as the regex crate reads it: every `.` outside a class stands for
/// "not a line terminator" (the regex crate's `.` excludes only `\n`).
fn ecma_regex(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let (mut escaped, mut in_class) = (false, false);
    for c in p.chars() {
        match c {
            _ if escaped => {
                escaped = false;
                out.push(c);
            }
            '\\' => {
                escaped = true;
                out.push(c);
            }
            '[' => {
                in_class = true;
                out.push(c);
            }
            ']' => {
                in_class = false;
                out.push(c);
            }
            '.' if !in_class => out.push_str(r"[^\n\r\x{2028}\x{2029}]"),
            c => out.push(c),
        }
    }
    out
}

impl Matcher {
    fn new(pattern: &str) -> Result<Matcher, String> {
        Ok(match pattern {
            "^.+$" => Matcher::NonEmptyLine,
            ".+" => Matcher::HasNonTerminator,
            "^[a-z]+$" => Matcher::Lowercase,
            "^[a-zA-Z0-9._-]+$" => Matcher::NameChars,
            p if p.starts_with('^')
                && p.len() > 1
                && p[1..]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
            {
                Matcher::Prefix(p[1..].to_string())
            }
            p => Matcher::Regex(
                regex::Regex::new(&ecma_regex(p)).map_err(|e| format!("pattern {p}: {e}"))?,
            ),
        })
    }

    fn is_match(&self, s: &str) -> bool {
        match self {
            Matcher::Prefix(p) => s.starts_with(p.as_str()),
            Matcher::NonEmptyLine => !s.is_empty() && !s.chars().any(line_terminator),
            Matcher::HasNonTerminator => s.chars().any(|c| !line_terminator(c)),
            Matcher::Lowercase => !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase()),
            Matcher::NameChars => !s.is_empty() && s.bytes().all(name_char),
            Matcher::Regex(r) => r.is_match(s),
        }
    }
}

/// One compiled (sub)schema.
#[derive(Default)]
struct SNode {
    /// `$ref`: in draft 7 the only keyword that counts where it appears.
    reference: Option<usize>,
    /// `false`
    never: bool,
    types: Option<Types>,
    enumeration: Option<Value>,
    /// `minimum`, `maximum`: as written (for messages) and as a number, read once.
    minimum: Option<(Value, Num)>,
    maximum: Option<(Value, Num)>,
    required: Vec<String>,
    /// `required` of one name beside `properties` and `additionalProperties: false`:
    /// `jsonschema` checks it with the closed object, after the unexpected members.
    required_after: bool,
    pattern: Option<(String, Matcher)>,
    unique: bool,
    /// In schema order; `lookup` finds one by name. Every key of every mapping is looked up,
    /// some several times: a hash probe compares one string, a binary search over a service's
    /// 92 properties about seven.
    properties: Vec<(Cow<'static, str>, usize)>,
    lookup: foldhash::HashMap<Box<str>, usize>,
    patterns: Vec<(Matcher, usize)>,
    closed: bool,
    items: Option<usize>,
    one_of: Vec<usize>,
}

pub struct Schema {
    nodes: Vec<SNode>,
}

/// What a value fails on, as `jsonschema` names it.
pub enum ErrorKind<'s> {
    Type(Types),
    Enum(&'s Value),
    Minimum(&'s Value),
    Maximum(&'s Value),
    Required(&'s str),
    Pattern(&'s str),
    UniqueItems,
    AdditionalProperties(Vec<String>),
    /// Every alternative failed: each one's errors.
    OneOfNotValid(Vec<Vec<Error<'s>>>),
    OneOfMultipleValid,
    FalseSchema,
}

pub struct Error<'s> {
    /// JSON pointer of the value (`/services/web/ports/0`).
    pub pointer: String,
    pub kind: ErrorKind<'s>,
    /// The value as the validator saw it.
    pub instance: &'s Node,
}

/// A map's members as compose sees them: `!reset` entries left out, and a repeated key holds
/// its last value at its first position (as a JSON object built from the entries would).
fn members(entries: &[Entry]) -> Vec<(&str, &Node)> {
    let mut out: Vec<(&str, &Node)> = Vec::with_capacity(entries.len());
    // Keys seen so far: a scan of `out` while the mapping is small, a hash map once it is large.
    let mut index: Option<foldhash::HashMap<&str, usize>> =
        (entries.len() > PAIRWISE).then(Default::default);
    for e in entries {
        if e.value.tag() == Some(&Tag::Reset) {
            continue;
        }
        let k = e.key_str();
        let seen = match &index {
            Some(ix) => ix.get(k).copied(),
            None => out.iter().position(|(name, _)| *name == k),
        };
        match seen {
            Some(i) => out[i].1 = &e.value,
            None => {
                if let Some(ix) = &mut index {
                    ix.insert(k, out.len());
                }
                out.push((k, &e.value));
            }
        }
    }
    out
}

/// The value's JSON type bit (`integer` numbers carry both integer and number), from the
/// node's kind and its scalar's type (`typed`, worked out once per visit: it parses the text).
fn type_bits(n: &Node, typed: &Typed) -> u8 {
    match &n.kind {
        Kind::Seq(_) => ARRAY,
        Kind::Map(_) => OBJECT,
        Kind::Scalar(_) => match typed {
            Typed::Null | Typed::Collection => NULL,
            Typed::Bool(_) => BOOLEAN,
            Typed::Int(_) => INTEGER | NUMBER,
            // JSON has no NaN or infinity: such a value is converted to null.
            Typed::Float(f) if !f.is_finite() => NULL,
            Typed::Float(f) if f.fract() == 0.0 => INTEGER | NUMBER,
            Typed::Float(_) => NUMBER,
            Typed::Str(_) => STRING,
        },
    }
}

#[derive(Clone, Copy)]
enum Num {
    Int(i64),
    Float(f64),
}

fn number(typed: &Typed) -> Option<Num> {
    match *typed {
        Typed::Int(i) => Some(Num::Int(i)),
        Typed::Float(f) if f.is_finite() => Some(Num::Float(f)),
        _ => None,
    }
}

/// JSON equality of two scalars' values (numbers by value, as `jsonschema`).
fn scalars_equal(a: &Typed, b: &Typed) -> bool {
    match (number(a), number(b)) {
        (Some(p), Some(q)) => num_cmp(&p, &q) == Some(std::cmp::Ordering::Equal),
        (None, None) => match (a, b) {
            (Typed::Str(p), Typed::Str(q)) => p == q,
            (Typed::Bool(p), Typed::Bool(q)) => p == q,
            // Null, NaN and infinity are all null in JSON.
            (Typed::Str(_) | Typed::Bool(_), _) | (_, Typed::Str(_) | Typed::Bool(_)) => false,
            _ => true,
        },
        _ => false,
    }
}

fn num_of(v: &Value) -> Option<Num> {
    let n = v.as_number()?;
    match n.as_i64() {
        Some(i) => Some(Num::Int(i)),
        None => n.as_f64().map(Num::Float),
    }
}

fn num_cmp(a: &Num, b: &Num) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => Some(x.cmp(y)),
        (Num::Int(x), Num::Float(y)) => (*x as f64).partial_cmp(y),
        (Num::Float(x), Num::Int(y)) => x.partial_cmp(&(*y as f64)),
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(y),
    }
}

/// JSON equality of a value and a schema constant (numbers by value, as `jsonschema`).
fn equals_value(n: &Node, v: &Value) -> bool {
    match (&n.kind, v) {
        (Kind::Seq(items), Value::Array(vs)) => {
            items.len() == vs.len() && items.iter().zip(vs).all(|(a, b)| equals_value(a, b))
        }
        (Kind::Map(es), Value::Object(vm)) => {
            let ms = members(es);
            ms.len() == vm.len()
                && ms
                    .iter()
                    .all(|(k, x)| vm.get(*k).is_some_and(|y| equals_value(x, y)))
        }
        (Kind::Scalar(_), _) => {
            let typed = n.typed();
            match v {
                Value::Null => type_bits(n, &typed) == NULL,
                Value::Bool(b) => matches!(typed, Typed::Bool(x) if x == *b),
                Value::String(s) => matches!(typed, Typed::Str(x) if x == s),
                Value::Number(_) => match (number(&typed), num_of(v)) {
                    (Some(a), Some(b)) => num_cmp(&a, &b) == Some(std::cmp::Ordering::Equal),
                    _ => false,
                },
                _ => false,
            }
        }
        _ => false,
    }
}

/// JSON equality of two values (for `uniqueItems`).
fn equals(a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::Seq(x), Kind::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| equals(p, q))
        }
        (Kind::Map(x), Kind::Map(y)) => {
            let (mx, my) = (members(x), members(y));
            mx.len() == my.len()
                && mx.iter().all(|(k, v)| {
                    my.iter()
                        .find(|(name, _)| name == k)
                        .is_some_and(|(_, w)| equals(v, w))
                })
        }
        (Kind::Scalar(_), Kind::Scalar(_)) => scalars_equal(&a.typed(), &b.typed()),
        _ => false,
    }
}

fn has_duplicates(items: &[Node]) -> bool {
    let scalars = items.iter().all(|i| matches!(i.kind, Kind::Scalar(_)));
    // Each scalar's type worked out once, not once per pair.
    let typed: Vec<Typed> = if scalars {
        items.iter().map(Node::typed).collect()
    } else {
        Vec::new()
    };
    let same = |i: usize, j: usize| {
        if scalars {
            scalars_equal(&typed[i], &typed[j])
        } else {
            equals(&items[i], &items[j])
        }
    };
    if items.len() <= PAIRWISE {
        return (0..items.len()).any(|i| (i + 1..items.len()).any(|j| same(i, j)));
    }
    // A long list: items are grouped by a hash that equal items share, and only items of one
    // group are compared, so that 20 000 ports are not 200 million comparisons.
    let mut hashed: Vec<(u64, usize)> = items
        .iter()
        .enumerate()
        .map(|(i, n)| (value_hash(n), i))
        .collect();
    hashed.sort_unstable();
    hashed.chunk_by(|a, b| a.0 == b.0).any(|group| {
        group
            .iter()
            .enumerate()
            .any(|(x, a)| group[x + 1..].iter().any(|b| same(a.1, b.1)))
    })
}

/// A hash of a value as `equals` compares it: equal values hash alike (numbers by value, a
/// mapping's members in any order, null, NaN and infinity all null).
fn value_hash(n: &Node) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    match &n.kind {
        Kind::Scalar(_) => {
            let typed = n.typed();
            match (number(&typed), &typed) {
                (Some(Num::Int(i)), _) => (0u8, number_bits(i as f64)).hash(&mut h),
                (Some(Num::Float(f)), _) => (0u8, number_bits(f)).hash(&mut h),
                (None, Typed::Str(s)) => (1u8, s).hash(&mut h),
                (None, Typed::Bool(b)) => (2u8, b).hash(&mut h),
                (None, _) => 3u8.hash(&mut h),
            }
        }
        Kind::Seq(items) => {
            (4u8, items.len()).hash(&mut h);
            for i in items.iter() {
                value_hash(i).hash(&mut h);
            }
        }
        Kind::Map(es) => {
            let ms = members(es);
            // Summed: the same members in another order give the same hash.
            let sum = ms.iter().fold(0u64, |acc, (k, v)| {
                let mut m = std::hash::DefaultHasher::new();
                (k, value_hash(v)).hash(&mut m);
                acc.wrapping_add(m.finish())
            });
            (5u8, ms.len(), sum).hash(&mut h);
        }
    }
    h.finish()
}

/// A number's bits as `value_hash` hashes them: an integer as the float it compares equal to,
/// and 0 for -0.
fn number_bits(f: f64) -> u64 {
    if f == 0.0 {
        0
    } else {
        f.to_bits()
    }
}

/// Keywords that only describe; every other keyword must be one the engine checks.
const ANNOTATIONS: [&str; 7] = [
    "description",
    "deprecated",
    "default",
    "title",
    "$schema",
    "$id",
    "definitions",
];

/// The schema's JSON, read as it is written: objects keep their keys in order in a plain
/// list. (`serde_json::Value` keeps order in a hashed map here, as the crate is built with
/// `preserve_order` for our JSON output: hashing every key of the schema cost more than the
/// rest of compiling it.)
enum J<'a> {
    Null,
    Bool(bool),
    Num(serde_json::Number),
    Str(std::borrow::Cow<'a, str>),
    Arr(Vec<J<'a>>),
    Obj(Vec<(std::borrow::Cow<'a, str>, J<'a>)>),
}

impl<'de> serde::Deserialize<'de> for J<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = J<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<J<'de>, E> {
                Ok(J::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<J<'de>, E> {
                Ok(J::Bool(b))
            }
            fn visit_i64<E>(self, i: i64) -> Result<J<'de>, E> {
                Ok(J::Num(i.into()))
            }
            fn visit_u64<E>(self, u: u64) -> Result<J<'de>, E> {
                Ok(J::Num(u.into()))
            }
            fn visit_f64<E: serde::de::Error>(self, f: f64) -> Result<J<'de>, E> {
                serde_json::Number::from_f64(f)
                    .map(J::Num)
                    .ok_or_else(|| E::custom("not a JSON number"))
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<J<'de>, E> {
                Ok(J::Str(s.into()))
            }
            fn visit_str<E>(self, s: &str) -> Result<J<'de>, E> {
                Ok(J::Str(s.to_string().into()))
            }
            fn visit_string<E>(self, s: String) -> Result<J<'de>, E> {
                Ok(J::Str(s.into()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<J<'de>, A::Error> {
                let mut out = Vec::new();
                while let Some(x) = a.next_element()? {
                    out.push(x);
                }
                Ok(J::Arr(out))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<J<'de>, A::Error> {
                let mut out = Vec::new();
                // Keys read as `J` borrow from the text where they can (a `Cow` would be owned).
                while let Some(k) = a.next_key::<J<'de>>()? {
                    let J::Str(k) = k else {
                        return Err(serde::de::Error::custom("a key is not a string"));
                    };
                    out.push((k, a.next_value()?));
                }
                Ok(J::Obj(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'a> J<'a> {
    fn get(&self, key: &str) -> Option<&J<'a>> {
        match self {
            J::Obj(es) => es.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    fn as_str(&self) -> Option<&str> {
        match self {
            J::Str(s) => Some(s),
            _ => None,
        }
    }
    fn to_value(&self) -> Value {
        match self {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Num(n) => Value::Number(n.clone()),
            J::Str(s) => Value::String(s.to_string()),
            J::Arr(a) => Value::Array(a.iter().map(J::to_value).collect()),
            J::Obj(es) => Value::Object(
                es.iter()
                    .map(|(k, v)| (k.to_string(), v.to_value()))
                    .collect(),
            ),
        }
    }
}

struct Compiler<'v> {
    root: &'v J<'static>,
    nodes: Vec<SNode>,
    /// `$ref` targets compiled so far.
    refs: HashMap<String, usize>,
}

/// Where in the schema a problem is, written only when there is one.
type At<'x> = &'x dyn Fn() -> String;

impl<'v> Compiler<'v> {
    fn node(&mut self, v: &'v J<'static>, at: At) -> Result<usize, String> {
        let id = self.nodes.len();
        self.nodes.push(SNode::default());
        let mut n = SNode::default();
        let obj = match v {
            J::Bool(true) => return Ok(id),
            J::Bool(false) => {
                self.nodes[id].never = true;
                return Ok(id);
            }
            J::Obj(o) => o,
            _ => return Err(format!("{}: a schema must be an object or a boolean", at())),
        };
        if let Some(r) = v.get("$ref") {
            let r = r
                .as_str()
                .ok_or_else(|| format!("{}: $ref must be a string", at()))?;
            n.reference = Some(self.reference(r)?);
            self.nodes[id] = n;
            return Ok(id);
        }
        for (key, val) in obj {
            let here = || format!("{}/{key}", at());
            match key.as_ref() {
                "type" => {
                    n.types = Some(types(val).ok_or_else(|| format!("{}: bad type", here()))?)
                }
                "enum" => n.enumeration = Some(val.to_value()),
                "minimum" | "maximum" => {
                    let v = val.to_value();
                    let num = num_of(&v).ok_or_else(|| format!("{}: must be a number", here()))?;
                    if key == "minimum" {
                        n.minimum = Some((v, num));
                    } else {
                        n.maximum = Some((v, num));
                    }
                }
                "required" => {
                    n.required = match val {
                        J::Arr(a) => a.iter().map(|x| x.as_str().map(String::from)).collect(),
                        _ => None,
                    }
                    .ok_or_else(|| format!("{}: must list names", here()))?
                }
                "pattern" => {
                    let p = val
                        .as_str()
                        .ok_or_else(|| format!("{}: must be a string", here()))?;
                    n.pattern = Some((p.to_string(), Matcher::new(p)?));
                }
                "uniqueItems" => n.unique = matches!(val, J::Bool(true)),
                "properties" | "patternProperties" => {
                    let J::Obj(o) = val else {
                        return Err(format!("{}: must be an object", here()));
                    };
                    for (name, s) in o {
                        let c = self.node(s, &|| format!("{}/{name}", here()))?;
                        if key == "properties" {
                            n.properties.push((name.clone(), c));
                        } else {
                            n.patterns.push((Matcher::new(name)?, c));
                        }
                    }
                }
                "additionalProperties" => match val {
                    J::Bool(b) => n.closed = !b,
                    _ => return Err(format!("{}: only true or false is supported", here())),
                },
                "items" => match val {
                    J::Obj(_) | J::Bool(_) => n.items = Some(self.node(val, &here)?),
                    _ => {
                        return Err(format!(
                            "{}: only one schema for all items is supported",
                            here()
                        ))
                    }
                },
                "oneOf" => {
                    let J::Arr(a) = val else {
                        return Err(format!("{}: must be an array", here()));
                    };
                    for (i, s) in a.iter().enumerate() {
                        n.one_of.push(self.node(s, &|| format!("{}/{i}", here()))?);
                    }
                }
                k if ANNOTATIONS.contains(&k) => {}
                k => return Err(format!("{}: keyword {k} is not supported", at())),
            }
        }
        n.required_after = n.closed
            && n.required.len() == 1
            && n.patterns.is_empty()
            && v.get("properties").is_some();
        n.lookup = n
            .properties
            .iter()
            .map(|(name, id)| (Box::from(name.as_ref()), *id))
            .collect();
        self.nodes[id] = n;
        Ok(id)
    }

    fn reference(&mut self, r: &str) -> Result<usize, String> {
        if let Some(id) = self.refs.get(r) {
            return Ok(*id);
        }
        let mut target = Some(self.root);
        match r.strip_prefix('#') {
            Some(pointer) => {
                for seg in pointer.split('/').skip(1) {
                    let seg = seg.replace("~1", "/").replace("~0", "~");
                    target = target.and_then(|t| t.get(&seg));
                }
            }
            None => target = None,
        }
        let target = target.ok_or(format!("$ref {r}: not found in the schema"))?;
        // Known before it is compiled: a definition may refer to itself.
        let id = self.nodes.len();
        self.refs.insert(r.to_string(), id);
        let compiled = self.node(target, &|| r.to_string())?;
        debug_assert_eq!(compiled, id);
        Ok(id)
    }
}

fn types(v: &J) -> Option<Types> {
    let bit = |s: &str| -> Option<u8> { TYPE_NAMES.iter().position(|t| *t == s).map(|i| 1u8 << i) };
    match v {
        J::Str(s) => Some(Types {
            bits: bit(s)?,
            single: true,
        }),
        J::Arr(a) => {
            let mut bits = 0;
            for t in a {
                bits |= bit(t.as_str()?)?;
            }
            Some(Types {
                bits,
                single: a.len() == 1,
            })
        }
        _ => None,
    }
}

/// `~` and `/` escaped, as in a JSON pointer.
fn push_segment(pointer: &mut String, seg: &str) {
    pointer.push('/');
    for c in seg.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

impl Schema {
    /// Compile a schema written in JSON (names are borrowed from the text, which the vendored
    /// schema is: compiled into the binary).
    pub fn compile(text: &'static str) -> Result<Schema, String> {
        let schema: J = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut c = Compiler {
            root: &schema,
            nodes: Vec::new(),
            refs: HashMap::new(),
        };
        c.node(&schema, &|| "#".to_string())?;
        Ok(Schema { nodes: c.nodes })
    }

    /// Every error of `doc`, as `jsonschema`'s `iter_errors` lists them.
    pub fn errors<'s>(&'s self, doc: &'s Node) -> Vec<Error<'s>> {
        let mut out = Vec::new();
        if !self.is_valid(0, doc) {
            self.collect(0, doc, &mut String::new(), &mut out);
        }
        out
    }

    fn is_valid(&self, id: usize, v: &Node) -> bool {
        let s = &self.nodes[id];
        if let Some(r) = s.reference {
            return self.is_valid(r, v);
        }
        if s.never {
            return false;
        }
        let typed = v.typed();
        let bits = type_bits(v, &typed);
        if let Some(t) = s.types {
            if t.bits & bits == 0 {
                return false;
            }
        }
        if let Some(e) = &s.enumeration {
            if !e
                .as_array()
                .is_some_and(|a| a.iter().any(|x| equals_value(v, x)))
            {
                return false;
            }
        }
        if Self::out_of_bounds(s, &typed) != [None, None] {
            return false;
        }
        if let (Some((_, m)), Typed::Str(text)) = (&s.pattern, &typed) {
            if bits == STRING && !m.is_match(text) {
                return false;
            }
        }
        match &v.kind {
            Kind::Map(es) => {
                let live = |e: &Entry| e.value.tag() != Some(&Tag::Reset);
                if s.required
                    .iter()
                    .any(|r| !es.iter().any(|e| live(e) && e.key_str() == r.as_str()))
                {
                    return false;
                }
                // A repeated key counts once, with its last value (see `members`; order does
                // not matter to validity, so no list of members is built here).
                let counted = last_of_key(es.len(), |i| live(&es[i]).then(|| es[i].key_str()));
                for (i, e) in es.iter().enumerate() {
                    if !counted(i) {
                        continue;
                    }
                    let k = e.key_str();
                    let x = &e.value;
                    let declared = self.declared(s, k);
                    if let Some(c) = declared {
                        if !self.is_valid(c, x) {
                            return false;
                        }
                    }
                    let mut matched = false;
                    for (m, c) in &s.patterns {
                        if m.is_match(k) {
                            matched = true;
                            if !self.is_valid(*c, x) {
                                return false;
                            }
                        }
                    }
                    if s.closed && declared.is_none() && !matched {
                        return false;
                    }
                }
            }
            Kind::Seq(items) => {
                if s.unique && has_duplicates(items) {
                    return false;
                }
                if let Some(c) = s.items {
                    if !items.iter().all(|i| self.is_valid(c, i)) {
                        return false;
                    }
                }
            }
            Kind::Scalar(_) => {}
        }
        if !s.one_of.is_empty() {
            let mut valid = s.one_of.iter().filter(|c| self.is_valid(**c, v));
            if valid.next().is_none() || valid.next().is_some() {
                return false;
            }
        }
        true
    }

    fn declared(&self, s: &SNode, key: &str) -> Option<usize> {
        s.lookup.get(key).copied()
    }

    /// The `minimum` and the `maximum` a number breaks, if any.
    fn out_of_bounds<'s>(s: &'s SNode, typed: &Typed) -> [Option<&'s Value>; 2] {
        let Some(x) = number(typed) else {
            return [None, None];
        };
        let breaks = |bound: &'s Option<(Value, Num)>, wrong: std::cmp::Ordering| {
            bound
                .as_ref()
                .filter(|(_, m)| num_cmp(&x, m) == Some(wrong))
                .map(|(v, _)| v)
        };
        [
            breaks(&s.minimum, std::cmp::Ordering::Less),
            breaks(&s.maximum, std::cmp::Ordering::Greater),
        ]
    }

    /// Errors in `jsonschema`'s order: type, enum, minimum, maximum, required, pattern,
    /// uniqueItems, properties, patternProperties, additionalProperties, items, oneOf.
    fn collect<'s>(&'s self, id: usize, v: &'s Node, ptr: &mut String, out: &mut Vec<Error<'s>>) {
        let s = &self.nodes[id];
        if let Some(r) = s.reference {
            return self.collect(r, v, ptr, out);
        }
        let mut push = |kind: ErrorKind<'s>| {
            out.push(Error {
                pointer: ptr.clone(),
                kind,
                instance: v,
            })
        };
        if s.never {
            push(ErrorKind::FalseSchema);
            return;
        }
        let typed = v.typed();
        let bits = type_bits(v, &typed);
        if let Some(t) = s.types {
            if t.bits & bits == 0 {
                push(ErrorKind::Type(t));
            }
        }
        if let Some(e) = &s.enumeration {
            if !e
                .as_array()
                .is_some_and(|a| a.iter().any(|x| equals_value(v, x)))
            {
                push(ErrorKind::Enum(e));
            }
        }
        let [below, above] = Self::out_of_bounds(s, &typed);
        if let Some(m) = below {
            push(ErrorKind::Minimum(m));
        }
        if let Some(m) = above {
            push(ErrorKind::Maximum(m));
        }
        let ms = match &v.kind {
            Kind::Map(es) => members(es),
            _ => Vec::new(),
        };
        let missing = |r: &String| !ms.iter().any(|(k, _)| *k == r.as_str());
        if v.is_map() && !s.required_after {
            for r in s.required.iter().filter(|r| missing(r)) {
                push(ErrorKind::Required(r));
            }
        }
        if let (Some((p, m)), Typed::Str(text)) = (&s.pattern, &typed) {
            if bits == STRING && !m.is_match(text) {
                push(ErrorKind::Pattern(p));
            }
        }
        if let Kind::Seq(items) = &v.kind {
            if s.unique && has_duplicates(items) {
                push(ErrorKind::UniqueItems);
            }
        }
        if v.is_map() {
            self.check_object(s, v, &ms, ptr, out);
            if s.required_after {
                for r in s.required.iter().filter(|r| missing(r)) {
                    out.push(Error {
                        pointer: ptr.clone(),
                        kind: ErrorKind::Required(r),
                        instance: v,
                    });
                }
            }
        }
        if let (Kind::Seq(items), Some(c)) = (&v.kind, s.items) {
            for (i, item) in items.iter().enumerate() {
                let len = ptr.len();
                push_segment(ptr, &i.to_string());
                self.collect(c, item, ptr, out);
                ptr.truncate(len);
            }
        }
        if !s.one_of.is_empty() {
            let valid = s
                .one_of
                .iter()
                .filter(|c| self.is_valid(**c, v))
                .take(2)
                .count();
            let kind = match valid {
                1 => None,
                0 => Some(ErrorKind::OneOfNotValid(
                    s.one_of
                        .iter()
                        .map(|c| {
                            let mut branch = Vec::new();
                            self.collect(*c, v, ptr, &mut branch);
                            branch
                        })
                        .collect(),
                )),
                _ => Some(ErrorKind::OneOfMultipleValid),
            };
            if let Some(kind) = kind {
                out.push(Error {
                    pointer: ptr.clone(),
                    kind,
                    instance: v,
                });
            }
        }
    }

    /// The object keywords, walked as `jsonschema` walks them: a closed object (or one with
    /// patterns only) member by member, each member's declared schema then the patterns it
    /// matches, then the unexpected ones in one error; an open one's `properties` in member
    /// order (or in schema order when the object has far more members than the schema names),
    /// then its `patternProperties` pattern by pattern.
    fn check_object<'s>(
        &'s self,
        s: &'s SNode,
        v: &'s Node,
        ms: &[(&'s str, &'s Node)],
        ptr: &mut String,
        out: &mut Vec<Error<'s>>,
    ) {
        let at = |c: usize, k: &str, x: &'s Node, ptr: &mut String, out: &mut Vec<Error<'s>>| {
            let len = ptr.len();
            push_segment(ptr, k);
            self.collect(c, x, ptr, out);
            ptr.truncate(len);
        };
        if s.closed {
            let mut unexpected = Vec::new();
            for (k, x) in ms {
                let declared = self.declared(s, k);
                if let Some(c) = declared {
                    at(c, k, x, ptr, out);
                }
                let mut matched = false;
                for (m, c) in &s.patterns {
                    if m.is_match(k) {
                        matched = true;
                        at(*c, k, x, ptr, out);
                    }
                }
                if declared.is_none() && !matched {
                    unexpected.push(k.to_string());
                }
            }
            if !unexpected.is_empty() {
                out.push(Error {
                    pointer: ptr.clone(),
                    kind: ErrorKind::AdditionalProperties(unexpected),
                    instance: v,
                });
            }
            return;
        }
        if !s.properties.is_empty() {
            let member_order = s.properties.len() >= 15 || ms.len() <= s.properties.len() * 4;
            if member_order {
                for (k, x) in ms {
                    if let Some(c) = self.declared(s, k) {
                        at(c, k, x, ptr, out);
                    }
                }
            } else {
                for (name, c) in &s.properties {
                    if let Some((k, x)) = ms.iter().find(|(k, _)| *k == name.as_ref()) {
                        at(*c, k, x, ptr, out);
                    }
                }
            }
        }
        for (m, c) in &s.patterns {
            for (k, x) in ms {
                if m.is_match(k) {
                    at(*c, k, x, ptr, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Long lists find repeats through `value_hash`: the answer is the pairwise one, for
    /// numbers by value (1 and 1.0, 0 and -0), null and NaN, and mappings in any key order.
    #[test]
    fn long_lists_find_the_repeats_pairs_find() {
        let items = |extra: &str| {
            let mut t: Vec<String> = (0..80).map(|i| format!("s{i}")).collect();
            t.extend(["1", "0", "~", "{a: 1, b: [x, 2]}", "true", "'7'"].map(String::from));
            t.push(extra.to_string());
            let text = format!("[{}]", t.join(", "));
            crate::yaml::parse(crate::source::FileId(0), &text)
                .docs
                .remove(0)
        };
        let pairwise = |n: &Node| {
            let v = n.as_seq().unwrap();
            (0..v.len()).any(|i| (i + 1..v.len()).any(|j| equals(&v[i], &v[j])))
        };
        for (extra, repeated) in [
            ("1.0", true),
            ("-0.0", true),
            (".nan", true),
            ("{b: [x, 2.0], a: 1}", true),
            ("{b: [2, x], a: 1}", false),
            ("s79", true),
            ("s80", false),
            ("'true'", false),
            ("7", false),
        ] {
            let list = items(extra);
            assert!(list.as_seq().unwrap().len() > PAIRWISE);
            assert_eq!(pairwise(&list), repeated, "{extra}");
            assert_eq!(has_duplicates(list.as_seq().unwrap()), repeated, "{extra}");
        }
    }

    #[test]
    fn hand_matchers_agree_with_the_regex() {
        let samples = [
            "",
            "x",
            "x-",
            "x-foo",
            "X-foo",
            "ax-",
            "abc",
            "aBc",
            "a.b_c-d",
            "a b",
            "a\nb",
            "\n",
            "a\r",
            "é",
            "a\u{2028}",
            "\u{2029}",
            "-",
            "_",
            "1",
        ];
        for p in ["^x-", "^.+$", ".+", "^[a-z]+$", "^[a-zA-Z0-9._-]+$"] {
            let hand = Matcher::new(p).unwrap();
            assert!(!matches!(hand, Matcher::Regex(_)), "{p} is matched by hand");
            let re = regex::Regex::new(&ecma_regex(p)).unwrap();
            for s in samples {
                assert_eq!(hand.is_match(s), re.is_match(s), "{p} on {s:?}");
            }
        }
    }

    #[test]
    fn dots_match_no_line_terminator() {
        assert_eq!(ecma_regex(r"^a.[.]\.$"), r"^a[^\n\r\x{2028}\x{2029}][.]\.$");
        let m = Matcher::new("^.+$").unwrap();
        for s in ["a\r", "a\u{2028}", "\u{2029}b", "a\nb"] {
            assert!(!m.is_match(s), "{s:?}");
        }
    }

    #[test]
    fn vendored_schema_compiles() {
        let s = Schema::compile(super::super::schema_violation::SCHEMA).unwrap();
        assert!(s.nodes.len() > 100);
    }

    #[test]
    fn unsupported_keywords_are_refused() {
        for bad in [
            r#"{"anyOf": [true]}"#,
            r#"{"additionalProperties": {"type": "string"}}"#,
            r#"{"items": [true]}"#,
            r##"{"$ref": "#/definitions/none"}"##,
        ] {
            assert!(Schema::compile(bad).is_err(), "{bad}");
        }
    }
}
