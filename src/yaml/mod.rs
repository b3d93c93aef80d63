//! A span-preserving YAML tree built from parser events: those of the fast reader (`fast.rs`)
//! for the YAML compose files are written in, granit-parser's for everything else.
//!
//! Every node keeps the byte range where it is written. Aliases are expanded (the copy keeps the
//! anchor's spans and records the alias site in `used_at`), `<<` merge keys are applied the way
//! go-yaml (and so docker compose) applies them, duplicate keys are reported instead of silently
//! taking the last value, and `!reset` / `!override` tags are kept for the compose merge logic.

pub mod edit;
mod fast;
mod scalar;

use crate::source::{FileId, Span};
use fast::Ev;
use granit_parser::{Event, Parser, ScalarStyle, StructureStyle};

pub use scalar::{go_float_string, go_string, parse_go_bool, Typed};

/// Upper bound of nodes materialised per file, aliases expanded: stops alias bombs
/// ("billion laughs") with a diagnostic instead of exhausting memory.
pub const MAX_NODES: usize = 1_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
    /// Block collection.
    Block,
    /// Flow collection.
    Flow,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tag {
    Reset,
    Override,
    /// `!!str`, `!!int`, ... (the suffix).
    Core(String),
    Other(String),
}

#[derive(Clone, Debug)]
pub struct Node {
    pub kind: Kind,
    pub style: Style,
    /// Whether a value in this node (mapping keys aside) may hold a `$`: interpolation skips
    /// the nodes without (most of a file). Exact for a tree as parsed and for nodes built by
    /// the constructors here; `as_map_mut` sets it, not knowing what the caller will write, and
    /// code that changes `kind` in place leaves it as it was (only trees as parsed, and their
    /// documents merged, are interpolated). The parser leaves it unset on a mapping key without
    /// an anchor: keys are not interpolated.
    dollar: bool,
    /// Where the value is written.
    pub span: Span,
    /// Where the value is used through an alias (outermost alias site), if it came through one:
    /// see `used_at`.
    used: Site,
    /// Boxed: tags are rare, and a node is copied often (88 bytes with the tag inline, 56 now).
    tag: Option<Box<Tag>>,
}

/// An alias site, in the file of the node it is recorded on (an alias refers to an anchor of
/// its own file): 8 bytes where `Option<Span>` takes 16.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Site {
    start: u32,
    end: u32,
}

impl Site {
    const NONE: Site = Site {
        start: u32::MAX,
        end: u32::MAX,
    };
}

/// A scalar's text. Up to 23 bytes (most keys, many values) it is held in the node itself: no
/// allocation to parse it, copy it or free it. Longer text is shared like a collection's
/// children (`Shared`): copies of a tree keep the parse's text wherever interpolation or
/// normalisation leaves a scalar as it was.
pub type Text = smol_str::SmolStr;

/// A collection's children, shared between copies of the tree (the parse, its interpolated
/// copy, the model, `extends` merges): copying a node copies no child, and a copy that changes
/// a child copies only the collections above it (`Arc::make_mut`).
pub type Shared<T> = std::sync::Arc<Vec<T>>;

#[derive(Clone, Debug)]
pub enum Kind {
    Scalar(Text),
    Seq(Shared<Node>),
    Map(Shared<Entry>),
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
    /// Set when the entry was brought in by a `<<` merge key: the span of that merge value.
    pub merged_from: Option<Span>,
}

impl Node {
    /// A node written where `self` is, holding `kind` instead of `self`'s value.
    pub fn with_kind(&self, kind: Kind) -> Node {
        Node {
            used: self.used,
            tag: self.tag.clone(),
            ..Node::new(kind, self.style, self.span, None)
        }
    }

    /// A node put together so that `dollar` follows from `kind`. Inlined: the parser builds
    /// every collection through it.
    #[inline]
    fn new(kind: Kind, style: Style, span: Span, tag: Option<Tag>) -> Node {
        let dollar = kind.dollar();
        Node::with_dollar(kind, style, span, tag, dollar)
    }

    /// `new` with `dollar` worked out by the caller (the parser, for a scalar it has read).
    #[inline]
    fn with_dollar(kind: Kind, style: Style, span: Span, tag: Option<Tag>, dollar: bool) -> Node {
        Node {
            dollar,
            kind,
            style,
            span,
            used: Site::NONE,
            tag: tag.map(Box::new),
        }
    }

    /// Where the value is used through an alias (outermost alias site), if it came through one.
    pub fn used_at(&self) -> Option<Span> {
        (self.used != Site::NONE).then_some(Span {
            file: self.span.file,
            start: self.used.start,
            end: self.used.end,
        })
    }

    /// Record (or clear) the alias site; it must be in the node's file.
    pub fn set_used_at(&mut self, site: Option<Span>) {
        self.used = match site {
            Some(s) => {
                debug_assert_eq!(s.file, self.span.file, "an alias site in another file");
                Site {
                    start: s.start,
                    end: s.end,
                }
            }
            None => Site::NONE,
        };
    }

    pub fn tag(&self) -> Option<&Tag> {
        self.tag.as_deref()
    }

    pub fn set_tag(&mut self, tag: Option<Tag>) {
        self.tag = tag.map(Box::new);
    }
}

impl Kind {
    /// See `Node::dollar`: looks one level down.
    fn dollar(&self) -> bool {
        match self {
            Kind::Scalar(s) => s.contains('$'),
            Kind::Seq(items) => items.iter().any(|i| i.dollar),
            Kind::Map(es) => es.iter().any(|e| e.value.dollar),
        }
    }
    pub fn map(entries: Vec<Entry>) -> Kind {
        Kind::Map(Shared::new(entries))
    }
    pub fn seq(items: Vec<Node>) -> Kind {
        Kind::Seq(Shared::new(items))
    }
}

impl Entry {
    pub fn key_str(&self) -> &str {
        self.key.as_str().unwrap_or("")
    }
}

impl Node {
    pub fn scalar(value: impl Into<Text>, span: Span) -> Node {
        Node::new(Kind::Scalar(value.into()), Style::Plain, span, None)
    }
    pub fn map(entries: Vec<Entry>, span: Span) -> Node {
        Node::new(Kind::map(entries), Style::Block, span, None)
    }
    pub fn seq(items: Vec<Node>, span: Span) -> Node {
        Node::new(Kind::seq(items), Style::Block, span, None)
    }

    /// See the field `dollar`.
    pub fn may_hold_dollar(&self) -> bool {
        self.dollar
    }

    /// The span the user sees for this value at this place: the alias site if it came through one.
    pub fn site(&self) -> Span {
        self.used_at().unwrap_or(self.span)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }
    /// The entries to change (copied first if another tree shares them).
    pub fn as_map_mut(&mut self) -> Option<&mut Vec<Entry>> {
        self.dollar = true;
        match &mut self.kind {
            Kind::Map(m) => Some(Shared::make_mut(m)),
            _ => None,
        }
    }
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(s) => Some(s),
            _ => None,
        }
    }
    pub fn is_map(&self) -> bool {
        matches!(self.kind, Kind::Map(_))
    }
    pub fn is_seq(&self) -> bool {
        matches!(self.kind, Kind::Seq(_))
    }
    pub fn is_quoted(&self) -> bool {
        !matches!(self.style, Style::Plain | Style::Block | Style::Flow)
    }

    /// YAML 1.2 core-schema typing of a scalar as go-yaml v3 resolves it.
    pub fn typed(&self) -> Typed<'_> {
        match &self.kind {
            Kind::Scalar(s) => {
                let forced = match self.tag() {
                    Some(Tag::Core(t)) => Some(t.as_str()),
                    _ => None,
                };
                scalar::resolve(s, self.style == Style::Plain, forced)
            }
            Kind::Seq(_) | Kind::Map(_) => Typed::Collection,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self.typed(), Typed::Null)
    }

    /// Value of a mapping key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key_str() == key)
    }
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.as_map_mut()?
            .iter_mut()
            .find(|e| e.key_str() == key)
            .map(|e| &mut e.value)
    }
    /// The chain of nodes from this one down to the node written at `span` (not through alias
    /// copies, which share their anchor's spans).
    pub fn chain_to(&self, span: Span) -> Option<Vec<&Node>> {
        if self.span == span && self.used_at().is_none() {
            return Some(vec![self]);
        }
        if self.used_at().is_some() || self.span.file != span.file {
            return None;
        }
        let children: Vec<&Node> = match &self.kind {
            Kind::Scalar(_) => return None,
            Kind::Seq(items) => items.iter().collect(),
            Kind::Map(es) => es
                .iter()
                .filter(|e| e.merged_from.is_none())
                .flat_map(|e| [&e.key, &e.value])
                .collect(),
        };
        for c in children {
            if c.used_at().is_none()
                && c.span.start <= span.start
                && span.end <= c.span.end.max(c.span.start)
                || c.span == span
            {
                if let Some(mut rest) = c.chain_to(span) {
                    rest.insert(0, self);
                    return Some(rest);
                }
            }
        }
        None
    }

    /// Follow a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        let mut n = self;
        for k in keys {
            n = n.get(k)?;
        }
        Some(n)
    }

    /// A plain-text rendering of a scalar as compose would stringify it (bools and numbers as
    /// written, null as empty).
    pub fn scalar_string(&self) -> Option<String> {
        match &self.kind {
            Kind::Scalar(s) => Some(if self.is_null() {
                String::new()
            } else {
                s.to_string()
            }),
            _ => None,
        }
    }
}

/// A problem found while parsing: syntax error, duplicate key, alias expansion limit.
#[derive(Clone, Debug)]
pub struct YamlProblem {
    pub kind: ProblemKind,
    pub span: Span,
    pub message: String,
    /// Secondary location (for duplicate keys: the first definition).
    pub related: Option<Span>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    Syntax,
    DuplicateKey,
    AliasLimit,
    MergeInvalid,
}

/// Result of parsing one file: its documents (empty when the file holds nothing) and problems.
/// On a syntax error `docs` holds nothing usable and the problem says where.
#[derive(Debug, Default)]
pub struct Parsed {
    pub docs: Vec<Node>,
    pub problems: Vec<YamlProblem>,
    /// Anchor names defined in the file with their spans (for rules about unused anchors).
    pub anchors: Vec<(String, Span)>,
    /// Comments that are hylint directives (`# hylint: ...`): span of `#...` and the text after
    /// `#`. Other comments are not kept.
    pub comments: Vec<(Span, String)>,
}

impl Parsed {
    pub fn has_syntax_error(&self) -> bool {
        self.problems
            .iter()
            .any(|p| matches!(p.kind, ProblemKind::Syntax | ProblemKind::AliasLimit))
    }
}

/// Up to this many items, repeated keys (or items) are found by comparing pairs: most mappings
/// and lists are this short, and most pairs differ at the first byte, which costs less than
/// building a hash map. A longer one is indexed by hash, so that 20 000 keys cost 20 000 steps,
/// not 200 million.
pub const PAIRWISE: usize = 64;

/// For each of `n` items, whether it is the last with its key (`key`: `None` for an item that
/// does not count, which is never the last): a repeated key counts once, with its last value.
pub fn last_of_key<'a, K: Fn(usize) -> Option<&'a str>>(
    n: usize,
    key: K,
) -> impl Fn(usize) -> bool + use<'a, K> {
    let last: Option<foldhash::HashMap<&'a str, usize>> =
        (n > PAIRWISE).then(|| (0..n).filter_map(|i| key(i).map(|k| (k, i))).collect());
    move |i| match key(i) {
        None => false,
        Some(k) => match &last {
            Some(m) => m.get(k) == Some(&i),
            None => !(i + 1..n).any(|j| key(j) == Some(k)),
        },
    }
}

/// Where each key of a mapping being built is: a scan while the mapping is small (most are),
/// a hash map once it is large, so that a huge mapping is not quadratic.
#[derive(Default)]
struct KeyIndex {
    map: Option<foldhash::HashMap<String, usize>>,
}

impl KeyIndex {
    const SCAN_UP_TO: usize = 16;

    fn find(&self, out: &[Entry], key: &str) -> Option<usize> {
        match &self.map {
            Some(m) => m.get(key).copied(),
            None => out.iter().position(|e| e.key_str() == key),
        }
    }

    /// Record the entry just pushed on `out`.
    fn added(&mut self, out: &[Entry]) {
        match &mut self.map {
            Some(m) => {
                m.insert(out[out.len() - 1].key_str().to_string(), out.len() - 1);
            }
            None if out.len() > Self::SCAN_UP_TO => {
                self.map = Some(
                    out.iter()
                        .enumerate()
                        .map(|(i, e)| (e.key_str().to_string(), i))
                        .collect(),
                );
            }
            None => {}
        }
    }
}

/// A collection being read. Its children wait on `Open`'s shared stacks (from index `from`)
/// and move into a vector of exactly their number when it ends: no vector grows by doubling
/// (each growth a copy, and up to half the room left unused in the tree).
enum Frame {
    Seq {
        start: usize,
        flow: bool,
        anchor: usize,
        tag: Option<Tag>,
        from: usize,
    },
    Map {
        start: usize,
        flow: bool,
        anchor: usize,
        tag: Option<Tag>,
        from: usize,
        pending_key: Option<Node>,
    },
}

/// The children of the collections being read, innermost last.
#[derive(Default)]
struct Open {
    items: Vec<Node>,
    entries: Vec<Entry>,
}

struct Builder<'a> {
    file: FileId,
    text: &'a str,
    anchors: foldhash::HashMap<usize, Node>,
    anchor_names: Vec<(String, Span)>,
    problems: Vec<YamlProblem>,
    nodes: usize,
}

fn convert_tag(tag: Option<std::borrow::Cow<'_, granit_parser::Tag>>) -> Option<Tag> {
    let tag = tag?;
    let s = tag.to_string();
    // granit-parser's core schema leaves out `!!merge`, which go-yaml reads on a `<<` key.
    if tag.is_yaml_core_schema() || s == "tag:yaml.org,2002:merge" {
        let suffix = s.rsplit(':').next().unwrap_or("").to_string();
        return Some(Tag::Core(suffix));
    }
    Some(match s.as_str() {
        "!reset" => Tag::Reset,
        "!override" => Tag::Override,
        _ => Tag::Other(s),
    })
}

fn count_nodes(n: &Node) -> usize {
    match &n.kind {
        Kind::Scalar(_) => 1,
        Kind::Seq(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        Kind::Map(es) => {
            1 + es
                .iter()
                .map(|e| count_nodes(&e.key) + count_nodes(&e.value))
                .sum::<usize>()
        }
    }
}

fn mark_used(n: &mut Node, site: Span) {
    // Only the outermost alias site is recorded; nested values keep their own spans and get the
    // same site so that a rule can report "used here".
    if n.used_at().is_none() {
        n.set_used_at(Some(site));
    }
    match &mut n.kind {
        Kind::Scalar(_) => {}
        Kind::Seq(items) => Shared::make_mut(items)
            .iter_mut()
            .for_each(|i| mark_used(i, site)),
        Kind::Map(es) => Shared::make_mut(es).iter_mut().for_each(|e| {
            mark_used(&mut e.key, site);
            mark_used(&mut e.value, site);
        }),
    }
}

impl Builder<'_> {
    fn span(&self, r: std::ops::Range<usize>) -> Span {
        Span::new(self.file, r.start, r.end)
    }

    /// Block scalars: the parser's span starts at the content; include the `|`/`>` header and
    /// drop trailing blank space so an edit replaces exactly the scalar.
    fn block_scalar_span(&self, r: std::ops::Range<usize>) -> std::ops::Range<usize> {
        let bytes = self.text.as_bytes();
        let mut end = r.end.min(bytes.len());
        while end > r.start && bytes[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        let mut start = r.start;
        // Find the header on a previous line: the last `|` or `>` before the content.
        let before = &self.text[..r.start.min(self.text.len())];
        if let Some(pos) = before.rfind(['|', '>']) {
            start = pos;
        }
        start..end.max(start)
    }

    /// A finished node: remembered under its anchor, then placed in its parent.
    fn complete(
        &mut self,
        stack: &mut [Frame],
        open: &mut Open,
        node: Node,
        anchor: usize,
        docs: &mut Vec<Node>,
    ) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        push_node(stack, open, node, docs);
    }

    /// Duplicate detection and `<<` merge, once a mapping is complete.
    fn finish_map(&mut self, entries: impl ExactSizeIterator<Item = Entry>) -> Vec<Entry> {
        let mut out: Vec<Entry> = Vec::with_capacity(entries.len());
        let mut merges: Vec<Entry> = Vec::new();
        let mut seen = KeyIndex::default();
        for e in entries {
            let key_text = match &e.key.kind {
                Kind::Scalar(s) => &**s,
                _ => {
                    self.problems.push(YamlProblem {
                        kind: ProblemKind::Syntax,
                        span: e.key.span,
                        message: "a mapping key must be a scalar".into(),
                        related: None,
                    });
                    continue;
                }
            };
            // go-yaml's isMerge: a plain `<<`, untagged or tagged `!!merge`.
            let merge_tag = match e.key.tag() {
                None => true,
                Some(Tag::Core(t)) => t == "merge",
                Some(_) => false,
            };
            if key_text == "<<" && e.key.style == Style::Plain && merge_tag {
                merges.push(e);
                continue;
            }
            if let Some(i) = seen.find(&out, key_text) {
                let first = out[i].key.span;
                let (l, _) = line_col_of(self.text, first.start as usize);
                self.problems.push(YamlProblem {
                    kind: ProblemKind::DuplicateKey,
                    span: e.key.span,
                    message: format!("mapping key \"{key_text}\" already defined at line {l}"),
                    related: Some(first),
                });
                // go-yaml rejects the file; keep the last value like most YAML readers.
                out[i] = e;
                continue;
            }
            out.push(e);
            seen.added(&out);
        }
        if merges.len() > 1 {
            for m in &merges[1..] {
                self.problems.push(YamlProblem {
                    kind: ProblemKind::DuplicateKey,
                    span: m.key.span,
                    message: "mapping key \"<<\" already defined".into(),
                    related: Some(merges[0].key.span),
                });
            }
        }
        for m in merges {
            let sources: Vec<Node> = match m.value.kind {
                Kind::Map(_) => vec![m.value],
                Kind::Seq(items) => Shared::unwrap_or_clone(items),
                _ => {
                    self.problems.push(YamlProblem {
                        kind: ProblemKind::MergeInvalid,
                        span: m.value.span,
                        message: "map merge requires map or sequence of maps as the value".into(),
                        related: None,
                    });
                    continue;
                }
            };
            for src in sources {
                let site = src.site();
                let Kind::Map(src_entries) = src.kind else {
                    self.problems.push(YamlProblem {
                        kind: ProblemKind::MergeInvalid,
                        span: src.span,
                        message: "map merge requires map or sequence of maps as the value".into(),
                        related: None,
                    });
                    continue;
                };
                for mut se in Shared::unwrap_or_clone(src_entries) {
                    if seen.find(&out, se.key_str()).is_some() {
                        continue; // explicit keys (and earlier merge sources) win
                    }
                    se.merged_from = Some(site);
                    out.push(se);
                    seen.added(&out);
                }
            }
        }
        out
    }
}

pub fn line_col_of(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let ls = before.rfind('\n').map(|p| p + 1).unwrap_or(0);
    (line, before[ls..].chars().count() + 1)
}

/// Parse a whole file into documents. Never panics on bad input.
pub fn parse(file: FileId, text: &str) -> Parsed {
    parse_fast(file, text).unwrap_or_else(|| parse_granit(file, text))
}

/// `parse` by the fast reader alone: `None` when the text is outside what it takes.
#[doc(hidden)]
pub fn parse_fast(file: FileId, text: &str) -> Option<Parsed> {
    let mut run = Run::new(file, text);
    match fast::read(text, text.contains("hylint:"), &mut run) {
        Ok(()) | Err(fast::Stop::Done) => Some(run.finish()),
        Err(fast::Stop::GiveUp) => None,
    }
}

/// `parse` by granit-parser alone.
#[doc(hidden)]
pub fn parse_granit(file: FileId, text: &str) -> Parsed {
    // Comments matter only as hylint directives: without one in the text, the parser need
    // not capture any.
    let comments = text.contains("hylint:");
    let mut run = Run::new(file, text);
    let options = granit_parser::options! {
        emit_anchor_events: true,
        block_scalar_eof_without_line_feed: true,
        emit_comments: comments,
    };
    for next in Parser::new_from_str_with_options(text, options) {
        let (ev, span) = match next {
            Ok(x) => x,
            Err(e) => {
                let m = e.marker();
                let off = m
                    .byte_offset()
                    .unwrap_or_else(|| char_index_to_byte(text, m.index()))
                    .min(text.len());
                run.b.problems.push(YamlProblem {
                    kind: ProblemKind::Syntax,
                    span: Span::new(file, off, off),
                    message: e.info().to_string(),
                    related: None,
                });
                run.stopped = true;
                return run.finish();
            }
        };
        let r = span
            .byte_range()
            .unwrap_or_else(|| {
                let s = char_index_to_byte(text, span.start.index());
                let e = char_index_to_byte(text, span.end.index());
                s..e
            })
            .clone();
        let r = r.start.min(text.len())..r.end.min(text.len());
        let ev = match ev {
            Event::Comment(text, _) => Ev::Comment(text),
            Event::Anchor(_, name) => Ev::Anchor(name),
            Event::Alias(id) => Ev::Alias(id),
            Event::UnresolvedAlias(name) => {
                run.b.problems.push(YamlProblem {
                    kind: ProblemKind::Syntax,
                    span: run.b.span(r.clone()),
                    message: format!("unknown anchor '{name}' referenced"),
                    related: None,
                });
                continue;
            }
            Event::Scalar(value, style, anchor, tag) => {
                let st = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                };
                Ev::Scalar(value, st, anchor, convert_tag(tag))
            }
            Event::SequenceStart(style, anchor, tag) => {
                Ev::SeqStart(style == StructureStyle::Flow, anchor, convert_tag(tag))
            }
            Event::MappingStart(style, anchor, tag) => {
                Ev::MapStart(style == StructureStyle::Flow, anchor, convert_tag(tag))
            }
            Event::SequenceEnd => Ev::SeqEnd,
            Event::MappingEnd => Ev::MapEnd,
            // Stream and document marks, and events added by later parser versions, carry
            // presentation only.
            _ => continue,
        };
        if !fast::Sink::event(&mut run, ev, r.start, r.end) {
            break;
        }
    }
    run.finish()
}

/// Place a finished node in the collection being read (a key waits for its value), or among
/// the documents.
fn push_node(stack: &mut [Frame], open: &mut Open, node: Node, docs: &mut Vec<Node>) {
    match stack.last_mut() {
        None => docs.push(node),
        Some(Frame::Seq { .. }) => open.items.push(node),
        Some(Frame::Map { pending_key, .. }) => match pending_key.take() {
            None => *pending_key = Some(node),
            Some(key) => open.entries.push(Entry {
                key,
                value: node,
                merged_from: None,
            }),
        },
    }
}

/// Builds the documents from parser events (granit-parser's or the fast reader's).
struct Run<'a> {
    b: Builder<'a>,
    docs: Vec<Node>,
    comments: Vec<(Span, String)>,
    stack: Vec<Frame>,
    open: Open,
    /// Reading stopped on a problem that leaves no usable documents.
    stopped: bool,
}

impl<'a> Run<'a> {
    fn new(file: FileId, text: &'a str) -> Run<'a> {
        Run {
            b: Builder {
                file,
                text,
                anchors: foldhash::HashMap::default(),
                anchor_names: Vec::new(),
                problems: Vec::new(),
                nodes: 0,
            },
            docs: Vec::new(),
            comments: Vec::new(),
            stack: Vec::new(),
            open: Open::default(),
            stopped: false,
        }
    }

    fn finish(self) -> Parsed {
        Parsed {
            docs: if self.stopped { Vec::new() } else { self.docs },
            problems: self.b.problems,
            anchors: self.b.anchor_names,
            comments: self.comments,
        }
    }
}

impl<'a> fast::Sink<'a> for Run<'a> {
    fn event(&mut self, ev: Ev<'a>, start: usize, end: usize) -> bool {
        let r = start..end;
        let b = &mut self.b;
        let stack = &mut self.stack;
        let open = &mut self.open;
        let docs = &mut self.docs;
        match ev {
            Ev::Comment(text) => {
                if text.trim_start().starts_with("hylint:") {
                    self.comments.push((b.span(r), text.into_owned()))
                }
            }
            Ev::Anchor(name) => b.anchor_names.push((name.into_owned(), b.span(r))),
            Ev::Alias(id) => {
                let site = b.span(r);
                let Some(target) = b.anchors.get(&id) else {
                    b.problems.push(YamlProblem {
                        kind: ProblemKind::Syntax,
                        span: site,
                        message: "unknown anchor".into(),
                        related: None,
                    });
                    return true;
                };
                let n = count_nodes(target);
                b.nodes += n;
                if b.nodes > MAX_NODES {
                    b.problems.push(YamlProblem {
                        kind: ProblemKind::AliasLimit,
                        span: site,
                        message: format!(
                            "alias expansion exceeds {MAX_NODES} nodes (an alias bomb?); file not loaded"
                        ),
                        related: None,
                    });
                    self.stopped = true;
                    return false;
                }
                let mut node = target.clone();
                mark_used(&mut node, site);
                push_node(stack, open, node, docs);
            }
            Ev::Scalar(value, st, anchor, tag) => {
                b.nodes += 1;
                let rr = match st {
                    Style::Literal | Style::Folded => b.block_scalar_span(r),
                    _ => r,
                };
                // `dollar` is read on values only: a key's text is not searched for `$` unless
                // an anchor may bring it in as a value.
                let key = matches!(
                    stack.last(),
                    Some(Frame::Map {
                        pending_key: None,
                        ..
                    })
                );
                let dollar = (!key || anchor != 0) && value.contains('$');
                let node =
                    Node::with_dollar(Kind::Scalar(Text::from(value)), st, b.span(rr), tag, dollar);
                b.complete(stack, open, node, anchor, docs);
            }
            Ev::SeqStart(flow, anchor, tag) => {
                b.nodes += 1;
                stack.push(Frame::Seq {
                    start: r.start,
                    flow,
                    anchor,
                    tag,
                    from: open.items.len(),
                });
            }
            Ev::MapStart(flow, anchor, tag) => {
                b.nodes += 1;
                stack.push(Frame::Map {
                    start: r.start,
                    flow,
                    anchor,
                    tag,
                    from: open.entries.len(),
                    pending_key: None,
                });
            }
            Ev::SeqEnd => {
                let Some(Frame::Seq {
                    start,
                    flow,
                    anchor,
                    tag,
                    from,
                }) = stack.pop()
                else {
                    return true;
                };
                let (st, span) = collection_span(
                    b,
                    flow,
                    start,
                    &r,
                    open.items[from..].iter().map(|n| n.site()),
                );
                let items: Vec<Node> = open.items.drain(from..).collect();
                let node = Node::new(Kind::seq(items), st, span, tag);
                b.complete(stack, open, node, anchor, docs);
            }
            Ev::MapEnd => {
                let Some(Frame::Map {
                    start,
                    flow,
                    anchor,
                    tag,
                    from,
                    ..
                }) = stack.pop()
                else {
                    return true;
                };
                let (st, span) = collection_span(
                    b,
                    flow,
                    start,
                    &r,
                    open.entries[from..]
                        .iter()
                        .flat_map(|e| [e.key.site(), e.value.site()]),
                );
                let entries = b.finish_map(open.entries.drain(from..));
                let node = Node::new(Kind::map(entries), st, span, tag);
                b.complete(stack, open, node, anchor, docs);
            }
        }
        true
    }
}

fn collection_span(
    b: &Builder<'_>,
    flow: bool,
    start: usize,
    end_ev: &std::ops::Range<usize>,
    children: impl Iterator<Item = Span>,
) -> (Style, Span) {
    match flow {
        true => (Style::Flow, b.span(start..end_ev.end)),
        false => {
            // Block collections have zero-width marks: the extent is that of the children.
            let mut lo = usize::MAX;
            let mut hi = 0usize;
            for s in children {
                // Aliased children keep the anchor's span, which may lie elsewhere in the file.
                if (s.start as usize) < start {
                    continue;
                }
                lo = lo.min(s.start as usize);
                hi = hi.max(s.end as usize);
            }
            if lo == usize::MAX {
                (Style::Block, b.span(start..start))
            } else {
                // A block sequence starts at its first `- `.
                let text = b.text.as_bytes();
                let mut s = lo.min(start);
                if start < lo && text.get(start) == Some(&b'-') {
                    s = start;
                }
                (Style::Block, b.span(s..hi))
            }
        }
    }
}

fn char_index_to_byte(text: &str, idx: usize) -> usize {
    text.char_indices()
        .nth(idx)
        .map(|(b, _)| b)
        .unwrap_or(text.len())
}

#[cfg(test)]
mod tests;
