//! The data the policy rules use (`rules/knowledge.yml`), embedded at build time and parsed once.

use crate::source::FileId;
use crate::yaml::{self, Node};
use regex::Regex;
use std::sync::OnceLock;

pub const SOURCE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/knowledge.yml"));

/// A set of image or name globs (`*` matches any run of characters). Matched by hand: compiling
/// them into a regex delayed every run's start, for a few calls per service.
#[derive(Debug, Clone)]
pub struct Globs {
    patterns: Vec<Glob>,
}

/// A pattern cut at its stars: the text must start with `prefix`, end with `suffix` and hold the
/// `middle` parts in order between them. Finding each part at its first place is enough: `*`
/// takes any run, so an earlier place never leaves less room for the parts after it.
#[derive(Debug, Clone)]
struct Glob {
    prefix: String,
    middle: Vec<memchr::memmem::Finder<'static>>,
    suffix: String,
    /// Without a star the pattern is the whole text (`prefix`).
    star: bool,
}

impl Glob {
    fn new(pattern: &str) -> Glob {
        let parts: Vec<&str> = pattern.split('*').collect();
        let last = parts.len() - 1;
        Glob {
            prefix: parts[0].to_string(),
            middle: parts[1..last.max(1)]
                .iter()
                .filter(|p| !p.is_empty())
                .map(|p| memchr::memmem::Finder::new(p).into_owned())
                .collect(),
            suffix: if last > 0 {
                parts[last].to_string()
            } else {
                String::new()
            },
            star: last > 0,
        }
    }

    fn matches(&self, s: &str) -> bool {
        if !self.star {
            return s == self.prefix;
        }
        if s.len() < self.prefix.len() + self.suffix.len()
            || !s.starts_with(&self.prefix)
            || !s.ends_with(&self.suffix)
        {
            return false;
        }
        // Between prefix and suffix (byte offsets; both ends are whole characters).
        let mut rest = &s.as_bytes()[self.prefix.len()..s.len() - self.suffix.len()];
        for part in &self.middle {
            match part.find(rest) {
                Some(at) => rest = &rest[at + part.needle().len()..],
                None => return false,
            }
        }
        true
    }
}

impl Globs {
    pub fn new(patterns: &[String]) -> Globs {
        Globs {
            patterns: patterns.iter().map(|p| Glob::new(p)).collect(),
        }
    }
    pub fn extend(&mut self, patterns: &[String]) {
        self.patterns.extend(patterns.iter().map(|p| Glob::new(p)));
    }
    pub fn matches(&self, s: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(s))
    }
    /// Image references match as written and without a Docker Hub prefix.
    pub fn matches_image(&self, image: &str) -> bool {
        let short = image
            .strip_prefix("docker.io/library/")
            .or_else(|| image.strip_prefix("docker.io/"))
            .unwrap_or(image);
        self.matches(image) || self.matches(short)
    }
}

#[derive(Debug, Clone)]
pub struct Database {
    pub name: String,
    pub images: Globs,
    pub init_dir: String,
}

#[derive(Debug, Clone)]
pub struct KnownHealthcheck {
    pub images: Globs,
    pub test: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Knowledge {
    pub exporter_images: Globs,
    pub exporter_names: Globs,
    pub gpu_images: Globs,
    pub gpu_environment: Vec<String>,
    pub gpu_runtimes: Vec<String>,
    pub databases: Vec<Database>,
    pub script_clients: Vec<Regex>,
    pub host_options: Vec<Regex>,
    pub healthchecks: Vec<KnownHealthcheck>,
    /// Images known to declare a HEALTHCHECK of their own.
    pub healthcheck_declared: Globs,
    /// Images known not to (besides Docker's official images).
    pub healthcheck_none: Globs,
    /// Databases and caches, whose ports should not face every host interface.
    pub admin_databases: Globs,
    /// Admin interfaces (database and container consoles), likewise.
    pub admin_interfaces: Globs,
}

/// Whether an image declares a HEALTHCHECK, as far as hylint knows offline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageHealthcheck {
    Declared,
    None,
    Unknown,
}

impl Knowledge {
    /// What is known of `image`'s own HEALTHCHECK (an unresolved `${VAR}` is unknown).
    pub fn image_healthcheck(&self, image: &str) -> ImageHealthcheck {
        if image.contains('$') {
            return ImageHealthcheck::Unknown;
        }
        if self.healthcheck_declared.matches_image(image) {
            return ImageHealthcheck::Declared;
        }
        if self.healthcheck_none.matches_image(image) || is_official(image) {
            return ImageHealthcheck::None;
        }
        ImageHealthcheck::Unknown
    }
}

/// A Docker official image: `postgres:17`, `library/redis`, `docker.io/library/nginx`.
pub fn is_official(image: &str) -> bool {
    let name = image.split(['@']).next().unwrap_or(image);
    let short = name
        .strip_prefix("docker.io/library/")
        .or_else(|| name.strip_prefix("index.docker.io/library/"))
        .or_else(|| name.strip_prefix("library/"))
        .unwrap_or(name);
    !short.is_empty() && !short.contains('/')
}

fn strings(n: Option<&Node>) -> Vec<String> {
    n.and_then(|n| n.as_seq())
        .unwrap_or(&[])
        .iter()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn regexes(n: Option<&Node>) -> Vec<Regex> {
    strings(n)
        .iter()
        .map(|r| {
            Regex::new(r).unwrap_or_else(|e| panic!("rules/knowledge.yml: bad regex {r:?}: {e}"))
        })
        .collect()
}

impl Knowledge {
    pub fn parse(text: &str) -> Knowledge {
        let parsed = yaml::parse(FileId(u32::MAX), text);
        assert!(
            parsed.problems.is_empty(),
            "rules/knowledge.yml: {:?}",
            parsed.problems
        );
        let d = &parsed.docs[0];
        let list = |path: &[&str]| strings(d.path(path));
        Knowledge {
            exporter_images: Globs::new(&list(&["exporters", "images"])),
            exporter_names: Globs::new(&list(&["exporters", "names"])),
            gpu_images: Globs::new(&list(&["gpu", "images"])),
            gpu_environment: list(&["gpu", "environment"]),
            gpu_runtimes: list(&["gpu", "runtimes"]),
            databases: d
                .get("databases")
                .and_then(|n| n.as_seq())
                .unwrap_or(&[])
                .iter()
                .map(|db| Database {
                    name: db
                        .get("name")
                        .and_then(|n| n.as_str())
                        .unwrap_or("")
                        .to_string(),
                    images: Globs::new(&strings(db.get("images"))),
                    init_dir: db
                        .get("init_dir")
                        .and_then(|n| n.as_str())
                        .unwrap_or("/docker-entrypoint-initdb.d")
                        .to_string(),
                })
                .collect(),
            script_clients: regexes(d.get("script_clients")),
            host_options: regexes(d.get("host_options")),
            healthchecks: d
                .get("healthchecks")
                .and_then(|n| n.as_seq())
                .unwrap_or(&[])
                .iter()
                .map(|h| KnownHealthcheck {
                    images: Globs::new(&strings(h.get("images"))),
                    test: strings(h.get("test")),
                })
                .collect(),
            healthcheck_declared: Globs::new(&list(&["image_healthchecks", "declared"])),
            healthcheck_none: Globs::new(&list(&["image_healthchecks", "none"])),
            admin_databases: Globs::new(&list(&["admin_ports", "databases"])),
            admin_interfaces: Globs::new(&list(&["admin_ports", "admin_interfaces"])),
        }
    }

    /// The embedded knowledge.
    pub fn builtin() -> &'static Knowledge {
        static K: OnceLock<Knowledge> = OnceLock::new();
        K.get_or_init(|| Knowledge::parse(SOURCE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Glob matching as it was first written (the two-pointer walk: on a mismatch, the last `*`
    /// takes one more byte), the reference for the cut patterns.
    fn two_pointer(pattern: &[u8], s: &[u8]) -> bool {
        let (mut p, mut i) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while i < s.len() {
            if p < pattern.len() && pattern[p] == b'*' {
                star = Some((p, i));
                p += 1;
            } else if p < pattern.len() && pattern[p] == s[i] {
                p += 1;
                i += 1;
            } else if let Some((sp, si)) = star {
                p = sp + 1;
                i = si + 1;
                star = Some((sp, si + 1));
            } else {
                return false;
            }
        }
        pattern[p..].iter().all(|b| *b == b'*')
    }

    /// Every string over `alphabet` up to `max` characters long.
    fn words(alphabet: &[char], max: usize) -> Vec<String> {
        let mut all = vec![String::new()];
        let mut level = vec![String::new()];
        for _ in 0..max {
            level = level
                .iter()
                .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
                .collect();
            all.extend(level.iter().cloned());
        }
        all
    }

    #[test]
    fn cut_patterns_match_as_the_two_pointer_walk() {
        let texts = words(&['a', 'b'], 6);
        for p in words(&['a', 'b', '*'], 5) {
            let g = Glob::new(&p);
            for t in &texts {
                assert_eq!(
                    g.matches(t),
                    two_pointer(p.as_bytes(), t.as_bytes()),
                    "{p} {t}"
                );
            }
        }
    }
    #[test]
    fn builtin_parses_and_matches() {
        let k = Knowledge::builtin();
        assert!(k
            .exporter_images
            .matches_image("oliver006/redis_exporter:v1.81.0-alpine"));
        assert!(k
            .exporter_images
            .matches_image("prometheuscommunity/postgres-exporter:v0.18.1"));
        assert!(k
            .exporter_images
            .matches_image("gcr.io/cadvisor/cadvisor:v0.52.1"));
        assert!(!k.exporter_images.matches_image("prom/prometheus:v3.9.0"));
        assert!(k.gpu_images.matches_image("ollama/ollama:0.6.2"));
        assert!(k.gpu_images.matches_image("ghcr.io/org/app:1.0-cuda12"));
        assert!(!k.gpu_images.matches_image("nginx:1.27"));
        let pg = &k.databases[0];
        assert!(pg.images.matches_image("postgres:17-alpine"));
        assert!(pg.images.matches_image("docker.io/library/postgres:17"));
        assert!(!pg.images.matches_image("ghcr.io/zalando/spilo-17:4.0-p3"));
        for (p, s, m) in [
            ("a*", "abc", true),
            ("*c", "abc", true),
            ("a*c", "ac", true),
            ("a*b*c", "axbyc", true),
            ("a*b*c", "axbyd", false),
            ("*-exporter*", "prom/node-exporter:v1", true),
            ("*", "", true),
            ("a", "ab", false),
            ("ab", "a", false),
            ("a.b", "axb", false),
            ("*aab", "aaab", true),
            ("é*", "éa", true),
        ] {
            assert_eq!(Globs::new(&[p.to_string()]).matches(s), m, "{p} {s}");
        }
        let psql = &k.script_clients[0];
        let c = psql
            .captures(r#"psql -h "$X" -U u -f /home/postgres/init.sql;"#)
            .unwrap();
        assert_eq!(&c[1], "/home/postgres/init.sql");
    }
}
