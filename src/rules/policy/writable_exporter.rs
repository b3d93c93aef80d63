//! `writable-exporter`: a metrics exporter without `read_only: true` or without
//! `no-new-privileges:true`.

use crate::diagnostic::Diagnostic;
use crate::model::Service;
use crate::rules::Tree;
use crate::yaml::Typed;

crate::rule_meta!(
    "writable-exporter",
    "HY106",
    "policy",
    Warning,
    fixable = false,
    "A metrics exporter runs with a writable root filesystem or can gain privileges"
);

pub fn is_exporter(t: &Tree, svc: &Service) -> bool {
    let k = t.knowledge;
    svc.image()
        .is_some_and(|i| k.exporter_images.matches_image(i))
        || k.exporter_names.matches(&svc.name)
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

pub fn check(t: &Tree, out: &mut Vec<Diagnostic>) {
    let meta = &crate::rules::registry::WRITABLE_EXPORTER;
    for (p, _) in &t.projects {
        for svc in p.services.values() {
            if !is_exporter(t, svc) {
                continue;
            }
            let ro = svc.get("read_only");
            let read_only = matches!(ro.map(|r| r.typed()), Some(Typed::Bool(true)));
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
            out.push(match ro {
                Some(v) if !read_only => t.at_value(meta, svc, v, message),
                _ => t.at_service(meta, svc, message),
            });
        }
    }
}
