//! `schema-violation`: a value compose refuses to read. The loader reports malformed volume and
//! port specs and unparsable commands while it normalises services.

crate::rule_meta!(
    "schema-violation",
    "HY007",
    "schema",
    Error,
    fixable = false,
    "A value docker compose cannot read (malformed volume or port spec, unbalanced quotes in a command)"
);
