//! Documentation generated from code (checked for staleness by `tests/docs.rs`).

use crate::rules::registry::ALL;

/// `docs/rules.md`: the rule index, from the registry and each rule's page.
pub fn rule_index() -> String {
    let mut out = String::from(
        "# Rules\n\n<!-- Generated from src/rules by `UPDATE_EXPECT=1 cargo test --test docs`; do not edit. -->\n\n\
         | code | name | category | severity | fixable | summary |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for r in ALL {
        out.push_str(&format!(
            "| {} | [{}](../rules/{}.md) | {} | {} | {} | {} |\n",
            r.code,
            r.name,
            r.name,
            r.category,
            r.severity.as_str(),
            if r.fixable { "yes" } else { "no" },
            r.summary.replace('|', "\\|")
        ));
    }
    out.push_str("\n`hylint rules` prints the same table; `hylint explain <name or code>` prints a rule's page.\n");
    out
}
