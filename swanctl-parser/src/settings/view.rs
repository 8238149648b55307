//! Lookups through section references, as strongSwan's `settings.c` resolves
//! them: a section path resolves to the section itself followed by every
//! section it references (depth first, each at most once), so local keys and
//! sub-sections come first and inherited ones after, references left to
//! right. An unset local key (`key =`) hides an inherited value.

use std::cell::Cell;
use std::collections::HashSet;
use std::rc::Rc;

use super::{Kv, Pos, Section};

/// Reference resolution steps allowed for one lookup. strongSwan recurses
/// without bound on some reference cycles (a section referencing its own
/// sub-section); we stop there, and `lint` reports the cycle.
const MAX_RESOLVE_STEPS: usize = 4096;
/// Reference chains deeper than this are cut off as well.
const MAX_REFERENCE_DEPTH: usize = 32;
/// Sub-section views one walk from a root view may open. References can
/// make the tree of views infinite (a section inheriting from an ancestor)
/// or exponential; strongSwan then recurses until its stack overflows.
const MAX_VIEWS_PER_WALK: usize = 100_000;

/// A parsed settings file (swanctl.conf or strongswan.conf).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    root: Section,
}

impl Settings {
    pub fn from_root(root: Section) -> Self {
        Self { root }
    }

    pub fn root(&self) -> &Section {
        &self.root
    }

    /// The section at a dot-separated path (`""` is the root), with
    /// everything it inherits. Empty (no parts) if the path does not exist.
    pub fn view(&self, path: &str) -> SectionView<'_> {
        let mut parts = Vec::new();
        let mut steps = MAX_RESOLVE_STEPS;
        let path = split_path(path);
        self.find_sections(&self.root, &path, false, &mut parts, &mut steps, 0);
        SectionView {
            settings: self,
            parts,
            ancestors: Vec::new(),
            budget: Rc::new(Cell::new(MAX_VIEWS_PER_WALK)),
        }
    }

    /// The effective value at a dot-separated path such as
    /// `charon.plugins.vici.socket`; `None` if missing or unset.
    pub fn get(&self, path: &str) -> Option<&Kv> {
        let (section, key) = path.rsplit_once('.').unwrap_or(("", path));
        self.view(section).get(key)
    }

    /// `find_sections` of strongSwan: the section at `path` below `section`,
    /// also looked up relative to the sections `section` references.
    fn find_sections<'a>(
        &'a self,
        section: &'a Section,
        path: &[&str],
        ignore_refs: bool,
        out: &mut Vec<&'a Section>,
        steps: &mut usize,
        depth: usize,
    ) {
        if *steps == 0 || depth > MAX_REFERENCE_DEPTH {
            return;
        }
        *steps -= 1;
        let Some((head, rest)) = path.split_first() else {
            self.push_with_references(section, out, steps, depth);
            return;
        };
        let found = if head.is_empty() {
            Some(section)
        } else {
            section.section(head)
        };
        if let Some(found) = found {
            if rest.is_empty() {
                self.push_with_references(found, out, steps, depth);
            } else {
                self.find_sections(found, rest, false, out, steps, depth);
            }
        }
        let is_self = found.is_some_and(|f| std::ptr::eq(f, section));
        if !ignore_refs && !is_self {
            for reference in section.references() {
                let mut referenced = Vec::new();
                self.resolve(&reference.path, &mut referenced, steps, depth + 1);
                for r in referenced {
                    self.find_sections(r, path, true, out, steps, depth + 1);
                }
            }
        }
    }

    fn push_with_references<'a>(
        &'a self,
        section: &'a Section,
        out: &mut Vec<&'a Section>,
        steps: &mut usize,
        depth: usize,
    ) {
        if out.iter().any(|s| std::ptr::eq(*s, section)) {
            return;
        }
        out.push(section);
        for reference in section.references() {
            self.resolve(&reference.path, out, steps, depth + 1);
        }
    }

    fn resolve<'a>(
        &'a self,
        path: &str,
        out: &mut Vec<&'a Section>,
        steps: &mut usize,
        depth: usize,
    ) {
        self.find_sections(&self.root, &split_path(path), false, out, steps, depth);
    }
}

fn split_path(path: &str) -> Vec<&str> {
    if path.is_empty() {
        Vec::new()
    } else {
        path.split('.').collect()
    }
}

/// A section as seen through its references: the section itself first, then
/// the sections it inherits from.
///
/// Unlike strongSwan, a sub-section view never includes a section that is
/// already part of a view on its path (that would repeat it forever), and
/// all views opened from one root view share a budget, so walking the whole
/// tree always terminates.
#[derive(Clone, Debug)]
pub struct SectionView<'a> {
    settings: &'a Settings,
    parts: Vec<&'a Section>,
    /// Sections of the views above this one.
    ancestors: Vec<&'a Section>,
    budget: Rc<Cell<usize>>,
}

impl<'a> SectionView<'a> {
    /// Whether the section exists (locally or through a reference).
    pub fn exists(&self) -> bool {
        !self.parts.is_empty()
    }

    /// The underlying sections: own first, then inherited ones.
    pub fn parts(&self) -> &[&'a Section] {
        &self.parts
    }

    /// Where the section was first named; `None` if it does not exist.
    pub fn pos(&self) -> Option<&'a Pos> {
        self.parts.first().map(|s| &s.pos)
    }

    /// Effective settings with a value, in enumeration order (own keys
    /// first, then inherited ones not set or unset locally).
    pub fn key_values(&self) -> Vec<&'a Kv> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for part in &self.parts {
            for kv in part.kvs() {
                if seen.insert(kv.key.as_str()) && kv.value.is_some() {
                    out.push(kv);
                }
            }
        }
        out
    }

    /// The effective setting for `key`; `None` when missing or unset.
    pub fn get(&self, key: &str) -> Option<&'a Kv> {
        self.parts
            .iter()
            .find_map(|part| part.kv(key))
            .filter(|kv| kv.value.is_some())
    }

    /// The effective value for `key`.
    pub fn value(&self, key: &str) -> Option<&'a str> {
        self.get(key).and_then(|kv| kv.value.as_deref())
    }

    /// Sub-section names with their first position, own ones first.
    pub fn section_names(&self) -> Vec<(&'a str, &'a Pos)> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for part in &self.parts {
            for s in part.sections() {
                if seen.insert(s.name.as_str()) {
                    out.push((s.name.as_str(), &s.pos));
                }
            }
        }
        out
    }

    /// The sub-section `name` with everything it inherits.
    pub fn child(&self, name: &str) -> Self {
        let mut ancestors = self.ancestors.clone();
        ancestors.extend(&self.parts);
        let mut parts = Vec::new();
        if self.budget.get() > 0 {
            self.budget.set(self.budget.get() - 1);
            let mut steps = MAX_RESOLVE_STEPS;
            for part in &self.parts {
                self.settings
                    .find_sections(part, &[name], true, &mut parts, &mut steps, 0);
            }
            parts.retain(|p| !ancestors.iter().any(|a| std::ptr::eq(*a, *p)));
        }
        Self {
            settings: self.settings,
            parts,
            ancestors,
            budget: self.budget.clone(),
        }
    }

    /// Sub-sections as views, own ones first (none that would only repeat a
    /// section above).
    pub fn children(&self) -> Vec<(&'a str, Self)> {
        self.section_names()
            .into_iter()
            .map(|(name, _)| (name, self.child(name)))
            .filter(|(_, view)| view.exists())
            .collect()
    }
}
