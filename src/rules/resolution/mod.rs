//! Rules about resolving a project: include, extends, interpolation. The loader detects these
//! while it resolves (it is the only place that knows), and reports them with these identities.
pub mod env_file_error;
pub mod extends_error;
pub mod include_conflict;
pub mod include_error;
pub mod invalid_interpolation;
