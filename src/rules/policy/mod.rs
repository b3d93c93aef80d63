//! Policy rules: the seed review's recommendations as checks on the resolved tree.
pub mod dependency_without_healthcheck;
pub mod gpu_reservation_gap;
pub mod missing_healthcheck;
pub mod missing_resource_limits;
pub mod redundant_init_container;
pub mod static_ip;
pub mod writable_exporter;

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
    let disabled = matches!(
        h.get("disable").map(|d| d.typed()),
        Some(crate::yaml::Typed::Bool(true))
    );
    let none_test = h
        .get("test")
        .and_then(|t| t.as_seq())
        .and_then(|s| s.first())
        .and_then(|f| f.as_str())
        == Some("NONE");
    disabled || none_test
}
