//! A fast reader for the YAML compose files are written in: block mappings and sequences,
//! plain and quoted scalars (over several lines too), literal and folded block scalars, flow
//! collections, anchors, aliases and the `!reset`/`!override`/`!!type` tags. It gives the
//! events granit-parser gives, with the same positions, in a fraction of the time
//! (docs/performance-notes.md). Anything else (errors, explicit keys, directives, several
//! documents, indentation indicators, tabs, CR line ends, ...) makes it give up, and the file is
//! read by granit-parser from the start: this reader never decides what a file means on its own.
//! `tests/yaml_fast.rs` compares the two on every YAML file of the corpus and the fixtures, and
//! on thousands of mutations of them.

use super::{Style, Tag};
use foldhash::HashMap;
use std::borrow::Cow;

/// What the tree builder consumes of a parser event.
pub(super) enum Ev<'a> {
    Scalar(Cow<'a, str>, Style, usize, Option<Tag>),
    SeqStart(bool, usize, Option<Tag>),
    SeqEnd,
    MapStart(bool, usize, Option<Tag>),
    MapEnd,
    Alias(usize),
    Anchor(Cow<'a, str>),
    Comment(Cow<'a, str>),
}

/// Why reading stopped early.
pub(super) enum Stop {
    /// Outside what this reader handles: read the file with granit-parser instead.
    GiveUp,
    /// The builder needs no more events (it hit the alias expansion limit).
    Done,
}

type R<T> = Result<T, Stop>;

/// The builder takes an event and its byte range; `false` means it wants no more.
pub(super) trait Sink<'a> {
    fn event(&mut self, ev: Ev<'a>, start: usize, end: usize) -> bool;
}

/// Read `text`, giving its events to `sink`. `comments`: give comment events.
pub(super) fn read<'a>(text: &'a str, comments: bool, sink: &mut dyn Sink<'a>) -> R<()> {
    if !plain_text(text.as_bytes()) {
        return Err(Stop::GiveUp);
    }
    let mut r = Reader {
        s: text,
        t: text.as_bytes(),
        sink,
        comments,
        anchors: HashMap::default(),
        defined: 0,
        given: 0,
        depth: 0,
    };
    r.stream()
}

/// Bytes this reader can take: no tabs, CRs or other control characters, no BOM and none of
/// the characters YAML 1.1 counts as line breaks (NEL, LS, PS), no C1 controls or U+FFFE/F.
/// Checked 64 bytes at a time: a block of printable ASCII and line feeds (nearly every block)
/// is told by a loop the compiler vectorises; only a block with other bytes is looked at
/// byte by byte (a byte loop over everything was a twentieth of a run).
fn plain_text(t: &[u8]) -> bool {
    const BLOCK: usize = 64;
    let mut at = 0;
    while at < t.len() {
        let end = (at + BLOCK).min(t.len());
        let other = t[at..end].iter().fold(false, |acc, &b| {
            acc | ((b < 0x20 && b != b'\n') | (b >= 0x7f))
        });
        // A character may start in this block and end in the next: the byte loop looks ahead.
        if other && !plain_bytes(t, at, end) {
            return false;
        }
        at = end;
    }
    true
}

/// `plain_text` on the bytes from `from` to `to`, one at a time.
fn plain_bytes(t: &[u8], from: usize, to: usize) -> bool {
    for i in from..to {
        let b = t[i];
        if b < 0x20 && b != b'\n' || b == 0x7f {
            return false;
        }
        if b >= 0x80 {
            let n1 = t.get(i + 1).copied().unwrap_or(0);
            let n2 = t.get(i + 2).copied().unwrap_or(0);
            match b {
                0xc2 if (0x80..=0x9f).contains(&n1) => return false,
                0xe2 if n1 == 0x80 && (n2 == 0xa8 || n2 == 0xa9) => return false,
                0xef if n1 == 0xbb && n2 == 0xbf => return false,
                0xef if n1 == 0xbf && (n2 == 0xbe || n2 == 0xbf) => return false,
                _ => {}
            }
        }
    }
    true
}

/// Properties written before a node: anchor (id, start, end) and tag.
#[derive(Default)]
struct Props {
    anchor: Option<(usize, usize, usize)>,
    tag: Option<Tag>,
    /// End of the last property (where an empty node is placed).
    end: usize,
}

impl Props {
    fn id(&self) -> usize {
        self.anchor.map(|a| a.0).unwrap_or(0)
    }
    fn is_empty(&self) -> bool {
        self.anchor.is_none() && self.tag.is_none()
    }
}

struct Reader<'a, 's> {
    s: &'a str,
    t: &'a [u8],
    sink: &'s mut dyn Sink<'a>,
    comments: bool,
    /// Anchors defined so far (ids count from 1, in order); an alias takes the last of its name.
    anchors: HashMap<&'a str, usize>,
    defined: usize,
    /// Comments before this offset have been given (lines are looked at more than once).
    given: usize,
    /// Collections open; deeper nesting is left to granit-parser, which reports it.
    depth: usize,
}

/// Nesting this reader goes to (compose files go about ten deep); it recurses per level.
const MAX_DEPTH: usize = 64;

/// The bytes at which a plain scalar in block context may end: a line end, a `:` (before a
/// blank) and a space (before a comment).
static PLAIN_STOP: [bool; 256] = {
    let mut t = [false; 256];
    t[b'\n' as usize] = true;
    t[b':' as usize] = true;
    t[b' ' as usize] = true;
    t
};

fn is_blank_or_end(b: Option<&u8>) -> bool {
    matches!(b, None | Some(b' ') | Some(b'\n'))
}

impl<'a> Reader<'a, '_> {
    fn emit(&mut self, ev: Ev<'a>, start: usize, end: usize) -> R<()> {
        if self.sink.event(ev, start, end) {
            Ok(())
        } else {
            Err(Stop::Done)
        }
    }

    fn at(&self, p: usize) -> Option<&u8> {
        self.t.get(p)
    }

    fn eol(&self, p: usize) -> usize {
        // memchr's vector search: comment lines are long enough for it to pay.
        memchr::memchr(b'\n', &self.t[p.min(self.t.len())..]).map_or(self.t.len(), |i| p + i)
    }

    fn skip_spaces(&self, mut p: usize) -> usize {
        while self.at(p) == Some(&b' ') {
            p += 1;
        }
        p
    }

    fn comment(&mut self, p: usize) -> R<usize> {
        let e = self.eol(p);
        if self.comments && p >= self.given {
            self.given = e;
            self.emit(Ev::Comment(Cow::Borrowed(&self.s[p + 1..e])), p, e)?;
        }
        Ok(e)
    }

    /// After a value: only spaces and a comment may follow on its line. Returns the line's end.
    fn rest_of_line(&mut self, p: usize) -> R<usize> {
        let q = self.skip_spaces(p);
        match self.at(q) {
            None | Some(b'\n') => Ok(q),
            Some(b'#') if q > p => self.comment(q),
            _ => Err(Stop::GiveUp),
        }
    }

    /// The next line with content from `p` (a line end, a line start or the end of text),
    /// passing blank and comment lines. Returns the position of its first character and its
    /// indent.
    fn next_line(&mut self, mut p: usize) -> R<Option<(usize, usize)>> {
        loop {
            if p >= self.t.len() {
                return Ok(None);
            }
            if self.t[p] == b'\n' {
                p += 1;
                continue;
            }
            let ls = p;
            let c = self.skip_spaces(p);
            match self.at(c) {
                None => return Ok(None),
                Some(b'\n') => p = c,
                Some(b'#') => p = self.comment(c)?,
                Some(_) => {
                    if c == ls && self.document_marker(c) {
                        return Err(Stop::GiveUp);
                    }
                    return Ok(Some((c, c - ls)));
                }
            }
        }
    }

    fn document_marker(&self, p: usize) -> bool {
        let t = &self.t[p..];
        (t.starts_with(b"---") || t.starts_with(b"...")) && is_blank_or_end(t.get(3))
            || t.first() == Some(&b'%')
    }

    fn stream(&mut self) -> R<()> {
        let mut p = 0;
        // One document, optionally opened by `---` on the first line with content.
        let first = loop {
            let ls = p;
            let c = self.skip_spaces(p);
            match self.at(c) {
                None => return Ok(()),
                Some(b'\n') => p = c + 1,
                Some(b'#') => p = self.comment(c)? + 1,
                Some(_) if c == ls && self.t[c..].starts_with(b"---") => {
                    if !is_blank_or_end(self.at(c + 3)) {
                        return Err(Stop::GiveUp);
                    }
                    p = self.rest_of_line(c + 3)?;
                    break self.next_line(p)?;
                }
                Some(_) => break self.next_line(ls)?,
            }
        };
        let Some((p, n)) = first else {
            return Ok(());
        };
        let end = if self.is_dash(p) {
            self.block_seq(p, n, Props::default(), p)?
        } else if self.key(p)?.is_some() {
            self.block_map(p, n, Props::default())?
        } else {
            return Err(Stop::GiveUp);
        };
        match self.next_line(end)? {
            None => Ok(()),
            Some(_) => Err(Stop::GiveUp),
        }
    }

    fn is_dash(&self, p: usize) -> bool {
        self.at(p) == Some(&b'-') && is_blank_or_end(self.at(p + 1))
    }

    /// A block sequence whose first `-` is at `p`, column `n`. `start`: where the parser places
    /// its start (the first item's content when the sequence is not indented under its key).
    fn block_seq(&mut self, p: usize, n: usize, props: Props, start: usize) -> R<usize> {
        self.nested(|r| r.block_seq_in(p, n, props, start))
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self) -> R<usize>) -> R<usize> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Stop::GiveUp);
        }
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn block_seq_in(&mut self, mut p: usize, n: usize, props: Props, start: usize) -> R<usize> {
        self.emit(
            Ev::SeqStart(false, props.id(), props.tag.clone()),
            start,
            start,
        )?;
        self.anchor_event(&props)?;
        loop {
            let end = self.entry_value(p + 1, n, None)?;
            match self.next_line(end)? {
                Some((q, ind)) if ind == n && self.is_dash(q) => p = q,
                Some((_, ind)) if ind > n => return Err(Stop::GiveUp),
                next => return self.close(Ev::SeqEnd, next, end),
            }
        }
    }

    /// The value after a `-` or a key's `:` (`after`: just past it) in a collection at indent
    /// `n`: on the same line, or below. `key`: where the parser places an empty value after a
    /// key (its `:`); `None` for a sequence item (the end of its line).
    fn entry_value(&mut self, after: usize, n: usize, key: Option<usize>) -> R<usize> {
        let q = self.skip_spaces(after);
        match self.at(q) {
            None | Some(b'\n') | Some(b'#') => {
                let e = self.rest_of_line(after)?;
                self.value_below(e, n, Props::default(), key.unwrap_or(e), key.is_some())
            }
            _ => self.inline_value(q, n, key.is_none()),
        }
    }

    /// End a block collection before the line at `next` (or the end of the text); `end`: the
    /// end of its last line.
    fn close(&mut self, ev: Ev<'a>, next: Option<(usize, usize)>, end: usize) -> R<usize> {
        let at = next.map_or(self.t.len(), |(q, _)| q);
        self.emit(ev, at, at)?;
        Ok(end)
    }

    /// A block mapping whose first key is at `p`, column `n`.
    fn block_map(&mut self, p: usize, n: usize, props: Props) -> R<usize> {
        self.nested(|r| r.block_map_in(p, n, props))
    }

    fn block_map_in(&mut self, mut p: usize, n: usize, props: Props) -> R<usize> {
        self.emit(Ev::MapStart(false, props.id(), props.tag.clone()), p, p)?;
        self.anchor_event(&props)?;
        loop {
            let Some((key, style, ks, ke, colon)) = self.key(p)? else {
                return Err(Stop::GiveUp);
            };
            self.emit(Ev::Scalar(key, style, 0, None), ks, ke)?;
            let end = self.entry_value(colon + 1, n, Some(colon))?;
            match self.next_line(end)? {
                Some((q, ind)) if ind == n => {
                    if self.is_dash(q) {
                        return Err(Stop::GiveUp);
                    }
                    p = q;
                }
                Some((_, ind)) if ind > n => return Err(Stop::GiveUp),
                next => return self.close(Ev::MapEnd, next, end),
            }
        }
    }

    /// A mapping key at `p` and its `:`: (value, style, start, end, colon position), or
    /// `None` when the line holds no key. Gives up on keys this reader does not take.
    #[allow(clippy::type_complexity)]
    fn key(&mut self, p: usize) -> R<Option<(Cow<'a, str>, Style, usize, usize, usize)>> {
        let (value, style, end) = match self.t[p] {
            b'"' | b'\'' => {
                if !self.closes_on_line(p) {
                    return Ok(None);
                }
                self.quoted(p, None)?
            }
            b'-' | b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!'
            | b'|' | b'>' | b'%' | b'@' | b'`' => return Ok(None),
            _ => match self.plain_block(p)? {
                (e, Some(colon)) => {
                    if colon - p > 1024 {
                        return Err(Stop::GiveUp);
                    }
                    return Ok(Some((
                        Cow::Borrowed(&self.s[p..e]),
                        Style::Plain,
                        p,
                        e,
                        colon,
                    )));
                }
                (_, None) => return Ok(None),
            },
        };
        let c = self.skip_spaces(end);
        if self.at(c) == Some(&b':') && is_blank_or_end(self.at(c + 1)) {
            Ok(Some((value, style, p, end, c)))
        } else {
            Ok(None)
        }
    }

    /// A plain scalar whose first line is `p..e`, with the lines that go on with it (deeper than
    /// the block at indent `n`): its value and end.
    fn plain_lines(&self, p: usize, e: usize, n: usize) -> R<(Cow<'a, str>, usize)> {
        let t = self.t;
        let mut out: Option<String> = None;
        let mut end = e;
        loop {
            let i = self.skip_spaces(end);
            if self.at(i) != Some(&b'\n') {
                break; // the end of the text, or a comment ends it
            }
            let mut breaks = 0;
            let mut ls = i + 1;
            let c = loop {
                let c = self.skip_spaces(ls);
                if self.at(c) == Some(&b'\n') {
                    breaks += 1;
                    ls = c + 1;
                    continue;
                }
                break c;
            };
            let Some(&b) = self.at(c) else { break };
            if c - ls <= n || b == b'#' {
                break;
            }
            if b == b':' && is_blank_or_end(t.get(c + 1)) {
                return Err(Stop::GiveUp);
            }
            let (e2, colon) = self.plain_block(c)?;
            if colon.is_some() {
                return Err(Stop::GiveUp);
            }
            let o = out.get_or_insert_with(|| self.s[p..e].to_string());
            if breaks == 0 {
                o.push(' ');
            }
            for _ in 0..breaks {
                o.push('\n');
            }
            o.push_str(&self.s[c..e2]);
            end = e2;
        }
        Ok(match out {
            Some(o) => (Cow::Owned(o), end),
            None => (Cow::Borrowed(&self.s[p..e]), e),
        })
    }

    /// Whether the line at `ls` may continue a quoted scalar in a block at indent `n`: blank,
    /// or indented deeper than the block and not a document marker.
    fn continues(&self, ls: usize, n: usize) -> bool {
        let c = self.skip_spaces(ls);
        self.at(c) == Some(&b'\n') || c - ls > n && !self.document_marker(ls)
    }

    /// Whether the quoted scalar at `p` ends on its line.
    fn closes_on_line(&self, p: usize) -> bool {
        let t = self.t;
        let quote = t[p];
        let mut i = p + 1;
        while let Some(&b) = t.get(i) {
            match b {
                b'\n' => return false,
                b'\\' if quote == b'"' => i += 2,
                b'\'' if quote == b'\'' && t.get(i + 1) == Some(&b'\'') => i += 2,
                _ if b == quote => return true,
                _ => i += 1,
            }
        }
        false
    }

    /// A plain scalar in block context from `p`: its trimmed end, and the position of the
    /// `:` that ends it when it is a key.
    fn plain_block(&self, p: usize) -> R<(usize, Option<usize>)> {
        let t = self.t;
        let mut i = p;
        let colon = loop {
            // Bytes that cannot end the scalar are passed over by a table lookup each: this
            // loop reads every byte of every plain key and value.
            while i < t.len() && !PLAIN_STOP[t[i] as usize] {
                i += 1;
            }
            match t.get(i) {
                None | Some(b'\n') => break None,
                Some(b':') if is_blank_or_end(t.get(i + 1)) => break Some(i),
                Some(b' ') if t.get(i + 1) == Some(&b'#') => break None,
                _ => i += 1,
            }
        };
        // Trailing spaces are not part of the scalar (tabs are).
        let mut end = i;
        while end > p && t[end - 1] == b' ' {
            end -= 1;
        }
        Ok((end, colon))
    }

    /// A quoted scalar at `p`: (value, style, end). `n`: the indent of the block collection it
    /// is in, when it may go on over lines (deeper than `n`); `None`: on one line only.
    fn quoted(&self, p: usize, n: Option<usize>) -> R<(Cow<'a, str>, Style, usize)> {
        let t = self.t;
        let single = t[p] == b'\'';
        let (quote, style) = if single {
            (b'\'', Style::SingleQuoted)
        } else {
            (b'"', Style::DoubleQuoted)
        };
        // Most quoted scalars hold nothing to unescape or fold.
        let mut i = p + 1;
        while let Some(&b) = t.get(i) {
            if b == quote {
                if single && t.get(i + 1) == Some(&b'\'') {
                    break;
                }
                return Ok((Cow::Borrowed(&self.s[p + 1..i]), style, i + 1));
            }
            if b == b'\\' && !single || b == b'\n' {
                break;
            }
            i += 1;
        }
        // libyaml's reading of a flow scalar: text, then blanks and breaks folded.
        let mut out = String::new();
        let mut i = p + 1;
        loop {
            let mut leading_blanks = false;
            let mut from = i;
            loop {
                match t.get(i) {
                    None => return Err(Stop::GiveUp),
                    Some(b' ' | b'\n') => break,
                    Some(b'\'') if single && t.get(i + 1) == Some(&b'\'') => {
                        out.push_str(&self.s[from..=i]);
                        i += 2;
                        from = i;
                    }
                    Some(&b) if b == quote => break,
                    Some(b'\\') if !single => {
                        out.push_str(&self.s[from..i]);
                        if t.get(i + 1) == Some(&b'\n') {
                            // An escaped line break: the text goes on after it.
                            let n = n.ok_or(Stop::GiveUp)?;
                            i += 2;
                            if !self.continues(i, n) {
                                return Err(Stop::GiveUp);
                            }
                            leading_blanks = true;
                            from = i;
                            break;
                        }
                        let (c, len) = self.escape(i + 1)?;
                        out.push(c);
                        i += 1 + len;
                        from = i;
                    }
                    Some(_) => i += 1,
                }
            }
            out.push_str(&self.s[from..i]);
            if t.get(i) == Some(&quote) {
                return Ok((Cow::Owned(out), style, i + 1));
            }
            // Blanks and breaks.
            let mut leading_break = false;
            let mut trailing_breaks = 0usize;
            let mut spaces = 0usize;
            loop {
                match t.get(i) {
                    Some(b' ') => {
                        if !leading_blanks {
                            spaces += 1;
                        }
                        i += 1;
                    }
                    Some(b'\n') => {
                        let n = n.ok_or(Stop::GiveUp)?;
                        if !leading_blanks {
                            spaces = 0;
                            leading_break = true;
                            leading_blanks = true;
                        } else {
                            trailing_breaks += 1;
                        }
                        i += 1;
                        if !self.continues(i, n) {
                            return Err(Stop::GiveUp);
                        }
                    }
                    _ => break,
                }
            }
            if leading_blanks {
                if leading_break && trailing_breaks == 0 {
                    out.push(' ');
                }
                for _ in 0..trailing_breaks {
                    out.push('\n');
                }
            } else {
                for _ in 0..spaces {
                    out.push(' ');
                }
            }
        }
    }

    /// The escape after a `\` at `p`: the character and the length of the escape.
    fn escape(&self, p: usize) -> R<(char, usize)> {
        let hex = |n: usize| -> R<(char, usize)> {
            let h = self.s.get(p + 1..p + 1 + n).ok_or(Stop::GiveUp)?;
            if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Stop::GiveUp);
            }
            let v = u32::from_str_radix(h, 16).map_err(|_| Stop::GiveUp)?;
            Ok((char::from_u32(v).ok_or(Stop::GiveUp)?, 1 + n))
        };
        let c = match self.at(p) {
            Some(b'0') => '\0',
            Some(b'a') => '\x07',
            Some(b'b') => '\x08',
            Some(b't') => '\t',
            Some(b'n') => '\n',
            Some(b'v') => '\x0b',
            Some(b'f') => '\x0c',
            Some(b'r') => '\r',
            Some(b'e') => '\x1b',
            Some(b' ') => ' ',
            Some(b'"') => '"',
            Some(b'/') => '/',
            Some(b'\\') => '\\',
            Some(b'x') => return hex(2),
            Some(b'u') => return hex(4),
            Some(b'U') => return hex(8),
            _ => return Err(Stop::GiveUp),
        };
        Ok((c, 1))
    }

    /// Anchor and tag before a node at `p`.
    fn props(&mut self, mut p: usize) -> R<(Props, usize)> {
        let mut props = Props::default();
        loop {
            match self.at(p) {
                Some(b'&') if props.anchor.is_none() => {
                    let e = self.name_end(p + 1);
                    if e == p + 1 {
                        return Err(Stop::GiveUp);
                    }
                    self.defined += 1;
                    self.anchors.insert(&self.s[p + 1..e], self.defined);
                    props.anchor = Some((self.defined, p, e));
                    props.end = e;
                    p = e;
                }
                Some(b'!') if props.tag.is_none() => {
                    let e = self.name_end(p);
                    props.tag = Some(match &self.s[p..e] {
                        "!reset" => Tag::Reset,
                        "!override" => Tag::Override,
                        t if t.len() > 2
                            && t.starts_with("!!")
                            && t[2..].bytes().all(|b| b.is_ascii_alphanumeric()) =>
                        {
                            Tag::Core(t[2..].to_string())
                        }
                        _ => return Err(Stop::GiveUp),
                    });
                    props.end = e;
                    p = e;
                }
                _ => return Ok((props, p)),
            }
            if !is_blank_or_end(self.at(p)) {
                return Err(Stop::GiveUp);
            }
            p = self.skip_spaces(p);
        }
    }

    /// End of an anchor, alias or tag name from `p`.
    fn name_end(&self, mut p: usize) -> usize {
        while let Some(b) = self.at(p) {
            if matches!(b, b' ' | b'\n' | b',' | b'[' | b']' | b'{' | b'}') {
                break;
            }
            p += 1;
        }
        p
    }

    fn anchor_event(&mut self, props: &Props) -> R<()> {
        if let Some((_, s, e)) = props.anchor {
            self.emit(Ev::Anchor(Cow::Borrowed(&self.s[s + 1..e])), s, e)?;
        }
        Ok(())
    }

    /// The node below a key or `-` with nothing after it on its line (`e`: that line's end):
    /// a block node indented deeper than `n`, a sequence at `n` when the parent is a mapping,
    /// or an empty scalar placed at `empty`.
    fn value_below(
        &mut self,
        e: usize,
        n: usize,
        props: Props,
        empty: usize,
        in_map: bool,
    ) -> R<usize> {
        match self.next_line(e)? {
            Some((q, ind)) if ind > n => {
                if self.is_dash(q) {
                    self.block_seq(q, ind, props, q)
                } else if self.key(q)?.is_some() {
                    self.block_map(q, ind, props)
                } else if props.is_empty() {
                    self.inline_value(q, n, false)
                } else {
                    Err(Stop::GiveUp)
                }
            }
            Some((q, ind)) if ind == n && in_map && self.is_dash(q) => {
                let first = self.skip_spaces(q + 1);
                if matches!(self.at(first), None | Some(b'\n') | Some(b'#')) {
                    return Err(Stop::GiveUp);
                }
                self.block_seq(q, ind, props, first)
            }
            _ => {
                let (value, at) = if props.is_empty() {
                    ("~", empty)
                } else {
                    (if props.tag.is_some() { "" } else { "~" }, props.end)
                };
                self.emit(
                    Ev::Scalar(
                        Cow::Borrowed(value),
                        Style::Plain,
                        props.id(),
                        props.tag.clone(),
                    ),
                    at,
                    at,
                )?;
                self.anchor_event(&props)?;
                Ok(e)
            }
        }
    }

    /// A node that starts on a line at `p` after a key or `-` (in a collection at indent `n`).
    /// Returns the end of its last line.
    fn inline_value(&mut self, p: usize, n: usize, compact_map: bool) -> R<usize> {
        let (props, q) = match self.t[p] {
            b'&' | b'!' => self.props(p)?,
            _ => (Props::default(), p),
        };
        match self.at(q) {
            None | Some(b'\n') | Some(b'#') => {
                let e = self.rest_of_line(props.end)?;
                let at = props.end;
                return self.value_below(e, n, props, at, false);
            }
            _ => {}
        }
        let t = self.t;
        let end = match t[q] {
            b'*' => {
                if !props.is_empty() {
                    return Err(Stop::GiveUp);
                }
                self.alias(q)?
            }
            b'[' | b'{' => self.flow(q, n, props)?,
            b'|' | b'>' => return self.block_scalar(q, n, props),
            b'"' | b'\'' => {
                if compact_map && self.key(q)?.is_some() {
                    if !props.is_empty() {
                        return Err(Stop::GiveUp);
                    }
                    return self.block_map(q, q - self.line_start(q), props);
                }
                let (v, st, e) = self.quoted(q, Some(n))?;
                self.scalar(v, st, q, e, &props)?;
                e
            }
            b'-' | b'?' | b':' if is_blank_or_end(t.get(q + 1)) => return Err(Stop::GiveUp),
            b',' | b']' | b'}' | b'#' | b'%' | b'@' | b'`' | b'&' | b'!' => {
                return Err(Stop::GiveUp)
            }
            _ => match self.plain_block(q)? {
                (_, Some(_)) => {
                    if !compact_map || !props.is_empty() {
                        return Err(Stop::GiveUp);
                    }
                    return self.block_map(q, q - self.line_start(q), props);
                }
                (e, None) => {
                    let (v, e) = self.plain_lines(q, e, n)?;
                    self.scalar(v, Style::Plain, q, e, &props)?;
                    e
                }
            },
        };
        let e = self.rest_of_line(end)?;
        // A deeper line after a one-line value continues it (a multi-line plain scalar) or
        // is an error: either way, not for this reader.
        if let Some((_, ind)) = self.next_line(e)? {
            if ind > n {
                return Err(Stop::GiveUp);
            }
        }
        Ok(e)
    }

    /// An alias at `p` (`*name`); returns its end. An unknown name is left to granit-parser.
    fn alias(&mut self, p: usize) -> R<usize> {
        let e = self.name_end(p + 1);
        let id = *self.anchors.get(&self.s[p + 1..e]).ok_or(Stop::GiveUp)?;
        self.emit(Ev::Alias(id), p, e)?;
        Ok(e)
    }

    fn line_start(&self, p: usize) -> usize {
        self.t[..p]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1)
    }

    fn scalar(&mut self, v: Cow<'a, str>, st: Style, s: usize, e: usize, props: &Props) -> R<()> {
        self.emit(Ev::Scalar(v, st, props.id(), props.tag.clone()), s, e)?;
        self.anchor_event(props)
    }

    /// A flow collection at `p` (inside a block collection at indent `n`). Returns its end.
    fn flow(&mut self, p: usize, n: usize, props: Props) -> R<usize> {
        self.nested(|r| r.flow_in(p, n, props))
    }

    fn flow_in(&mut self, p: usize, n: usize, props: Props) -> R<usize> {
        let t = self.t;
        let (map, close) = if t[p] == b'{' {
            (true, b'}')
        } else {
            (false, b']')
        };
        let start = if map {
            Ev::MapStart(true, props.id(), props.tag.clone())
        } else {
            Ev::SeqStart(true, props.id(), props.tag.clone())
        };
        self.emit(start, p, p + 1)?;
        self.anchor_event(&props)?;
        let mut q = self.flow_space(p + 1, n)?;
        while t.get(q) != Some(&close) {
            if map {
                let e = match t.get(q) {
                    Some(b'"') | Some(b'\'') => {
                        let (v, st, e) = self.quoted(q, None)?;
                        self.emit(Ev::Scalar(v, st, 0, None), q, e)?;
                        e
                    }
                    _ => self.flow_plain(q, true)?,
                };
                let c = self.flow_space(e, n)?;
                if t.get(c) != Some(&b':') {
                    return Err(Stop::GiveUp);
                }
                q = self.flow_space(c + 1, n)?;
            }
            let e = self.flow_item(q, n)?;
            q = self.flow_space(e, n)?;
            match t.get(q) {
                // A comma, then another entry or (trailing) the end.
                Some(b',') => q = self.flow_space(q + 1, n)?,
                Some(c) if *c == close => {}
                _ => return Err(Stop::GiveUp),
            }
        }
        self.emit(if map { Ev::MapEnd } else { Ev::SeqEnd }, q, q + 1)?;
        Ok(q + 1)
    }

    /// Spaces and line breaks inside a flow collection; a continued line must be indented
    /// deeper than the block it is in.
    fn flow_space(&self, mut p: usize, n: usize) -> R<usize> {
        loop {
            p = self.skip_spaces(p);
            match self.at(p) {
                Some(b'\n') => {
                    let c = self.skip_spaces(p + 1);
                    if c - (p + 1) <= n || matches!(self.at(c), Some(b'#') | Some(b'\n') | None) {
                        return Err(Stop::GiveUp);
                    }
                    p = c;
                }
                Some(b'#') => return Err(Stop::GiveUp),
                _ => return Ok(p),
            }
        }
    }

    fn flow_item(&mut self, p: usize, n: usize) -> R<usize> {
        match self.at(p) {
            Some(b'[') | Some(b'{') => self.flow(p, n, Props::default()),
            Some(b'"') | Some(b'\'') => {
                let (v, st, e) = self.quoted(p, Some(n))?;
                self.emit(Ev::Scalar(v, st, 0, None), p, e)?;
                let c = self.skip_spaces(e);
                if self.at(c) == Some(&b':') {
                    return Err(Stop::GiveUp);
                }
                Ok(e)
            }
            Some(b'*') => self.alias(p),
            _ => self.flow_plain(p, false),
        }
    }

    /// A one-line plain scalar in a flow collection; `key`: it is a flow mapping's key.
    fn flow_plain(&mut self, p: usize, key: bool) -> R<usize> {
        let t = self.t;
        match t.get(p) {
            None => return Err(Stop::GiveUp),
            Some(
                b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
                | b'"' | b'%' | b'@' | b'`' | b'\n' | b' ',
            ) => return Err(Stop::GiveUp),
            Some(b'-' | b'?' | b':') if is_blank_or_end(t.get(p + 1)) => return Err(Stop::GiveUp),
            _ => {}
        }
        let mut i = p;
        let mut end = p;
        while i < t.len() {
            match t[i] {
                b',' | b'[' | b']' | b'{' | b'}' => break,
                b'\n' => {
                    // A plain scalar going on to the next line: not for this reader.
                    let c = self.skip_spaces(i + 1);
                    if !matches!(self.at(c), Some(b',' | b']' | b'}')) {
                        return Err(Stop::GiveUp);
                    }
                    break;
                }
                b':' if matches!(
                    t.get(i + 1),
                    None | Some(b' ' | b'\n' | b',' | b'[' | b']' | b'{' | b'}')
                ) =>
                {
                    if !key {
                        return Err(Stop::GiveUp);
                    }
                    break;
                }
                b' ' => {
                    if t.get(i + 1) == Some(&b'#') {
                        return Err(Stop::GiveUp);
                    }
                }
                _ => end = i + 1,
            }
            i += 1;
        }
        self.emit(
            Ev::Scalar(Cow::Borrowed(&self.s[p..end]), Style::Plain, 0, None),
            p,
            end,
        )?;
        Ok(end)
    }

    /// A literal or folded block scalar whose header is at `p`, in a collection at indent `n`.
    /// Returns the end of its last line.
    fn block_scalar(&mut self, p: usize, n: usize, props: Props) -> R<usize> {
        let t = self.t;
        let folded = t[p] == b'>';
        let mut q = p + 1;
        // Chomping: `-` strips the final line break, `+` keeps the trailing blank lines too.
        // An indentation indicator is left to granit.
        let (strip, keep) = match self.at(q) {
            Some(b'-') => (true, false),
            Some(b'+') => (false, true),
            _ => (false, false),
        };
        if strip || keep {
            q += 1;
        }
        if !is_blank_or_end(self.at(q)) {
            return Err(Stop::GiveUp);
        }
        let header_end = self.rest_of_line(q)?;
        if header_end >= t.len() {
            return Err(Stop::GiveUp);
        }
        // The first content line sets the indent; leading blank lines are left to granit.
        let first = header_end + 1;
        let c = self.skip_spaces(first);
        let indent = c - first;
        if indent <= n || matches!(self.at(c), None | Some(b'\n')) {
            return Err(Stop::GiveUp);
        }
        let mut value = String::new();
        let mut leading_break = false;
        let mut trailing_breaks = 0usize;
        let mut leading_blank = false;
        let mut ls = first;
        let mut last_end;
        loop {
            // `ls`: start of a line with content at `indent`.
            let line_end = self.eol(ls);
            let content = ls + indent;
            let trailing_blank = t[content] == b' ';
            if folded && leading_break && !leading_blank && !trailing_blank {
                if trailing_breaks == 0 {
                    value.push(' ');
                }
            } else if leading_break {
                value.push('\n');
            }
            for _ in 0..trailing_breaks {
                value.push('\n');
            }
            trailing_breaks = 0;
            leading_blank = trailing_blank;
            value.push_str(&self.s[content..line_end]);
            last_end = line_end;
            if line_end >= t.len() {
                // No line break after the last line: left to granit.
                return Err(Stop::GiveUp);
            }
            leading_break = true;
            // Blank lines, then the next line with content (or the end).
            let mut next = line_end + 1;
            let more = loop {
                let c = self.skip_spaces(next);
                match self.at(c) {
                    None => break false,
                    Some(b'\n') => {
                        if c - next > indent {
                            return Err(Stop::GiveUp);
                        }
                        trailing_breaks += 1;
                        next = c + 1;
                    }
                    Some(_) => break c - next >= indent,
                }
            };
            if !more {
                break;
            }
            ls = next;
        }
        // The loop ran at least once, so a line break ends the last line read.
        if !strip {
            value.push('\n');
        }
        if keep {
            for _ in 0..trailing_breaks {
                value.push('\n');
            }
        }
        let style = if folded {
            Style::Folded
        } else {
            Style::Literal
        };
        self.scalar(Cow::Owned(value), style, c, last_end, &props)?;
        Ok(last_end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block-wise check decides as the byte loop does, with the bytes it refuses (and
    /// multi-byte characters) at every place around a block's end.
    #[test]
    fn plain_text_agrees_with_the_byte_loop() {
        let specials: [&[u8]; 12] = [
            b"\t",
            b"\r",
            b"\x7f",
            b"\x01",
            "\u{85}".as_bytes(),
            "\u{2028}".as_bytes(),
            "\u{2029}".as_bytes(),
            "\u{feff}".as_bytes(),
            "\u{fffe}".as_bytes(),
            "\u{ffff}".as_bytes(),
            "é".as_bytes(),
            "한".as_bytes(),
        ];
        let mut checked = 0;
        for len in [0usize, 1, 63, 64, 65, 127, 128, 200] {
            for at in (0..len.max(1)).step_by(1) {
                for sp in specials {
                    let mut t: Vec<u8> = b"ab: c\n".iter().cycle().take(len).copied().collect();
                    let at = at.min(t.len());
                    t.splice(at..at, sp.iter().copied());
                    assert_eq!(
                        plain_text(&t),
                        plain_bytes(&t, 0, t.len()),
                        "{:?} at {at} of {len}",
                        String::from_utf8_lossy(sp)
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 5000);
        assert!(plain_text(b"a: b\n"));
        assert!(!plain_text(b"a:\tb\n"));
    }
}
