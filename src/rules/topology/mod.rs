//! Topology rules: what the project graph shows and no single file does (who can reach whom,
//! what faces the host's networks).
pub mod exposed_admin_port;
pub mod unreachable_service;
