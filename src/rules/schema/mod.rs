//! Rules about values compose refuses to read.
pub mod schema_violation;
