//! A bounds-checked cursor over received bytes. Every read names what it is
//! reading, so a short buffer becomes a [`DecodeError`] that says so.

use super::error::{DecodeError, DecodeErrorKind};

pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// Everything not read yet.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    pub(crate) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).filter(|&end| end <= self.buf.len());
        match end.and_then(|end| self.buf.get(self.pos..end).map(|s| (s, end))) {
            Some((bytes, end)) => {
                self.pos = end;
                Ok(bytes)
            }
            None => Err(DecodeError::new(
                self.pos,
                DecodeErrorKind::Truncated { what },
            )),
        }
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        let b = self.take(1, what)?;
        Ok(b.first().copied().unwrap_or_default())
    }

    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        let b = self.take(2, what)?;
        Ok(match b {
            [hi, lo] => u16::from_be_bytes([*hi, *lo]),
            _ => 0,
        })
    }

    /// A u16-length-prefixed blob.
    pub(crate) fn data16(
        &mut self,
        len_what: &'static str,
        what: &'static str,
    ) -> Result<&'a [u8], DecodeError> {
        let len = self.u16(len_what)?;
        self.take(usize::from(len), what)
    }

    /// A u8-length-prefixed name. Names are kept as UTF-8 strings; charon
    /// itself only accepts printable ASCII (see
    /// [`super::Message::all_names_printable`]), but strongSwan's swanctl
    /// sends whatever a swanctl.conf section is called.
    pub(crate) fn name(
        &mut self,
        len_what: &'static str,
        what: &'static str,
    ) -> Result<String, DecodeError> {
        let len = self.u8(len_what)?;
        let at = self.pos;
        let bytes = self.take(usize::from(len), what)?;
        match std::str::from_utf8(bytes) {
            Ok(name) => Ok(name.to_owned()),
            Err(_) => Err(DecodeError::new(at, DecodeErrorKind::NameNotUtf8 { what })),
        }
    }
}

/// C `isprint()` in the "C" locale: space through tilde.
pub(crate) fn is_printable(b: u8) -> bool {
    (0x20..=0x7e).contains(&b)
}
