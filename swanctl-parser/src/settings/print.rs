//! Printing a section tree back as settings text that parses to the same
//! tree (positions aside). Values are always quoted.

use std::fmt::Write;

use super::Section;

impl Section {
    /// The tree as settings text; the root's own name is not printed.
    pub fn to_settings_text(&self) -> String {
        let mut out = String::new();
        self.write_body(&mut out, 0);
        out
    }

    fn write_body(&self, out: &mut String, depth: usize) {
        let indent = "    ".repeat(depth);
        for kv in self.kvs() {
            match &kv.value {
                Some(value) => {
                    let _ = writeln!(out, "{indent}{} = \"{}\"", kv.key, escape(value));
                }
                None => {
                    let _ = writeln!(out, "{indent}{} =", kv.key);
                }
            }
        }
        for section in self.sections() {
            let _ = write!(out, "{indent}{}", section.name);
            let references: Vec<&str> = section
                .references()
                .iter()
                .map(|r| r.path.as_str())
                .collect();
            if !references.is_empty() {
                let _ = write!(out, " : {}", references.join(", "));
            }
            out.push_str(" {\n");
            section.write_body(out, depth + 1);
            let _ = writeln!(out, "{indent}}}");
        }
    }

    /// Structural equality: names, settings, values, references and order,
    /// ignoring positions.
    pub fn same_tree(&self, other: &Self) -> bool {
        self.name == other.name
            && self.kvs().len() == other.kvs().len()
            && self
                .kvs()
                .iter()
                .zip(other.kvs())
                .all(|(a, b)| a.key == b.key && a.value == b.value)
            && self.references().len() == other.references().len()
            && self
                .references()
                .iter()
                .zip(other.references())
                .all(|(a, b)| a.path == b.path)
            && self.sections().len() == other.sections().len()
            && self
                .sections()
                .iter()
                .zip(other.sections())
                .all(|(a, b)| a.same_tree(b))
    }
}

/// Escapes for a quoted string: backslash, quote and carriage return
/// (a raw CR inside quotes is dropped by the lexer).
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}
