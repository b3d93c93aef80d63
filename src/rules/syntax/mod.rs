//! Rules about the YAML text itself.
pub mod duplicate_key;
pub mod invalid_yaml;
