//! `missing-image`: a service left with neither `image` nor `build` after resolution.

use super::{severity_for, when_enabled};
use crate::rules::Reporter;
use crate::rules::Scope;

crate::declare_rule! {
    MissingImage {
        name: "missing-image",
        code: "HY010",
        category: "validity",
        severity: Error,
        fix: Never,
        summary: "A service has neither image nor build after extends and merges are resolved",
    }
}

impl crate::rules::Rule for MissingImage {
    fn check(&self, t: &Scope, out: &mut Reporter) {
        check(t, out)
    }
}

fn check(t: &Scope, out: &mut Reporter) {
    {
        let p = t.project;
        for svc in p.services.values() {
            let has = |k: &str| svc.get(k).is_some_and(|v| !v.is_null());
            if has("image") || has("build") {
                continue;
            }
            out.push(
                t.at_service(
                    &META,
                    svc,
                    format!(
                        "service `{}` has neither an image nor a build context{}: docker compose refuses the project; \
                         add `image:`, `build:` or an `extends:` that provides one",
                        svc.name,
                        when_enabled(p, svc)
                    ),
                )
                .with_severity(severity_for(p, svc)),
            );
        }
    }
}
