//! Finding compose files: walk directories as ripgrep does (.gitignore, hidden files skipped)
//! and keep files named like compose files. Files referenced by `include` or `extends` are
//! found later by the loader, whatever their names; a file named on the command line is always
//! linted.

use globset::{Glob, GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};

fn compose_names() -> GlobSet {
    let mut b = GlobSetBuilder::new();
    // globset: `y{a,}ml` never matches, so spell both endings out.
    for g in ["compose*.{yaml,yml}", "docker-compose*.{yaml,yml}"] {
        b.add(Glob::new(g).expect("valid glob"));
    }
    b.build().expect("valid globset")
}

pub fn is_compose_name(p: &Path) -> bool {
    thread_local!(static SET: GlobSet = compose_names());
    p.file_name()
        .map(|n| SET.with(|s| s.is_match(Path::new(n))))
        .unwrap_or(false)
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

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn names() {
        for ok in [
            "compose.yaml",
            "compose.yml",
            "docker-compose.yml",
            "docker-compose.cluster.yaml",
            "docker-compose-kafka.yml",
            "compose.override.yml",
        ] {
            assert!(is_compose_name(Path::new(ok)), "{ok}");
        }
        for no in [
            "compose.json",
            "my-compose.yml",
            "docker-compose.yml.example",
            "values.yaml",
        ] {
            assert!(!is_compose_name(Path::new(no)), "{no}");
        }
    }
}
