//! The single table of rules. A rule's identity lives in its own file; this only lists them.

use super::RuleMeta;

pub use super::meta::unused_suppression::META as UNUSED_SUPPRESSION;
pub use super::policy::dependency_without_healthcheck::META as DEPENDENCY_WITHOUT_HEALTHCHECK;
pub use super::policy::gpu_reservation_gap::META as GPU_RESERVATION_GAP;
pub use super::policy::missing_healthcheck::META as MISSING_HEALTHCHECK;
pub use super::policy::missing_resource_limits::META as MISSING_RESOURCE_LIMITS;
pub use super::policy::redundant_init_container::META as REDUNDANT_INIT_CONTAINER;
pub use super::policy::static_ip::META as STATIC_IP;
pub use super::policy::writable_exporter::META as WRITABLE_EXPORTER;
pub use super::resolution::env_file_error::META as ENV_FILE_ERROR;
pub use super::resolution::extends_error::META as EXTENDS_ERROR;
pub use super::resolution::include_conflict::META as INCLUDE_CONFLICT;
pub use super::resolution::include_error::META as INCLUDE_ERROR;
pub use super::resolution::invalid_interpolation::META as INVALID_INTERPOLATION;
pub use super::schema::schema_violation::META as SCHEMA_VIOLATION;
pub use super::syntax::duplicate_key::META as DUPLICATE_KEY;
pub use super::syntax::invalid_yaml::META as INVALID_YAML;
pub use super::topology::exposed_admin_port::META as EXPOSED_ADMIN_PORT;
pub use super::topology::unreachable_service::META as UNREACHABLE_SERVICE;
pub use super::validity::conflict::META as CONFLICT;
pub use super::validity::dependency_cycle::META as DEPENDENCY_CYCLE;
pub use super::validity::missing_image::META as MISSING_IMAGE;
pub use super::validity::missing_variable::META as MISSING_VARIABLE;
pub use super::validity::undefined_reference::META as UNDEFINED_REFERENCE;

/// Every rule, in code order.
pub static ALL: &[&RuleMeta] = &[
    &INVALID_YAML,
    &DUPLICATE_KEY,
    &INVALID_INTERPOLATION,
    &EXTENDS_ERROR,
    &INCLUDE_ERROR,
    &INCLUDE_CONFLICT,
    &SCHEMA_VIOLATION,
    &ENV_FILE_ERROR,
    &MISSING_IMAGE,
    &UNDEFINED_REFERENCE,
    &MISSING_VARIABLE,
    &CONFLICT,
    &DEPENDENCY_CYCLE,
    &STATIC_IP,
    &REDUNDANT_INIT_CONTAINER,
    &MISSING_HEALTHCHECK,
    &DEPENDENCY_WITHOUT_HEALTHCHECK,
    &MISSING_RESOURCE_LIMITS,
    &WRITABLE_EXPORTER,
    &GPU_RESERVATION_GAP,
    &UNREACHABLE_SERVICE,
    &EXPOSED_ADMIN_PORT,
    &UNUSED_SUPPRESSION,
];

/// Rules that check one project at a time, in code order.
pub static CHECKS: &[(&RuleMeta, super::Check)] = &[
    (&MISSING_IMAGE, super::validity::missing_image::check),
    (&MISSING_VARIABLE, super::validity::missing_variable::check),
    (&DEPENDENCY_CYCLE, super::validity::dependency_cycle::check),
    (
        &REDUNDANT_INIT_CONTAINER,
        super::policy::redundant_init_container::check,
    ),
    (
        &MISSING_HEALTHCHECK,
        super::policy::missing_healthcheck::check,
    ),
    (
        &DEPENDENCY_WITHOUT_HEALTHCHECK,
        super::policy::dependency_without_healthcheck::check,
    ),
    (
        &MISSING_RESOURCE_LIMITS,
        super::policy::missing_resource_limits::check,
    ),
    (&WRITABLE_EXPORTER, super::policy::writable_exporter::check),
    (
        &GPU_RESERVATION_GAP,
        super::policy::gpu_reservation_gap::check,
    ),
    (
        &UNREACHABLE_SERVICE,
        super::topology::unreachable_service::check,
    ),
    (
        &EXPOSED_ADMIN_PORT,
        super::topology::exposed_admin_port::check,
    ),
];

/// Rules that compare projects, in code order.
pub static TREE_CHECKS: &[(&RuleMeta, super::TreeCheck)] = &[
    (
        &UNDEFINED_REFERENCE,
        super::TreeCheck {
            summarize: super::validity::undefined_reference::summarize,
            check: super::validity::undefined_reference::check_tree,
        },
    ),
    (
        &CONFLICT,
        super::TreeCheck {
            summarize: super::validity::conflict::summarize,
            check: super::validity::conflict::check_tree,
        },
    ),
    (
        &STATIC_IP,
        super::TreeCheck {
            summarize: super::policy::static_ip::summarize,
            check: super::policy::static_ip::check_tree,
        },
    ),
];

/// Rules a selector names: a rule name, a code, a code prefix (`HY1`), a category
/// (`policy`), or `ALL`. Empty when it names nothing.
pub fn select(selector: &str) -> Vec<&'static RuleMeta> {
    let s = selector.trim();
    ALL.iter()
        .copied()
        .filter(|r| {
            s.eq_ignore_ascii_case("all")
                || r.name == s
                || r.category == s
                || (!s.is_empty()
                    && r.code.len() >= s.len()
                    && r.code[..s.len()].eq_ignore_ascii_case(s))
        })
        .collect()
}

pub fn find(name_or_code: &str) -> Option<&'static RuleMeta> {
    ALL.iter()
        .copied()
        .find(|r| r.name == name_or_code || r.code.eq_ignore_ascii_case(name_or_code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_and_codes_are_unique_and_sorted() {
        let mut names = HashSet::new();
        let mut codes = HashSet::new();
        for r in ALL {
            assert!(names.insert(r.name), "duplicate name {}", r.name);
            assert!(codes.insert(r.code), "duplicate code {}", r.code);
            assert!(
                r.doc.starts_with(&format!("# {}", r.name)),
                "page of {} must start with its name",
                r.name
            );
        }
        let codes: Vec<_> = ALL.iter().map(|r| r.code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted, "ALL is in code order");
    }
}
