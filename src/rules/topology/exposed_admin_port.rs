//! `exposed-admin-port`: a database, cache or admin interface publishes a port on every host
//! interface.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::specs::binds_all_interfaces;
use crate::rules::Reporter;
use crate::rules::Scope;

crate::declare_rule! {
    ExposedAdminPort {
        name: "exposed-admin-port",
        code: "HY202",
        category: "topology",
        severity: Warning,
        fix: Never,
        summary: "A database, cache or admin interface publishes a port on every host interface",
        security_severity: "5.0",
    }
}

impl crate::rules::Rule for ExposedAdminPort {
    fn check(&self, t: &Scope, out: &mut Reporter) {
        check(t, out)
    }
}

fn check(t: &Scope, out: &mut Reporter) {
    for svc in t.project.services.values() {
        let Some(image) = svc.image().filter(|i| !i.contains('$')) else {
            continue;
        };
        let what = if t.knowledge.admin_databases.matches_image(image) {
            "database"
        } else if t.knowledge.admin_interfaces.matches_image(image) {
            "admin interface"
        } else {
            continue;
        };
        for port in svc.get("ports").and_then(|p| p.as_seq()).unwrap_or(&[]) {
            let host_ip = port.get("host_ip").and_then(|h| h.scalar_string());
            if !binds_all_interfaces(host_ip.as_deref().unwrap_or("")) {
                continue;
            }
            let target = port
                .get("target")
                .and_then(|x| x.scalar_string())
                .unwrap_or_default();
            let published = port.get("published").and_then(|x| x.scalar_string());
            let host_port = match &published {
                Some(p) => format!("host port {p}"),
                None => "a random host port".to_string(),
            };
            out.push(
                Diagnostic::new(
                    &META,
                    port.site(),
                    format!(
                        "{what} `{}` ({image}) publishes port {target} on {host_port} of every \
                         host interface: anyone who reaches the host reaches it; bind it to \
                         127.0.0.1 (`127.0.0.1:{}:{target}`), or drop the port and reach it over \
                         the compose network",
                        svc.name,
                        published.as_deref().unwrap_or(""),
                    ),
                )
                .with_service(svc.name.clone())
                .with_severity(Severity::Warning),
            );
        }
    }
}
