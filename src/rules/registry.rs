//! The single table of rules. A rule's identity lives in its own file; this only lists them.

use super::RuleMeta;

pub use super::resolution::extends_error::META as EXTENDS_ERROR;
pub use super::resolution::include_conflict::META as INCLUDE_CONFLICT;
pub use super::resolution::include_error::META as INCLUDE_ERROR;
pub use super::resolution::invalid_interpolation::META as INVALID_INTERPOLATION;
pub use super::schema::schema_violation::META as SCHEMA_VIOLATION;
pub use super::syntax::duplicate_key::META as DUPLICATE_KEY;
pub use super::syntax::invalid_yaml::META as INVALID_YAML;

/// Every rule, in code order.
pub static ALL: &[&RuleMeta] = &[
    &INVALID_YAML,
    &DUPLICATE_KEY,
    &INVALID_INTERPOLATION,
    &EXTENDS_ERROR,
    &INCLUDE_ERROR,
    &INCLUDE_CONFLICT,
    &SCHEMA_VIOLATION,
];

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
