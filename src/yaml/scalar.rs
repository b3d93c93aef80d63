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

/// An integer as go-yaml v3 reads one: underscores dropped, then Go's `strconv.ParseInt(s, 0,
/// 64)`: an optional sign, then `0x`, `0o`, `0b` or a bare leading `0` (octal, so `022` is 18).
fn parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = match body.as_bytes() {
        [b'0', b'x' | b'X', ..] => (16, &body[2..]),
        [b'0', b'o' | b'O', ..] => (8, &body[2..]),
        [b'0', b'b' | b'B', ..] => (2, &body[2..]),
        [b'0', _, ..] => (8, &body[1..]),
        _ => (10, body),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    // Through i128 so that i64::MIN reads; go-yaml then tries uint64 for what does not fit,
    // which this tree holds as a float (a value past i64 is no count compose takes).
    let v = i128::from_str_radix(digits, radix).ok()?;
    i64::try_from(if neg { -v } else { v }).ok()
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

/// A float as Go's `strconv.FormatFloat(f, 'g', -1, 64)` prints it (how compose turns a number
/// into an environment or label string): the shortest digits that read back, in exponent form
/// below 1e-4 and from 1e6 on.
pub fn go_float_string(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if f != 0.0 && !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

/// A scalar as compose stringifies it for a map of strings (environment, labels, build args):
/// the value go-yaml decoded, printed by Go. `None` for null.
pub fn go_string(t: Typed<'_>) -> Option<String> {
    match t {
        Typed::Null | Typed::Collection => None,
        Typed::Bool(b) => Some(b.to_string()),
        Typed::Int(i) => Some(i.to_string()),
        Typed::Float(f) => Some(go_float_string(f)),
        Typed::Str(s) => Some(s.to_string()),
    }
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
    // go-yaml v3 tries numbers only for a scalar that starts like one, and drops underscores
    // first (`010_000` is octal 4096).
    if !matches!(s.as_bytes()[0], b'0'..=b'9' | b'+' | b'-' | b'.') {
        return Typed::Str(s);
    }
    let plain: std::borrow::Cow<str> = if s.contains('_') {
        s.replace('_', "").into()
    } else {
        s.into()
    };
    if let Some(i) = parse_int(&plain) {
        return Typed::Int(i);
    }
    if let Some(f) = parse_float(&plain) {
        return Typed::Float(f);
    }
    // What ParseInt refused but ParseUint takes (past i64::MAX) is a number too.
    if !plain.starts_with(['-', '+']) && plain.bytes().all(|c| c.is_ascii_digit()) {
        if let Ok(f) = plain.parse::<f64>() {
            return Typed::Float(f);
        }
    }
    Typed::Str(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn floats_print_as_go_prints_them() {
        for (f, want) in [
            (1.5, "1.5"),
            (1000.0, "1000"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (1e20, "1e+20"),
            (1e21, "1e+21"),
            (-0.0, "-0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5e-7, "-2.5e-07"),
            (0.0, "0"),
        ] {
            assert_eq!(go_float_string(f), want);
        }
    }

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
        // YAML 1.1 octal and underscores, as go-yaml v3 still reads them.
        assert_eq!(resolve("022", true, None), Typed::Int(18));
        assert_eq!(resolve("010_000", true, None), Typed::Int(4096));
        assert_eq!(resolve("0o17", true, None), Typed::Int(15));
        assert_eq!(resolve("-0x10", true, None), Typed::Int(-16));
        assert_eq!(resolve("08", true, None), Typed::Float(8.0));
        assert_eq!(resolve("1_000.5", true, None), Typed::Float(1000.5));
        assert_eq!(resolve("_1", true, None), Typed::Str("_1"));
        assert_eq!(resolve("0x", true, None), Typed::Str("0x"));
        assert_eq!(resolve("0b12", true, None), Typed::Str("0b12"));
        assert_eq!(
            resolve("99999999999999999999", true, None),
            Typed::Float(1e20)
        );
    }
}
