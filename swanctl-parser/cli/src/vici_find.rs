//! libvici's `vici_find_str()` / `vici_find_int()`: a value looked up by a
//! dot-separated path the way charon's `vici_message_t` does it, quirks
//! included: the path is cut at 127 bytes, each section of the path is the
//! first one at that depth with that name anywhere later in the message,
//! and the key is the first one at the final depth after it.

use swanctl_parser::vici::{Element, Message};

/// The path buffer of `find_value()` is 128 bytes.
const PATH_MAX: usize = 127;

/// `isprint()` for every byte (an empty value is printable).
pub(crate) fn printable(value: &[u8]) -> bool {
    value.iter().all(|&b| (0x20..0x7f).contains(&b))
}

/// `find_value()`: the raw value at `path`.
pub(crate) fn find_value<'a>(msg: &'a Message, path: &str) -> Option<&'a [u8]> {
    let mut cut = path.len().min(PATH_MAX);
    while !path.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut parts: Vec<&str> = path[..cut].split('.').collect();
    let key = parts.pop().unwrap_or_default();
    let mut elements = msg.elements();
    let mut depth = 0usize;
    for (i, part) in parts.iter().enumerate() {
        let wanted = i + 1;
        loop {
            match elements.next()? {
                Element::SectionStart(name) => {
                    depth += 1;
                    if depth == wanted && name == *part {
                        break;
                    }
                }
                Element::SectionEnd => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    let wanted = parts.len();
    for element in elements {
        match element {
            Element::KeyValue(name, value) if depth == wanted && name == key => {
                return Some(value);
            }
            Element::SectionStart(_) => depth += 1,
            Element::SectionEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// `vici_find_str(res, def, path)`: the value if it is printable.
pub(crate) fn find_str<'a>(msg: &'a Message, def: &'a str, path: &str) -> &'a str {
    find_opt_str(msg, path).unwrap_or(def)
}

/// `vici_find_str(res, NULL, path)`.
pub(crate) fn find_opt_str<'a>(msg: &'a Message, path: &str) -> Option<&'a str> {
    find_value(msg, path)
        .filter(|v| printable(v))
        .and_then(|v| std::str::from_utf8(v).ok())
}

/// `vici_find_int(res, def, path)`: `strtol(value, 0)` if it parses whole.
pub(crate) fn find_int(msg: &Message, def: i32, path: &str) -> i32 {
    let Some(value) = find_opt_str(msg, path).filter(|v| !v.is_empty()) else {
        return def;
    };
    let text: String = value.chars().take(31).collect();
    strtol0(&text).unwrap_or(def)
}

/// `strtol(s, &end, 0)` requiring `end` at the end, truncated to `int`
/// like the C assignment; `None` on trailing garbage or overflow.
fn strtol0(s: &str) -> Option<i32> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = if let Some(h) = t.strip_prefix("0x").or(t.strip_prefix("0X")) {
        (16, h)
    } else if t.len() > 1 && t.starts_with('0') {
        (8, &t[1..])
    } else {
        (10, t)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return (t == "0").then_some(0);
    }
    let v = i64::from_str_radix(digits, radix).ok()?;
    let v = if neg { -v } else { v };
    // The long result is assigned to an int.
    Some(v as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg() -> Message {
        Message::new()
            .with_value("top", "1")
            .with_section(
                "a",
                Message::new()
                    .with_value("x", "ax")
                    .with_section("b", Message::new().with_value("y", "aby")),
            )
            .with_section(
                "c",
                Message::new().with_section("b", Message::new().with_value("z", "cbz")),
            )
            .with_value("bin", vec![1u8, 2])
            .with_value("num", "0x10")
    }

    #[test]
    fn finds_by_path_like_charon() {
        let m = msg();
        assert_eq!(find_str(&m, "-", "top"), "1");
        assert_eq!(find_str(&m, "-", "a.x"), "ax");
        assert_eq!(find_str(&m, "-", "a.b.y"), "aby");
        // charon's search does not stop at the end of the section found.
        assert_eq!(find_str(&m, "-", "a.b.z"), "cbz");
        assert_eq!(find_str(&m, "-", "x"), "-");
        assert_eq!(find_str(&m, "-", "bin"), "-");
        assert_eq!(find_opt_str(&m, "nope"), None);
    }

    #[test]
    fn parses_ints_like_strtol_base_0() {
        let m = msg();
        assert_eq!(find_int(&m, 7, "num"), 16);
        assert_eq!(find_int(&m, 7, "top"), 1);
        assert_eq!(find_int(&m, 7, "a.x"), 7);
        assert_eq!(strtol0("010"), Some(8));
        assert_eq!(strtol0("-3"), Some(-3));
        assert_eq!(strtol0("0"), Some(0));
        assert_eq!(strtol0("1x"), None);
    }
}
