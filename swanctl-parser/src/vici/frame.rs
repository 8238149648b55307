//! VICI transport framing: each segment is a u32 big-endian length (of the
//! data only) followed by the data, at most [`MAX_SEGMENT`] bytes
//! (`VICI_MESSAGE_SIZE_MAX`). Blocking reads and writes on any stream.

use std::io::{self, Read, Write};

use super::error::FrameError;
use super::packet::Packet;

/// Largest segment charon accepts or sends: 512 KiB.
pub const MAX_SEGMENT: usize = 512 * 1024;

/// Reads one segment's data. A stream that ends before the first header
/// byte gives [`FrameError::Closed`]; one that ends inside a segment gives
/// an [`io::ErrorKind::UnexpectedEof`] error. The length is checked against
/// [`MAX_SEGMENT`] before anything is allocated.
pub fn read_segment<R: Read + ?Sized>(reader: &mut R) -> Result<Vec<u8>, FrameError> {
    let mut header = [0u8; 4];
    let mut filled = 0;
    while filled < header.len() {
        let rest = header.get_mut(filled..).unwrap_or_default();
        match reader.read(rest) {
            Ok(0) if filled == 0 => return Err(FrameError::Closed),
            Ok(0) => {
                let msg = "stream ended inside a vici length header";
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, msg).into());
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let len = u32::from_be_bytes(header);
    let size = usize::try_from(len).unwrap_or(usize::MAX);
    if size > MAX_SEGMENT {
        return Err(FrameError::TooLarge {
            len,
            max: MAX_SEGMENT,
        });
    }
    let mut data = vec![0u8; size];
    reader.read_exact(&mut data)?;
    Ok(data)
}

/// Reads and decodes one packet.
pub fn read_frame<R: Read + ?Sized>(reader: &mut R) -> Result<Packet, FrameError> {
    let data = read_segment(reader)?;
    Ok(Packet::decode(&data)?)
}

/// Writes one segment (header and data in a single write).
pub fn write_segment<W: Write + ?Sized>(writer: &mut W, data: &[u8]) -> Result<(), FrameError> {
    let len = u32::try_from(data.len())
        .ok()
        .filter(|_| data.len() <= MAX_SEGMENT)
        .ok_or(FrameError::TooLarge {
            len: u32::MAX,
            max: MAX_SEGMENT,
        })?;
    let mut buf = Vec::with_capacity(4 + data.len());
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(data);
    writer.write_all(&buf)?;
    writer.flush()?;
    Ok(())
}

/// Encodes and writes one packet.
pub fn write_frame<W: Write + ?Sized>(writer: &mut W, packet: &Packet) -> Result<(), FrameError> {
    let data = packet.encode()?;
    write_segment(writer, &data)
}
