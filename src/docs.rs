//! Documentation generated from code (checked for staleness by `tests/docs.rs`).

use crate::rules::registry::ALL;

/// `docs/rules.md`: the rule index, from the registry and each rule's page.
pub fn rule_index() -> String {
    let mut out = String::from(
        "# Rules\n\n<!-- Generated from src/rules by `UPDATE_EXPECT=1 cargo test --test docs`; do not edit. -->\n\n\
         | code | name | category | severity | fix | summary |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for r in ALL {
        out.push_str(&format!(
            "| {} | [{}](../rules/{}.md) | {} | {} | {} | {} |\n",
            r.code,
            r.name,
            r.name,
            r.category,
            r.severity.as_str(),
            r.fix.as_str(),
            r.summary.replace('|', "\\|")
        ));
    }
    out.push_str("\n`hylint rules` prints the same table; `hylint explain <name or code>` prints a rule's page.\n");
    out
}

/// The README's list of rules, by kind: generated, so a new rule is listed without editing it.
pub fn readme_rule_list() -> String {
    let kinds: [(&str, &[&str]); 4] = [
        (
            "what docker compose refuses, all at once",
            &["syntax", "resolution", "schema", "validity"],
        ),
        (
            "policy, from the review that started the project",
            &["policy"],
        ),
        (
            "topology, from the project graph (who reaches whom, what faces the host)",
            &["topology"],
        ),
        (
            "about hylint's own `# hylint: ignore[...]` comments",
            &["meta"],
        ),
    ];
    let mut out = String::new();
    for (title, categories) in kinds {
        let names: Vec<String> = ALL
            .iter()
            .filter(|r| categories.contains(&r.category))
            .map(|r| format!("`{}`", r.name))
            .collect();
        out.push_str(&format!("- {title}: {}.\n", names.join(", ")));
    }
    out
}

/// `docs/configuration.md`: the configuration reference, from `config::KEYS`.
pub fn configuration_reference() -> String {
    let mut out = String::from(
        "# Configuration\n\n<!-- Generated from src/config.rs by `UPDATE_EXPECT=1 cargo test --test docs`; do not edit. -->\n\n\
         hylint reads `hylint.toml` (or `.hylint.toml`), the nearest one walking up from the first\n\
         linted path; `--config FILE` names one. Command-line flags win over the file. A key hylint\n\
         does not know is an error naming the key and its `file:line:col` (exit code 2).\n\n\
         | key | type | meaning |\n| --- | --- | --- |\n",
    );
    for (k, ty, meaning) in crate::config::KEYS {
        out.push_str(&format!("| `{k}` | {ty} | {meaning} |\n"));
    }
    out.push_str(
        "\nRule selectors are rule names (`static-ip`), codes (`HY101`), code prefixes (`HY1`: every\n\
         policy rule), categories (`policy`, `validity`, `syntax`, `resolution`, `schema`, `meta`)\n\
         or `ALL`.\n\n## Example\n\n```toml\n",
    );
    out.push_str(EXAMPLE_CONFIG);
    out.push_str("```\n\n## Inline suppressions\n\n\
         - `# hylint: ignore[rule, ...]` at the end of a finding's line, or alone on the line above it.\n\
         - `# hylint: ignore-file[rule, ...]` on a comment line before any content: the whole file.\n\
         - Without `[...]`, every rule. A suppression that suppresses nothing is reported as\n  \
         `unused-suppression`.\n\n## Baselines\n\n\
         `hylint check --write-baseline hylint-baseline.json .` records the current findings;\n\
         `hylint check --baseline hylint-baseline.json .` then reports only new ones. Entries match by\n\
         rule, file, service, message and the text of the finding's line, so they survive lines moving.\n");
    out
}

/// The example configuration shown in the docs (and parsed by a test).
pub const EXAMPLE_CONFIG: &str = r#"# hylint.toml
ignore = ["missing-resource-limits"]
failure-threshold = "warning"
profiles = ["*"]
env-files = [".env.example"]

[per-file-ignores]
"infra/09-tooling/**" = ["missing-healthcheck"]

[severity]
static-ip = "error"

[rules.static-ip]
allowed-networks = ["lan_macvlan"]

[rules.missing-healthcheck]
strict = true

[rules.missing-resource-limits]
default-cpus = "0.5"
default-memory = "512M"

[rules.writable-exporter]
exporter-images = ["example/*-metrics*"]
"#;
