//! Rules about what docker compose refuses in a resolved project. Severity follows the profiles
//! of the run: an error where compose refuses the project as loaded, a warning where the problem
//! only shows once a profile that is off now is enabled.
// The rule modules (every file here that declares a rule), listed by `build.rs`.
include!(concat!(env!("OUT_DIR"), "/rules/validity.rs"));

use crate::diagnostic::Severity;
use crate::model::{Project, Service};

/// Error when compose refuses the project as loaded (the service is active), else warning.
pub fn severity_for(p: &Project, s: &Service) -> Severity {
    if p.is_active(s) {
        Severity::Error
    } else {
        Severity::Warning
    }
}

/// " (when profile x is enabled)" for a problem in an inactive service.
pub fn when_enabled(p: &Project, s: &Service) -> String {
    if p.is_active(s) {
        String::new()
    } else {
        format!(
            " (once profile {} is enabled)",
            s.profiles
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        )
    }
}
