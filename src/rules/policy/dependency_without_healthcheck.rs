//! `dependency-without-healthcheck`: `condition: service_healthy` on a service with no health
//! check, so compose can never start the dependent.
//!
//! A health check can come from the image (`HEALTHCHECK` in its Dockerfile) as well as from
//! compose. hylint reads Dockerfiles built from the tree and knows some published images
//! (rules/knowledge.yml); for any other image it cannot tell offline, and says so at a lower
//! severity.

use super::healthcheck;
use crate::diagnostic::Severity;
use crate::model::Service;
use crate::rules::knowledge::{ImageHealthcheck, Knowledge};
use crate::rules::Reporter;
use crate::rules::Scope;

crate::declare_rule! {
    DependencyWithoutHealthcheck {
        name: "dependency-without-healthcheck",
        code: "HY104",
        category: "policy",
        severity: Error,
        fix: Never,
        summary: "depends_on waits for service_healthy on a service that has no health check",
    }
}

impl crate::rules::Rule for DependencyWithoutHealthcheck {
    fn check(&self, t: &Scope, out: &mut Reporter) {
        check(t, out)
    }
}

/// What the service's image declares, as far as hylint can see: the Dockerfile it is built
/// from (in the tree), else what is known of the image it names.
pub fn image_healthcheck(t: &Scope, svc: &Service) -> ImageHealthcheck {
    if let Some(build) = svc.get("build") {
        return match dockerfile_text(t, build) {
            Some(text) => {
                let target = build.get("target").and_then(|n| n.scalar_string());
                dockerfile_healthcheck(t.knowledge, &text, target.as_deref())
            }
            None => ImageHealthcheck::Unknown,
        };
    }
    match svc.image() {
        Some(image) => t.knowledge.image_healthcheck(image),
        None => ImageHealthcheck::Unknown,
    }
}

/// The Dockerfile a build reads, when it is inline or a file of the tree.
fn dockerfile_text(t: &Scope, build: &crate::yaml::Node) -> Option<String> {
    if let Some(inline) = build
        .get("dockerfile_inline")
        .and_then(|n| n.scalar_string())
    {
        return Some(inline);
    }
    let context = build.get("context").and_then(|n| n.scalar_string())?;
    if context.contains("://") || context.starts_with("git@") || context.contains('$') {
        return None;
    }
    let dockerfile = build
        .get("dockerfile")
        .and_then(|n| n.scalar_string())
        .unwrap_or_else(|| "Dockerfile".into());
    let path = std::path::Path::new(&context).join(dockerfile);
    let file = t.ws.load_aux(&path)?;
    Some(t.ws.file(file).text.to_string())
}

/// Dockerfile instructions: (keyword upper-cased, arguments), continuation lines joined.
fn instructions(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if current.is_empty() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        if trimmed.starts_with('#') {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(part) => {
                current.push_str(part);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                let (kw, args) = current
                    .split_once(char::is_whitespace)
                    .unwrap_or((&current, ""));
                out.push((kw.to_ascii_uppercase(), args.trim().to_string()));
                current.clear();
            }
        }
    }
    out
}

/// Whether the stage a build targets (the last, or `target`) declares a HEALTHCHECK: its own
/// last HEALTHCHECK instruction, else its base image's, followed through earlier stages.
fn dockerfile_healthcheck(k: &Knowledge, text: &str, target: Option<&str>) -> ImageHealthcheck {
    // Stages: (name, base, last HEALTHCHECK verdict).
    let mut stages: Vec<(Option<String>, String, Option<bool>)> = Vec::new();
    for (kw, args) in instructions(text) {
        match kw.as_str() {
            "FROM" => {
                let words: Vec<&str> = args
                    .split_whitespace()
                    .filter(|w| !w.starts_with("--"))
                    .collect();
                let base = words.first().unwrap_or(&"").to_string();
                let name = match words.as_slice() {
                    [_, as_, name, ..] if as_.eq_ignore_ascii_case("as") => {
                        Some(name.to_ascii_lowercase())
                    }
                    _ => None,
                };
                stages.push((name, base, None));
            }
            "HEALTHCHECK" => {
                if let Some(stage) = stages.last_mut() {
                    let none = args
                        .split_whitespace()
                        .next()
                        .is_some_and(|w| w.eq_ignore_ascii_case("NONE"));
                    stage.2 = Some(!none);
                }
            }
            _ => {}
        }
    }
    let mut at = match target {
        Some(name) => stages
            .iter()
            .position(|s| s.0.as_deref() == Some(name.to_ascii_lowercase().as_str())),
        None => stages.len().checked_sub(1),
    };
    // Each step goes to an earlier stage, so this ends.
    while let Some(i) = at {
        let (_, base, verdict) = &stages[i];
        match verdict {
            Some(true) => return ImageHealthcheck::Declared,
            Some(false) => return ImageHealthcheck::None,
            None => {}
        }
        let base = base.to_ascii_lowercase();
        at = stages[..i]
            .iter()
            .position(|s| s.0.as_deref() == Some(base.as_str()));
        if at.is_none() {
            if base == "scratch" {
                return ImageHealthcheck::None;
            }
            return k.image_healthcheck(&base);
        }
    }
    ImageHealthcheck::Unknown
}

fn check(t: &Scope, out: &mut Reporter) {
    let meta = &META;
    let p = t.project;
    for svc in p.services.values() {
        for (name, dep) in svc.depends_on() {
            let Some(cond) = dep.get("condition") else {
                continue;
            };
            if cond.as_str() != Some("service_healthy") {
                continue;
            }
            let Some(target) = p.services.get(name) else {
                continue;
            };
            if healthcheck(target).is_some() {
                continue;
            }
            if super::is_fragment(target) {
                continue;
            }
            let disabled = super::healthcheck_disabled(target);
            let (why, severity) = if disabled {
                ("disables its health check", Severity::Error)
            } else {
                match image_healthcheck(t, target) {
                    ImageHealthcheck::Declared => continue,
                    ImageHealthcheck::None => (
                        "has no health check, in compose or in its image",
                        Severity::Error,
                    ),
                    ImageHealthcheck::Unknown => (
                        "has no health check in compose, and hylint cannot verify that its image declares one",
                        Severity::Warning,
                    ),
                }
            };
            let consequence = if severity == Severity::Error {
                ": `docker compose up` fails with \"dependency failed to start\""
            } else {
                ": unless the image has a HEALTHCHECK, `docker compose up` fails with \"dependency failed to start\""
            };
            out.push(
                t.at_value(
                    meta,
                    svc,
                    cond,
                    format!(
                        "`{}` waits for `{name}` to be healthy, but `{name}` {why}{consequence}",
                        svc.name
                    ),
                )
                .with_severity(severity)
                .with_label(target.decl, format!("`{name}` is declared here")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_join_continuations_and_skip_comments() {
        let got = instructions(
            "FROM alpine AS base\n# c\nHEALTHCHECK --interval=5s \\\n  CMD true\nrun x\n",
        );
        assert_eq!(
            got,
            vec![
                ("FROM".to_string(), "alpine AS base".to_string()),
                (
                    "HEALTHCHECK".to_string(),
                    "--interval=5s  CMD true".to_string()
                ),
                ("RUN".to_string(), "x".to_string()),
            ]
        );
    }

    #[test]
    fn the_targeted_stage_decides() {
        let k = Knowledge::builtin();
        let df = "FROM python:3.12 AS build\nRUN make\nFROM build AS app\nHEALTHCHECK CMD curl -f localhost\nFROM app AS quiet\nHEALTHCHECK NONE\nFROM example/unknown:1 AS other\n";
        assert_eq!(
            dockerfile_healthcheck(k, df, Some("app")),
            ImageHealthcheck::Declared
        );
        assert_eq!(
            dockerfile_healthcheck(k, df, Some("quiet")),
            ImageHealthcheck::None
        );
        assert_eq!(
            dockerfile_healthcheck(k, df, Some("build")),
            ImageHealthcheck::None
        );
        assert_eq!(
            dockerfile_healthcheck(k, df, None),
            ImageHealthcheck::Unknown
        );
        assert_eq!(
            dockerfile_healthcheck(k, "FROM kong:3.9\nUSER kong\n", None),
            ImageHealthcheck::Declared
        );
    }
}
