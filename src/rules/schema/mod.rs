//! Rules about values compose refuses to read.
pub mod json_schema;
pub mod schema_violation;
