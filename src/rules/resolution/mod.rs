//! Rules about resolving a project: include, extends, interpolation. The loader detects these
//! while it resolves (it is the only place that knows), and reports them with these identities.
// The rule modules (every file here that declares a rule), listed by `build.rs`.
include!(concat!(env!("OUT_DIR"), "/rules/resolution.rs"));

use crate::diagnostic::{Diagnostic, RuleMeta};
use crate::resolve::{LoadProblem, LoadRule, Loaded};

/// The rule that reports a kind of load problem.
fn meta(rule: LoadRule) -> &'static RuleMeta {
    use crate::rules::registry as r;
    match rule {
        LoadRule::InvalidYaml => &r::INVALID_YAML,
        LoadRule::InvalidInterpolation => &r::INVALID_INTERPOLATION,
        LoadRule::ExtendsError => &r::EXTENDS_ERROR,
        LoadRule::IncludeError => &r::INCLUDE_ERROR,
        LoadRule::IncludeConflict => &r::INCLUDE_CONFLICT,
        LoadRule::SchemaViolation => &r::SCHEMA_VIOLATION,
        LoadRule::EnvFileError => &r::ENV_FILE_ERROR,
    }
}

/// A load problem as its rule's finding.
pub fn finding(p: &LoadProblem) -> Diagnostic {
    let mut d = Diagnostic::new(meta(p.rule), p.primary, p.message.clone());
    d.labels = p.labels.clone();
    d.service = p.service.clone();
    if let Some(s) = p.severity {
        d.severity = s;
    }
    d
}

/// The findings of loading a project: its load problems, and what the compose-spec schema
/// says of each file as written (in the order the loader met them).
pub fn findings(loaded: &Loaded) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    let schema: Vec<Diagnostic> = loaded
        .unvalidated
        .par_iter()
        .flat_map_iter(|(doc, service)| {
            let mut ds = crate::rules::schema::schema_violation::validate(doc);
            ds.extend(crate::rules::schema::schema_violation::non_string_key_problems(doc));
            if let Some(s) = service {
                for d in &mut ds {
                    d.service.get_or_insert_with(|| s.clone());
                }
            }
            ds
        })
        .collect();
    let (before, after) = loaded
        .problems
        .split_at(loaded.schema_at.min(loaded.problems.len()));
    let mut out: Vec<Diagnostic> = before.iter().map(finding).collect();
    out.extend(schema);
    out.extend(after.iter().map(finding));
    out
}
