//! `missing-variable`: interpolation of variables that are not set.

use crate::diagnostic::{Diagnostic, Severity};
use crate::resolve::interpolate::VarEvent;
use crate::rules::Reporter;
use crate::rules::Scope;

crate::declare_rule! {
    MissingVariable {
        name: "missing-variable",
        code: "HY012",
        category: "validity",
        severity: Warning,
        fix: Never,
        summary: "A variable is not set: `${VAR:?msg}` makes compose refuse the file, `${VAR}` becomes an empty string",
    }
}

impl crate::rules::Rule for MissingVariable {
    fn check(&self, t: &Scope, out: &mut Reporter) {
        check(t, out)
    }
}

fn check(t: &Scope, out: &mut Reporter) {
    {
        let p = t.project;
        // Values compose refused once the variable became empty (an extra_hosts entry, a port or
        // volume spec): the loader reported them; the variable is why.
        let refused: Vec<_> = t
            .loader_diagnostics
            .iter()
            .filter(|d| d.rule == "schema-violation")
            .map(|d| d.primary)
            .collect();
        for u in t.variables {
            let d = match &u.event {
                VarEvent::Required { name, message, .. } => Diagnostic::new(
                    &META,
                    u.span,
                    format!(
                        "required variable {name} is missing a value{}: docker compose refuses the file; set it in the environment or in {}",
                        if message.is_empty() { String::new() } else { format!(": {message}") },
                        env_hint(p)
                    ),
                )
                .with_severity(Severity::Error),
                VarEvent::Unset { name, .. } => {
                    let breaks = refused
                        .iter()
                        .find(|s| s.file == u.span.file && s.start <= u.span.start && u.span.end <= s.end);
                    match breaks {
                        Some(at) => Diagnostic::new(
                            &META,
                            u.span,
                            format!(
                                "variable {name} is not set: the empty string it becomes leaves this value invalid, and docker compose refuses the file; \
                                 set it in {} or give a default (`${{{name}:-value}}`)",
                                env_hint(p)
                            ),
                        )
                        .with_severity(Severity::Error)
                        .with_label(*at, "invalid once empty"),
                        None => Diagnostic::new(
                            &META,
                            u.span,
                            format!(
                                "variable {name} is not set: docker compose substitutes an empty string; set it in {} or give a default (`${{{name}:-value}}`)",
                                env_hint(p)
                            ),
                        ),
                    }
                }
            };
            out.push(d);
        }
    }
}

fn env_hint(p: &crate::model::Project) -> String {
    let env = p.dir.join(".env");
    format!(
        "{} (or pass --env-file)",
        env.file_name().map(|_| ".env").unwrap_or(".env")
    )
}
