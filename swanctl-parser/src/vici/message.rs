//! VICI messages: an ordered tree of key/values, lists and sections, and its
//! element encoding (strongSwan `src/libcharon/plugins/vici/README.md`,
//! "Message format").
//!
//! ```text
//! element        type  encoding
//! SECTION_START  1     u8 type, u8 name-len, name
//! SECTION_END    2     u8 type
//! KEY_VALUE      3     u8 type, u8 name-len, name, u16 value-len (BE), value
//! LIST_START     4     u8 type, u8 name-len, name
//! LIST_ITEM      5     u8 type, u16 value-len (BE), value
//! LIST_END       6     u8 type
//! ```
//!
//! Decoding is strict: sections must balance, lists hold only items and do
//! not nest, and sections nest at most [`MAX_DEPTH`] deep. Duplicate keys
//! are kept, in order, so that `encode(decode(b)) == b` for every valid `b`.
//!
//! Names are UTF-8 strings of at most 255 bytes, in both directions.
//! strongSwan's swanctl sends section names straight from swanctl.conf
//! (`connections { ünïcödé { ... } }` goes out as UTF-8), while charon's
//! parser rejects names that are not printable ASCII when a handler reads
//! the message; [`Message::all_names_printable`] tells a server which case
//! it has.

use std::slice;

use super::error::{DecodeError, DecodeErrorKind, EncodeError};
use super::reader::{Reader, is_printable};

/// Deepest section nesting we decode or encode. charon has no limit; 64 is
/// far beyond any message it builds and keeps recursion-free code honest.
pub const MAX_DEPTH: usize = 64;
/// Longest name: the length field is a u8.
pub const MAX_NAME_LEN: usize = 255;
/// Longest value: the length field is a u16.
pub const MAX_VALUE_LEN: usize = 65535;

/// A VICI message: the implicit root section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    items: Vec<(String, Item)>,
}

/// One named entry of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// KEY_VALUE: a raw blob (in practice a non-NUL-terminated string).
    Value(Vec<u8>),
    /// LIST_START, LIST_ITEM*, LIST_END.
    List(Vec<Vec<u8>>),
    /// SECTION_START, contents, SECTION_END.
    Section(Message),
}

/// Message element type codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ElementType {
    SectionStart = 1,
    SectionEnd = 2,
    KeyValue = 3,
    ListStart = 4,
    ListItem = 5,
    ListEnd = 6,
}

impl ElementType {
    /// The element type for a wire code, if it is one.
    pub fn from_u8(code: u8) -> Option<Self> {
        Some(match code {
            1 => Self::SectionStart,
            2 => Self::SectionEnd,
            3 => Self::KeyValue,
            4 => Self::ListStart,
            5 => Self::ListItem,
            6 => Self::ListEnd,
            _ => return None,
        })
    }

    /// strongSwan's name for the element type (`vici_type_names`).
    pub fn name(self) -> &'static str {
        match self {
            Self::SectionStart => "section-start",
            Self::SectionEnd => "section-end",
            Self::KeyValue => "key-value",
            Self::ListStart => "list-start",
            Self::ListItem => "list-item",
            Self::ListEnd => "list-end",
        }
    }
}

/// One element of a message's encoding, as yielded by [`Message::elements`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element<'a> {
    SectionStart(&'a str),
    SectionEnd,
    KeyValue(&'a str, &'a [u8]),
    ListStart(&'a str),
    ListItem(&'a [u8]),
    ListEnd,
}

impl Message {
    /// An empty message.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key/value (builder style).
    #[must_use]
    pub fn with_value(mut self, key: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.push_value(key, value);
        self
    }

    /// Adds a list (builder style).
    #[must_use]
    pub fn with_list<I, V>(mut self, key: impl Into<String>, items: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<Vec<u8>>,
    {
        self.push_list(key, items);
        self
    }

    /// Adds a sub-section (builder style).
    #[must_use]
    pub fn with_section(mut self, key: impl Into<String>, section: Self) -> Self {
        self.push_section(key, section);
        self
    }

    /// Appends a key/value.
    pub fn push_value(&mut self, key: impl Into<String>, value: impl Into<Vec<u8>>) -> &mut Self {
        self.push(key, Item::Value(value.into()))
    }

    /// Appends a list.
    pub fn push_list<I, V>(&mut self, key: impl Into<String>, items: I) -> &mut Self
    where
        I: IntoIterator<Item = V>,
        V: Into<Vec<u8>>,
    {
        let items = items.into_iter().map(Into::into).collect();
        self.push(key, Item::List(items))
    }

    /// Appends a sub-section.
    pub fn push_section(&mut self, key: impl Into<String>, section: Self) -> &mut Self {
        self.push(key, Item::Section(section))
    }

    /// Appends any item. Duplicate keys are kept.
    pub fn push(&mut self, key: impl Into<String>, item: Item) -> &mut Self {
        self.items.push((key.into(), item));
        self
    }

    /// The entries, in order.
    pub fn items(&self) -> &[(String, Item)] {
        &self.items
    }

    /// Iterates over the entries, in order.
    pub fn iter(&self) -> slice::Iter<'_, (String, Item)> {
        self.items.iter()
    }

    /// Takes the entries out.
    pub fn into_items(self) -> Vec<(String, Item)> {
        self.items
    }

    /// Number of entries in this section (not counting nested ones).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether this section has no entries.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The first entry named `key`.
    pub fn get(&self, key: &str) -> Option<&Item> {
        self.items
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, item)| item)
    }

    /// The first key/value named `key`.
    pub fn get_value(&self, key: &str) -> Option<&[u8]> {
        self.items.iter().find_map(|(k, item)| match item {
            Item::Value(v) if k == key => Some(v.as_slice()),
            _ => None,
        })
    }

    /// The first key/value named `key`, if it is UTF-8.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get_value(key)
            .and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The first list named `key`.
    pub fn get_list(&self, key: &str) -> Option<&[Vec<u8>]> {
        self.items.iter().find_map(|(k, item)| match item {
            Item::List(l) if k == key => Some(l.as_slice()),
            _ => None,
        })
    }

    /// The first sub-section named `key`.
    pub fn get_section(&self, key: &str) -> Option<&Self> {
        self.items.iter().find_map(|(k, item)| match item {
            Item::Section(s) if k == key => Some(s),
            _ => None,
        })
    }

    /// Follows a path of section names, then looks up the last component as
    /// any item: `find(&["child-sas", "net-1", "state"])`. Like libvici's
    /// `vici_find_str(res, default, "a.b.c")`.
    pub fn find(&self, path: &[&str]) -> Option<&Item> {
        let (last, sections) = path.split_last()?;
        let mut current = self;
        for name in sections {
            current = current.get_section(name)?;
        }
        current.get(last)
    }

    /// Whether every key, list and section name, at any depth, is printable
    /// ASCII: what charon's message parser (`vici_stringify`) accepts.
    pub fn all_names_printable(&self) -> bool {
        self.elements().all(|element| match element {
            Element::SectionStart(name) | Element::KeyValue(name, _) | Element::ListStart(name) => {
                name.bytes().all(is_printable)
            }
            _ => true,
        })
    }

    /// The elements of the encoding, in order, without recursion.
    pub fn elements(&self) -> Elements<'_> {
        Elements {
            stack: vec![self.items.iter()],
            list: None,
        }
    }

    /// Encodes the message elements (without any packet header).
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode_into(&mut out)?;
        Ok(out)
    }

    /// Appends the encoding to `out`. On error `out` may hold a partial
    /// encoding.
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let mut depth = 0usize;
        let mut list_name = "";
        for element in self.elements() {
            match element {
                Element::SectionStart(name) => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(EncodeError::TooDeep { max: MAX_DEPTH });
                    }
                    out.push(ElementType::SectionStart as u8);
                    put_name(out, name, "section name")?;
                }
                Element::SectionEnd => {
                    depth = depth.saturating_sub(1);
                    out.push(ElementType::SectionEnd as u8);
                }
                Element::KeyValue(name, value) => {
                    out.push(ElementType::KeyValue as u8);
                    put_name(out, name, "key name")?;
                    put_value(out, name, value)?;
                }
                Element::ListStart(name) => {
                    list_name = name;
                    out.push(ElementType::ListStart as u8);
                    put_name(out, name, "list name")?;
                }
                Element::ListItem(value) => {
                    out.push(ElementType::ListItem as u8);
                    put_value(out, list_name, value)?;
                }
                Element::ListEnd => out.push(ElementType::ListEnd as u8),
            }
        }
        Ok(())
    }

    /// Decodes a complete message encoding. Offsets in errors count from the
    /// start of `data`.
    pub fn decode(data: &[u8]) -> Result<Self, DecodeError> {
        let mut parser = Parser::default();
        let mut r = Reader::new(data);
        while !r.is_empty() {
            parser.element(&mut r)?;
        }
        parser.finish(data.len())
    }
}

impl From<Vec<(String, Item)>> for Message {
    fn from(items: Vec<(String, Item)>) -> Self {
        Self { items }
    }
}

impl<'a> IntoIterator for &'a Message {
    type Item = &'a (String, Item);
    type IntoIter = slice::Iter<'a, (String, Item)>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

pub(crate) fn put_name(
    out: &mut Vec<u8>,
    name: &str,
    what: &'static str,
) -> Result<(), EncodeError> {
    let len = u8::try_from(name.len()).map_err(|_| EncodeError::NameTooLong {
        what,
        name_len: name.len(),
    })?;
    out.push(len);
    out.extend_from_slice(name.as_bytes());
    Ok(())
}

fn put_value(out: &mut Vec<u8>, key: &str, value: &[u8]) -> Result<(), EncodeError> {
    let len = u16::try_from(value.len()).map_err(|_| EncodeError::ValueTooLong {
        key: key.to_owned(),
        len: value.len(),
    })?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(value);
    Ok(())
}

/// Iterator over a message's elements; see [`Message::elements`].
#[derive(Debug, Clone)]
pub struct Elements<'a> {
    stack: Vec<slice::Iter<'a, (String, Item)>>,
    list: Option<slice::Iter<'a, Vec<u8>>>,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Element<'a>;

    fn next(&mut self) -> Option<Element<'a>> {
        if let Some(items) = &mut self.list {
            return Some(match items.next() {
                Some(value) => Element::ListItem(value),
                None => {
                    self.list = None;
                    Element::ListEnd
                }
            });
        }
        let top = self.stack.last_mut()?;
        match top.next() {
            None => {
                self.stack.pop();
                (!self.stack.is_empty()).then_some(Element::SectionEnd)
            }
            Some((key, Item::Value(value))) => Some(Element::KeyValue(key, value)),
            Some((key, Item::List(items))) => {
                self.list = Some(items.iter());
                Some(Element::ListStart(key))
            }
            Some((key, Item::Section(section))) => {
                self.stack.push(section.items.iter());
                Some(Element::SectionStart(key))
            }
        }
    }
}

/// Decoder state: the open sections (name and what was parsed in the parent
/// so far), the section being filled, and the open list if any.
#[derive(Default)]
struct Parser {
    open: Vec<(String, Message)>,
    current: Message,
    list: Option<(String, Vec<Vec<u8>>)>,
}

impl Parser {
    fn element(&mut self, r: &mut Reader<'_>) -> Result<(), DecodeError> {
        let at = r.pos();
        let code = r.u8("element type")?;
        let ty = ElementType::from_u8(code)
            .ok_or_else(|| DecodeError::new(at, DecodeErrorKind::UnknownElementType(code)))?;
        if let Some((name, items)) = &mut self.list {
            match ty {
                ElementType::ListItem => {
                    items.push(r.data16("list item length", "list item value")?.to_vec());
                }
                ElementType::ListEnd => {
                    let (name, items) = (std::mem::take(name), std::mem::take(items));
                    self.list = None;
                    self.current.items.push((name, Item::List(items)));
                }
                other => {
                    let kind = DecodeErrorKind::ElementInList {
                        element: other.name(),
                    };
                    return Err(DecodeError::new(at, kind));
                }
            }
            return Ok(());
        }
        match ty {
            ElementType::SectionStart => {
                let name = r.name("section name length", "section name")?;
                if self.open.len() >= MAX_DEPTH {
                    return Err(DecodeError::new(
                        at,
                        DecodeErrorKind::TooDeep { max: MAX_DEPTH },
                    ));
                }
                let parent = std::mem::take(&mut self.current);
                self.open.push((name, parent));
            }
            ElementType::SectionEnd => {
                let (name, parent) = self
                    .open
                    .pop()
                    .ok_or_else(|| DecodeError::new(at, DecodeErrorKind::UnbalancedSectionEnd))?;
                let section = std::mem::replace(&mut self.current, parent);
                self.current.items.push((name, Item::Section(section)));
            }
            ElementType::KeyValue => {
                let name = r.name("key name length", "key name")?;
                let value = r.data16("value length", "value")?.to_vec();
                self.current.items.push((name, Item::Value(value)));
            }
            ElementType::ListStart => {
                let name = r.name("list name length", "list name")?;
                self.list = Some((name, Vec::new()));
            }
            ElementType::ListItem | ElementType::ListEnd => {
                let kind = DecodeErrorKind::ElementOutsideList { element: ty.name() };
                return Err(DecodeError::new(at, kind));
            }
        }
        Ok(())
    }

    fn finish(self, end: usize) -> Result<Message, DecodeError> {
        if self.list.is_some() {
            return Err(DecodeError::new(end, DecodeErrorKind::UnclosedList));
        }
        if !self.open.is_empty() {
            let kind = DecodeErrorKind::UnclosedSection {
                depth: self.open.len(),
            };
            return Err(DecodeError::new(end, kind));
        }
        Ok(self.current)
    }
}
