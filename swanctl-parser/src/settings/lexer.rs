//! Tokens of the settings syntax (reference §1.1).
//!
//! The lexer has five states, as strongSwan's: statements, references after
//! `:`, values after `=`, include patterns and quoted strings. Includes are
//! resolved here, while lexing, and the tokens of the included files are
//! spliced into the stream, so an included file continues whatever state the
//! including file was in (and may even close its sections).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::char;
use nom::combinator::recognize;
use nom::multi::many0;
use nom::sequence::{pair, preceded};
use nom::{IResult, Parser};

use super::include::{self, Includes};
use super::{LoadError, Note, Pos};

/// A token with the position of its first character.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Token {
    pub(super) kind: TokenKind,
    pub(super) pos: Pos,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum TokenKind {
    OpenBrace,
    CloseBrace,
    Dot,
    Comma,
    Colon,
    Equals,
    /// End of a value (newline, `#`, `}` or end of file after `=`).
    EndOfValue,
    /// A section or key name, a reference path, or a bare value word.
    Name(String),
    /// A quoted string inside a value.
    Quoted(String),
    /// A quote where a name was expected.
    UnexpectedString,
    Eof,
}

impl TokenKind {
    pub(super) fn describe(&self) -> String {
        match self {
            Self::OpenBrace => "'{'".into(),
            Self::CloseBrace => "'}'".into(),
            Self::Dot => "'.'".into(),
            Self::Comma => "','".into(),
            Self::Colon => "':'".into(),
            Self::Equals => "'='".into(),
            Self::EndOfValue => "end of value".into(),
            Self::Name(n) => format!("name '{n}'"),
            Self::Quoted(_) => "quoted string".into(),
            Self::UnexpectedString => "quoted string".into(),
            Self::Eof => "end of file".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Statement,
    Reference,
    Value,
    Include,
    Quoted,
}

/// One file (or string) being lexed.
struct Source {
    file: Arc<Path>,
    /// Canonical path for include-cycle detection (`None` for strings).
    canonical: Option<PathBuf>,
    text: String,
    offset: usize,
    line: u32,
    col: u32,
    /// Files matched by this source's last include, still to be read.
    pending: Vec<PathBuf>,
    /// Where the include that matched `pending` was written.
    include_pos: Option<Pos>,
}

impl Source {
    fn new(file: Arc<Path>, canonical: Option<PathBuf>, text: String) -> Self {
        Self {
            file,
            canonical,
            text,
            offset: 0,
            line: 1,
            col: 1,
            pending: Vec::new(),
            include_pos: None,
        }
    }

    fn rest(&self) -> &str {
        self.text.get(self.offset..).unwrap_or("")
    }

    fn pos(&self) -> Pos {
        Pos::new(self.file.clone(), self.line, self.col)
    }

    /// Consumes `len` bytes (a prefix of `rest()`), tracking line and column.
    fn advance(&mut self, len: usize) {
        let consumed = self.text.get(self.offset..self.offset + len).unwrap_or("");
        for c in consumed.chars() {
            if c == '\n' {
                self.line += 1;
                self.col = 1;
            } else {
                self.col += 1;
            }
        }
        self.offset += len;
    }
}

/// Characters allowed in names (`NAME` of the reference grammar).
fn is_name_char(c: char) -> bool {
    !matches!(
        c,
        '#' | '{' | '}' | ':' | '.' | ',' | '=' | '"' | '\r' | '\n' | '\t' | ' '
    )
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn name(i: &str) -> IResult<&str, &str> {
    take_while1(is_name_char).parse(i)
}

/// `{NAME}+(\.{NAME}+)*`: a reference path.
fn reference_path(i: &str) -> IResult<&str, &str> {
    recognize(pair(name, many0(preceded(char('.'), name)))).parse(i)
}

/// `[\t ]*#[^\r\n]*`, optionally followed by the newline it ends on.
fn comment(i: &str) -> IResult<&str, &str> {
    recognize((
        take_while(is_blank),
        char('#'),
        take_while(|c| c != '\r' && c != '\n'),
    ))
    .parse(i)
}

fn whitespace(i: &str) -> IResult<&str, &str> {
    take_while1(|c| matches!(c, '\t' | '\r' | ' ' | '\n')).parse(i)
}

/// `include[\t ]+` when followed by anything but `=` (flex trailing
/// context: the blanks back off by one when that lets the next char differ
/// from `=`, so `include  = x` is an include of an empty pattern).
fn include_keyword(i: &str) -> Option<usize> {
    let (rest, _) = tag::<_, _, nom::error::Error<&str>>("include")
        .parse(i)
        .ok()?;
    let (after, blanks) = take_while1::<_, _, nom::error::Error<&str>>(is_blank)
        .parse(rest)
        .ok()?;
    let head = "include".len();
    match after.chars().next() {
        Some('=') if blanks.len() > 1 => Some(head + blanks.len() - 1),
        Some('=') => None,
        Some(_) => Some(head + blanks.len()),
        None => None,
    }
}

fn value_word(i: &str) -> IResult<&str, &str> {
    take_while1(|c| !matches!(c, '#' | '}' | '"' | '\r' | '\n' | '\t' | ' ')).parse(i)
}

fn include_chunk(i: &str) -> IResult<&str, &str> {
    take_while1(|c| !matches!(c, '"' | '\\' | '#' | '}' | '\r' | '\n' | '\t' | ' ')).parse(i)
}

fn quoted_chunk(i: &str) -> IResult<&str, &str> {
    take_while1(|c| !matches!(c, '\\' | '\r' | '"')).parse(i)
}

/// Length of the longest match of `parser` at the start of `input`.
fn matched(input: &str, parser: fn(&str) -> IResult<&str, &str>) -> Option<usize> {
    parser(input).ok().map(|(_, m)| m.len())
}

pub(super) struct Lexer {
    sources: Vec<Source>,
    states: Vec<State>,
    /// Text of the quoted string or include pattern being read.
    buffer: String,
    /// Where the quoted string being read started.
    quote_pos: Option<Pos>,
    includes: Includes,
    /// What strongSwan would log while reading (includes without matches).
    notes: Vec<Note>,
}

impl Lexer {
    pub(super) fn for_file(path: &Path) -> Result<Self, LoadError> {
        let mut includes = Includes::default();
        let (text, canonical) = includes.read_top(path)?;
        Ok(Self::new(
            Source::new(Arc::from(path), canonical, text),
            includes,
        ))
    }

    pub(super) fn for_str(text: &str, name: &str) -> Self {
        let source = Source::new(Arc::from(Path::new(name)), None, text.to_owned());
        Self::new(source, Includes::default())
    }

    fn new(source: Source, includes: Includes) -> Self {
        Self {
            sources: vec![source],
            states: vec![State::Statement],
            buffer: String::new(),
            quote_pos: None,
            includes,
            notes: Vec::new(),
        }
    }

    fn state(&self) -> State {
        self.states.last().copied().unwrap_or(State::Statement)
    }

    fn pop_state(&mut self) {
        if self.states.len() > 1 {
            self.states.pop();
        }
    }

    /// Position of the next character (or of the end of the current file).
    pub(super) fn pos(&self) -> Pos {
        self.sources
            .last()
            .map(Source::pos)
            .unwrap_or_else(Pos::unknown)
    }

    pub(super) fn next_token(&mut self) -> Result<Token, LoadError> {
        loop {
            let Some(source) = self.sources.last() else {
                let pos = Pos::unknown();
                return Ok(Token {
                    kind: TokenKind::Eof,
                    pos,
                });
            };
            if source.rest().is_empty() {
                if let Some(token) = self.end_of_source()? {
                    return Ok(token);
                }
                continue;
            }
            let token = match self.state() {
                State::Statement => self.lex_statement()?,
                State::Reference => self.lex_reference(),
                State::Value => self.lex_value(),
                State::Include => self.lex_include()?,
                State::Quoted => self.lex_quoted()?,
            };
            if let Some(token) = token {
                return Ok(token);
            }
        }
    }

    /// End of the current source in the current state: values end, strings
    /// are unterminated, include patterns are complete; otherwise the
    /// source is done and lexing continues in the including file.
    fn end_of_source(&mut self) -> Result<Option<Token>, LoadError> {
        let pos = self.pos();
        match self.state() {
            State::Value => {
                self.pop_state();
                return Ok(Some(Token {
                    kind: TokenKind::EndOfValue,
                    pos,
                }));
            }
            State::Quoted => {
                let start = self.quote_pos.take().unwrap_or(pos);
                return Err(syntax(start, "unterminated string"));
            }
            State::Include => {
                self.pop_state();
                self.include(pos)?;
                return Ok(None);
            }
            State::Statement | State::Reference => {}
        }
        if self.sources.len() == 1 {
            return Ok(Some(Token {
                kind: TokenKind::Eof,
                pos,
            }));
        }
        self.sources.pop();
        self.open_next_pending()?;
        Ok(None)
    }

    /// Emits `kind` for the next `len` bytes of the current source.
    fn take(&mut self, len: usize, kind: TokenKind) -> Option<Token> {
        let source = self.sources.last_mut()?;
        let pos = source.pos();
        source.advance(len);
        Some(Token { kind, pos })
    }

    fn skip(&mut self, len: usize) {
        if let Some(source) = self.sources.last_mut() {
            source.advance(len);
        }
    }

    fn rest(&self) -> &str {
        self.sources.last().map(Source::rest).unwrap_or("")
    }

    fn lex_statement(&mut self) -> Result<Option<Token>, LoadError> {
        let rest = self.rest();
        if let Some(len) = matched(rest, comment).or_else(|| matched(rest, whitespace)) {
            self.skip(len);
            return Ok(None);
        }
        let Some(first) = rest.chars().next() else {
            return Ok(None);
        };
        let simple = match first {
            '{' => Some(TokenKind::OpenBrace),
            '}' => Some(TokenKind::CloseBrace),
            '.' => Some(TokenKind::Dot),
            ',' => Some(TokenKind::Comma),
            ':' => Some(TokenKind::Colon),
            '=' => Some(TokenKind::Equals),
            '"' => Some(TokenKind::UnexpectedString),
            _ => None,
        };
        if let Some(kind) = simple {
            match kind {
                TokenKind::Colon => self.states.push(State::Reference),
                TokenKind::Equals => self.states.push(State::Value),
                _ => {}
            }
            return Ok(self.take(1, kind));
        }
        let name_len = matched(rest, name).unwrap_or(first.len_utf8());
        if let Some(len) = include_keyword(rest).filter(|len| *len > name_len) {
            let pos = self.pos();
            self.skip(len);
            self.buffer.clear();
            self.states.push(State::Include);
            if let Some(source) = self.sources.last_mut() {
                source.include_pos = Some(pos);
            }
            return Ok(None);
        }
        let text = rest.get(..name_len).unwrap_or("").to_owned();
        Ok(self.take(name_len, TokenKind::Name(text)))
    }

    fn lex_reference(&mut self) -> Option<Token> {
        let rest = self.rest();
        if let Some(len) = matched(rest, comment).or_else(|| matched(rest, whitespace)) {
            self.skip(len);
            return None;
        }
        if rest.starts_with(',') {
            return self.take(1, TokenKind::Comma);
        }
        if let Some(len) = matched(rest, reference_path) {
            let text = rest.get(..len).unwrap_or("").to_owned();
            return self.take(len, TokenKind::Name(text));
        }
        self.pop_state();
        None
    }

    fn lex_value(&mut self) -> Option<Token> {
        let rest = self.rest();
        let first = rest.chars().next()?;
        match first {
            '\r' | '\t' | ' ' => {
                self.skip(1);
                None
            }
            '\n' | '#' | '}' => {
                self.pop_state();
                let pos = self.pos();
                Some(Token {
                    kind: TokenKind::EndOfValue,
                    pos,
                })
            }
            '"' => {
                self.buffer.clear();
                self.states.push(State::Quoted);
                self.quote_pos = Some(self.pos());
                self.skip(1);
                None
            }
            _ => {
                let len = matched(rest, value_word).unwrap_or(first.len_utf8());
                let text = rest.get(..len).unwrap_or("").to_owned();
                self.take(len, TokenKind::Name(text))
            }
        }
    }

    fn lex_include(&mut self) -> Result<Option<Token>, LoadError> {
        let rest = self.rest();
        let Some(first) = rest.chars().next() else {
            return Ok(None);
        };
        match first {
            '\r' => self.skip(1),
            '\n' | '#' | '}' | '\t' | ' ' => {
                if first == '\t' || first == ' ' {
                    self.skip(1);
                }
                let pos = self.pos();
                self.pop_state();
                self.include(pos)?;
            }
            '"' => {
                self.skip(1);
                self.states.push(State::Quoted);
            }
            '\\' => match rest.chars().nth(1) {
                Some(c @ ('"' | '#' | '}' | ' ')) => {
                    self.buffer.push(c);
                    self.skip(2);
                }
                _ => {
                    self.buffer.push('\\');
                    self.skip(1);
                }
            },
            _ => {
                let len = matched(rest, include_chunk).unwrap_or(first.len_utf8());
                let chunk = rest.get(..len).unwrap_or("").to_owned();
                self.buffer.push_str(&chunk);
                self.skip(len);
            }
        }
        Ok(None)
    }

    fn lex_quoted(&mut self) -> Result<Option<Token>, LoadError> {
        let rest = self.rest();
        let mut chars = rest.chars();
        let Some(first) = chars.next() else {
            return Ok(None);
        };
        match first {
            '\r' => self.skip(1),
            '"' => {
                let pos = self.quote_pos.take();
                self.skip(1);
                self.pop_state();
                if self.state() == State::Include {
                    self.pop_state();
                    let at = self.pos();
                    self.include(at)?;
                    return Ok(None);
                }
                let text = std::mem::take(&mut self.buffer);
                let pos = pos.unwrap_or_else(|| self.pos());
                return Ok(Some(Token {
                    kind: TokenKind::Quoted(text),
                    pos,
                }));
            }
            '\\' => match chars.next() {
                None => return Err(syntax(self.pos(), "unterminated string")),
                Some('\n') => self.skip(2),
                Some('\r') if chars.next() == Some('\n') => self.skip(3),
                Some(c) => {
                    self.buffer.push(match c {
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        other => other,
                    });
                    self.skip(1 + c.len_utf8());
                }
            },
            _ => {
                let len = matched(rest, quoted_chunk).unwrap_or(first.len_utf8());
                let chunk = rest.get(..len).unwrap_or("").to_owned();
                self.buffer.push_str(&chunk);
                self.skip(len);
            }
        }
        Ok(None)
    }

    /// Resolves the include pattern in `buffer` relative to the current file
    /// and starts reading the first match.
    fn include(&mut self, pos: Pos) -> Result<(), LoadError> {
        let pattern = std::mem::take(&mut self.buffer);
        let Some(source) = self.sources.last_mut() else {
            return Ok(());
        };
        let pos = source.include_pos.take().unwrap_or(pos);
        let base = source.canonical.as_deref().map(|_| source.file.as_ref());
        if pattern.is_empty() {
            self.notes
                .push(Note::located(pos, "no include pattern specified, ignored"));
            return Ok(());
        }
        let (full, mut matches) = include::expand(&pattern, base);
        if matches.is_empty() {
            let message = format!("no files found matching '{}'", full.display());
            self.notes.push(Note::unlocated(pos.clone(), message));
        }
        matches.reverse();
        source.pending = matches;
        source.include_pos = Some(pos);
        self.open_next_pending()
    }

    /// Notes collected so far.
    pub(super) fn take_notes(&mut self) -> Vec<Note> {
        std::mem::take(&mut self.notes)
    }

    /// Opens the next file matched by the current source's last include.
    fn open_next_pending(&mut self) -> Result<(), LoadError> {
        let stack: Vec<PathBuf> = self
            .sources
            .iter()
            .filter_map(|s| s.canonical.clone())
            .collect();
        let Some(source) = self.sources.last_mut() else {
            return Ok(());
        };
        let pos = source.include_pos.clone().unwrap_or_else(|| source.pos());
        while let Some(path) = source.pending.pop() {
            let depth = stack.len();
            if let Some((text, canonical)) = self.includes.read(&path, &pos, &stack, depth)? {
                let file = Arc::from(path.as_path());
                self.sources.push(Source::new(file, Some(canonical), text));
                return Ok(());
            }
        }
        Ok(())
    }
}

fn syntax(pos: Pos, message: &str) -> LoadError {
    LoadError::Syntax {
        pos,
        message: message.to_owned(),
    }
}
