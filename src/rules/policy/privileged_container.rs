//! `privileged-container`: a service runs with `privileged: true`.

use crate::model::specs::compose_bool;
use crate::rules::{Reporter, Scope};

crate::declare_rule! {
    PrivilegedContainer {
        name: "privileged-container",
        code: "HY108",
        category: "policy",
        severity: Warning,
        fix: Never,
        summary: "A service runs privileged: every capability and every host device, no isolation left",
        security_severity: "7.0",
    }
}

impl crate::rules::Rule for PrivilegedContainer {
    fn check(&self, t: &Scope, out: &mut Reporter) {
        for svc in t.project.services.values() {
            let Some(value) = svc.get("privileged") else {
                continue;
            };
            // As compose casts it: `"yes"` and `${PRIVILEGED:-true}` count too.
            if compose_bool(value) != Some(true) {
                continue;
            }
            let message = format!(
                "service `{}` runs privileged: it gets every capability and every host device, \
                 and can take over the host; grant what it needs instead (`cap_add`, \
                 `devices`), or drop `privileged`",
                svc.name
            );
            out.push(t.at_value(&META, svc, value, message));
        }
    }
}
