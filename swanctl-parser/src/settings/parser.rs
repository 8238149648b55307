//! The settings grammar over the token stream (reference §1.1):
//!
//! ```text
//! statements = { EndOfValue | section | setting }
//! section    = NAME [ ":" NAME { "," NAME } ] "{" statements "}"
//! setting    = NAME "=" { NAME | QUOTED }        (parts joined by one space)
//! ```
//!
//! A section is merged into its parent when it closes, as strongSwan does.

use std::path::Path;

use super::lexer::{Lexer, Token, TokenKind};
use super::{Kv, LoadError, Note, Pos, Reference, Section};

/// Sections nested deeper than this are refused.
const MAX_SECTION_DEPTH: usize = 128;

/// The parse result with the notes gathered up to its end (or its error).
pub(super) type Parsed = (Result<Section, LoadError>, Vec<Note>);

pub(super) fn parse_file(path: &Path) -> Parsed {
    match Lexer::for_file(path) {
        Ok(lexer) => Parser::new(lexer).parse(),
        Err(e) => (Err(e), Vec::new()),
    }
}

pub(super) fn parse_str(text: &str, name: &str) -> Parsed {
    Parser::new(Lexer::for_str(text, name)).parse()
}

struct Parser {
    lexer: Lexer,
    peeked: Option<Token>,
}

impl Parser {
    fn new(lexer: Lexer) -> Self {
        Self {
            lexer,
            peeked: None,
        }
    }

    fn parse(mut self) -> Parsed {
        let mut root = Section::new("", self.lexer.pos());
        let result = self.statements(&mut root, 0).map(|()| root);
        (result, self.lexer.take_notes())
    }

    fn next(&mut self) -> Result<Token, LoadError> {
        match self.peeked.take() {
            Some(token) => Ok(token),
            None => self.lexer.next_token(),
        }
    }

    fn peek(&mut self) -> Result<&TokenKind, LoadError> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lexer.next_token()?);
        }
        match &self.peeked {
            Some(token) => Ok(&token.kind),
            None => Ok(&TokenKind::Eof),
        }
    }

    /// Statements until the `}` closing a section at `depth` > 0, or until
    /// the end of input at depth 0.
    fn statements(&mut self, section: &mut Section, depth: usize) -> Result<(), LoadError> {
        loop {
            let token = self.next()?;
            match token.kind {
                TokenKind::EndOfValue => {}
                TokenKind::Name(name) => self.statement(section, name, token.pos, depth)?,
                TokenKind::CloseBrace if depth > 0 => return Ok(()),
                TokenKind::Eof if depth == 0 => return Ok(()),
                TokenKind::Eof => return Err(unexpected(&token, "'}'")),
                _ => return Err(unexpected(&token, "a section or key name")),
            }
        }
    }

    fn statement(
        &mut self,
        parent: &mut Section,
        name: String,
        pos: Pos,
        depth: usize,
    ) -> Result<(), LoadError> {
        let token = self.next()?;
        match token.kind {
            TokenKind::Equals => {
                let value = self.value()?;
                parent.add_kv(Kv {
                    key: name,
                    value,
                    value_pos: pos.clone(),
                    pos,
                });
                Ok(())
            }
            TokenKind::OpenBrace => self.section(parent, name, pos, Vec::new(), depth),
            TokenKind::Colon => {
                let references = self.references()?;
                self.section(parent, name, pos, references, depth)
            }
            _ => Err(unexpected(&token, "'=', '{' or ':'")),
        }
    }

    /// The parts of a value, joined by one space; `None` for `key =`.
    fn value(&mut self) -> Result<Option<String>, LoadError> {
        let mut value: Option<String> = None;
        while let TokenKind::Name(_) | TokenKind::Quoted(_) = self.peek()? {
            let (TokenKind::Name(part) | TokenKind::Quoted(part)) = self.next()?.kind else {
                break;
            };
            value = Some(match value {
                Some(joined) => joined + " " + &part,
                None => part,
            });
        }
        Ok(value)
    }

    /// `NAME { "," NAME } "{"` after a `:`.
    fn references(&mut self) -> Result<Vec<Reference>, LoadError> {
        let mut references = Vec::new();
        loop {
            let token = self.next()?;
            let TokenKind::Name(path) = token.kind else {
                return Err(unexpected(&token, "a section reference"));
            };
            references.push(Reference {
                path,
                pos: token.pos,
            });
            let token = self.next()?;
            match token.kind {
                TokenKind::Comma => {}
                TokenKind::OpenBrace => return Ok(references),
                _ => return Err(unexpected(&token, "',' or '{'")),
            }
        }
    }

    fn section(
        &mut self,
        parent: &mut Section,
        name: String,
        pos: Pos,
        references: Vec<Reference>,
        depth: usize,
    ) -> Result<(), LoadError> {
        if depth >= MAX_SECTION_DEPTH {
            return Err(LoadError::Syntax {
                pos,
                message: "sections nested too deeply".into(),
            });
        }
        let mut section = Section::new(name, pos);
        for reference in references {
            section.add_reference(reference);
        }
        self.statements(&mut section, depth + 1)?;
        parent.add_section(section);
        Ok(())
    }
}

fn unexpected(token: &Token, expected: &str) -> LoadError {
    LoadError::Syntax {
        pos: token.pos.clone(),
        message: format!(
            "syntax error, unexpected {}, expecting {expected}",
            token.kind.describe()
        ),
    }
}
