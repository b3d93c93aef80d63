//! Policy rules: the seed review's recommendations as checks on the resolved tree.
// The rule modules (every file here that declares a rule), listed by `build.rs`.
include!(concat!(env!("OUT_DIR"), "/rules/policy.rs"));

use crate::model::Service;
use crate::yaml::Node;

/// The restart policy as compose applies it (`restart`, else `deploy.restart_policy.condition`).
pub fn restart(svc: &Service) -> Option<String> {
    svc.get("restart")
        .and_then(|r| r.scalar_string())
        .or_else(|| {
            svc.node
                .path(&["deploy", "restart_policy", "condition"])
                .and_then(|c| c.scalar_string())
                .map(|c| match c.as_str() {
                    "none" => "no".to_string(),
                    "any" => "always".to_string(),
                    other => other.to_string(),
                })
        })
        .filter(|r| !r.is_empty())
}

/// Whether the container stays stopped once its command exits.
pub fn may_stop(svc: &Service) -> bool {
    match restart(svc) {
        None => true,
        Some(r) => r == "no" || r.starts_with("on-failure"),
    }
}

/// `entrypoint` and `command` words joined, for pattern matching.
pub fn command_text(svc: &Service) -> String {
    let mut words = Vec::new();
    for key in ["entrypoint", "command"] {
        match svc.get(key) {
            Some(n) if n.is_seq() => words.extend(
                n.as_seq()
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|w| w.scalar_string()),
            ),
            Some(n) => words.extend(n.scalar_string()),
            None => {}
        }
    }
    words.join(" ")
}

const RUN_ONCE_NAMES: &[&str] = &[
    "-init",
    "-setup",
    "-migrate",
    "-migration",
    "-migrations",
    "-bootstrap",
    "-seed",
    "-job",
    "-generator",
    "-createbuckets",
    "-create-buckets",
    "-topics",
];
const LONG_RUNNING_MARKERS: &[&str] = &["while true", "while :", "sleep infinity", "tail -f"];

/// A run-once service: one that may stop (restart `no`, `on-failure` or unset) and runs a
/// finite job: named like one (`*-init`, `*-setup`, ...) or given an explicit command that
/// does not loop forever. A service running its image's default command is a server.
pub fn is_run_once(svc: &Service) -> bool {
    if !may_stop(svc) {
        return false;
    }
    let name = svc.name.to_ascii_lowercase();
    if RUN_ONCE_NAMES.iter().any(|s| name.ends_with(s)) || name.starts_with("init-") {
        return true;
    }
    let has_command = svc.get("command").is_some_and(|c| !c.is_null())
        || svc.get("entrypoint").is_some_and(|c| !c.is_null());
    let text = command_text(svc);
    has_command && restart(svc).is_some() && !LONG_RUNNING_MARKERS.iter().any(|m| text.contains(m))
}

/// Words that name a job in a service's name (`db-migrate`, `install_plugins`, `ollama-pull`).
const JOB_WORDS: &[&str] = &[
    "init",
    "setup",
    "migrate",
    "migration",
    "migrations",
    "migrator",
    "bootstrap",
    "seed",
    "install",
    "installer",
    "import",
    "importer",
    "pull",
    "puller",
    "provision",
    "createbuckets",
    "generate",
    "generator",
    "build",
    // Test runners: `sut` (the convention of automated builds), `e2e`, `cypress`, `tests`.
    "sut",
    "e2e",
    "cypress",
    "tests",
];
/// Base images whose default command is a shell.
const BARE_IMAGES: &[&str] = &["busybox", "alpine", "debian", "ubuntu"];
/// Commands that serve: a job word beside one of these is a server that prepares first
/// (`migrate && gunicorn`).
const SERVER_WORDS: &[&str] = &[
    "serve",
    "server",
    "runserver",
    "gunicorn",
    "uvicorn",
    "daemon",
    "start",
    "run",
    "worker",
    "exec",
    "supervisord",
];

/// The words of a name, tag or command, lower-cased (`ollama-cpu`, `latest_cpu`, `cpu.v2`).
pub(super) fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
}

/// A one-shot job, whether or not `restart` is written: a run-once service ([`is_run_once`]),
/// one that another service waits on with `service_completed_successfully`, or one that may
/// stop and is named for a job (`*-migrate`, `install-*`, `*-pull`, ...) or runs a job command
/// (`ollama pull x`, `manage.py migrate`) that serves nothing.
pub fn is_one_shot(p: &crate::model::Project, svc: &Service) -> bool {
    if is_run_once(svc) {
        return true;
    }
    let awaited = p.services.values().any(|other| {
        other.depends_on().any(|(name, dep)| {
            name == svc.name
                && dep.get("condition").and_then(|c| c.as_str())
                    == Some("service_completed_successfully")
        })
    });
    if awaited {
        return true;
    }
    if !may_stop(svc) {
        return false;
    }
    // A bare base image (busybox, alpine, ...) with no command runs its shell and exits: a
    // data-volume container.
    let bare = svc.image().is_some_and(|i| {
        let name = i.split(['@', ':']).next().unwrap_or(i);
        let name = name
            .strip_prefix("docker.io/")
            .unwrap_or(name)
            .trim_start_matches("library/");
        BARE_IMAGES.contains(&name)
    });
    if bare && command_text(svc).is_empty() {
        return true;
    }
    if words(&svc.name).any(|w| JOB_WORDS.contains(&w.as_str())) {
        return true;
    }
    let text = command_text(svc);
    let cmd: Vec<String> = words(&text).collect();
    cmd.iter().any(|w| JOB_WORDS.contains(&w.as_str()))
        && !cmd.iter().any(|w| SERVER_WORDS.contains(&w.as_str()))
        && !LONG_RUNNING_MARKERS.iter().any(|m| text.contains(m))
}

/// A service with neither `image` nor `build`: a fragment that another file (`-f base.yml -f
/// this.yml`) completes, so what runs is not known here (`missing-image` reports it).
pub fn is_fragment(svc: &Service) -> bool {
    svc.get("image").is_none() && svc.get("build").is_none()
}

/// The service's health check, if it has one that is not disabled.
pub fn healthcheck(svc: &Service) -> Option<&Node> {
    let h = svc.get("healthcheck")?;
    if healthcheck_disabled(svc) || h.is_null() {
        return None;
    }
    // `healthcheck: {interval: 5s}` without a test inherits the image's HEALTHCHECK.
    Some(h)
}

pub fn healthcheck_disabled(svc: &Service) -> bool {
    let Some(h) = svc.get("healthcheck") else {
        return false;
    };
    let disabled = h.get("disable").and_then(crate::model::specs::compose_bool) == Some(true);
    let none_test = h
        .get("test")
        .and_then(|t| t.as_seq())
        .and_then(|s| s.first())
        .and_then(|f| f.as_str())
        == Some("NONE");
    disabled || none_test
}
