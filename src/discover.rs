//! Finding compose files: walk directories as ripgrep does (.gitignore, hidden files skipped)
//! and keep files named like compose files. Files referenced by `include` or `extends` are
//! found later by the loader, whatever their names; a file named on the command line is always
//! linted.

use std::path::{Path, PathBuf};

/// `compose*.yaml`, `compose*.yml`, `docker-compose*.yaml` or `docker-compose*.yml` (case as
/// written). Matched by hand: a glob set is a regex compiled per walker thread, which cost
/// more than walking a small tree.
pub fn is_compose_name(p: &Path) -> bool {
    let Some(name) = p.file_name().map(|n| n.as_encoded_bytes()) else {
        return false;
    };
    let rest = name
        .strip_prefix(b"docker-compose")
        .or_else(|| name.strip_prefix(b"compose"));
    rest.is_some_and(|r| r.ends_with(b".yaml") || r.ends_with(b".yml"))
}

/// Compose files under `paths`, sorted, without repeats; errors for paths that do not exist.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match std::fs::metadata(p) {
            Err(e) => errors.push(format!("{}: {}", p.display(), e)),
            Ok(m) if m.is_file() => files.push(p.clone()),
            Ok(m) if !m.is_dir() => errors.push(format!("{}: not a regular file", p.display())),
            Ok(_) => {
                // Walked in parallel; the result is sorted below, so order does not matter.
                let found = std::sync::Mutex::new((Vec::new(), Vec::new()));
                ignore::WalkBuilder::new(p)
                    .hidden(true)
                    .git_ignore(true)
                    .git_global(false)
                    .git_exclude(true)
                    .require_git(false)
                    .follow_links(false)
                    .build_parallel()
                    .run(|| {
                        let found = &found;
                        Box::new(move |entry| {
                            match entry {
                                Ok(e) => {
                                    if e.file_type().is_some_and(|t| t.is_file())
                                        && is_compose_name(e.path())
                                    {
                                        found.lock().expect("walk lock").0.push(e.into_path());
                                    }
                                }
                                Err(e) => found.lock().expect("walk lock").1.push(e.to_string()),
                            }
                            ignore::WalkState::Continue
                        })
                    });
                let (f, e) = found.into_inner().expect("walk lock");
                files.extend(f);
                errors.extend(e);
            }
        }
    }
    files.sort();
    files.dedup();
    errors.sort();
    (files, errors)
}

/// The files `docker compose` reads in a directory when given none: the first of these...
const DEFAULT_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];
/// ...merged with the first of these beside it (compose-go's `DefaultOverrideFileNames`).
const OVERRIDE_FILES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// The compose file `docker compose` reads in `dir` when given none, and the override file it
/// merges over it (checked against docker compose 2.40.3).
pub fn default_files(dir: &Path) -> Option<(PathBuf, Option<PathBuf>)> {
    let first = |names: &[&str]| names.iter().map(|n| dir.join(n)).find(|p| p.is_file());
    Some((first(&DEFAULT_FILES)?, first(&OVERRIDE_FILES)))
}

/// For each directory of `files` holding a default compose file and an override file, the pair
/// (default, override) that `docker compose` run there merges. The override is not a project of
/// its own: alone it is a fragment.
pub fn default_overrides(files: &[PathBuf]) -> Vec<(PathBuf, PathBuf)> {
    let mut by_dir: std::collections::BTreeMap<&Path, Vec<&str>> = Default::default();
    for f in files {
        if let (Some(dir), Some(name)) = (f.parent(), f.file_name().and_then(|n| n.to_str())) {
            by_dir.entry(dir).or_default().push(name);
        }
    }
    let mut out = Vec::new();
    for (dir, names) in by_dir {
        let first = |list: &[&str]| list.iter().find(|n| names.contains(n)).map(|n| dir.join(n));
        if let (Some(base), Some(over)) = (first(&DEFAULT_FILES), first(&OVERRIDE_FILES)) {
            out.push((base, over));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn default_file_and_override_pair_as_compose_picks_them() {
        let p = |s: &str| PathBuf::from(s);
        let files = [
            p("a/docker-compose.yml"),
            p("a/compose.yaml"),
            p("a/docker-compose.override.yml"),
            p("b/compose.override.yaml"),
            p("c/compose.yml"),
        ];
        assert_eq!(
            default_overrides(&files),
            vec![(p("a/compose.yaml"), p("a/docker-compose.override.yml"))]
        );
    }

    #[test]
    fn names() {
        for ok in [
            "compose.yaml",
            "compose.yml",
            "docker-compose.yml",
            "docker-compose.cluster.yaml",
            "docker-compose-kafka.yml",
            "compose.override.yml",
            "composer.yml",
        ] {
            assert!(is_compose_name(Path::new(ok)), "{ok}");
        }
        for no in [
            "compose.json",
            "my-compose.yml",
            "docker-compose.yml.example",
            "values.yaml",
            "compose.yml.bak",
            "Compose.yml",
            "docker-compose",
        ] {
            assert!(!is_compose_name(Path::new(no)), "{no}");
        }
    }
}
