//! `.env` files as docker compose reads them: `KEY=VALUE`, optional `export `, `#` comments,
//! single quotes literal, double quotes with escapes, and `${VAR}` expansion in unquoted and
//! double-quoted values (earlier lines and the process environment are visible).

use super::interpolate::{interpolate, Env};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvError {
    pub line: usize,
    pub message: String,
}

/// Parse `text`, looking variables up first in `base` (the process environment wins over the
/// file in compose) and then in earlier lines. Returns the pairs in file order.
pub fn parse(text: &str, base: &Env) -> Result<Vec<(String, String)>, DotenvError> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut scope = base.clone();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.split('\n').collect();
    let mut i = 0;
    while i < lines.len() {
        let lineno = i + 1;
        let raw = lines[i].trim_end_matches('\r');
        i += 1;
        let line = raw.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some(eq) = line.find(['=', ':']) else {
            // A bare name: compose takes its value from the environment, if any.
            let name = line.trim();
            if valid_key(name) {
                if let Some(v) = base.get(name) {
                    out.push((name.to_string(), v.to_string()));
                }
                continue;
            }
            return Err(DotenvError {
                line: lineno,
                message: format!("unexpected character in variable name {name:?}"),
            });
        };
        let key = line[..eq].trim();
        if !valid_key(key) {
            return Err(DotenvError {
                line: lineno,
                message: format!("unexpected character in variable name {key:?}"),
            });
        }
        let mut rest = line[eq + 1..].trim_start().to_string();
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => {
                // Quoted values may span lines.
                loop {
                    if let Some(end) = closing_quote(&rest[1..], q) {
                        let body = &rest[1..1 + end];
                        break if q == '\'' {
                            body.to_string()
                        } else {
                            expand(&unescape(body), &scope)
                        };
                    }
                    if i >= lines.len() {
                        return Err(DotenvError {
                            line: lineno,
                            message: format!("unterminated quoted value for {key}"),
                        });
                    }
                    rest.push('\n');
                    rest.push_str(lines[i].trim_end_matches('\r'));
                    i += 1;
                }
            }
            _ => {
                // Inline comment: ` #` ends an unquoted value.
                let v = match rest.find(" #") {
                    Some(p) => &rest[..p],
                    None => rest.as_str(),
                };
                expand(v.trim(), &scope)
            }
        };
        if base.get(key).is_none() {
            scope.vars.insert(key.to_string(), value.clone());
        }
        out.push((key.to_string(), value));
    }
    Ok(out)
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

fn closing_quote(s: &str, q: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if q == '"' && c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        if c == q && !escaped {
            return Some(i);
        }
        escaped = false;
    }
    None
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    out
}

fn expand(v: &str, scope: &Env) -> String {
    let mut ev = Vec::new();
    interpolate(v, scope, &mut ev).unwrap_or_else(|_| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn dotenv_forms() {
        let base = Env::default();
        let got = parse(
            "# c\nA=1\nexport B=\"x ${A}\\n\"\nC='${A}' \nD=plain # comment\nE=\n",
            &base,
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                ("A".into(), "1".into()),
                ("B".into(), "x 1\n".into()),
                ("C".into(), "${A}".into()),
                ("D".into(), "plain".into()),
                ("E".into(), "".into()),
            ]
        );
        assert!(parse("BAD KEY=1\n", &base).is_err());
    }
}
