//! Topology rules: what the project graph shows and no single file does (who can reach whom,
//! what faces the host's networks).
// The rule modules (every file here that declares a rule), listed by `build.rs`.
include!(concat!(env!("OUT_DIR"), "/rules/topology.rs"));
