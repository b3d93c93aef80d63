//! Rules about hylint's own annotations.
pub mod unused_suppression;
