//! `writable-exporter`: a metrics exporter without `read_only: true` or without
//! `no-new-privileges:true`.

use crate::diagnostic::Fix;
use crate::model::specs::compose_bool;
use crate::model::Service;
use crate::rules::fixes::{insert_entries, own_get, service_fix};
use crate::rules::Reporter;
use crate::rules::Scope;
use crate::yaml::edit::{self, Value};

crate::declare_rule! {
    WritableExporter {
        name: "writable-exporter",
        code: "HY106",
        category: "policy",
        severity: Warning,
        fix: Sometimes,
        summary: "A metrics exporter runs with a writable root filesystem or can gain privileges",
        security_severity: "4.0",
    }
}

impl crate::rules::Rule for WritableExporter {
    fn check(&self, t: &Scope, out: &mut Reporter) {
        check(t, out)
    }
}

/// A metrics exporter: by its image, or by its name when no image says otherwise (none, or one
/// built from the tree). `penpot-exporter` running `penpotapp/exporter` renders
/// files: the image, not the name, says what runs.
pub fn is_exporter(t: &Scope, svc: &Service) -> bool {
    let k = t.knowledge;
    match svc.image() {
        Some(i) if k.exporter_images.matches_image(i) => true,
        Some(i) if !i.is_empty() && svc.get("build").is_none() => false,
        _ => k.exporter_names.matches(&svc.name),
    }
}

pub fn has_no_new_privileges(svc: &Service) -> bool {
    svc.get("security_opt")
        .and_then(|s| s.as_seq())
        .unwrap_or(&[])
        .iter()
        .filter_map(|o| o.as_str())
        .any(|o| {
            matches!(
                o.replace('=', ":").as_str(),
                "no-new-privileges:true" | "no-new-privileges"
            )
        })
}

/// `read_only: true` and `no-new-privileges:true`, added to the service's own mapping (a
/// template's values are overridden, or merged for security_opt, as compose does).
fn harden_fix(t: &Scope, svc: &Service, read_only: bool, nnp: bool) -> Option<Fix> {
    service_fix(
        t,
        svc,
        "Add read_only: true and no-new-privileges:true",
        vec![
            format!("/services/{}/read_only", svc.name),
            format!("/services/{}/security_opt", svc.name),
        ],
        |src, node| {
            let mut edits = Vec::new();
            let mut inserts: Vec<(&str, Value)> = Vec::new();
            if read_only {
                match own_get(node, "read_only") {
                    Some(v) => edits.extend(edit::replace_scalar(src, v, "true")),
                    None => inserts.push(("read_only", Value::Scalar("true".into()))),
                }
            }
            if nnp {
                let item = Value::Scalar("no-new-privileges:true".into());
                match own_get(node, "security_opt") {
                    Some(seq) if seq.is_seq() => edits.extend(edit::append_item(src, seq, &item)),
                    Some(_) => return Vec::new(),
                    None => inserts.push(("security_opt", Value::Seq(vec![item]))),
                }
            }
            edits.extend(insert_entries(src, node, &inserts));
            edits
        },
    )
    .map(|mut f: Fix| {
        f.edits.sort_by_key(|e| e.span.start);
        f
    })
}

fn check(t: &Scope, out: &mut Reporter) {
    let meta = &META;
    {
        let p = t.project;
        for svc in p.services.values() {
            if !is_exporter(t, svc) {
                continue;
            }
            let ro = svc.get("read_only");
            // As compose casts it: `read_only: "true"` is read-only too.
            let read_only = ro.and_then(compose_bool) == Some(true);
            let nnp = has_no_new_privileges(svc);
            let mut missing = Vec::new();
            if !read_only {
                missing.push("`read_only: true`");
            }
            if !nnp {
                missing.push("`no-new-privileges:true` in security_opt");
            }
            if missing.is_empty() {
                continue;
            }
            let message = format!(
                "exporter `{}` lacks {}: an exporter only reads and serves metrics, so a compromise should find nothing to write or escalate",
                svc.name,
                missing.join(" and ")
            );
            let fix = crate::rules::fix_if(t.fixes, || harden_fix(t, svc, !read_only, !nnp));
            out.push(
                match ro {
                    Some(v) if !read_only => t.at_value(meta, svc, v, message),
                    _ => t.at_service(meta, svc, message),
                }
                .with_fix(fix),
            );
        }
    }
}
