//! Rules about values compose refuses to read.
pub mod json_schema;
// The rule modules (every file here that declares a rule), listed by `build.rs`.
include!(concat!(env!("OUT_DIR"), "/rules/schema.rs"));
