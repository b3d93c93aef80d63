//! Parsers for the compact string forms compose accepts: volume and port specs, shell words,
//! durations and byte sizes. Each returns an error message on input compose would reject.

/// compose-go's toBoolean: how compose casts a string in a boolean field.
pub fn lenient_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" | "on" => Some(true),
        "n" | "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

/// A boolean field of a loaded project. The loader casts the strings compose casts (`"yes"`,
/// `on`, `${FLAG:-true}`), so a boolean is a YAML boolean here; `None` for anything else.
pub fn compose_bool(n: &crate::yaml::Node) -> Option<bool> {
    match n.typed() {
        crate::yaml::Typed::Bool(b) => Some(b),
        _ => None,
    }
}

/// A parsed short-syntax volume: `[SOURCE:]TARGET[:MODE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeSpec {
    pub kind: &'static str, // "bind" | "volume"
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
    pub selinux: Option<String>,
    pub propagation: Option<String>,
    pub nocopy: bool,
}

pub fn is_path_source(s: &str) -> bool {
    s.starts_with('.')
        || s.starts_with('/')
        || s.starts_with('~')
        || (s.len() > 2 && s.as_bytes()[1] == b':' && s.as_bytes()[0].is_ascii_alphabetic())
}

/// A short-syntax volume, read as compose-go's `format.ParseVolume` reads it: sections between
/// colons (a one-letter section before a colon is a Windows drive), then comma-separated
/// options; options it does not know (`cached`, `delegated`, `consistent`) are ignored.
pub fn parse_volume(spec: &str) -> Result<VolumeSpec, String> {
    let mut v = VolumeSpec {
        kind: "volume",
        source: None,
        target: String::new(),
        read_only: false,
        selinux: None,
        propagation: None,
        nocopy: false,
    };
    match spec.chars().count() {
        0 => return Err("invalid empty volume spec".into()),
        1 | 2 => {
            v.target = spec.to_string();
            return Ok(v);
        }
        _ => {}
    }
    let mut fields: (Option<String>, Option<String>) = (None, None);
    let mut buffer = String::new();
    // `last`: the section ends the spec (compose passes a NUL rune for it).
    let mut section = |buffer: &str, last: bool, v: &mut VolumeSpec| -> Result<(), String> {
        if buffer.is_empty() {
            return Err("empty section between colons".into());
        }
        match &fields {
            (None, _) if last => fields.1 = Some(buffer.to_string()),
            (None, _) => fields.0 = Some(buffer.to_string()),
            (Some(_), None) => fields.1 = Some(buffer.to_string()),
            (Some(_), Some(_)) if !last => return Err("too many colons".into()),
            (Some(_), Some(_)) => {
                for opt in buffer.split(',') {
                    match opt {
                        "ro" => v.read_only = true,
                        "rw" => v.read_only = false,
                        "nocopy" => v.nocopy = true,
                        "z" | "Z" => v.selinux = Some(opt.to_string()),
                        "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate" => {
                            v.propagation = Some(opt.to_string())
                        }
                        _ => {}
                    }
                }
            }
        }
        Ok(())
    };
    for c in spec.chars() {
        let drive = c == ':'
            && buffer.chars().count() == 1
            && buffer.chars().next().is_some_and(char::is_alphabetic);
        if c == ':' && !drive {
            section(&buffer, false, &mut v).map_err(|e| format!("invalid spec: {spec}: {e}"))?;
            buffer.clear();
        } else {
            buffer.push(c);
        }
    }
    section(&buffer, true, &mut v).map_err(|e| format!("invalid spec: {spec}: {e}"))?;
    let (source, target) = fields;
    v.target = target.unwrap_or_default();
    if source.as_deref().is_some_and(is_path_source) {
        v.kind = "bind";
    }
    v.source = source;
    Ok(v)
}

/// Go's `path.Clean`: one slash between names, no `.`, `..` resolved where it can be, no
/// trailing slash (compose cleans a volume's container path).
pub fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            _ => out.push(part),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

/// A short-syntax port spec: host ports and container ports as ranges (a single port is a
/// range of one). `entries` gives what compose expands it to; it is not expanded here, so that
/// `"1-65535:1-65535"` is one value, not 65 535.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSpec {
    pub host_ip: Option<String>,
    pub published: Option<(u32, u32)>,
    pub target: (u32, u32),
    pub protocol: String,
}

fn parse_range(s: &str) -> Result<(u32, u32), String> {
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (a, b),
        None => (s, s),
    };
    let a: u32 = a.parse().map_err(|_| format!("invalid port {s:?}"))?;
    let b: u32 = b.parse().map_err(|_| format!("invalid port {s:?}"))?;
    if a > 65535 || b > 65535 || b < a {
        return Err(format!("invalid port range {s:?}"));
    }
    Ok((a, b))
}

/// Whether a published port's `host_ip` (empty when none is written) binds every interface of
/// the host.
pub fn binds_all_interfaces(host_ip: &str) -> bool {
    matches!(host_ip, "" | "0.0.0.0" | "::" | "[::]")
}

pub fn parse_ports(spec: &str) -> Result<PortSpec, String> {
    let (rest, protocol) = match spec.rsplit_once('/') {
        Some((r, p)) => (r, p.to_string()),
        None => (spec, "tcp".to_string()),
    };
    // As docker's nat.ParsePortSpec splits it: the container port after the last colon, the
    // host port before it, and everything before that the host IP (an IPv6 address may be
    // written bare or in brackets).
    let parts: Vec<&str> = rest.split(':').collect();
    let n = parts.len();
    let (host_ip, rest) = if n <= 2 {
        (None, rest)
    } else {
        let ip_len = parts[..n - 2].iter().map(|p| p.len() + 1).sum::<usize>() - 1;
        let ip = &rest[..ip_len];
        let ip = match ip.strip_prefix('[') {
            Some(r) => r
                .strip_suffix(']')
                .ok_or_else(|| format!("invalid IP address {ip:?} in port spec {spec:?}"))?,
            None => ip,
        };
        (Some(ip.to_string()), &rest[ip_len + 1..])
    };
    let (published, target) = match rest.split_once(':') {
        Some((p, t)) => (if p.is_empty() { None } else { Some(p) }, t),
        None => (None, rest),
    };
    if target.is_empty() {
        return Err(format!("no port specified: {spec:?}"));
    }
    let (t0, t1) = parse_range(target)?;
    let host_ip = host_ip.filter(|h| !h.is_empty());
    let published = match published {
        None => None,
        Some(p) => {
            let (p0, p1) = parse_range(p)?;
            if t0 != t1 && p1 - p0 != t1 - t0 {
                return Err(format!("port ranges don't match in length: {spec:?}"));
            }
            Some((p0, p1))
        }
    };
    Ok(PortSpec {
        host_ip,
        published,
        target: (t0, t1),
        protocol,
    })
}

impl PortSpec {
    /// The entries compose makes of the spec: one per container port of a range (published
    /// ports paired with them), or one entry whose published range maps to a single port.
    pub fn entries(&self) -> impl Iterator<Item = (Option<String>, u32)> + '_ {
        let (t0, t1) = self.target;
        (0..=(t1 - t0)).map(move |i| {
            let published = self.published.map(|(p0, p1)| {
                if t0 != t1 {
                    (p0 + i).to_string()
                } else if p0 == p1 {
                    p0.to_string()
                } else {
                    format!("{p0}-{p1}")
                }
            });
            (published, t0 + i)
        })
    }
}

/// Split a command string into words as compose does (go-shellwords without env or backtick
/// expansion): quotes group, a backslash outside single quotes takes the next character
/// literally (so `'\n'` inside double quotes becomes `'n'`, as compose prints it), `$( )` keeps its content, and an unquoted `; & | < >` ends the command.
pub fn shell_words(line: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut buf = String::new();
    let mut got = false;
    let (mut escaped, mut dq, mut sq, mut bq, mut dollar) = (false, false, false, false, false);
    for r in line.chars() {
        if escaped {
            // The backslash is dropped and the character taken literally, inside `$( )` too
            // (the go-shellwords release compose vendors).
            escaped = false;
            buf.push(r);
            got = true;
            continue;
        }
        if r == '\\' {
            if sq {
                buf.push(r);
            } else {
                escaped = true;
            }
            continue;
        }
        if matches!(r, ' ' | '\t' | '\r' | '\n') {
            if sq || dq || bq || dollar {
                buf.push(r);
            } else if got {
                args.push(std::mem::take(&mut buf));
                got = false;
            }
            continue;
        }
        match r {
            '`' if !sq && !dq && !dollar => bq = !bq,
            ')' if !sq && !dq && !bq => {
                if !dollar {
                    return Err("invalid command line string".into());
                }
                dollar = false;
            }
            '(' if !sq && !dq && !bq => {
                if !dollar && buf.ends_with('$') {
                    dollar = true;
                    buf.push('(');
                    continue;
                }
                return Err("invalid command line string".into());
            }
            '"' if !sq && !dollar && !bq => {
                dq = !dq;
                got = true;
                continue;
            }
            '\'' if !dq && !dollar && !bq => {
                sq = !sq;
                got = true;
                continue;
            }
            ';' | '&' | '|' | '<' | '>' if !(sq || dq || bq || dollar) => {
                if r == '>' && !buf.is_empty() && buf.bytes().all(|c| c.is_ascii_digit()) {
                    got = false;
                }
                break;
            }
            _ => {}
        }
        got = true;
        buf.push(r);
    }
    if got {
        args.push(buf);
    }
    if escaped || sq || dq || bq || dollar {
        return Err("invalid command line string".into());
    }
    Ok(args)
}

/// Parse a Go/compose duration (`1m30s`, `500ms`, `1.5h`) into nanoseconds.
pub fn parse_duration(s: &str) -> Result<i128, String> {
    let s = s.trim();
    if s == "0" {
        return Ok(0);
    }
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest.is_empty() {
        return Err(format!("invalid duration {s:?}"));
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_end == 0 {
            return Err(format!("invalid duration {s:?}"));
        }
        let n: f64 = rest[..num_end]
            .parse()
            .map_err(|_| format!("invalid duration {s:?}"))?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let mult: f64 = match &rest[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(format!("missing unit in duration {s:?}")),
            u => return Err(format!("unknown unit {u:?} in duration {s:?}")),
        };
        rest = &rest[unit_end..];
        total += n * mult;
    }
    let v = total.round() as i128;
    Ok(if neg { -v } else { v })
}

/// Go's `time.Duration.String()`.
pub fn format_duration(ns: i128) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let neg = ns < 0;
    let u = ns.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        // Sub-second: ns, µs or ms with a fraction.
        let (unit, div) = if u < 1_000 {
            ("ns", 1u128)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        out.push_str(&frac(u, div));
        out.push_str(unit);
    } else {
        let secs_total_ns = u;
        let h = secs_total_ns / 3_600_000_000_000;
        let rem = secs_total_ns % 3_600_000_000_000;
        let m = rem / 60_000_000_000;
        let s_ns = rem % 60_000_000_000;
        if h > 0 {
            out.push_str(&format!("{h}h{m}m"));
        } else if m > 0 {
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&frac(s_ns, 1_000_000_000));
        out.push('s');
    }
    if neg {
        format!("-{out}")
    } else {
        out
    }
}

fn frac(v: u128, div: u128) -> String {
    let whole = v / div;
    let mut f = v % div;
    if f == 0 {
        return whole.to_string();
    }
    let mut digits = div.to_string().len() - 1;
    while f % 10 == 0 {
        f /= 10;
        digits -= 1;
    }
    format!("{whole}.{f:0digits$}")
}

/// docker/go-units `RAMInBytes`: `256M`, `1.5g`, `512mb`, `1024` (bytes).
pub fn parse_bytes(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let num_end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    if num_end == 0 {
        return Err(format!("invalid size: {s:?}"));
    }
    let n: f64 = t[..num_end]
        .parse()
        .map_err(|_| format!("invalid size: {s:?}"))?;
    let mult: f64 = match t[num_end..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024f64.powi(4),
        "p" | "pb" | "pib" => 1024f64.powi(5),
        _ => return Err(format!("invalid size: {s:?}")),
    };
    Ok((n * mult) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes() {
        let v = parse_volume("./a:/b:ro").unwrap();
        assert_eq!((v.kind, v.read_only), ("bind", true));
        assert_eq!(parse_volume("data:/d").unwrap().kind, "volume");
        assert_eq!(parse_volume("/d").unwrap().source, None);
        assert!(parse_volume(":/d").is_err());
        assert!(parse_volume("data:/b:ro:x").is_err());
        // Two characters or fewer: a target alone; a one-letter section is a Windows drive.
        assert_eq!(parse_volume("a:").unwrap().target, "a:");
        let w = parse_volume("c:/x:/y").unwrap();
        assert_eq!((w.kind, w.source.as_deref()), ("bind", Some("c:/x")));
        // Options compose does not know are ignored, as compose ignores them.
        let c = parse_volume("./s:/t:cached,ro").unwrap();
        assert!(c.read_only);
        assert!(!parse_volume("v:/t:roz").unwrap().read_only);
    }

    #[test]
    fn paths_clean_as_go_cleans_them() {
        for (p, want) in [
            ("/t/./u/../w//", "/t/w"),
            ("/data/", "/data"),
            ("/", "/"),
            ("/..", "/"),
            ("a/../..", ".."),
            ("", "."),
            ("z", "z"),
        ] {
            assert_eq!(clean_path(p), want, "{p}");
        }
    }

    #[test]
    fn ports() {
        let p = parse_ports("127.0.0.1:8080:80/udp").unwrap();
        assert_eq!(p.host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(p.published, Some((8080, 8080)));
        assert_eq!((p.target, p.protocol.as_str()), ((80, 80), "udp"));
        let pairs: Vec<_> = parse_ports("9000-9001:9000-9001")
            .unwrap()
            .entries()
            .collect();
        assert_eq!(
            pairs,
            [(Some("9000".into()), 9000), (Some("9001".into()), 9001)]
        );
        // A published range for one container port is one entry.
        let one: Vec<_> = parse_ports("8000-8010:80").unwrap().entries().collect();
        assert_eq!(one, [(Some("8000-8010".into()), 80)]);
        // A whole range is one value until it is printed.
        assert_eq!(
            parse_ports("1-65535:1-65535").unwrap().entries().count(),
            65535
        );
        assert_eq!(
            parse_ports("[::1]:80:80").unwrap().host_ip.as_deref(),
            Some("::1")
        );
        assert!(parse_ports(":80").is_ok());
        // A bare IPv6 host address: everything before the last two sections.
        let v6 = parse_ports("::1:8443:443").unwrap();
        assert_eq!(v6.host_ip.as_deref(), Some("::1"));
        assert_eq!(v6.published, Some((8443, 8443)));
        assert!(parse_ports("8080:").is_err());
        assert!(parse_ports("x:80").is_err());
        assert!(parse_ports("1-3:1-2").is_err());
    }

    #[test]
    fn words() {
        assert_eq!(
            shell_words(r#"sh -c "echo 'a\n' $$(x y)""#).unwrap(),
            vec!["sh", "-c", "echo 'an' $$(x y)"]
        );
        assert_eq!(shell_words("a b; c").unwrap(), vec!["a", "b"]);
        assert_eq!(shell_words("echo $(a b)").unwrap(), vec!["echo", "$(a b)"]);
        assert!(shell_words("'open").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(parse_duration("90s").unwrap()), "1m30s");
        assert_eq!(format_duration(parse_duration("60s").unwrap()), "1m0s");
        assert_eq!(format_duration(parse_duration("1h").unwrap()), "1h0m0s");
        assert_eq!(format_duration(parse_duration("500ms").unwrap()), "500ms");
        assert_eq!(format_duration(parse_duration("1.5s").unwrap()), "1.5s");
        assert!(parse_duration("10").is_err());
    }

    #[test]
    fn bytes() {
        assert_eq!(parse_bytes("256M").unwrap(), 268435456);
        assert_eq!(parse_bytes("1g").unwrap(), 1073741824);
        assert_eq!(parse_bytes("1024").unwrap(), 1024);
        assert!(parse_bytes("x").is_err());
    }
}
