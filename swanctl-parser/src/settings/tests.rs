//! Grammar and merge tests; expectations follow reference §1 (and
//! strongSwan 5.9.8's behaviour where marked verified there).

use std::fs;

use super::{LoadError, Settings};

fn parse(text: &str) -> Settings {
    match Settings::parse_str(text, "test.conf") {
        Ok(settings) => settings,
        Err(e) => panic!("parse failed: {e}"),
    }
}

fn value(settings: &Settings, path: &str) -> Option<String> {
    settings.get(path).and_then(|kv| kv.value.clone())
}

fn keys(settings: &Settings, path: &str) -> Vec<(String, String)> {
    settings
        .view(path)
        .key_values()
        .into_iter()
        .map(|kv| (kv.key.clone(), kv.value.clone().unwrap_or_default()))
        .collect()
}

fn sections(settings: &Settings, path: &str) -> Vec<String> {
    settings
        .view(path)
        .section_names()
        .into_iter()
        .map(|(n, _)| n.to_owned())
        .collect()
}

fn error(text: &str) -> String {
    match Settings::parse_str(text, "bad.conf") {
        Ok(_) => panic!("expected a syntax error for {text:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bare_words_are_joined_by_one_space() {
    let s = parse("a = 'My \"home\" is my \"castle\"!'\nb =   x \t  y   \n");
    assert_eq!(value(&s, "a").as_deref(), Some("'My home is my castle !'"));
    assert_eq!(value(&s, "b").as_deref(), Some("x y"));
}

#[test]
fn adjacent_quoted_and_bare_parts_get_a_space() {
    let s = parse("a = x\"y\"z\n");
    assert_eq!(value(&s, "a").as_deref(), Some("x y z"));
}

#[test]
fn hash_ends_an_unquoted_value_mid_word() {
    let s = parse("id = foo#bar\nnext = 1\n");
    assert_eq!(value(&s, "id").as_deref(), Some("foo"));
    assert_eq!(value(&s, "next").as_deref(), Some("1"));
}

#[test]
fn hash_inside_quotes_is_kept() {
    let s = parse("id = \"foo#bar\" # comment\n");
    assert_eq!(value(&s, "id").as_deref(), Some("foo#bar"));
}

#[test]
fn comment_swallows_a_closing_brace_on_the_same_line() {
    let e = error("a { b = c # }\n");
    assert!(e.starts_with("bad.conf:2:1:"), "{e}");
    assert!(e.contains("expecting '}'"), "{e}");
}

#[test]
fn closing_brace_ends_a_value() {
    let s = parse("a { k = v }\nb{c=d}");
    assert_eq!(value(&s, "a.k").as_deref(), Some("v"));
    assert_eq!(value(&s, "b.c").as_deref(), Some("d"));
}

#[test]
fn quoted_strings_keep_whitespace_newlines_and_decode_escapes() {
    let s = parse("a = \"  x\n y\\tz\\n\\\"q\\\"\\\\ \\w\"\nb = \"one \\\ntwo\"\n");
    assert_eq!(value(&s, "a").as_deref(), Some("  x\n y\tz\n\"q\"\\ w"));
    assert_eq!(value(&s, "b").as_deref(), Some("one two"));
}

#[test]
fn line_join_accepts_crlf_and_carriage_returns_are_dropped_in_strings() {
    let s = parse("a = \"x\\\r\ny\r z\"\r\n");
    assert_eq!(value(&s, "a").as_deref(), Some("xy z"));
}

#[test]
fn single_quotes_are_ordinary_characters() {
    let s = parse("a = 'x y'\n");
    assert_eq!(value(&s, "a").as_deref(), Some("'x y'"));
}

#[test]
fn empty_assignment_unsets_and_hides_the_key() {
    let s = parse("a { x = 1\n y = 2\n x =\n}\n");
    assert_eq!(value(&s, "a.x"), None);
    assert_eq!(keys(&s, "a"), vec![("y".into(), "2".into())]);
}

#[test]
fn empty_quoted_value_is_set_not_unset() {
    let s = parse("a = \"\"\n");
    assert_eq!(value(&s, "a").as_deref(), Some(""));
}

#[test]
fn duplicate_key_keeps_first_position_and_last_value() {
    let s = parse("x = 1\ny = 2\nx = 3\n");
    assert_eq!(
        keys(&s, ""),
        vec![("x".into(), "3".into()), ("y".into(), "2".into())]
    );
    let kv = s.get("x").expect("x");
    assert_eq!((kv.pos.line, kv.value_pos.line), (1, 3));
}

#[test]
fn duplicate_sections_are_merged_in_first_appearance_order() {
    let s = parse("a { x = 1 }\nb { }\na { y = 2\n x = 3\n c { } }\n");
    assert_eq!(sections(&s, ""), vec!["a", "b"]);
    assert_eq!(
        keys(&s, "a"),
        vec![("x".into(), "3".into()), ("y".into(), "2".into())]
    );
    assert_eq!(sections(&s, "a"), vec!["c"]);
}

#[test]
fn whitespace_and_newlines_between_tokens_are_free() {
    let s = parse("conn\n{\n\n local { auth = psk\n }\n}\n");
    assert_eq!(value(&s, "conn.local.auth").as_deref(), Some("psk"));
}

#[test]
fn value_may_contain_special_characters_except_hash_brace_quote() {
    let s = parse("a = x=y:z,w{v.u\n");
    assert_eq!(value(&s, "a").as_deref(), Some("x=y:z,w{v.u"));
}

#[test]
fn names_are_case_sensitive() {
    let s = parse("A = 1\na = 2\n");
    assert_eq!(value(&s, "A").as_deref(), Some("1"));
    assert_eq!(value(&s, "a").as_deref(), Some("2"));
}

#[test]
fn value_at_end_of_file_without_newline_is_complete() {
    let s = parse("a { b = c }\nd = e");
    assert_eq!(value(&s, "d").as_deref(), Some("e"));
}

#[test]
fn references_inherit_keys_and_sections_after_local_ones() {
    let s = parse(
        "defaults { x = 1\n y = 2\n children { c1 { mode = tunnel } } }\n\
         conn : defaults { y = 9\n z = 3\n children { c0 { } } }\n",
    );
    assert_eq!(
        keys(&s, "conn"),
        vec![
            ("y".into(), "9".into()),
            ("z".into(), "3".into()),
            ("x".into(), "1".into())
        ]
    );
    assert_eq!(sections(&s, "conn.children"), vec!["c0", "c1"]);
    assert_eq!(
        value(&s, "conn.children.c1.mode").as_deref(),
        Some("tunnel")
    );
}

#[test]
fn references_are_lazy_and_may_point_forward() {
    let s = parse("conn : later.base { }\nlater { base { k = v } }\n");
    assert_eq!(value(&s, "conn.k").as_deref(), Some("v"));
}

#[test]
fn several_references_resolve_left_to_right() {
    let s = parse("a { k = a\n ka = 1 }\nb { k = b\n kb = 2 }\nc : a, b { }\nd : b , a { }\n");
    assert_eq!(value(&s, "c.k").as_deref(), Some("a"));
    assert_eq!(value(&s, "d.k").as_deref(), Some("b"));
    assert_eq!(
        keys(&s, "c"),
        vec![
            ("k".into(), "a".into()),
            ("ka".into(), "1".into()),
            ("kb".into(), "2".into())
        ]
    );
}

#[test]
fn local_unset_hides_an_inherited_value() {
    let s = parse("base { life_time = 1h }\nconn : base { life_time = }\n");
    assert_eq!(value(&s, "conn.life_time"), None);
    assert!(keys(&s, "conn").is_empty());
}

#[test]
fn references_of_references_are_followed() {
    let s = parse("a { ka = 1 }\nb : a { kb = 2 }\nc : b { }\n");
    assert_eq!(value(&s, "c.ka").as_deref(), Some("1"));
}

#[test]
fn reference_cycles_terminate() {
    let s = parse("a : b { ka = 1 }\nb : a { kb = 2 }\nc : c.d { d { } }\n");
    assert_eq!(value(&s, "a.kb").as_deref(), Some("2"));
    assert_eq!(value(&s, "b.ka").as_deref(), Some("1"));
    assert!(s.view("c").exists());
}

#[test]
fn reference_to_a_missing_section_is_ignored() {
    let s = parse("a : nowhere { k = 1 }\n");
    assert_eq!(keys(&s, "a"), vec![("k".into(), "1".into())]);
}

#[test]
fn include_with_equals_is_an_ordinary_key() {
    let s = parse("include = x\n");
    assert_eq!(value(&s, "include").as_deref(), Some("x"));
}

#[test]
fn errors_name_file_line_column_and_expectation() {
    assert_eq!(
        error("a {\n  b c\n}"),
        "bad.conf:2:5: syntax error, unexpected name 'c', expecting '=', '{' or ':'"
    );
    assert_eq!(
        error("a.b = 1"),
        "bad.conf:1:2: syntax error, unexpected '.', expecting '=', '{' or ':'"
    );
    assert_eq!(
        error("}"),
        "bad.conf:1:1: syntax error, unexpected '}', expecting a section or key name"
    );
    assert!(error("a = \"open").contains("unterminated string"));
    assert!(error("\"x\" = 1").starts_with("bad.conf:1:1: syntax error, unexpected quoted string"));
    assert!(error("a : {").contains("expecting a section reference"));
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let text = "a{".repeat(100_000);
    assert!(error(&text).contains("nested too deeply"));
}

#[test]
fn includes_are_relative_to_the_including_file_sorted_and_spliced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::create_dir(d.join("conf.d")).expect("mkdir");
    fs::write(
        d.join("main.conf"),
        "top { include conf.d/*.conf\n}\nafter = 1\n",
    )
    .expect("w");
    fs::write(d.join("conf.d/b.conf"), "k = b\nb = 2\n").expect("w");
    fs::write(
        d.join("conf.d/a.conf"),
        "k = a\na = 1\ninclude ../nothing*.conf\n",
    )
    .expect("w");
    fs::write(d.join("conf.d/.hidden.conf"), "hidden = 1\n").expect("w");
    let s = Settings::load_file(&d.join("main.conf")).expect("parse");
    assert_eq!(
        keys(&s, "top"),
        vec![
            ("k".into(), "b".into()),
            ("a".into(), "1".into()),
            ("b".into(), "2".into())
        ]
    );
    assert_eq!(value(&s, "after").as_deref(), Some("1"));
    let kv = s.get("top.b").expect("b");
    assert!(kv.pos.file.ends_with("conf.d/b.conf"), "{}", kv.pos);
    assert_eq!(kv.pos.line, 2);
}

#[test]
fn quoted_include_pattern_may_contain_spaces() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::write(d.join("main.conf"), "include \"my file.conf\"\n").expect("w");
    fs::write(d.join("my file.conf"), "x = 1\n").expect("w");
    let s = Settings::load_file(&d.join("main.conf")).expect("parse");
    assert_eq!(value(&s, "x").as_deref(), Some("1"));
}

#[test]
fn included_file_can_close_the_including_section() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::write(d.join("main.conf"), "a {\ninclude tail.conf\nb = 2\n").expect("w");
    fs::write(d.join("tail.conf"), "x = 1 }\n").expect("w");
    let s = Settings::load_file(&d.join("main.conf")).expect("parse");
    assert_eq!(value(&s, "a.x").as_deref(), Some("1"));
    assert_eq!(value(&s, "b").as_deref(), Some("2"));
}

#[test]
fn include_cycles_are_reported_at_the_include() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::write(d.join("a.conf"), "x = 1\ninclude b.conf\n").expect("w");
    fs::write(d.join("b.conf"), "\n  include a.conf\n").expect("w");
    let e = Settings::load_file(&d.join("a.conf")).expect_err("cycle");
    assert!(matches!(e, LoadError::IncludeCycle { .. }), "{e}");
    let pos = e.pos().expect("pos");
    assert!(pos.file.ends_with("b.conf"), "{pos}");
    assert_eq!((pos.line, pos.col), (2, 3));
}

#[test]
fn including_a_file_twice_is_not_a_cycle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::write(
        d.join("a.conf"),
        "s { include c.conf }\nt { include c.conf }\n",
    )
    .expect("w");
    fs::write(d.join("c.conf"), "k = v\n").expect("w");
    let s = Settings::load_file(&d.join("a.conf")).expect("parse");
    assert_eq!(value(&s, "t.k").as_deref(), Some("v"));
}

#[test]
fn missing_top_level_file_is_an_io_error() {
    let e = Settings::load_file(std::path::Path::new("/nonexistent/x.conf")).expect_err("io");
    assert!(matches!(e, LoadError::Io { .. }));
}

#[test]
fn self_referencing_subsections_do_not_explode() {
    let s = parse("c : c.d, c.e, c.f { d { } e { } f { } }\nx : c { }\n");
    assert!(s.view("x").exists());
    assert!(s.view("c.d").exists());
}

mod properties {
    use proptest::prelude::*;

    use super::super::Settings;

    /// Fragments that exercise every lexer state and their transitions.
    fn fragment() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "a", "b", "conn", "{", "}", " { ", " } ", "=", " = ", " ", "\t", "\n", "\r\n", "#",
            "# c\n", "\"", "\"q w\"", "\\", "\\\n", "\\n", ":", " : ", ",", ".", "a.b", "include",
            "include ", "x y", "\r", "%any", "0x1f", "é",
        ])
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(fragment(), 0..40).prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn any_text_parses_or_fails_without_panicking(text in text()) {
            let _ = Settings::parse_str(&text, "p.conf");
        }

        #[test]
        fn printed_tree_parses_back_to_the_same_tree(text in text()) {
            if let Ok(settings) = Settings::parse_str(&text, "p.conf") {
                let printed = settings.root().to_settings_text();
                let reparsed = Settings::parse_str(&printed, "printed.conf");
                let reparsed = match reparsed {
                    Ok(r) => r,
                    Err(e) => return Err(TestCaseError::fail(format!("{e}\n{printed}"))),
                };
                prop_assert!(
                    settings.root().same_tree(reparsed.root()),
                    "input {:?}\nprinted {:?}", text, printed
                );
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = Settings::parse_str(&String::from_utf8_lossy(&bytes), "b.conf");
        }
    }
}

mod generated {
    use proptest::prelude::*;

    use super::super::{Kv, Pos, Reference, Section, Settings};

    #[derive(Clone, Debug)]
    enum Stmt {
        Set(String, Option<String>),
        Sect(String, Vec<String>, Vec<Self>),
    }

    fn name() -> impl Strategy<Value = String> {
        prop::sample::select(vec!["a", "b", "conn", "children", "x-1", "ü", "local_ts"])
            .prop_map(str::to_owned)
    }

    fn value() -> impl Strategy<Value = Option<String>> {
        prop::option::weighted(
            0.9,
            prop::collection::vec(
                prop::sample::select(vec![
                    "v",
                    "1",
                    " ",
                    "  ",
                    "\t",
                    "=",
                    ":",
                    ",",
                    "{",
                    "}",
                    "#",
                    "\"",
                    "\\",
                    "\n",
                    "\r",
                    "é",
                    "%any",
                    "10.0.0.0/8[tcp/80]",
                ]),
                0..8,
            )
            .prop_map(|p| p.concat()),
        )
    }

    fn stmts() -> impl Strategy<Value = Vec<Stmt>> {
        let leaf = (name(), value()).prop_map(|(k, v)| Stmt::Set(k, v));
        let stmt = leaf.prop_recursive(4, 40, 6, |inner| {
            prop_oneof![
                (name(), value()).prop_map(|(k, v)| Stmt::Set(k, v)),
                (
                    name(),
                    prop::collection::vec(prop::sample::select(vec!["a", "b.c", "conn"]), 0..3),
                    prop::collection::vec(inner, 0..5)
                )
                    .prop_map(|(n, r, b)| Stmt::Sect(
                        n,
                        r.into_iter().map(str::to_owned).collect(),
                        b
                    )),
            ]
        });
        prop::collection::vec(stmt, 0..8)
    }

    /// The tree the statements must produce, built through the merge API.
    fn expected(name: &str, stmts: &[Stmt], refs: &[String]) -> Section {
        let pos = Pos::unknown;
        let mut section = Section::new(name, pos());
        for r in refs {
            section.add_reference(Reference {
                path: r.clone(),
                pos: pos(),
            });
        }
        for stmt in stmts {
            match stmt {
                Stmt::Set(k, v) => section.add_kv(Kv {
                    key: k.clone(),
                    value: v.clone(),
                    pos: pos(),
                    value_pos: pos(),
                }),
                Stmt::Sect(n, r, body) => section.add_section(expected(n, body, r)),
            }
        }
        section
    }

    /// A value as bare words when that reads back the same, else quoted.
    fn render_value(v: &str, bare: bool) -> String {
        let safe = !v.is_empty()
            && !v.starts_with(' ')
            && !v.ends_with(' ')
            && !v.contains("  ")
            && !v
                .chars()
                .any(|c| matches!(c, '#' | '}' | '"' | '\r' | '\n' | '\t' | '\\'));
        if bare && safe {
            v.to_owned()
        } else {
            let escaped: String = v
                .chars()
                .map(|c| match c {
                    '\\' => "\\\\".to_owned(),
                    '"' => "\\\"".to_owned(),
                    '\r' => "\\r".to_owned(),
                    '\n' => "\\n".to_owned(),
                    c => c.to_string(),
                })
                .collect();
            format!("\"{escaped}\"")
        }
    }

    /// Renders statements with layout chosen by `style` bits.
    fn render(stmts: &[Stmt], style: u64, out: &mut String) {
        for (i, stmt) in stmts.iter().enumerate() {
            let bit = |n: u32| (style.rotate_left(i as u32 * 3 + n) & 1) == 1;
            match stmt {
                Stmt::Set(k, v) => {
                    out.push_str(k);
                    out.push_str(if bit(0) { " = " } else { "=" });
                    if let Some(v) = v {
                        out.push_str(&render_value(v, bit(1)));
                    }
                    out.push_str(if bit(2) { " # note\n" } else { "\n" });
                }
                Stmt::Sect(n, refs, body) => {
                    out.push_str(n);
                    if !refs.is_empty() {
                        out.push_str(if bit(0) { " : " } else { ":" });
                        out.push_str(&refs.join(if bit(1) { ", " } else { "," }));
                    }
                    out.push_str(if bit(2) { "\n{\n" } else { " { " });
                    render(body, style.rotate_left(7), out);
                    out.push_str("}\n");
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn rendered_trees_parse_to_the_merged_tree(stmts in stmts(), style in any::<u64>()) {
            let mut text = String::new();
            render(&stmts, style, &mut text);
            let parsed = match Settings::parse_str(&text, "g.conf") {
                Ok(parsed) => parsed,
                Err(e) => return Err(TestCaseError::fail(format!("{e}\n{text}"))),
            };
            let want = expected("", &stmts, &[]);
            prop_assert!(parsed.root().same_tree(&want), "text:\n{}", text);
            let printed = parsed.root().to_settings_text();
            let reparsed = Settings::parse_str(&printed, "p.conf");
            prop_assert!(
                reparsed.as_ref().is_ok_and(|r| r.root().same_tree(&want)),
                "printed:\n{}", printed
            );
        }
    }
}

#[test]
fn includes_without_matches_are_noted_as_strongswan_logs_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::write(
        d.join("main.conf"),
        "a = 1\ninclude none*.conf\nb {\n  include  = x\n}\n",
    )
    .expect("w");
    let (result, notes) = Settings::read_file(&d.join("main.conf"));
    assert!(
        result.is_err(),
        "'include  = x' includes '' and then '=' is unexpected"
    );
    let lines: Vec<String> = notes.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        vec![
            format!(
                "no files found matching '{}'",
                d.join("none*.conf").display()
            ),
            format!(
                "{}:4: no include pattern specified, ignored",
                d.join("main.conf").display()
            ),
        ]
    );
    assert_eq!(notes[0].pos.line, 2);
}

/// Counts the views a full walk opens (as swanctl's `add_sections` walks).
fn walk(view: &super::SectionView<'_>) -> usize {
    1 + view.children().iter().map(|(_, c)| walk(c)).sum::<usize>()
}

#[test]
fn section_inheriting_from_an_ancestor_is_walked_once() {
    // found by fuzzing: strongSwan's swanctl recurses until its stack overflows
    let s = parse(
        "connections {\n defaults {\n  children {\n   site : connections.defaults {\n    k = v\n   }\n  }\n }\n}\n",
    );
    assert_eq!(walk(&s.view("connections")), 4);
    let site = s.view("connections.defaults.children.site");
    assert_eq!(site.value("k"), Some("v"));
    assert!(site.child("children").children().is_empty());
}

#[test]
fn branching_reference_loops_stay_bounded() {
    let s = parse("a {\n x : a { }\n y : a { }\n z : a { }\n}\n");
    // a, then x, y and z: each inherits from `a`, which is on its path
    assert_eq!(walk(&s.view("a")), 4);
}
