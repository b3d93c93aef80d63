//! hylint: a policy linter, static analyzer and autofixer for Docker Compose trees.
//!
//! Data flow: discover → parse (span-preserving YAML) → resolve (include, extends,
//! interpolation, profiles) → project graph → rules → diagnostics → report.

pub mod alloc;
pub mod baseline;
pub mod check;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod docs;
pub mod fix;
pub mod graph;
pub mod model;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod yaml;
