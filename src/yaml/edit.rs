//! Edits on YAML source text that change only the bytes they must: every other byte (comments,
//! blank lines, quoting, key order, flow or block style, line endings) stays as it was.
//!
//! Each helper returns an [`Edit`] for one place; the fix engine applies non-overlapping edits
//! and re-parses the result.

use super::{Kind, Node, Style};
pub use crate::source::Layout;
use crate::source::{Edit, FileId, SourceFile, Span};

/// A value to insert, rendered in the style of the place it goes.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Written as is (`true`, `all`, `"0.5"`, `no-new-privileges:true`).
    Scalar(String),
    /// Always written in flow style: `[gpu]`.
    FlowSeq(Vec<String>),
    Seq(Vec<Value>),
    Map(Vec<(String, Value)>),
}

/// One file's text with the facts edits need.
pub struct Src<'a> {
    pub file: FileId,
    pub text: &'a str,
    /// Line break used by the file.
    pub nl: &'static str,
    /// Indentation step of the file (spaces).
    pub step: usize,
    /// Whether block sequences under a key are indented (`key:\n  - a`) or not (`key:\n- a`).
    pub indent_seqs: bool,
}

impl SourceFile {
    /// The file's text with the facts edits need (its layout is worked out once).
    pub fn src(&self) -> Src<'_> {
        Src::with_layout(self.id, &self.text, self.layout())
    }
}

impl<'a> Src<'a> {
    pub fn new(file: FileId, text: &'a str) -> Src<'a> {
        Src::with_layout(file, text, Layout::of(text))
    }

    /// `new` with the layout already known (a file caches its own).
    pub fn with_layout(file: FileId, text: &'a str, l: Layout) -> Src<'a> {
        Src {
            file,
            text,
            nl: l.nl,
            step: l.step,
            indent_seqs: l.indent_seqs,
        }
    }

    fn edit(&self, start: usize, end: usize, content: String) -> Edit {
        Edit {
            span: Span::new(self.file, start, end),
            content,
        }
    }
    pub fn line_start(&self, off: usize) -> usize {
        self.text[..off.min(self.text.len())]
            .rfind('\n')
            .map(|p| p + 1)
            .unwrap_or(0)
    }
    /// Offset just past the line break of the line holding `off` (or the end of the text).
    pub fn line_end(&self, off: usize) -> usize {
        match self.text[off.min(self.text.len())..].find('\n') {
            Some(p) => off + p + 1,
            None => self.text.len(),
        }
    }
    /// Column (in bytes, which is characters for indentation) of `off` on its line.
    pub fn col(&self, off: usize) -> usize {
        off - self.line_start(off)
    }
    fn line(&self, start: usize) -> &str {
        let end = self.line_end(start);
        &self.text[start..end]
    }
    fn indent_of(line: &str) -> usize {
        line.len() - line.trim_start_matches(' ').len()
    }

    /// The lines a block entry occupies: from its first line through the value's last line,
    /// plus comment lines nested deeper right after it.
    fn block_lines(&self, first: usize, last_end: usize) -> (usize, usize) {
        let start = self.line_start(first);
        let base = self.col(first);
        let mut end = self.line_end(last_end.saturating_sub(1).max(first));
        while end < self.text.len() {
            let l = self.line(end);
            let t = l.trim();
            if t.starts_with('#') && Self::indent_of(l) > base {
                end += l.len();
            } else {
                break;
            }
        }
        (start, end)
    }

    /// Remove the lines `start..end`, and one blank line after them when they sat between two
    /// blank lines (so deleting a block does not leave a double gap).
    fn delete_lines(&self, start: usize, end: usize) -> Edit {
        let before_blank = start > 0 && {
            let prev = self.line_start(start - 1);
            self.text[prev..start].trim().is_empty()
        };
        let mut end = end;
        if before_blank && end < self.text.len() && self.line(end).trim().is_empty() {
            end += self.line(end).len();
        }
        self.edit(start, end, String::new())
    }

    fn render_inline(&self, v: &Value) -> String {
        match v {
            Value::Scalar(s) => s.clone(),
            Value::FlowSeq(items) => format!("[{}]", items.join(", ")),
            Value::Seq(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|i| self.render_inline(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Value::Map(es) => format!(
                "{{{}}}",
                es.iter()
                    .map(|(k, v)| format!("{k}: {}", self.render_inline(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// `key: value` lines at `indent`, each ending with the file's line break.
    fn render_entry(&self, indent: usize, key: &str, v: &Value) -> String {
        let pad = " ".repeat(indent);
        match v {
            Value::Scalar(_) | Value::FlowSeq(_) => {
                format!("{pad}{key}: {}{}", self.render_inline(v), self.nl)
            }
            Value::Map(es) => {
                let mut s = format!("{pad}{key}:{}", self.nl);
                for (k, x) in es {
                    s.push_str(&self.render_entry(indent + self.step, k, x));
                }
                s
            }
            Value::Seq(items) => {
                let mut s = format!("{pad}{key}:{}", self.nl);
                let item_indent = if self.indent_seqs {
                    indent + self.step
                } else {
                    indent
                };
                for i in items {
                    s.push_str(&self.render_item(item_indent, i));
                }
                s
            }
        }
    }

    /// A `- item` block at `indent` (the dash column).
    fn render_item(&self, indent: usize, v: &Value) -> String {
        let pad = " ".repeat(indent);
        match v {
            Value::Map(es) if !es.is_empty() => {
                let mut s = String::new();
                for (i, (k, x)) in es.iter().enumerate() {
                    let e = self.render_entry(indent + 2, k, x);
                    if i == 0 {
                        s.push_str(&format!("{pad}- {}", &e[indent + 2..]));
                    } else {
                        s.push_str(&e);
                    }
                }
                s
            }
            _ => format!("{pad}- {}{}", self.render_inline(v), self.nl),
        }
    }
}

/// Own entries of a mapping (not brought in by `<<`), physically inside it.
fn own_entries(map: &Node) -> Vec<&super::Entry> {
    map.as_map()
        .unwrap_or(&[])
        .iter()
        .filter(|e| {
            e.merged_from.is_none()
                && e.key.used_at().is_none()
                && e.key.span.start >= map.span.start
                && e.key.span.end <= map.span.end
        })
        .collect()
}

/// Delete `key` and its whole value from a mapping.
pub fn delete_entry(src: &Src, map: &Node, key: &str) -> Option<Edit> {
    let e = own_entries(map).into_iter().find(|e| e.key_str() == key)?;
    let (ks, ve) = (
        e.key.span.start as usize,
        e.value.span.end.max(e.key.span.end) as usize,
    );
    if map.style == Style::Flow {
        return Some(flow_delete(src, map, ks, ve));
    }
    let (mut start, end) = src.block_lines(ks, ve);
    // Comment lines right above the key, at its indentation, document it: they go with it.
    let col = src.col(ks);
    while start > 0 {
        let prev = src.line_start(start - 1);
        let line = &src.text[prev..start];
        if line.trim_start().starts_with('#') && Src::indent_of(line) == col {
            start = prev;
        } else {
            break;
        }
    }
    Some(src.delete_lines(start, end))
}

/// Delete item `idx` of a sequence.
pub fn delete_item(src: &Src, seq: &Node, idx: usize) -> Option<Edit> {
    let item = seq.as_seq()?.get(idx)?;
    let site = item.site();
    let (s, e) = (site.start as usize, site.end as usize);
    if seq.style == Style::Flow {
        return Some(flow_delete(src, seq, s, e));
    }
    // The dash sits before the item on its first line.
    let dash = src.text[..s].rfind('-')?;
    let (start, end) = src.block_lines(dash, e);
    Some(src.delete_lines(start, end))
}

/// Remove `start..end` from a flow collection with the comma that separates it.
fn flow_delete(src: &Src, coll: &Node, start: usize, end: usize) -> Edit {
    let t = src.text.as_bytes();
    let close = coll.span.end as usize - 1;
    // Prefer eating the comma after; the last item eats the comma before.
    let mut j = end;
    while j < close && (t[j] == b' ' || t[j] == b'\t' || t[j] == b'\n' || t[j] == b'\r') {
        j += 1;
    }
    if j < close && t[j] == b',' {
        j += 1;
        while j < close && t[j] == b' ' {
            j += 1;
        }
        return src.edit(start, j, String::new());
    }
    let mut i = start;
    while i > coll.span.start as usize + 1 && matches!(t[i - 1], b' ' | b'\t' | b'\n' | b'\r') {
        i -= 1;
    }
    if i > coll.span.start as usize + 1 && t[i - 1] == b',' {
        return src.edit(i - 1, end, String::new());
    }
    src.edit(start, end, String::new())
}

/// Add `key: value` at the end of a mapping (block: a new line at the mapping's indentation;
/// flow: before the closing brace).
pub fn insert_entry(src: &Src, map: &Node, key: &str, value: &Value) -> Option<Edit> {
    if !map.is_map() {
        return None;
    }
    if map.style == Style::Flow {
        let close = map.span.end as usize - 1;
        let empty = own_entries(map).is_empty();
        let inner = src.text[map.span.start as usize + 1..close].trim_end();
        let sep = if empty || inner.ends_with(',') {
            ""
        } else {
            ", "
        };
        let at = map.span.start as usize + 1 + inner.len();
        let lead = if empty { "" } else { sep };
        return Some(src.edit(at, at, format!("{lead}{key}: {}", src.render_inline(value))));
    }
    let indent = src.col(map.span.start as usize);
    let at = src.line_end(map.span.end.max(map.span.start + 1) as usize - 1);
    let mut text = String::new();
    if at == src.text.len() && !src.text.ends_with('\n') {
        text.push_str(src.nl);
    }
    text.push_str(&src.render_entry(indent, key, value));
    Some(src.edit(at, at, text))
}

/// Add `key: value` to the mapping that is the value of `parent_key` in `parent`, creating the
/// key when absent. Used for `service -> key`.
pub fn insert_into(src: &Src, parent: &Node, path: &[&str], value: Value) -> Option<Edit> {
    // Walk down while the path exists as own mappings.
    let mut node = parent;
    let mut i = 0;
    while i < path.len() {
        match own_entries(node)
            .into_iter()
            .find(|e| e.key_str() == path[i])
        {
            Some(e) if e.value.is_map() && i + 1 < path.len() => {
                node = &e.value;
                i += 1;
            }
            Some(_) => return None, // exists as a scalar/sequence or is the target: caller's job
            None => break,
        }
    }
    // Wrap the value in the missing levels.
    let mut v = value;
    for k in path[i + 1..].iter().rev() {
        v = Value::Map(vec![(k.to_string(), v)]);
    }
    insert_entry(src, node, path[i], &v)
}

/// Append an item to a sequence (block: a new `- item` line; flow: before `]`).
pub fn append_item(src: &Src, seq: &Node, item: &Value) -> Option<Edit> {
    let items = seq.as_seq()?;
    if seq.style == Style::Flow {
        let close = seq.span.end as usize - 1;
        let inner = src.text[seq.span.start as usize + 1..close].trim_end();
        let at = seq.span.start as usize + 1 + inner.len();
        let sep = if items.is_empty() || inner.ends_with(',') {
            ""
        } else {
            ", "
        };
        return Some(src.edit(at, at, format!("{sep}{}", src.render_inline(item))));
    }
    let last = items.last()?;
    let first = items.first()?.site().start as usize;
    let dash = src.text[..first].rfind('-')?;
    let indent = src.col(dash);
    let at = src.line_end(last.site().end as usize - 1);
    let mut text = String::new();
    if at == src.text.len() && !src.text.ends_with('\n') {
        text.push_str(src.nl);
    }
    text.push_str(&src.render_item(indent, item));
    Some(src.edit(at, at, text))
}

/// Replace a scalar's value, keeping its quote style.
pub fn replace_scalar(src: &Src, node: &Node, new: &str) -> Option<Edit> {
    if !matches!(node.kind, Kind::Scalar(_)) {
        return None;
    }
    let content = match node.style {
        Style::SingleQuoted => format!("'{}'", new.replace('\'', "''")),
        Style::DoubleQuoted => format!("\"{}\"", new.replace('\\', "\\\\").replace('"', "\\\"")),
        _ => new.to_string(),
    };
    Some(src.edit(node.span.start as usize, node.span.end as usize, content))
}

/// Replace bytes `span` (inside one scalar) with `new` text, for replacing part of a value.
pub fn replace_text(src: &Src, span: Span, new: &str) -> Edit {
    src.edit(span.start as usize, span.end as usize, new.to_string())
}

/// Rewrite a block `networks:` mapping whose entries carry no settings into its list form
/// (`- name` lines at the entries' indentation).
pub fn map_to_list(src: &Src, map: &Node) -> Option<Edit> {
    let entries = own_entries(map);
    if entries.is_empty() {
        return None;
    }
    if map.style == Style::Flow {
        let names: Vec<&str> = entries.iter().map(|e| e.key_str()).collect();
        return Some(src.edit(
            map.span.start as usize,
            map.span.end as usize,
            format!("[{}]", names.join(", ")),
        ));
    }
    let first = map.span.start as usize;
    let indent = src.col(first);
    let (start, end) = src.block_lines(first, map.span.end as usize);
    let mut text = String::new();
    for e in &entries {
        // A comment on the entry's own line stays with it.
        let line_end = src.line_end(e.key.span.end as usize);
        let rest = &src.text[e.key.span.end as usize..line_end];
        let comment = rest.find(" #").map(|p| rest[p..].trim_end()).unwrap_or("");
        text.push_str(&format!(
            "{}- {}{comment}{}",
            " ".repeat(indent),
            src.text[e.key.span.range()].trim(),
            src.nl
        ));
    }
    // Keep a missing final newline missing.
    if end == src.text.len() && !src.text.ends_with('\n') {
        text.truncate(text.len() - src.nl.len());
    }
    Some(src.edit(start, end, text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    /// `Layout::of` as first written, line by line on `str`: the bytewise one must agree.
    fn layout_by_lines(text: &str) -> (usize, bool) {
        let mut step = 0;
        let mut indent_seqs = true;
        let mut prev: Option<(usize, bool)> = None;
        for line in text.lines() {
            let t = line.trim_end_matches('\r');
            let content = t.trim_start_matches(' ');
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let ind = t.len() - content.len();
            if ind > 0 && (step == 0 || ind < step) {
                step = ind;
            }
            if let Some((pind, pkey)) = prev {
                if pkey && content.starts_with("- ") {
                    indent_seqs = ind > pind;
                }
            }
            prev = Some((ind, content.ends_with(':')));
        }
        (if step == 0 { 2 } else { step }, indent_seqs)
    }

    #[test]
    fn layout_bytewise_agrees_with_lines() {
        let mut texts: Vec<String> = [
            "a:\n  b: 1\n",
            "a:\n- x\n-y\nb:\n    - z\n",
            "a:\r\n   - x\r\n",
            "a:\r\n- x\r\n",
            "# c\n    # d\n  a: 1\r\r\n  b:\n  - \n  -\n",
            "k:\n-\n- a\n",
            "",
            "\n\n",
            "a: 1",
            "x:   \n  - y\n",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let corpus =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/hy-home");
        for e in ignore::Walk::new(corpus).flatten() {
            if crate::discover::is_compose_name(e.path()) {
                texts.push(std::fs::read_to_string(e.path()).unwrap());
            }
        }
        assert!(texts.len() > 40);
        for t in &texts {
            let l = Layout::of(t);
            let crlf = t
                .find('\n')
                .is_some_and(|i| i > 0 && t.as_bytes()[i - 1] == b'\r');
            let (step, seqs) = layout_by_lines(t);
            assert_eq!(
                (l.nl == "\r\n", l.step, l.indent_seqs),
                (crlf, step, seqs),
                "{t:?}"
            );
        }
    }

    fn apply(text: &str, e: &Edit) -> String {
        let mut s = text.to_string();
        s.replace_range(e.span.range(), &e.content);
        assert!(
            !parse(FileId(0), &s).has_syntax_error(),
            "edit broke the YAML:\n{s}"
        );
        s
    }

    fn doc(text: &str) -> Node {
        parse(FileId(0), text).docs.into_iter().next().unwrap()
    }

    #[test]
    fn delete_block_entry_with_nested_comments_keeps_neighbours() {
        let t = "services:\n  a:\n    image: x\n\n  # b does y\n  b:\n    image: y # why\n    # about b\n    cmd: z\n\n  c:\n    image: w\n";
        let d = doc(t);
        let src = Src::new(FileId(0), t);
        let e = delete_entry(&src, d.get("services").unwrap(), "b").unwrap();
        assert_eq!(
            apply(t, &e),
            "services:\n  a:\n    image: x\n\n  c:\n    image: w\n"
        );
    }

    #[test]
    fn delete_flow_entries_and_items() {
        let t = "a: {x: 1, y: 2}\nb: [p, q, r]\n";
        let d = doc(t);
        let src = Src::new(FileId(0), t);
        assert_eq!(
            apply(t, &delete_entry(&src, d.get("a").unwrap(), "x").unwrap()),
            "a: {y: 2}\nb: [p, q, r]\n"
        );
        assert_eq!(
            apply(t, &delete_entry(&src, d.get("a").unwrap(), "y").unwrap()),
            "a: {x: 1}\nb: [p, q, r]\n"
        );
        assert_eq!(
            apply(t, &delete_item(&src, d.get("b").unwrap(), 2).unwrap()),
            "a: {x: 1, y: 2}\nb: [p, q]\n"
        );
    }

    #[test]
    fn delete_block_item() {
        let t = "d:\n  - a\n  - b\n  - c\n";
        let d = doc(t);
        let src = Src::new(FileId(0), t);
        assert_eq!(
            apply(t, &delete_item(&src, d.get("d").unwrap(), 1).unwrap()),
            "d:\n  - a\n  - c\n"
        );
    }

    #[test]
    fn insert_into_block_and_flow_mappings_with_crlf() {
        let t = "s:\r\n  image: x\r\n  labels: {a: b}\r\n";
        let d = doc(t);
        let src = Src::new(FileId(0), t);
        let s = d.get("s").unwrap();
        let e = insert_entry(&src, s, "read_only", &Value::Scalar("true".into())).unwrap();
        assert_eq!(
            apply(t, &e),
            "s:\r\n  image: x\r\n  labels: {a: b}\r\n  read_only: true\r\n"
        );
        let e = insert_entry(
            &src,
            s.get("labels").unwrap(),
            "c",
            &Value::Scalar("d".into()),
        )
        .unwrap();
        assert_eq!(
            apply(t, &e),
            "s:\r\n  image: x\r\n  labels: {a: b, c: d}\r\n"
        );
    }

    #[test]
    fn insert_nested_path_and_append_items() {
        let t = "svc:\n    image: x\n    security_opt:\n      - a\n";
        let d = doc(t);
        let src = Src::new(FileId(0), t);
        let svc = d.get("svc").unwrap();
        let e = insert_into(
            &src,
            svc,
            &["deploy", "resources", "reservations", "devices"],
            Value::Seq(vec![Value::Map(vec![
                ("driver".into(), Value::Scalar("nvidia".into())),
                ("count".into(), Value::Scalar("all".into())),
                ("capabilities".into(), Value::FlowSeq(vec!["gpu".into()])),
            ])]),
        )
        .unwrap();
        assert_eq!(
            apply(t, &e),
            "svc:\n    image: x\n    security_opt:\n      - a\n    deploy:\n        resources:\n            reservations:\n                devices:\n                    - driver: nvidia\n                      count: all\n                      capabilities: [gpu]\n"
        );
        let e = append_item(
            &src,
            svc.get("security_opt").unwrap(),
            &Value::Scalar("b".into()),
        )
        .unwrap();
        assert_eq!(
            apply(t, &e),
            "svc:\n    image: x\n    security_opt:\n      - a\n      - b\n"
        );
    }

    #[test]
    fn replace_keeps_quotes_and_list_form() {
        let t = "a: 'x'\nb: \"y\"\nnetworks:\n  infra_net:\n  other: # keep?\n";
        let d = doc(t);
        let src = Src::new(FileId(0), t);
        assert_eq!(
            apply(
                t,
                &replace_scalar(&src, d.get("a").unwrap(), "it's").unwrap()
            ),
            "a: 'it''s'\nb: \"y\"\nnetworks:\n  infra_net:\n  other: # keep?\n"
        );
        assert_eq!(
            apply(t, &map_to_list(&src, d.get("networks").unwrap()).unwrap()),
            "a: 'x'\nb: \"y\"\nnetworks:\n  - infra_net\n  - other # keep?\n"
        );
    }

    #[test]
    fn insert_at_end_without_final_newline() {
        let t = "s:\n  image: x";
        let d = doc(t);
        let src = Src::new(FileId(0), t);
        let e = insert_entry(
            &src,
            d.get("s").unwrap(),
            "read_only",
            &Value::Scalar("true".into()),
        )
        .unwrap();
        assert_eq!(apply(t, &e), "s:\n  image: x\n  read_only: true\n");
    }
}
