use super::*;

fn p(text: &str) -> Parsed {
    parse(FileId(0), text)
}

fn slice(text: &str, s: Span) -> &str {
    &text[s.range()]
}

#[test]
fn every_key_and_value_has_exact_byte_range() {
    let t = "a: 1\nb:\n  c: 'x y'\n  d: [1, \"two\"]\ne: |\n  line\n";
    let parsed = p(t);
    assert!(parsed.problems.is_empty());
    let d = &parsed.docs[0];
    let b = d.entry("b").unwrap();
    assert_eq!(slice(t, b.key.span), "b");
    assert_eq!(slice(t, b.value.span), "c: 'x y'\n  d: [1, \"two\"]");
    let c = b.value.entry("c").unwrap();
    assert_eq!(slice(t, c.value.span), "'x y'");
    assert_eq!(c.value.as_str(), Some("x y"));
    assert_eq!(slice(t, b.value.get("d").unwrap().span), "[1, \"two\"]");
    assert_eq!(slice(t, d.get("e").unwrap().span), "|\n  line");
    assert_eq!(d.get("e").unwrap().as_str(), Some("line\n"));
}

#[test]
fn multibyte_text_gives_byte_offsets() {
    let t = "a: \"한글\"\nb: x\n";
    let d = &p(t).docs[0];
    assert_eq!(slice(t, d.get("a").unwrap().span), "\"한글\"");
    assert_eq!(slice(t, d.get("b").unwrap().span), "x");
}

#[test]
fn block_sequence_span_starts_at_dash() {
    let t = "s:\n  - a\n  - b: c\n";
    let d = &p(t).docs[0];
    assert_eq!(slice(t, d.get("s").unwrap().span), "- a\n  - b: c");
}

#[test]
fn aliases_keep_definition_span_and_record_use_site() {
    let t = "x: &v hello\ny: *v\n";
    let d = &p(t).docs[0];
    let y = d.get("y").unwrap();
    assert_eq!(y.as_str(), Some("hello"));
    assert_eq!(slice(t, y.span), "hello");
    assert_eq!(slice(t, y.used_at().unwrap()), "*v");
    assert_eq!(slice(t, y.site()), "*v");
}

#[test]
fn merge_keys_apply_with_explicit_keys_winning() {
    let t = "b: &b\n  k1: base\n  k2: base\nm:\n  <<: *b\n  k2: mine\n";
    let d = &p(t).docs[0];
    let m = d.get("m").unwrap();
    assert_eq!(m.get("k1").unwrap().as_str(), Some("base"));
    assert_eq!(m.get("k2").unwrap().as_str(), Some("mine"));
    let k1 = m.entry("k1").unwrap();
    assert_eq!(slice(t, k1.value.span), "base"); // where it is written
    assert_eq!(slice(t, k1.merged_from.unwrap()), "*b"); // how it arrived
    assert!(m.entry("<<").is_none());
}

#[test]
fn merge_of_a_list_takes_earlier_sources_first() {
    let t = "a: &a {k: a}\nb: &b {k: b, j: b}\nm:\n  <<: [*a, *b]\n";
    let m = p(t).docs[0].get("m").cloned().unwrap();
    assert_eq!(m.get("k").unwrap().as_str(), Some("a"));
    assert_eq!(m.get("j").unwrap().as_str(), Some("b"));
}

#[test]
fn duplicate_keys_are_reported_with_first_definition() {
    let t = "services:\n  web:\n    image: a\n    image: b\n";
    let parsed = p(t);
    let dup: Vec<_> = parsed
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::DuplicateKey)
        .collect();
    assert_eq!(dup.len(), 1);
    assert_eq!(slice(t, dup[0].span), "image");
    assert_eq!(dup[0].span.start, 34);
    assert_eq!(dup[0].related.unwrap().start, 21);
    assert!(dup[0].message.contains("line 3"));
}

#[test]
fn yaml_1_2_scalars_as_compose_reads_them() {
    let t = "a: no\nb: yes\nc: on\nd: true\ne: ~\nf: '1'\ng: 1\n";
    let d = &p(t).docs[0];
    assert_eq!(d.get("a").unwrap().typed(), Typed::Str("no"));
    assert_eq!(d.get("b").unwrap().typed(), Typed::Str("yes"));
    assert_eq!(d.get("c").unwrap().typed(), Typed::Str("on"));
    assert_eq!(d.get("d").unwrap().typed(), Typed::Bool(true));
    assert!(d.get("e").unwrap().is_null());
    assert_eq!(d.get("f").unwrap().typed(), Typed::Str("1"));
    assert_eq!(d.get("g").unwrap().typed(), Typed::Int(1));
}

#[test]
fn reset_and_override_tags_are_kept() {
    let t = "a: !reset []\nb: !override {x: 1}\nc: !!str 12\n";
    let d = &p(t).docs[0];
    assert_eq!(d.get("a").unwrap().tag(), Some(&Tag::Reset));
    assert_eq!(d.get("b").unwrap().tag(), Some(&Tag::Override));
    assert_eq!(d.get("c").unwrap().typed(), Typed::Str("12"));
}

#[test]
fn multi_document_files_keep_every_document() {
    let parsed = p("a: 1\n---\nb: 2\n");
    assert_eq!(parsed.docs.len(), 2);
    assert_eq!(parsed.docs[1].get("b").unwrap().as_str(), Some("2"));
}

#[test]
fn syntax_errors_have_positions() {
    let t = "services:\n\tweb: x\n";
    let parsed = p(t);
    assert!(parsed.has_syntax_error());
    let e = &parsed.problems[0];
    assert_eq!(line_col_of(t, e.span.start as usize), (2, 2));
}

#[test]
fn alias_bomb_stops_with_a_problem() {
    let mut t = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let names: Vec<char> = ('b'..='h').collect();
    let mut prev = 'a';
    for n in names {
        t.push_str(&format!("{n}: &{n} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        prev = n;
    }
    let parsed = p(&t);
    assert!(parsed
        .problems
        .iter()
        .any(|p| p.kind == ProblemKind::AliasLimit));
    assert!(parsed.docs.is_empty());
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let t = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    assert!(p(&t).has_syntax_error());
    let mut block = String::new();
    for i in 0..2000 {
        block.push_str(&" ".repeat(i));
        block.push_str("k:\n");
    }
    let _ = p(&block); // must return, whatever it says
}

#[test]
fn dollar_is_found_in_values_and_in_keys_an_alias_brings_in_as_values() {
    let t = "a: ${X}\n&k ${Y}: 1\nb: *k\nc: plain\n";
    let parsed = p(t);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let d = &parsed.docs[0];
    assert!(d.may_hold_dollar());
    assert!(d.get("a").unwrap().may_hold_dollar());
    assert_eq!(d.get("b").unwrap().as_str(), Some("${Y}"));
    assert!(d.get("b").unwrap().may_hold_dollar());
    assert!(!d.get("c").unwrap().may_hold_dollar());
}

#[test]
fn a_merge_key_tagged_merge_is_a_merge_key() {
    for t in [
        "b: &b\n  k1: base\nm:\n  !!merge <<: *b\n  k2: mine\n",
        "b: &b {k1: base}\nm: {!!merge <<: *b, k2: mine}\n",
    ] {
        for parsed in [super::parse_granit(FileId(0), t), p(t)] {
            let m = parsed.docs[0].get("m").cloned().unwrap();
            assert_eq!(m.get("k1").and_then(|v| v.as_str()), Some("base"), "{t}");
            assert!(m.entry("<<").is_none(), "{t}");
        }
    }
}
