//! Baselines: adopt hylint on an existing tree. `--write-baseline FILE` records the current
//! findings; `--baseline FILE` then reports only findings not in it. An entry is matched by
//! rule, file, service, message and the text of the line the finding is on (not its line
//! number), so entries survive lines moving.

use crate::diagnostic::Diagnostic;
use crate::resolve::Workspace;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Entry {
    pub rule: String,
    pub file: String,
    pub service: Option<String>,
    pub message: String,
    /// The finding's line, trimmed.
    pub line: String,
}

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<Entry>,
}

/// The identity of a finding that survives lines moving: rule, file, service, message with
/// line numbers dropped, and the text of its line. Baselines store it; SARIF and GitLab
/// fingerprints hash it.
pub fn entry(ws: &Workspace, d: &Diagnostic) -> Entry {
    static LINE_NUMBER: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = LINE_NUMBER.get_or_init(|| regex::Regex::new(r"line \d+").expect("valid regex"));
    let f = ws.file(d.primary.file);
    let (line, _) = f.line_col(d.primary.start as usize);
    let text = &f.text[f.line_start(line)..f.line_start(line + 1).min(f.text.len())];
    // Messages mention line numbers ("already defined at line 3").
    Entry {
        rule: d.rule.to_string(),
        file: ws.project_path(&f.path),
        service: d.service.clone(),
        message: re.replace_all(&d.message, "line N").into_owned(),
        line: text.trim().to_string(),
    }
}

pub fn write(path: &Path, ws: &Workspace, diags: &[Diagnostic]) -> std::io::Result<()> {
    let mut entries: Vec<Entry> = diags.iter().map(|d| entry(ws, d)).collect();
    entries.sort();
    let b = Baseline {
        version: 1,
        entries,
    };
    std::fs::write(path, serde_json::to_string_pretty(&b)? + "\n")
}

pub fn read(path: &Path) -> Result<Baseline, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let b: Baseline = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a hylint baseline: {e}", path.display()))?;
    if b.version != 1 {
        return Err(format!(
            "{}: baseline version {} is not supported",
            path.display(),
            b.version
        ));
    }
    Ok(b)
}

/// Drop findings the baseline holds (each entry absorbs one finding).
pub fn apply(b: &Baseline, ws: &Workspace, diags: &mut Vec<Diagnostic>) {
    let mut left: HashMap<Entry, usize> = HashMap::new();
    for e in &b.entries {
        *left.entry(e.clone()).or_default() += 1;
    }
    diags.retain(|d| match left.get_mut(&entry(ws, d)) {
        Some(n) if *n > 0 => {
            *n -= 1;
            false
        }
        _ => true,
    });
}
