//! Source files, file ids, byte spans and line/column conversion.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A half-open byte range `start..end` in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end.max(start) as u32,
        }
    }
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
    /// The smallest span covering both (same file assumed).
    pub fn cover(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// One loaded file: its path (as given / discovered), text and line starts.
#[derive(Debug)]
pub struct SourceFile {
    pub id: FileId,
    /// Absolute, normalised path used for identity.
    pub path: PathBuf,
    /// Path shown to the user (relative to the working directory when the input was relative).
    pub display: String,
    pub text: String,
    /// Worked out on the first use: most files a run reads (mounted config files) are never
    /// reported at a line.
    line_starts: std::sync::OnceLock<Vec<u32>>,
    /// Computed on the first fix built in this file.
    layout: std::sync::OnceLock<Layout>,
}

impl SourceFile {
    /// How the file is laid out, computed once (on the first fix built in it).
    pub fn layout(&self) -> Layout {
        *self.layout.get_or_init(|| Layout::of(&self.text))
    }

    pub fn new(id: FileId, path: PathBuf, display: String, text: String) -> SourceFile {
        SourceFile {
            id,
            path,
            display,
            text,
            line_starts: std::sync::OnceLock::new(),
            layout: std::sync::OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            // memchr finds line breaks many bytes at a time, not one.
            let mut starts = vec![0u32];
            starts.extend(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| i as u32 + 1));
            starts
        })
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let starts = self.line_starts();
        let line = match starts.binary_search(&(offset as u32)) {
            Ok(l) => l,
            Err(l) => l - 1,
        };
        let start = starts[line] as usize;
        let mut o = offset;
        while !self.text.is_char_boundary(o) {
            o -= 1;
        }
        let col = self.text[start..o].chars().count() + 1;
        (line + 1, col)
    }

    /// Byte offset of the start of a 1-based line.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts()
            .get(line.saturating_sub(1))
            .map(|&s| s as usize)
            .unwrap_or(self.text.len())
    }

    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("/"))
    }
}

/// All files loaded in one run. Files are shared immutably once loaded.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<Arc<SourceFile>>,
}

impl SourceMap {
    pub fn add(&mut self, path: PathBuf, display: String, text: String) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.files
            .push(Arc::new(SourceFile::new(id, path, display, text)));
        id
    }
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files.iter().find(|f| f.path == path).map(|f| f.id)
    }
    pub fn files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter().map(|f| f.as_ref())
    }
    pub fn len(&self) -> usize {
        self.files.len()
    }
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Lexically normalise a path (resolve `.` and `..` without touching the file system),
/// the way docker compose resolves relative paths (Go's `filepath.Clean`, except that an
/// empty result stays empty).
pub fn normalize_path(p: &Path) -> PathBuf {
    normalize_parts(&[p])
}

/// `base.join(rel)` normalised, as compose resolves a relative path; an absolute path is kept
/// exactly as written (compose keeps `/var/lib/docker/` with its trailing slash).
pub fn resolve_path(base: &Path, rel: &str) -> PathBuf {
    let rel = expand_tilde(rel);
    if rel.is_absolute() {
        return rel;
    }
    normalize_parts(&[base, &rel])
}

/// The parts joined with `/` and normalised, in one pass over their bytes and one allocation:
/// the loader resolves a path for every file reference, mostly with `..` in it, and going
/// through `Path::components` and `PathBuf::push` cost far more (docs/performance-notes.md).
#[cfg(unix)]
fn normalize_parts(parts: &[&Path]) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    fn bytes<'a>(p: &&'a Path) -> &'a [u8] {
        p.as_os_str().as_encoded_bytes()
    }
    let rooted = parts
        .first()
        .map(bytes)
        .is_some_and(|b| b.first() == Some(&b'/'));
    let mut out: Vec<u8> = Vec::with_capacity(parts.iter().map(|p| bytes(p).len() + 1).sum());
    if rooted {
        out.push(b'/');
    }
    let base = out.len();
    // out[..fixed] is the root and the leading `..` of a relative path: nothing to pop there.
    let mut fixed = base;
    for part in parts.iter().map(bytes) {
        // Most parts (a file's directory, above all) have nothing to resolve: no `.` or `..`
        // segment and no empty one. They are copied whole (the trailing `/` dropped).
        let plain = !part.starts_with(b".")
            && memchr::memchr_iter(b'/', part)
                .all(|i| !matches!(part.get(i + 1), Some(b'/' | b'.')));
        if plain {
            let part = part.strip_prefix(b"/").unwrap_or(part);
            let part = part.strip_suffix(b"/").unwrap_or(part);
            if !part.is_empty() {
                if out.len() > base {
                    out.push(b'/');
                }
                out.extend_from_slice(part);
            }
            continue;
        }
        for seg in part.split(|c| *c == b'/') {
            match seg {
                b"" | b"." => {}
                b".." if out.len() > fixed => {
                    let cut = memchr::memrchr(b'/', &out[fixed..]).map_or(fixed, |i| fixed + i);
                    out.truncate(cut);
                }
                // `/..` is `/`, as for the kernel and Go; a relative path keeps its leading `..`.
                b".." if rooted => {}
                seg => {
                    if out.len() > base {
                        out.push(b'/');
                    }
                    out.extend_from_slice(seg);
                    if seg == b".." {
                        fixed = out.len();
                    }
                }
            }
        }
    }
    PathBuf::from(std::ffi::OsString::from_vec(out))
}

#[cfg(not(unix))]
fn normalize_parts(parts: &[&Path]) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in parts.iter().flat_map(|p| p.components()) {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn expand_tilde(p: &str) -> PathBuf {
    if let Some(rest) = p.strip_prefix("~/") {
        if let Some(home) = std::env::var_os("HOME") {
            return PathBuf::from(home).join(rest);
        }
    }
    PathBuf::from(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise_as_go_filepath_clean_does() {
        for (p, want) in [
            ("/a/b/c.yml", "/a/b/c.yml"),
            ("a/b", "a/b"),
            ("a", "a"),
            ("/", "/"),
            ("", ""),
            (".", ""),
            ("..", ".."),
            ("./a", "a"),
            ("../a", "../a"),
            ("a/./b", "a/b"),
            ("a/../b", "b"),
            ("a//b", "a/b"),
            ("a/b/", "a/b"),
            ("/a/b/..", "/a"),
            ("/a/.", "/a"),
            ("a/.b/c", "a/.b/c"),
            ("a/..b", "a/..b"),
            ("a/b..", "a/b.."),
            ("/..", "/"),
            ("/../x", "/x"),
            ("//a", "/a"),
            ("a/..", ""),
            ("a/b/../../..", ".."),
            // Leading `..` stay: popping one of them would lose a level.
            ("../../x", "../../x"),
            ("a/../../b/../../c", "../../c"),
            ("/srv/infra/10-db/pg/../../../secrets/pw", "/srv/secrets/pw"),
            (".hidden/x", ".hidden/x"),
            ("/a b/c", "/a b/c"),
        ] {
            assert_eq!(normalize_path(Path::new(p)), Path::new(want), "{p}");
        }
    }

    #[test]
    fn a_relative_path_resolves_against_its_base() {
        for (base, rel, want) in [
            ("/srv/infra/db", "../../secrets/pw", "/srv/secrets/pw"),
            ("/srv/infra/db", "./conf/", "/srv/infra/db/conf"),
            ("/srv/infra/db", "", "/srv/infra/db"),
            ("/srv", "../../../x", "/x"),
            ("/srv/infra/db", "/etc/hosts/", "/etc/hosts/"),
            ("infra", "../../x", "../x"),
        ] {
            assert_eq!(
                resolve_path(Path::new(base), rel),
                Path::new(want),
                "{base} {rel}"
            );
        }
    }
}

/// Replace the bytes of `span` with `content`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Edit {
    pub span: Span,
    pub content: String,
}

/// How a file is laid out: what edits must imitate.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    pub nl: &'static str,
    pub step: usize,
    pub indent_seqs: bool,
}

impl Layout {
    pub fn of(text: &str) -> Layout {
        let nl = match text.find('\n') {
            Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
            _ => "\n",
        };
        // The smallest positive indentation of a content line is the file's step. (Bytewise:
        // this runs once per file a fix touches, over the whole text.)
        let b = text.as_bytes();
        let mut step = 0;
        let mut indent_seqs = true;
        let mut prev: Option<(usize, bool)> = None; // (indent, ends with ':')
        let mut i = 0;
        while i < b.len() {
            let end = b[i..]
                .iter()
                .position(|c| *c == b'\n')
                .map_or(b.len(), |p| i + p);
            let mut line_end = end;
            while line_end > i && b[line_end - 1] == b'\r' {
                line_end -= 1;
            }
            let mut c = i;
            while c < line_end && b[c] == b' ' {
                c += 1;
            }
            if c < line_end && b[c] != b'#' {
                let ind = c - i;
                if ind > 0 && (step == 0 || ind < step) {
                    step = ind;
                }
                if let Some((pind, pkey)) = prev {
                    if pkey && b[c] == b'-' && b.get(c + 1) == Some(&b' ') && c + 1 < line_end {
                        indent_seqs = ind > pind;
                    }
                }
                prev = Some((ind, b[line_end - 1] == b':'));
            }
            i = end + 1;
        }
        Layout {
            nl,
            step: if step == 0 { 2 } else { step },
            indent_seqs,
        }
    }
}
