//! Rules about resolving a project: include, extends, interpolation. The loader detects these
//! while it resolves (it is the only place that knows) and returns what it met, typed
//! (`resolve::LoadKind`); each rule here writes its findings.
// The rule modules (every file here that declares a rule), listed by `build.rs`.
include!(concat!(env!("OUT_DIR"), "/rules/resolution.rs"));

use crate::diagnostic::Diagnostic;
use crate::resolve::{LoadKind, LoadProblem, Loaded};

/// A load problem as the finding of the rule that reports its kind; each rule writes its own
/// message.
pub fn finding(p: &LoadProblem) -> Diagnostic {
    use crate::rules::schema::schema_violation;
    use crate::rules::syntax::invalid_yaml;
    use LoadKind as K;
    let at = p.primary;
    let d = match &p.kind {
        K::EmptyFile => invalid_yaml::empty_file(at),
        K::IncludeConflict {
            section,
            name,
            imported,
        } => include_conflict::conflict(at, section, name, *imported),
        K::IncludeUnreadable { path, error } => include_error::unreadable(at, path, error),
        K::IncludeCycle { chain } => include_error::cycle(at, chain),
        K::ExtendsUnreadable { path, error } => extends_error::unreadable(at, path, error),
        K::ExtendsCycle { chain } => extends_error::cycle(at, chain),
        K::ExtendsMissingService { service, file } => {
            extends_error::missing_service(at, service, file)
        }
        K::Invalid { detail } => schema_violation::invalid(at, detail),
        K::LimitsDiffer {
            service,
            key,
            twin,
            other,
        } => schema_violation::limits_differ(at, service, key, twin, *other),
        K::EnvFileUnreadable { path, error } => {
            env_file_error::unreadable(at, path, error.as_deref())
        }
        K::EnvFileSyntax { path, line, detail } => env_file_error::syntax(at, path, *line, detail),
        K::InterpolationCast {
            field,
            value,
            to,
            interpolated,
        } => invalid_interpolation::cast(at, field, value, to, *interpolated),
        K::Interpolation {
            detail,
            beyond_hylint,
        } => invalid_interpolation::refused(at, detail, *beyond_hylint),
    };
    match &p.service {
        Some(s) => d.with_service(s),
        None => d,
    }
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
