//! The merged section tree, with strongSwan's merge rules
//! (`settings_types.c` semantics, reference §1.2):
//! - a duplicate key keeps its first position and takes the last value;
//! - `key =` stores no value (it unsets, also an inherited one);
//! - a duplicate section is merged into the first one (keys replaced,
//!   new keys and sub-sections appended, references appended);
//! - everything enumerates in order of first appearance.

use super::Pos;

/// One `key = value` setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kv {
    pub key: String,
    /// `None` for `key =` (unset).
    pub value: Option<String>,
    /// Position of the key where it first appeared (its enumeration slot).
    pub pos: Pos,
    /// Position of the key of the assignment that set the current value.
    pub value_pos: Pos,
}

/// A `name : a, b.c` reference to another section, by absolute path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub path: String,
    pub pos: Pos,
}

/// A section of the merged tree. The root section has an empty name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    /// Where the section name first appeared.
    pub pos: Pos,
    kvs: Vec<Kv>,
    sections: Vec<Self>,
    refs: Vec<Reference>,
}

impl Section {
    pub fn new(name: impl Into<String>, pos: Pos) -> Self {
        Self {
            name: name.into(),
            pos,
            kvs: Vec::new(),
            sections: Vec::new(),
            refs: Vec::new(),
        }
    }

    /// Own settings in first-appearance order, including unset ones.
    pub fn kvs(&self) -> &[Kv] {
        &self.kvs
    }

    /// Own sub-sections in first-appearance order.
    pub fn sections(&self) -> &[Self] {
        &self.sections
    }

    /// Own references, in order, without duplicates.
    pub fn references(&self) -> &[Reference] {
        &self.refs
    }

    pub fn kv(&self, key: &str) -> Option<&Kv> {
        self.kvs.iter().find(|kv| kv.key == key)
    }

    pub fn section(&self, name: &str) -> Option<&Self> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// Adds a setting; a duplicate key keeps its slot and takes the new value.
    pub fn add_kv(&mut self, kv: Kv) {
        match self.kvs.iter_mut().find(|k| k.key == kv.key) {
            Some(existing) => {
                existing.value = kv.value;
                existing.value_pos = kv.value_pos;
            }
            None => self.kvs.push(kv),
        }
    }

    /// Adds a reference unless the same path is already referenced.
    pub fn add_reference(&mut self, reference: Reference) {
        if !self.refs.iter().any(|r| r.path == reference.path) {
            self.refs.push(reference);
        }
    }

    /// Adds a sub-section, merging it into an existing one of the same name.
    pub fn add_section(&mut self, section: Self) {
        match self.sections.iter_mut().find(|s| s.name == section.name) {
            Some(existing) => existing.extend(section),
            None => self.sections.push(section),
        }
    }

    /// Merges `other` into `self` (strongSwan's non-purging extend).
    pub fn extend(&mut self, other: Self) {
        for section in other.sections {
            self.add_section(section);
        }
        for kv in other.kvs {
            self.add_kv(kv);
        }
        for reference in other.refs {
            self.add_reference(reference);
        }
    }
}
