//! `--fix`: apply fixes pass by pass until the tree is stable, verify every result, write
//! atomically.
//!
//! Each pass lints the tree (with the edits so far held in memory), takes the applicable fixes in
//! diagnostic order, skips any that overlaps one already taken (it waits for the next pass), and
//! applies them. A file whose result does not parse, or a project whose resolved model changes
//! anywhere a fix did not mean to change it, is put back as it was and left alone, with a
//! message saying why.

use crate::check::{self, CheckOptions, Outcome};
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::source::FileId;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct FixOptions {
    pub unsafe_fixes: bool,
    /// Upper bound of passes: fixes that keep producing fixes stop here.
    pub max_passes: usize,
    /// Text to use instead of these files on disk (absolute paths): standard input.
    pub given: HashMap<PathBuf, String>,
    /// Edit only these files (absolute paths); a fix that edits another is not taken.
    /// `None`: any file.
    pub only: Option<HashSet<PathBuf>>,
}

impl Default for FixOptions {
    fn default() -> Self {
        FixOptions {
            unsafe_fixes: false,
            max_passes: 10,
            given: HashMap::new(),
            only: None,
        }
    }
}

/// A file the fixes changed.
#[derive(Clone, Debug)]
pub struct Change {
    pub path: PathBuf,
    pub display: String,
    pub original: String,
    pub fixed: String,
}

pub struct Report {
    pub changes: Vec<Change>,
    /// Fixes applied.
    pub applied: usize,
    /// Files left untouched, and why.
    pub refused: Vec<String>,
    /// The tree linted after the fixes (what remains).
    pub outcome: Outcome,
}

fn overlaps(a: &Edit, b: &Edit) -> bool {
    a.span.file == b.span.file
        && (a.span.start < b.span.end && b.span.start < a.span.end
            // Two inserts at one place have no defined order.
            || a.span.start == b.span.start)
}

/// Drop objects left empty (a `depends_on` whose only entry a fix removed is deleted whole).
fn drop_empty(v: &mut Value) {
    if let Value::Object(m) = v {
        for x in m.values_mut() {
            drop_empty(x);
        }
        m.retain(|_, x| !matches!(x, Value::Object(o) if o.is_empty()));
    }
}

/// Remove the parts of a model a fix means to change (`*` matches any key): `pattern` is an
/// `intent` path split at `/`.
pub fn strip(v: &mut Value, pattern: &[&str]) {
    let Some((first, rest)) = pattern.split_first() else {
        return;
    };
    let Value::Object(m) = v else { return };
    if rest.is_empty() {
        if *first == "*" {
            m.clear();
        } else {
            m.remove(*first);
        }
        return;
    }
    if *first == "*" {
        for x in m.values_mut() {
            strip(x, rest);
        }
    } else if let Some(x) = m.get_mut(*first) {
        strip(x, rest);
    }
}

/// What the engine keeps of a pass's projects: by root path, the model (compact JSON text) and
/// the paths of the files it was loaded from.
type Models = HashMap<PathBuf, (String, Vec<PathBuf>)>;

/// The models of `out`, moved out of it.
fn models(out: &mut Outcome) -> Models {
    let path = |id: FileId| out.ws.file(id).path.clone();
    std::mem::take(&mut out.models)
        .into_iter()
        .map(|m| {
            let files = m.files.iter().map(|f| path(*f)).collect();
            (path(m.root), (m.json, files))
        })
        .collect()
}

/// Whether two models (JSON text) differ outside what `touches` mean to change; if so, where
/// (the first difference).
fn differ_beyond(before: &str, after: &str, touches: &[Vec<&str>]) -> Option<Option<String>> {
    // Most projects are equal as text, and most of the rest only in what the fixes touch:
    // only these are parsed again and stripped.
    if before == after {
        return None;
    }
    // A model nested deeper than serde_json reads (128 levels: an extension field can be) is
    // not compared: the fix is refused, as for any difference.
    let (Ok(mut b), Ok(mut a)) = (
        serde_json::from_str::<Value>(before),
        serde_json::from_str::<Value>(after),
    ) else {
        return Some(Some("(a value nested too deeply to compare)".into()));
    };
    for t in touches {
        strip(&mut b, t);
        strip(&mut a, t);
    }
    drop_empty(&mut a);
    drop_empty(&mut b);
    (a != b).then(|| {
        crate::model::json::differences(&b, &a, 1)
            .into_iter()
            .next()
            .map(|d| d.0)
    })
}

/// A fixed text must parse, without duplicate keys.
pub fn still_parses(id: FileId, text: &str) -> Result<(), String> {
    let parsed = crate::yaml::parse(id, text);
    match parsed.problems.iter().find(|p| {
        matches!(
            p.kind,
            crate::yaml::ProblemKind::Syntax
                | crate::yaml::ProblemKind::DuplicateKey
                | crate::yaml::ProblemKind::AliasLimit
        )
    }) {
        Some(p) => Err(p.message.clone()),
        None => Ok(()),
    }
}

/// Apply fixes in memory until nothing applicable remains.
pub fn run(opts: &CheckOptions, fo: &FixOptions) -> Report {
    // The engine compares each project's model before and after a pass.
    let opts = &CheckOptions {
        keep_models: true,
        drop_fixes: false,
        ..opts.clone()
    };
    let mut contents: HashMap<PathBuf, String> = fo.given.clone();
    let mut originals: HashMap<PathBuf, (String, String)> = HashMap::new();
    let mut blocked: HashSet<PathBuf> = HashSet::new();
    let mut refused = Vec::new();
    let mut applied = 0;
    let mut fixed: Vec<crate::check::AppliedFix> = Vec::new();
    let mut out = check::run_with(opts, contents.clone());
    // The resolved models of `out`, carried from pass to pass.
    let mut out_models = models(&mut out);
    // `None` only while a pass checks its edits: the previous check is let go by then.
    let mut out = Some(out);
    for _ in 0..fo.max_passes {
        let cur = out.as_ref().expect("the last check");
        let files = cur.ws.files();
        let path_of = |id: FileId| files[id.0 as usize].path.clone();
        // Take fixes in order, skipping overlaps.
        let mut taken: Vec<(&'static str, &Fix)> = Vec::new();
        // The edits taken, by file.
        let mut by_file: BTreeMap<FileId, Vec<Edit>> = BTreeMap::new();
        for d in &cur.diagnostics {
            let Some(fix) = &d.fix else { continue };
            if fix.applicability == Applicability::Unsafe && !fo.unsafe_fixes {
                continue;
            }
            let elsewhere = |e: &Edit| {
                fo.only
                    .as_ref()
                    .is_some_and(|only| !only.contains(&path_of(e.span.file)))
            };
            if fix.edits.iter().any(|e| {
                blocked.contains(&path_of(e.span.file))
                    || cur.ws.is_aux(e.span.file)
                    || elsewhere(e)
            }) {
                continue;
            }
            // Edits taken so far are compared within their file only: a tree has fixes by the
            // hundred thousand, a file a handful.
            let same_file = |e: &Edit| by_file.get(&e.span.file).map_or(&[][..], Vec::as_slice);
            // A fix whose edits are all taken already (one rewrite serving several findings).
            if fix.edits.iter().all(|e| same_file(e).contains(e)) {
                taken.push((d.rule, fix));
                continue;
            }
            if fix
                .edits
                .iter()
                .any(|e| same_file(e).iter().any(|t| overlaps(e, t)))
            {
                continue;
            }
            for e in &fix.edits {
                by_file.entry(e.span.file).or_default().push(e.clone());
            }
            taken.push((d.rule, fix));
        }
        if taken.is_empty() {
            break;
        }
        // Apply per file, from the end so offsets stay valid.
        let mut next = contents.clone();
        let mut changed_now: Vec<PathBuf> = Vec::new();
        // Files whose edits of this pass were refused.
        let mut put_back: HashSet<PathBuf> = HashSet::new();
        for (id, mut es) in by_file {
            let f = &files[id.0 as usize];
            es.sort_by_key(|e| std::cmp::Reverse(e.span.start));
            let mut text = f.text.clone();
            for e in es {
                text.replace_range(e.span.range(), &e.content);
            }
            if let Err(why) = still_parses(id, &text) {
                refused.push(format!(
                    "{}: the fixes would produce YAML that does not parse ({why}); file left untouched",
                    f.display
                ));
                blocked.insert(f.path.clone());
                put_back.insert(f.path.clone());
                continue;
            }
            originals
                .entry(f.path.clone())
                .or_insert_with(|| (f.display.clone(), f.text.clone()));
            next.insert(f.path.clone(), text);
            changed_now.push(f.path.clone());
        }
        if changed_now.is_empty() {
            continue;
        }
        // What the rest of the pass needs of the fixes taken: the model paths they touch (each
        // distinct path once: copies of a stack repeat the same paths, and every path is
        // stripped from every project's model), and the files each edits.
        let mut touched: Vec<String> = taken
            .iter()
            .flat_map(|(_, f)| f.touches.iter().cloned())
            .collect();
        touched.sort_unstable();
        touched.dedup();
        let taken_files: Vec<Vec<PathBuf>> = taken
            .iter()
            .map(|(_, f)| f.edits.iter().map(|e| path_of(e.span.file)).collect())
            .collect();
        let described: Vec<crate::check::AppliedFix> = taken
            .iter()
            .map(|(rule, f)| crate::check::AppliedFix {
                rule,
                title: f.title.clone(),
                intent: f.touches.clone(),
                files: {
                    let mut fs: Vec<String> = f
                        .edits
                        .iter()
                        .map(|e| files[e.span.file.0 as usize].display.clone())
                        .collect();
                    fs.sort();
                    fs.dedup();
                    fs
                },
            })
            .collect();
        // Fixes meant to change the model (those that name what they touch), with their files.
        let meant: Vec<(Vec<PathBuf>, String)> = taken
            .iter()
            .zip(&taken_files)
            .filter(|((_, f), _)| !f.touches.is_empty())
            .map(|((_, f), fs)| (fs.clone(), f.touches.join(", ")))
            .collect();
        drop(files);
        // The last check (its findings and fixes, its files) is freed beside the next one,
        // not held through it: holding both raised the peak (docs/performance-notes.md).
        let last = out.take();
        rayon::spawn(move || drop(last));
        // The resolved model may change only where the fixes mean to.
        let mut after = check::run_with(opts, next.clone());
        let after_m = models(&mut after);
        let touches: Vec<Vec<&str>> = touched
            .iter()
            .map(|t| t.split('/').filter(|s| !s.is_empty()).collect())
            .collect();
        let mut reverted = false;
        let differing: Vec<(&PathBuf, Option<String>)> = {
            use rayon::prelude::*;
            out_models
                .par_iter()
                .filter_map(|(root, (b, _))| {
                    let (a, _) = after_m.get(root)?;
                    differ_beyond(b, a, &touches).map(|at| (root, at))
                })
                .collect()
        };
        // A fix that leaves every project it is loaded in unchanged is dropped by compose (a
        // `!reset` or an override file replaces what it writes): it fixes nothing, and would
        // be taken again on every pass.
        let mut ineffective: Vec<(PathBuf, String)> = Vec::new();
        for (files, touches) in &meant {
            let in_projects: Vec<&PathBuf> = out_models
                .iter()
                .filter(|(_, (_, fs))| fs.iter().any(|f| files.contains(f)))
                .map(|(root, _)| root)
                .collect();
            let unchanged = in_projects.iter().all(|root| {
                after_m
                    .get(*root)
                    .is_some_and(|(a, _)| *a == out_models[*root].0)
            });
            if !in_projects.is_empty() && unchanged {
                ineffective.extend(files.iter().map(|f| (f.clone(), touches.clone())));
            }
        }
        // Files to put back as they were before this pass, each with why.
        let mut revert: Vec<(&PathBuf, String)> = Vec::new();
        for (p, touches) in &ineffective {
            if changed_now.contains(p) {
                revert.push((p, format!("compose drops what the fixes write (at {touches}: a `!reset` or an override file replaces it)")));
            }
        }
        for (root, where_) in &differing {
            // Every file this pass changed in that project.
            let project_files: HashSet<&PathBuf> = out_models[*root].1.iter().collect();
            for p in changed_now.iter().filter(|p| project_files.contains(p)) {
                revert.push((p, format!("the fixes would change the resolved project beyond what they intend (at {})", where_.as_deref().unwrap_or("?"))));
            }
        }
        for (p, why) in revert {
            if put_back.contains(p) {
                continue;
            }
            match contents.get(p) {
                Some(prev) => next.insert(p.clone(), prev.clone()),
                None => next.remove(p),
            };
            blocked.insert(p.clone());
            put_back.insert(p.clone());
            refused.push(format!(
                "{}: {why}; file left untouched",
                originals.get(p).map(|o| o.0.as_str()).unwrap_or("?"),
            ));
            reverted = true;
        }
        for (fs, d) in taken_files.iter().zip(described) {
            if fs.iter().all(|p| !put_back.contains(p)) {
                applied += 1;
                fixed.push(d);
            }
        }
        contents = next;
        let (now, now_models) = if reverted {
            let mut o = check::run_with(opts, contents.clone());
            let m = models(&mut o);
            (o, m)
        } else {
            (after, after_m)
        };
        out = Some(now);
        // Freed beside the next pass (a large tree's take a second or more to free).
        let old = std::mem::replace(&mut out_models, now_models);
        rayon::spawn(move || drop(old));
    }
    let mut changes: Vec<Change> = contents
        .into_iter()
        .filter_map(|(path, fixed)| {
            let (display, original) = originals.remove(&path)?;
            (original != fixed).then_some(Change {
                path,
                display,
                original,
                fixed,
            })
        })
        .collect();
    changes.sort_by(|a, b| a.display.cmp(&b.display));
    refused.sort();
    refused.dedup();
    let mut outcome = out.expect("the last check");
    outcome.fixed = Some(fixed);
    Report {
        changes,
        applied,
        refused,
        outcome,
    }
}

/// A unified diff of one change.
pub fn unified_diff(c: &Change) -> String {
    similar::TextDiff::from_lines(&c.original, &c.fixed)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{}", c.display), &format!("b/{}", c.display))
        .to_string()
}

/// A fixed file ready to take its original's place.
struct Prepared {
    target: PathBuf,
    /// The written temporary file, beside the target: unnamed while it can be (Linux's
    /// O_TMPFILE), so that a run killed before the renames leaves nothing behind.
    tmp: Temp,
}

enum Temp {
    /// An open file with no name yet; named (`name`) only just before the rename.
    Unnamed(std::fs::File, PathBuf),
    Named(PathBuf),
}

impl Temp {
    /// Give the file its name (if it has none yet) and rename it over `target`.
    fn commit(&self, target: &Path) -> std::io::Result<()> {
        match self {
            Temp::Named(p) => std::fs::rename(p, target),
            Temp::Unnamed(f, name) => {
                link_unnamed(f, name)?;
                std::fs::rename(name, target).inspect_err(|_| {
                    let _ = std::fs::remove_file(name);
                })
            }
        }
    }
    fn discard(&self) {
        if let Temp::Named(p) = self {
            let _ = std::fs::remove_file(p);
        }
        // An unnamed file goes when its descriptor closes.
    }
}

/// Name an O_TMPFILE file: `linkat` of its descriptor's `/proc` entry, which needs no
/// capability.
#[cfg(target_os = "linux")]
fn link_unnamed(f: &std::fs::File, name: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::io::AsRawFd;
    let from = std::ffi::CString::new(format!("/proc/self/fd/{}", f.as_raw_fd()))?;
    let to = std::ffi::CString::new(name.as_os_str().as_bytes())?;
    // SAFETY: both are NUL-terminated paths we own.
    let r = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn link_unnamed(_: &std::fs::File, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other("no unnamed temporary files here"))
}

/// A temporary file in `dir`: unnamed where the system allows it, else `name`.
fn temp_file(dir: &Path, name: PathBuf) -> std::io::Result<(std::fs::File, Temp)> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let unnamed = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_TMPFILE)
            .mode(0o600)
            .open(dir);
        if let Ok(f) = unnamed {
            let handle = f.try_clone()?;
            return Ok((f, Temp::Unnamed(handle, name)));
        }
    }
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&name)?;
    Ok((f, Temp::Named(name)))
}

/// Write every change, or none: each file is first checked and its new text written to a
/// temporary file beside it (same mode and owner, synced); only when every one is ready are
/// they renamed over their originals. Refused: a read-only file, a file with other hard links
/// (a rename would leave them with the old text), a file that changed on disk since it was
/// read, and a symbolic link leading outside `roots`. On failure nothing is changed and no
/// temporary file is left; the errors are (display, message) of the files that failed.
pub fn write_all(changes: &[Change], roots: &[PathBuf]) -> Result<usize, Vec<(String, String)>> {
    let roots = canonical_dirs(roots);
    let mut ready = Vec::new();
    let mut errors = Vec::new();
    for c in changes {
        match prepare(c, &roots) {
            Ok(p) => ready.push(p),
            Err(e) => errors.push((c.display.clone(), e)),
        }
    }
    let discard = |ready: &[Prepared]| {
        for p in ready {
            p.tmp.discard();
        }
    };
    if !errors.is_empty() {
        discard(&ready);
        return Err(errors);
    }
    // A last look just before the renames: a file changed meanwhile is not overwritten.
    for (p, c) in ready.iter().zip(changes) {
        if std::fs::read(&p.target).ok().as_deref() != Some(c.original.as_bytes()) {
            errors.push((
                c.display.clone(),
                "changed on disk since hylint read it; not written".into(),
            ));
        }
    }
    if !errors.is_empty() {
        discard(&ready);
        return Err(errors);
    }
    let mut written = 0;
    for (i, (p, c)) in ready.iter().zip(changes).enumerate() {
        if let Err(e) = p.tmp.commit(&p.target) {
            errors.push((c.display.clone(), format!("cannot write: {e}")));
            discard(&ready[i..]);
            break;
        }
        written += 1;
        if let Some(dir) = p.target.parent() {
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
    }
    if errors.is_empty() {
        Ok(written)
    } else {
        Err(errors)
    }
}

/// The directories of `roots` (a file stands for its directory), canonical.
fn canonical_dirs(roots: &[PathBuf]) -> Vec<PathBuf> {
    roots
        .iter()
        .filter_map(|r| {
            let dir = if r.is_dir() {
                r.clone()
            } else {
                r.parent().map(Path::to_path_buf).unwrap_or_default()
            };
            let dir = if dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                dir
            };
            std::fs::canonicalize(dir).ok()
        })
        .collect()
}

fn prepare(c: &Change, roots: &[PathBuf]) -> Result<Prepared, String> {
    use std::io::Write;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let path = &c.path;
    let mut target = path.to_path_buf();
    let link = std::fs::symlink_metadata(path).map_err(|e| e.to_string())?;
    if link.file_type().is_symlink() {
        let real = std::fs::canonicalize(path).map_err(|e| e.to_string())?;
        let inside = roots.iter().any(|r| real.starts_with(r));
        if !inside {
            return Err(format!(
                "is a symlink to {}, outside the linted tree; not written",
                real.display()
            ));
        }
        target = real;
    }
    let meta = std::fs::metadata(&target).map_err(|e| e.to_string())?;
    let mode = meta.permissions().mode();
    if mode & 0o222 == 0 {
        return Err("is read-only; not written".into());
    }
    if meta.nlink() > 1 {
        return Err(format!(
            "has {} hard links, which a rewrite would leave with the old text; not written",
            meta.nlink()
        ));
    }
    let now = std::fs::read(&target).map_err(|e| e.to_string())?;
    if now != c.original.as_bytes() {
        return Err("changed on disk since hylint read it; not written".into());
    }
    let dir = target.parent().unwrap_or(Path::new(".")).to_path_buf();
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp_name = dir.join(format!(".{name}.hylint-{}.tmp", std::process::id()));
    let mut made = None;
    let result = (|| -> std::io::Result<()> {
        let (mut f, tmp) = temp_file(&dir, tmp_name.clone())?;
        made = Some(tmp);
        f.write_all(c.fixed.as_bytes())?;
        f.set_permissions(std::fs::Permissions::from_mode(mode))?;
        // The owner too: root fixing another user's file must not take it over.
        if (meta.uid(), meta.gid()) != (f.metadata()?.uid(), f.metadata()?.gid()) {
            std::os::unix::fs::fchown(&f, Some(meta.uid()), Some(meta.gid()))?;
        }
        f.sync_all()
    })();
    match (result, made) {
        (Ok(()), Some(tmp)) => Ok(Prepared { target, tmp }),
        (Err(e), made) => {
            if let Some(t) = made {
                t.discard();
            }
            Err(format!("cannot write: {e}"))
        }
        (Ok(()), None) => Err("cannot write: no temporary file".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_that_does_not_parse_is_refused() {
        assert!(still_parses(FileId(0), "services:\n  a:\n    image: x\n").is_ok());
        assert!(still_parses(FileId(0), "services:\n  a:\n   - image: x\n    b: c\n").is_err());
        assert!(still_parses(FileId(0), "a: 1\na: 2\n").is_err());
    }

    #[test]
    fn model_comparison_ignores_only_what_a_fix_touches() {
        let mut a = serde_json::json!({"services": {"x": {"read_only": true, "image": "i"}, "y": {"depends_on": {"x": {}}}}});
        let mut b = serde_json::json!({"services": {"x": {"image": "i"}, "y": {}}});
        for t in [
            vec!["services", "x", "read_only"],
            vec!["services", "*", "depends_on", "x"],
        ] {
            strip(&mut a, &t);
            strip(&mut b, &t);
        }
        drop_empty(&mut a);
        drop_empty(&mut b);
        assert_eq!(a, b);
        let mut c = serde_json::json!({"services": {"x": {"image": "other"}}});
        strip(&mut c, &["services", "x", "read_only"]);
        assert_ne!(a, c);
    }

    #[test]
    fn models_compared_as_text_differ_only_beyond_what_fixes_touch() {
        let before = r#"{"services":{"x":{"image":"i"},"y":{"image":"j"}}}"#;
        let fixed = r#"{"services":{"x":{"image":"i","read_only":true},"y":{"image":"j"}}}"#;
        let spilled = r#"{"services":{"x":{"image":"i","read_only":true},"y":{"image":"j","read_only":true}}}"#;
        let touches = [vec!["services", "x", "read_only"]];
        assert_eq!(differ_beyond(before, before, &touches), None);
        assert_eq!(differ_beyond(before, fixed, &touches), None);
        assert_eq!(
            differ_beyond(before, spilled, &touches),
            Some(Some("/services/y/read_only".to_string()))
        );
    }
}
