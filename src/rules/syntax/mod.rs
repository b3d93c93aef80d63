//! Rules about the YAML text itself.
// The rule modules (every file here that declares a rule), listed by `build.rs`.
include!(concat!(env!("OUT_DIR"), "/rules/syntax.rs"));
