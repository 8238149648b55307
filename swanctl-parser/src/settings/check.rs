//! Static checks of section references for `swanctl --lint`: references to
//! sections that do not exist (strongSwan ignores them silently) and
//! reference cycles (strongSwan stops on some and recurses without bound on
//! others, such as a section referencing its own sub-section).

use std::fmt;

use super::{Pos, Section, Settings};

/// A problem with a `name : reference` clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReferenceProblem {
    Unknown { pos: Pos, path: String },
    Cycle { pos: Pos, chain: Vec<String> },
}

impl ReferenceProblem {
    pub fn pos(&self) -> &Pos {
        match self {
            Self::Unknown { pos, .. } | Self::Cycle { pos, .. } => pos,
        }
    }
}

impl fmt::Display for ReferenceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown { pos, path } => {
                write!(f, "{pos}: reference to unknown section '{path}'")
            }
            Self::Cycle { pos, chain } => {
                write!(f, "{pos}: reference cycle: {}", chain.join(" -> "))
            }
        }
    }
}

impl Settings {
    /// Every unknown or cyclic reference, in file order.
    pub fn check_references(&self) -> Vec<ReferenceProblem> {
        let mut problems = Vec::new();
        self.check_section(self.root(), "", &mut problems);
        problems
    }

    fn check_section(&self, section: &Section, path: &str, problems: &mut Vec<ReferenceProblem>) {
        for reference in section.references() {
            if !self.view(&reference.path).exists() {
                problems.push(ReferenceProblem::Unknown {
                    pos: reference.pos.clone(),
                    path: reference.path.clone(),
                });
            } else if let Some(chain) = self.cycle_from(path, &reference.path) {
                problems.push(ReferenceProblem::Cycle {
                    pos: reference.pos.clone(),
                    chain,
                });
            }
        }
        for child in section.sections() {
            let child_path = join(path, &child.name);
            self.check_section(child, &child_path, problems);
        }
    }

    /// A chain of references from `origin` through `target` that comes back
    /// to `origin`, or to a section containing or contained in one on the
    /// chain.
    fn cycle_from(&self, origin: &str, target: &str) -> Option<Vec<String>> {
        let mut chain = vec![origin.to_owned()];
        self.walk(target, &mut chain)
    }

    fn walk(&self, target: &str, chain: &mut Vec<String>) -> Option<Vec<String>> {
        if chain.iter().any(|p| related(p, target)) {
            let mut cycle = chain.clone();
            cycle.push(target.to_owned());
            return Some(cycle);
        }
        let section = self.local(target)?;
        chain.push(target.to_owned());
        for reference in section.references() {
            if let Some(cycle) = self.walk(&reference.path, chain) {
                return Some(cycle);
            }
        }
        chain.pop();
        None
    }

    /// The section at `path` without following references.
    fn local(&self, path: &str) -> Option<&Section> {
        path.split('.')
            .try_fold(self.root(), |section, name| section.section(name))
    }
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// Whether one path equals or contains the other.
fn related(a: &str, b: &str) -> bool {
    let within = |inner: &str, outer: &str| {
        inner == outer
            || inner
                .strip_prefix(outer)
                .is_some_and(|r| r.starts_with('.'))
    };
    within(a, b) || within(b, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        let settings = Settings::parse_str(text, "r.conf").expect("parse");
        settings
            .check_references()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn plain_references_are_fine() {
        assert!(problems("a { }\nb : a { }\nc : b, a { }\n").is_empty());
    }

    #[test]
    fn unknown_reference_is_reported_with_its_position() {
        assert_eq!(
            problems("a : nowhere { }\n"),
            vec!["r.conf:1:5: reference to unknown section 'nowhere'"]
        );
    }

    #[test]
    fn mutual_references_are_a_cycle() {
        assert_eq!(
            problems("a : b { }\nb : a { }\n"),
            vec![
                "r.conf:1:5: reference cycle: a -> b -> a",
                "r.conf:2:5: reference cycle: b -> a -> b"
            ]
        );
    }

    #[test]
    fn reference_to_own_subsection_is_a_cycle() {
        assert_eq!(
            problems("c : c.d { d { } }\n"),
            vec!["r.conf:1:5: reference cycle: c -> c.d"]
        );
    }
}
