//! Generated documentation must match the code (regenerate with `UPDATE_EXPECT=1`).

mod common;

fn check_generated(rel: &str, generated: String) {
    let path = common::repo_root().join(rel);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "{rel} is stale: run `UPDATE_EXPECT=1 cargo test --test docs` and commit it"
    );
}

#[test]
fn rule_index_is_current() {
    check_generated("docs/rules.md", hylint::docs::rule_index());
}
