//! The set of files one run reads: each read and parsed once, shared across threads.

use crate::source::{normalize_path, FileId, SourceFile};
use crate::yaml::{self, Parsed, ProblemKind, YamlProblem};
// Maps keyed by our own ids and paths: foldhash (seeded per process) hashes them several
// times faster than std's SipHash.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// Files larger than this are not parsed: a compose file is kilobytes, and a tree of a huge
/// file would take memory in proportion.
pub const MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// Why a path could not be read at all (a missing file, no permission, a directory).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileError {
    NotFound,
    IsDir,
    /// The path (or the file a symbolic link on it leads to) is outside the linted root: not
    /// read (see `Confinement`).
    OutsideRoot,
    Io(String),
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::NotFound => write!(f, "no such file"),
            FileError::IsDir => write!(f, "is a directory"),
            FileError::OutsideRoot => write!(
                f,
                "outside the linted root, not read (pass --root to lint a wider tree)"
            ),
            FileError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// What inline suppressions need of a file's parse.
#[derive(Debug)]
pub struct Directives {
    /// `# hylint: ...` comments: span and text after `#`.
    pub comments: Vec<(crate::source::Span, String)>,
    /// Where the first document starts (file-wide suppressions must come before it).
    pub first_content: Option<usize>,
}

/// Where a run may read: files under one of the `roots` (after symbolic links are followed),
/// and the `trusted` files (the env files named on the command line). hylint lints trees from
/// pull requests: a reference to `../../etc/shadow`, or a link to it, must not put that file's
/// contents into a report.
#[derive(Clone, Debug)]
pub struct Confinement {
    /// Canonical (symbolic links resolved) absolute paths.
    pub roots: Vec<PathBuf>,
    /// Canonical absolute paths.
    pub trusted: Vec<PathBuf>,
}

impl Confinement {
    /// `roots` and `trusted` made canonical; a path that does not exist is kept as given.
    pub fn new(roots: &[PathBuf], trusted: &[PathBuf]) -> Confinement {
        let canon = |p: &PathBuf| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        Confinement {
            roots: roots.iter().map(canon).collect(),
            trusted: trusted.iter().map(canon).collect(),
        }
    }

    fn allows(&self, real: &Path) -> bool {
        self.roots.iter().any(|r| real.starts_with(r)) || self.trusted.iter().any(|t| t == real)
    }
}

/// The path of the file behind an open descriptor, symbolic links resolved: what the kernel
/// opened, so a link swapped after the check cannot redirect the read.
fn real_path(file: &std::fs::File, abs: &Path) -> Option<PathBuf> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::io::AsRawFd;
        if let Ok(p) = std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())) {
            return Some(p);
        }
    }
    let _ = file;
    std::fs::canonicalize(abs).ok()
}

/// A normalised absolute path (`Workspace::absolute`) as a map key: its bytes, hashed in one
/// piece (`Path` hashes one component at a time, about four times the work for a tree's paths).
/// For normalised paths, equal bytes and equal paths are the same thing.
type PathKey = std::ffi::OsString;

pub struct Workspace {
    /// Working directory: displayed paths are relative to it when `relative` is set.
    pub cwd: PathBuf,
    pub relative: bool,
    files: RwLock<Vec<Arc<SourceFile>>>,
    /// Keyed by the normalised absolute path's bytes (see `PathKey`).
    by_path: Mutex<HashMap<PathKey, Result<FileId, FileError>>>,
    parsed: RwLock<HashMap<FileId, Arc<Parsed>>>,
    /// What suppressions need of a parse, kept when the parse is evicted.
    directives: RwLock<HashMap<FileId, Arc<Directives>>>,
    /// Problems found before parsing (not UTF-8, binary, too large), by file.
    pre: RwLock<HashMap<FileId, YamlProblem>>,
    /// Files read for rules (configs a service mounts), not compose files: never linted.
    aux: RwLock<HashMap<PathKey, Option<FileId>>>,
    aux_ids: RwLock<HashSet<FileId>>,
    /// Contents to use instead of the disk's (the fix engine's pending edits), by absolute path.
    overrides: std::collections::HashMap<PathBuf, String>,
    /// Where reads are allowed; `None`: anywhere.
    confinement: Option<Confinement>,
}

impl Workspace {
    pub fn new(cwd: PathBuf, relative: bool) -> Workspace {
        Workspace {
            cwd,
            relative,
            files: RwLock::new(Vec::new()),
            by_path: Mutex::new(HashMap::new()),
            parsed: RwLock::new(HashMap::new()),
            directives: RwLock::new(HashMap::new()),
            pre: RwLock::new(HashMap::new()),
            aux: RwLock::new(HashMap::new()),
            aux_ids: RwLock::new(HashSet::new()),
            overrides: std::collections::HashMap::new(),
            confinement: None,
        }
    }

    /// Read only what `confinement` allows.
    pub fn confined(mut self, confinement: Option<Confinement>) -> Workspace {
        self.confinement = confinement;
        self
    }

    /// The root reads are confined to, if any.
    pub fn confinement(&self) -> Option<&Confinement> {
        self.confinement.as_ref()
    }

    /// A workspace reading `overrides` (absolute paths) instead of those files on disk.
    pub fn with_overrides(
        mut self,
        overrides: std::collections::HashMap<PathBuf, String>,
    ) -> Workspace {
        self.overrides = overrides;
        self
    }

    /// Whether the text of `abs` (an absolute path) is given rather than read from disk.
    pub fn has_override(&self, abs: &Path) -> bool {
        self.overrides.contains_key(abs)
    }

    /// Read a small text file a service mounts (a config), once; `None` for directories,
    /// missing, binary or large files. Such files are shown in diagnostics but never linted.
    pub fn load_aux(&self, path: &Path) -> Option<FileId> {
        const MAX_AUX: u64 = 1024 * 1024;
        let abs = self.absolute(path);
        if let Some(r) = self
            .aux
            .read()
            .expect("workspace lock")
            .get(abs.as_os_str())
        {
            return *r;
        }
        let file = (|| {
            let Ok(Opened::Regular(bytes)) = open_regular(&abs, MAX_AUX, self.confinement()) else {
                return None;
            };
            if memchr::memchr(0, &bytes).is_some() {
                return None;
            }
            let text = String::from_utf8(bytes).ok()?;
            Some(SourceFile::new(
                FileId(0),
                abs.clone(),
                self.display(&abs),
                text,
            ))
        })();
        // Projects linted in parallel may mount the same file: the first to get here adds it.
        let mut aux = self.aux.write().expect("workspace lock");
        if let Some(r) = aux.get(abs.as_os_str()) {
            return *r;
        }
        let r = file.map(|f| {
            let id = self.push(f);
            self.aux_ids.write().expect("workspace lock").insert(id);
            id
        });
        aux.insert(abs.into_os_string(), r);
        r
    }

    /// Read an env file (`.env`, `--env-file`, a service's `env_file`): a regular UTF-8 file of
    /// at most 1 MiB. Read once per use, not kept: env files are small and not linted. A FIFO
    /// or device is refused without blocking on it.
    pub fn read_env_file(&self, path: &Path) -> Result<String, FileError> {
        const MAX_ENV: u64 = 1024 * 1024;
        let abs = self.absolute(path);
        if let Some(text) = self.overrides.get(&abs) {
            return Ok(text.clone());
        }
        match open_regular(&abs, MAX_ENV, self.confinement()) {
            Ok(Opened::Regular(bytes)) => {
                if bytes.len() as u64 > MAX_ENV {
                    return Err(FileError::Io(format!("larger than {MAX_ENV} bytes")));
                }
                String::from_utf8(bytes).map_err(|_| FileError::Io("not UTF-8 text".into()))
            }
            Ok(Opened::TooLarge(n)) => Err(FileError::Io(format!(
                "{n} bytes, larger than {MAX_ENV} bytes"
            ))),
            Ok(Opened::Dir) => Err(FileError::IsDir),
            Ok(Opened::Special) => Err(FileError::Io("not a regular file".into())),
            Ok(Opened::Outside) => Err(FileError::OutsideRoot),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(FileError::NotFound),
            Err(e) => Err(FileError::Io(e.to_string())),
        }
    }

    pub fn is_aux(&self, id: FileId) -> bool {
        self.aux_ids.read().expect("workspace lock").contains(&id)
    }

    pub fn absolute(&self, p: &Path) -> PathBuf {
        normalize_path(&self.cwd.join(p))
    }

    /// A path as reports meant for other machines name it (baselines, fingerprints, SARIF,
    /// GitLab): relative to the project root the run is confined to (the git top level,
    /// `--root`), with `/` separators, whatever the working directory; as displayed when it
    /// lies outside.
    pub fn project_path(&self, p: &Path) -> String {
        let abs = self.absolute(p);
        let Some(root) = self.confinement.as_ref().and_then(|c| c.roots.first()) else {
            return self.display(p);
        };
        let rel = abs
            .strip_prefix(root)
            .ok()
            .map(Path::to_path_buf)
            .or_else(|| {
                // The root is canonical; the path may pass through a symbolic link.
                let real = std::fs::canonicalize(&abs).ok()?;
                real.strip_prefix(root).ok().map(Path::to_path_buf)
            });
        match rel {
            Some(r) if !r.as_os_str().is_empty() => r
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
            _ => self.display(p),
        }
    }

    /// How a path is shown: relative to the working directory in relative mode.
    pub fn display(&self, p: &Path) -> String {
        let abs = self.absolute(p);
        if self.relative {
            if let Some(rel) = relative_to(&abs, &self.cwd) {
                return rel.to_string_lossy().into_owned();
            }
        }
        abs.to_string_lossy().into_owned()
    }

    /// The file at `path` if it has been read already (never reads).
    pub fn known(&self, path: &Path) -> Option<FileId> {
        let abs = self.absolute(path);
        match self
            .by_path
            .lock()
            .expect("workspace lock")
            .get(abs.as_os_str())
        {
            Some(Ok(id)) => Some(*id),
            _ => None,
        }
    }

    /// Read a file (once). Content problems (not UTF-8, binary, too large) still give a file,
    /// with a problem its parse reports; only unreadable paths are errors.
    pub fn load(&self, path: &Path) -> Result<FileId, FileError> {
        let abs = self.absolute(path);
        if let Some(r) = self
            .by_path
            .lock()
            .expect("workspace lock")
            .get(abs.as_os_str())
        {
            return r.clone();
        }
        // Read (and index lines) without holding the lock, so files load in parallel; the first
        // to finish wins.
        let read = self.read_new(&abs).map(|(display, text, problem)| {
            (
                SourceFile::new(FileId(0), abs.clone(), display, text),
                problem,
            )
        });
        let mut by_path = self.by_path.lock().expect("workspace lock");
        if let Some(r) = by_path.get(abs.as_os_str()) {
            return r.clone();
        }
        let r = read.map(|(file, problem)| {
            let id = self.push(file);
            if let Some((offset, message)) = problem {
                self.pre_problem(id, offset, message);
            }
            id
        });
        by_path.insert(abs.into_os_string(), r.clone());
        r
    }

    /// (display, text, problem found before parsing) of a file.
    #[allow(clippy::type_complexity)]
    fn read_new(&self, abs: &Path) -> Result<(String, String, Option<(usize, String)>), FileError> {
        if let Some(text) = self.overrides.get(abs) {
            return Ok((self.display(abs), text.clone(), None));
        }
        let opened = match open_regular(abs, MAX_FILE_SIZE, self.confinement()) {
            Ok(o) => o,
            // Why the open failed, in the words a `stat` of the path gives (a socket, say,
            // fails to open but is "not a regular file").
            Err(e) => match std::fs::metadata(abs) {
                Err(m) if m.kind() == std::io::ErrorKind::NotFound => {
                    return Err(FileError::NotFound)
                }
                Err(m) => return Err(FileError::Io(m.to_string())),
                Ok(m) if m.is_dir() => return Err(FileError::IsDir),
                Ok(m) if !m.is_file() => return Err(FileError::Io("not a regular file".into())),
                Ok(_) => return Err(FileError::Io(e.to_string())),
            },
        };
        let bytes = match opened {
            Opened::Dir => return Err(FileError::IsDir),
            Opened::Outside => return Err(FileError::OutsideRoot),
            // A FIFO or device would block or never end.
            Opened::Special => return Err(FileError::Io("not a regular file".into())),
            Opened::TooLarge(len) => {
                let message = format!(
                    "file is {len} bytes, over the {} MiB limit for a compose file; not parsed",
                    MAX_FILE_SIZE / (1024 * 1024)
                );
                return Ok((self.display(abs), String::new(), Some((0, message))));
            }
            Opened::Regular(bytes) => bytes,
        };
        let display = self.display(abs);
        if let Some(nul) = memchr::memchr(0, &bytes) {
            let text = String::from_utf8_lossy(&bytes[..nul]).into_owned();
            let off = text.len();
            let problem = "binary file (NUL byte): not a compose file".to_string();
            return Ok((display, text, Some((off, problem))));
        }
        match String::from_utf8(bytes) {
            Ok(text) => Ok((display, text, None)),
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                // Lossy text has the same bytes up to the first invalid one.
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let problem = "invalid UTF-8: compose files must be UTF-8".to_string();
                Ok((display, text, Some((valid, problem))))
            }
        }
    }

    /// Number a file and add it (its id given here replaces the one it was built with).
    fn push(&self, mut file: SourceFile) -> FileId {
        let mut files = self.files.write().expect("workspace lock");
        let id = FileId(files.len() as u32);
        file.id = id;
        files.push(Arc::new(file));
        id
    }

    fn pre_problem(&self, id: FileId, offset: usize, message: String) {
        self.pre.write().expect("workspace lock").insert(
            id,
            YamlProblem {
                kind: ProblemKind::Syntax,
                span: crate::source::Span::new(id, offset, offset),
                message,
                related: None,
            },
        );
    }

    pub fn file(&self, id: FileId) -> Arc<SourceFile> {
        self.files.read().expect("workspace lock")[id.0 as usize].clone()
    }

    pub fn files(&self) -> Vec<Arc<SourceFile>> {
        self.files.read().expect("workspace lock").clone()
    }

    /// The parse of a file (parsed on first use).
    pub fn parsed(&self, id: FileId) -> Arc<Parsed> {
        if let Some(p) = self.parsed.read().expect("workspace lock").get(&id) {
            return p.clone();
        }
        let p = Arc::new(match self.pre.read().expect("workspace lock").get(&id) {
            Some(problem) => Parsed {
                docs: vec![],
                problems: vec![problem.clone()],
                anchors: vec![],
                comments: vec![],
            },
            None => yaml::parse(id, &self.file(id).text),
        });
        self.directives
            .write()
            .expect("workspace lock")
            .entry(id)
            .or_insert_with(|| {
                Arc::new(Directives {
                    comments: p.comments.clone(),
                    first_content: p.docs.first().map(|d| d.span.start as usize),
                })
            });
        self.parsed
            .write()
            .expect("workspace lock")
            .entry(id)
            .or_insert(p)
            .clone()
    }

    /// Forget the parses of `ids` (they are parsed again if asked for): a run holds the trees
    /// of the projects in flight, not of the whole tree.
    pub fn evict(&self, ids: &[FileId]) {
        let mut parsed = self.parsed.write().expect("workspace lock");
        for id in ids {
            parsed.remove(id);
        }
    }

    /// The suppression comments of a file and where its content starts.
    pub fn directives(&self, id: FileId) -> Arc<Directives> {
        if let Some(d) = self.directives.read().expect("workspace lock").get(&id) {
            return d.clone();
        }
        self.parsed(id);
        self.directives.read().expect("workspace lock")[&id].clone()
    }
}

/// What `open_regular` found at a path.
enum Opened {
    /// A regular file of at most the limit: its bytes.
    Regular(Vec<u8>),
    /// A regular file over the limit: its length.
    TooLarge(u64),
    Dir,
    /// A FIFO, socket or device.
    Special,
    /// Outside the confinement: not read.
    Outside,
}

/// Open a path once, tell its kind from the open descriptor and read it if it is a regular
/// file of at most `max` bytes. A `stat` of the path before reading it costs a second path
/// lookup per file. The open does not block: a FIFO
/// opened for reading would wait for a writer.
fn open_regular(
    abs: &Path,
    max: u64,
    confinement: Option<&Confinement>,
) -> std::io::Result<Opened> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(abs)?;
    if let Some(c) = confinement {
        // Checked on what was opened, before anything is read from it.
        if !real_path(&file, abs).is_some_and(|real| c.allows(&real)) {
            return Ok(Opened::Outside);
        }
    }
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Ok(Opened::Dir);
    }
    if !meta.is_file() {
        return Ok(Opened::Special);
    }
    if meta.len() > max {
        return Ok(Opened::TooLarge(meta.len()));
    }
    // Read through `take`: `File::read_to_end` would ask the size again (a second `fstat`
    // and an `lseek`), which the `metadata` above already gave. The end is then found by a
    // small read on the stack, without growing the buffer; and a file that grows meanwhile is
    // read no further than one byte over the limit.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1).read_to_end(&mut bytes)?;
    Ok(Opened::Regular(bytes))
}

/// `path` relative to `base` (both absolute and normalised), with `..` where needed.
pub fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    Some(out)
}
