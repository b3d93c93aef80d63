//! Scalar typing as go-yaml v3 (docker compose's YAML reader) resolves plain scalars:
//! YAML 1.2 core schema, so `yes`, `no`, `on`, `off` are strings.

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Typed<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
    Collection,
}

pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let v = if let Some(h) = body.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = body.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else if let Some(b) = body.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()?
    } else if !body.is_empty() && body.bytes().all(|c| c.is_ascii_digit()) {
        body.parse::<i64>().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

fn parse_float(s: &str) -> Option<f64> {
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - digits_start;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - f;
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    s.parse::<f64>().ok()
}

pub fn resolve<'a>(s: &'a str, plain: bool, forced: Option<&str>) -> Typed<'a> {
    match forced {
        Some("str") => return Typed::Str(s),
        Some("int") => return parse_int(s).map(Typed::Int).unwrap_or(Typed::Str(s)),
        Some("float") => return parse_float(s).map(Typed::Float).unwrap_or(Typed::Str(s)),
        Some("bool") => return parse_go_bool(s).map(Typed::Bool).unwrap_or(Typed::Str(s)),
        Some("null") => return Typed::Null,
        _ => {}
    }
    if !plain {
        return Typed::Str(s);
    }
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Typed::Null,
        _ => {}
    }
    if let Some(b) = parse_go_bool(s) {
        return Typed::Bool(b);
    }
    if let Some(i) = parse_int(s) {
        return Typed::Int(i);
    }
    if let Some(f) = parse_float(s) {
        return Typed::Float(f);
    }
    Typed::Str(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn yaml_1_2_scalars() {
        assert_eq!(resolve("no", true, None), Typed::Str("no"));
        assert_eq!(resolve("yes", true, None), Typed::Str("yes"));
        assert_eq!(resolve("on", true, None), Typed::Str("on"));
        assert_eq!(resolve("True", true, None), Typed::Bool(true));
        assert_eq!(resolve("~", true, None), Typed::Null);
        assert_eq!(resolve("0x1F", true, None), Typed::Int(31));
        assert_eq!(resolve("0.5", true, None), Typed::Float(0.5));
        assert_eq!(resolve("1e3", true, None), Typed::Float(1000.0));
        assert_eq!(resolve("1.2.3", true, None), Typed::Str("1.2.3"));
        assert_eq!(resolve("true", false, None), Typed::Str("true"));
        assert_eq!(resolve("12", true, Some("str")), Typed::Str("12"));
    }
}
