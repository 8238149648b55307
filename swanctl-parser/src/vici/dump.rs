//! Text forms of messages and packets.
//!
//! - [`Message::vici_dump`]: byte-for-byte what strongSwan's `vici_dump()`
//!   prints for `swanctl --raw` (one line) and `--pretty` (indented).
//! - [`Message::canonical`] / [`Packet::canonical`]: our deterministic,
//!   unambiguous one-element-per-line form, used to log and diff what
//!   clients send. Values are `"quoted"` (with `\"` and `\\` escaped) when
//!   every byte is printable ASCII, and `0x`-prefixed lowercase hex
//!   otherwise, so the two can never be confused. Names are written as they
//!   are when printable ASCII, else quoted with Rust's `escape_default`
//!   (`"\u{fc}n"` for `ün`), so every element stays on one line.
//!
//! ```text
//! CMD_REQUEST load-conn
//!   gw {
//!     version = "2"
//!     local_addrs [
//!       "192.0.2.1"
//!     ]
//!   }
//! ```

use std::fmt::{self, Write as _};

use super::message::{Element, Message};
use super::packet::Packet;
use super::reader::is_printable;

impl Message {
    /// strongSwan's `vici_dump(res, label, pretty, out)` output, including
    /// the final newline: `label {key=value list=[a b] sec {k=v}}` when not
    /// `pretty`; with `pretty`, one element per line indented by two spaces
    /// and `key = value`. Values that are not all printable ASCII are shown
    /// as `0x` and lowercase hex.
    pub fn vici_dump(&self, label: &str, pretty: bool) -> String {
        let (delta, term, separ, assign) = if pretty {
            (2, "\n", "", " = ")
        } else {
            (0, "", " ", "=")
        };
        let mut out = format!("{label} {{{term}");
        let mut indent = delta;
        // `None` stands for strongSwan's VICI_START: nothing printed yet.
        let mut last: Option<Element<'_>> = None;
        for element in self.elements() {
            let after_open = matches!(last, None | Some(Element::SectionStart(_)));
            let sep = if after_open { "" } else { separ };
            let pad = " ".repeat(indent);
            match element {
                Element::SectionStart(name) => {
                    let _ = write!(out, "{pad}{sep}{name} {{{term}");
                    indent += delta;
                }
                Element::SectionEnd => {
                    indent = indent.saturating_sub(delta);
                    let _ = write!(out, "{}}}{term}", " ".repeat(indent));
                }
                Element::KeyValue(name, value) => {
                    let _ = write!(out, "{pad}{sep}{name}{assign}{}{term}", SwanValue(value));
                }
                Element::ListStart(name) => {
                    let _ = write!(out, "{pad}{sep}{name}{assign}[{term}");
                    indent += delta;
                }
                Element::ListEnd => {
                    indent = indent.saturating_sub(delta);
                    let _ = write!(out, "{}]{term}", " ".repeat(indent));
                }
                Element::ListItem(value) => {
                    let sep = if matches!(last, Some(Element::ListStart(_))) {
                        ""
                    } else {
                        separ
                    };
                    let _ = write!(out, "{pad}{sep}{}{term}", SwanValue(value));
                }
            }
            last = Some(element);
        }
        out.push_str("}\n");
        out
    }

    /// The canonical text form (see the module doc), every line ending in
    /// `\n`; an empty message gives an empty string.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        write_canonical(&mut out, self, 0);
        out
    }
}

impl Packet {
    /// The canonical text form: a header line with the packet type and name,
    /// then the message indented by two spaces (see the module doc).
    pub fn canonical(&self) -> String {
        let mut out = String::from(self.packet_type().name());
        if let Some(name) = self.name() {
            let _ = write!(out, " {}", CanonicalName(name));
        }
        out.push('\n');
        if let Some(message) = self.message() {
            write_canonical(&mut out, message, 2);
        }
        out
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

impl fmt::Display for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

fn write_canonical(out: &mut String, message: &Message, base: usize) {
    let mut indent = base;
    for element in message.elements() {
        if matches!(element, Element::SectionEnd | Element::ListEnd) {
            indent = indent.saturating_sub(2);
        }
        let pad = " ".repeat(indent);
        let _ = match element {
            Element::SectionStart(name) => writeln!(out, "{pad}{} {{", CanonicalName(name)),
            Element::SectionEnd => writeln!(out, "{pad}}}"),
            Element::KeyValue(name, value) => {
                writeln!(
                    out,
                    "{pad}{} = {}",
                    CanonicalName(name),
                    CanonicalValue(value)
                )
            }
            Element::ListStart(name) => writeln!(out, "{pad}{} [", CanonicalName(name)),
            Element::ListItem(value) => writeln!(out, "{pad}{}", CanonicalValue(value)),
            Element::ListEnd => writeln!(out, "{pad}]"),
        };
        if matches!(element, Element::SectionStart(_) | Element::ListStart(_)) {
            indent += 2;
        }
    }
}

/// A name in the canonical form: as is if printable ASCII, else quoted and
/// escaped.
struct CanonicalName<'a>(&'a str);

impl fmt::Display for CanonicalName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.bytes().all(is_printable) {
            f.write_str(self.0)
        } else {
            write!(f, "\"{}\"", self.0.escape_default())
        }
    }
}

/// A value as strongSwan's dump prints it: raw if printable, else `0x` hex.
struct SwanValue<'a>(&'a [u8]);

impl fmt::Display for SwanValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.iter().all(|&b| is_printable(b)) {
            self.0.iter().try_for_each(|&b| f.write_char(char::from(b)))
        } else {
            write_hex(f, self.0)
        }
    }
}

/// A value in the canonical form: quoted if printable, else `0x` hex.
struct CanonicalValue<'a>(&'a [u8]);

impl fmt::Display for CanonicalValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.0.iter().all(|&b| is_printable(b)) {
            return write_hex(f, self.0);
        }
        f.write_char('"')?;
        for &b in self.0 {
            if b == b'"' || b == b'\\' {
                f.write_char('\\')?;
            }
            f.write_char(char::from(b))?;
        }
        f.write_char('"')
    }
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    f.write_str("0x")?;
    bytes.iter().try_for_each(|b| write!(f, "{b:02x}"))
}
