//! `${VAR}` interpolation with the syntax docker compose accepts: `$VAR`, `${VAR}`,
//! `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR?err}`, `${VAR:+alt}`, `${VAR+alt}`,
//! nested templates inside defaults, and `$$` for a literal `$`.

/// What happened to one variable reference while interpolating.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VarEvent {
    /// `${VAR}` or `$VAR` with VAR unset: compose substitutes an empty string (a warning).
    Unset {
        name: String,
        offset: usize,
        len: usize,
    },
    /// `${VAR:?msg}` / `${VAR?msg}` with VAR unset (or empty for `:?`): compose refuses.
    Required {
        name: String,
        message: String,
        offset: usize,
        len: usize,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterpError {
    pub message: String,
    pub offset: usize,
    /// A limit of hylint's, not an error of the file: compose reads on.
    pub limit: bool,
}

pub use crate::model::Env;

fn is_name_start(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphabetic()
}
fn is_name_char(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphanumeric()
}

/// Interpolate `input`. Offsets in events are byte offsets into `input`.
/// How deep `${A:-${B:-...}}` may nest. The substitution recurses once per level, and a linted
/// file must not be able to overflow a thread's stack; real files nest a level or two.
const MAX_NESTING: usize = 100;

pub fn interpolate(
    input: &str,
    env: &Env,
    events: &mut Vec<VarEvent>,
) -> Result<String, InterpError> {
    interpolate_nested(input, env, events, 0)
}

fn interpolate_nested(
    input: &str,
    env: &Env,
    events: &mut Vec<VarEvent>,
    depth: usize,
) -> Result<String, InterpError> {
    if !input.contains('$') {
        return Ok(input.to_string());
    }
    let b = input.as_bytes();
    let mut out = String::with_capacity(input.len());
    let mut i = 0;
    let mut lit_start = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        out.push_str(&input[lit_start..i]);
        let start = i;
        match b.get(i + 1) {
            Some(b'$') => {
                out.push('$');
                i += 2;
            }
            Some(b'{') => {
                let close = find_close(b, i + 2).ok_or_else(|| InterpError {
                    message: format!("invalid interpolation format for \"{input}\": missing '}}'"),
                    offset: start,
                    limit: false,
                })?;
                let inner = &input[i + 2..close];
                let len = close + 1 - start;
                if depth >= MAX_NESTING {
                    return Err(InterpError {
                        message: format!(
                            "invalid interpolation format for \"{}...\": nested more than {MAX_NESTING} levels deep",
                            input.char_indices().nth(40).map_or(input, |(i, _)| &input[..i])
                        ),
                        offset: start,
                        limit: true,
                    });
                }
                let braced = Braced {
                    inner,
                    offset: start,
                    len,
                    whole: input,
                    depth,
                };
                out.push_str(&substitute_braced(&braced, env, events)?);
                i = close + 1;
            }
            Some(&c) if is_name_start(c) => {
                let mut j = i + 1;
                while j < b.len() && is_name_char(b[j]) {
                    j += 1;
                }
                let name = &input[i + 1..j];
                match env.get(name) {
                    Some(v) => out.push_str(v),
                    None => events.push(VarEvent::Unset {
                        name: name.to_string(),
                        offset: start,
                        len: j - start,
                    }),
                }
                i = j;
            }
            // `$` followed by anything else (`$(`, `$1`, end of string) is kept as written.
            _ => {
                out.push('$');
                i += 1;
            }
        }
        lit_start = i;
    }
    out.push_str(&input[lit_start..]);
    Ok(out)
}

/// Index of the `}` closing a `${` whose content starts at `from`, honouring nesting.
fn find_close(b: &[u8], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'$' if b.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 2;
                continue;
            }
            b'$' if b.get(i + 1) == Some(&b'$') => {
                i += 2;
                continue;
            }
            b'}' => {
                if depth == 0 {
                    return Some(i);
                }
                depth -= 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// One `${...}` template: its content, where it stands in `whole`, and how deep it is nested.
struct Braced<'a> {
    inner: &'a str,
    offset: usize,
    len: usize,
    whole: &'a str,
    depth: usize,
}

fn substitute_braced(
    t: &Braced,
    env: &Env,
    events: &mut Vec<VarEvent>,
) -> Result<String, InterpError> {
    let Braced {
        inner,
        offset,
        len,
        whole,
        depth,
    } = *t;
    let ib = inner.as_bytes();
    let mut n = 0;
    while n < ib.len() && is_name_char(ib[n]) {
        n += 1;
    }
    let name = &inner[..n];
    if name.is_empty() || !is_name_start(ib[0]) {
        return Err(InterpError {
            message: format!("invalid interpolation format for \"{whole}\": \"${{{inner}}}\""),
            offset,
            limit: false,
        });
    }
    let rest = &inner[n..];
    let value = env.get(name);
    // The operator and its argument; the argument may itself hold templates.
    let (op, arg) = if let Some(a) = rest.strip_prefix(":-") {
        (":-", a)
    } else if let Some(a) = rest.strip_prefix(":?") {
        (":?", a)
    } else if let Some(a) = rest.strip_prefix(":+") {
        (":+", a)
    } else if let Some(a) = rest.strip_prefix('-') {
        ("-", a)
    } else if let Some(a) = rest.strip_prefix('?') {
        ("?", a)
    } else if let Some(a) = rest.strip_prefix('+') {
        ("+", a)
    } else if rest.is_empty() {
        ("", "")
    } else {
        return Err(InterpError {
            message: format!("invalid interpolation format for \"{whole}\": \"${{{inner}}}\""),
            offset,
            limit: false,
        });
    };
    let sub = |s: &str, events: &mut Vec<VarEvent>| -> Result<String, InterpError> {
        let mut inner_events = Vec::new();
        let r = interpolate_nested(s, env, &mut inner_events, depth + 1).map_err(|mut e| {
            e.offset = offset;
            e
        })?;
        // Nested positions are reported at the enclosing template.
        for ev in inner_events {
            events.push(match ev {
                VarEvent::Unset { name, .. } => VarEvent::Unset { name, offset, len },
                VarEvent::Required { name, message, .. } => VarEvent::Required {
                    name,
                    message,
                    offset,
                    len,
                },
            });
        }
        Ok(r)
    };
    Ok(match op {
        "" => match value {
            Some(v) => v.to_string(),
            None => {
                events.push(VarEvent::Unset {
                    name: name.to_string(),
                    offset,
                    len,
                });
                String::new()
            }
        },
        ":-" => match value {
            Some(v) if !v.is_empty() => v.to_string(),
            _ => sub(arg, events)?,
        },
        "-" => match value {
            Some(v) => v.to_string(),
            None => sub(arg, events)?,
        },
        ":?" | "?" => match value {
            Some(v) if !(op == ":?" && v.is_empty()) => v.to_string(),
            _ => {
                let message = sub(arg, events)?;
                events.push(VarEvent::Required {
                    name: name.to_string(),
                    message,
                    offset,
                    len,
                });
                String::new()
            }
        },
        ":+" => match value {
            Some(v) if !v.is_empty() => sub(arg, events)?,
            _ => String::new(),
        },
        "+" => match value {
            Some(_) => sub(arg, events)?,
            None => String::new(),
        },
        _ => unreachable!("operators are matched above"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env {
            vars: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_an_error_not_a_stack_overflow() {
        let e = env(&[]);
        let deep = |n: usize| format!("{}x{}", "${A:-".repeat(n), "}".repeat(n));
        let mut ev = Vec::new();
        assert_eq!(interpolate(&deep(MAX_NESTING), &e, &mut ev).unwrap(), "x");
        // On a thread with the stack rayon gives its workers (2 MiB, smaller than the main one).
        let err = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || interpolate(&deep(100_000), &env(&[]), &mut Vec::new()))
            .unwrap()
            .join()
            .unwrap()
            .unwrap_err();
        assert!(
            err.limit && err.message.contains("nested more than"),
            "{}",
            err.message
        );
    }

    #[test]
    fn forms() {
        let e = env(&[("A", "x"), ("E", "")]);
        let mut ev = Vec::new();
        assert_eq!(interpolate("${A}", &e, &mut ev).unwrap(), "x");
        assert_eq!(interpolate("$A-$A", &e, &mut ev).unwrap(), "x-x");
        assert_eq!(interpolate("${E:-d}", &e, &mut ev).unwrap(), "d");
        assert_eq!(interpolate("${E-d}", &e, &mut ev).unwrap(), "");
        assert_eq!(interpolate("${U:-${A}y}", &e, &mut ev).unwrap(), "xy");
        assert_eq!(interpolate("${A:+alt}", &e, &mut ev).unwrap(), "alt");
        assert_eq!(interpolate("$$A $(x)", &e, &mut ev).unwrap(), "$A $(x)");
        assert!(ev.is_empty());
        assert_eq!(interpolate("a${U}b", &e, &mut ev).unwrap(), "ab");
        assert_eq!(
            ev,
            vec![VarEvent::Unset {
                name: "U".into(),
                offset: 1,
                len: 4
            }]
        );
        ev.clear();
        interpolate("${U:?must set}", &e, &mut ev).unwrap();
        assert!(matches!(&ev[0], VarEvent::Required { message, .. } if message == "must set"));
        assert!(interpolate("${A", &e, &mut ev).is_err());
        assert!(interpolate("${A B}", &e, &mut ev).is_err());
    }
}
