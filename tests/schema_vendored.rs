//! The vendored compose schema is the one the oracle (docker compose v2.40.3) embeds.

mod common;

#[test]
fn vendored_schema_matches_the_oracle_binary() {
    let binary = std::fs::read(common::oracle()).unwrap();
    let vendored =
        std::fs::read_to_string(common::repo_root().join("rules/schema/compose-spec.json"))
            .unwrap();
    let body = vendored.trim_end().as_bytes();
    assert!(
        binary.windows(body.len()).any(|w| w == body),
        "rules/schema/compose-spec.json differs from the schema in the oracle binary: run .ci/extract-compose-schema"
    );
}
