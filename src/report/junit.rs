//! `--format junit`: one test suite per file, one failing test case per finding (a file with
//! no finding is one passing case).

use super::position;
use crate::check::Outcome;
use std::collections::BTreeMap;

/// XML text: control characters (most are not allowed in XML 1.0 at all) shown as escapes,
/// then the markup characters as entities.
fn esc(s: &str) -> String {
    super::printable(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

pub fn render(outcome: &Outcome) -> String {
    let files = outcome.ws.files();
    let mut by_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in files.iter().filter(|f| !outcome.ws.is_aux(f.id)) {
        by_file.entry(f.display.clone()).or_default();
    }
    for d in &outcome.diagnostics {
        let p = position(&files, d.primary);
        let file = &files[d.primary.file.0 as usize].display;
        by_file.entry(file.clone()).or_default().push(format!(
            "    <testcase name=\"{rule} at {line}:{col}\" classname=\"{cls}\" file=\"{cls}\" line=\"{line}\">\n      \
             <failure message=\"{msg}\" type=\"{sev}\">{file}:{line}:{col}: {sev}[{rule}] {msg}</failure>\n    </testcase>\n",
            rule = esc(d.rule),
            line = p.line,
            col = p.column,
            cls = esc(file),
            msg = esc(&d.message),
            sev = d.severity.as_str(),
            file = esc(file),
        ));
    }
    let total: usize = by_file.values().map(|v| v.len().max(1)).sum();
    let failures = outcome.diagnostics.len();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"hylint\" tests=\"{total}\" failures=\"{failures}\" errors=\"0\">\n"
    );
    for (file, cases) in by_file {
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">\n",
            esc(&file),
            cases.len().max(1),
            cases.len()
        ));
        if cases.is_empty() {
            out.push_str(&format!(
                "    <testcase name=\"hylint\" classname=\"{}\" file=\"{}\"/>\n",
                esc(&file),
                esc(&file)
            ));
        }
        for c in cases {
            out.push_str(&c);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
