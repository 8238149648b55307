//! A blocking VICI client (what libvici is to strongSwan's swanctl).
//!
//! One command at a time per connection. The daemon may send EVENT packets
//! at any time, including between a CMD_REQUEST and its CMD_RESPONSE
//! (streaming commands such as `list-sas`). Events that arrive while the
//! client waits for a reply are handed to the caller's callback
//! ([`Client::request_with_events`]) or queued (at most
//! [`MAX_QUEUED_EVENTS`], oldest dropped first) for [`Client::take_events`]
//! and [`Client::next_event`].

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use super::error::ClientError;
use super::frame::{read_frame, write_frame, write_segment};
use super::message::Message;
use super::packet::{Packet, PacketType, encode_parts};
use super::uri::Uri;

/// Most events kept in the queue while nobody takes them.
pub const MAX_QUEUED_EVENTS: usize = 4096;

/// An EVENT packet received by the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub name: String,
    pub message: Message,
}

/// A connection to a VICI server.
#[derive(Debug)]
pub struct Client {
    stream: Stream,
    queued: VecDeque<Event>,
    dropped: u64,
}

#[derive(Debug)]
enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Client {
    /// Connects to a URI string such as `unix:///var/run/charon.vici` or
    /// `tcp://127.0.0.1:4502`.
    pub fn connect(uri: &str) -> Result<Self, ClientError> {
        Self::connect_to(&Uri::parse(uri)?)
    }

    /// Connects to a parsed URI.
    pub fn connect_to(uri: &Uri) -> Result<Self, ClientError> {
        let connect_error = |error| ClientError::Connect {
            uri: uri.to_string(),
            error,
        };
        let stream = match uri {
            Uri::Unix(path) => Stream::Unix(UnixStream::connect(path).map_err(connect_error)?),
            Uri::Tcp { host, port } => {
                Stream::Tcp(TcpStream::connect((host.as_str(), *port)).map_err(connect_error)?)
            }
        };
        Ok(Self::from_stream(stream))
    }

    /// Uses an already connected unix stream (e.g. one end of
    /// `UnixStream::pair()` in tests).
    pub fn from_unix_stream(stream: UnixStream) -> Self {
        Self::from_stream(Stream::Unix(stream))
    }

    /// Uses an already connected TCP stream.
    pub fn from_tcp_stream(stream: TcpStream) -> Self {
        Self::from_stream(Stream::Tcp(stream))
    }

    fn from_stream(stream: Stream) -> Self {
        Self {
            stream,
            queued: VecDeque::new(),
            dropped: 0,
        }
    }

    /// Sets the read and write timeout of the socket (`None`: block forever).
    pub fn set_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        match &self.stream {
            Stream::Unix(s) => {
                s.set_read_timeout(timeout)?;
                s.set_write_timeout(timeout)
            }
            Stream::Tcp(s) => {
                s.set_read_timeout(timeout)?;
                s.set_write_timeout(timeout)
            }
        }
    }

    /// Sends `command` and waits for its CMD_RESPONSE. Events that arrive
    /// first are queued (see [`Client::take_events`]).
    pub fn request(&mut self, command: &str, message: &Message) -> Result<Message, ClientError> {
        self.send_request(command, message)?;
        loop {
            match read_frame(&mut self.stream)? {
                Packet::CmdResponse(response) => return Ok(response),
                Packet::CmdUnknown => return Err(ClientError::UnknownCommand(command.to_owned())),
                Packet::Event { name, message } => self.queue(Event { name, message }),
                other => return Err(unexpected("CMD_RESPONSE", &other)),
            }
        }
    }

    /// Sends `command` and waits for its CMD_RESPONSE, passing every event to
    /// `on_event` as it arrives: first those already queued, then those
    /// streamed before the response.
    pub fn request_with_events<F>(
        &mut self,
        command: &str,
        message: &Message,
        mut on_event: F,
    ) -> Result<Message, ClientError>
    where
        F: FnMut(Event),
    {
        self.queued.drain(..).for_each(&mut on_event);
        self.send_request(command, message)?;
        loop {
            match read_frame(&mut self.stream)? {
                Packet::CmdResponse(response) => return Ok(response),
                Packet::CmdUnknown => return Err(ClientError::UnknownCommand(command.to_owned())),
                Packet::Event { name, message } => on_event(Event { name, message }),
                other => return Err(unexpected("CMD_RESPONSE", &other)),
            }
        }
    }

    /// Like [`Client::request_with_events`], returning the events with the
    /// response.
    pub fn request_collecting(
        &mut self,
        command: &str,
        message: &Message,
    ) -> Result<(Message, Vec<Event>), ClientError> {
        let mut events = Vec::new();
        let response = self.request_with_events(command, message, |e| events.push(e))?;
        Ok((response, events))
    }

    /// Subscribes to an event; EVENT_UNKNOWN becomes
    /// [`ClientError::UnknownEvent`].
    pub fn register(&mut self, event: &str) -> Result<(), ClientError> {
        self.event_op(Packet::EventRegister(event.to_owned()), event)
    }

    /// Unsubscribes from an event.
    pub fn unregister(&mut self, event: &str) -> Result<(), ClientError> {
        self.event_op(Packet::EventUnregister(event.to_owned()), event)
    }

    fn event_op(&mut self, packet: Packet, event: &str) -> Result<(), ClientError> {
        write_frame(&mut self.stream, &packet)?;
        loop {
            match read_frame(&mut self.stream)? {
                Packet::EventConfirm => return Ok(()),
                Packet::EventUnknown => return Err(ClientError::UnknownEvent(event.to_owned())),
                Packet::Event { name, message } => self.queue(Event { name, message }),
                other => return Err(unexpected("EVENT_CONFIRM", &other)),
            }
        }
    }

    /// The next event: a queued one, or the next EVENT read from the socket
    /// (blocking; e.g. for `--monitor-sa` and `--log`).
    pub fn next_event(&mut self) -> Result<Event, ClientError> {
        if let Some(event) = self.queued.pop_front() {
            return Ok(event);
        }
        match read_frame(&mut self.stream)? {
            Packet::Event { name, message } => Ok(Event { name, message }),
            other => Err(unexpected("EVENT", &other)),
        }
    }

    /// Drops the queued events named `name`.
    pub fn discard_events(&mut self, name: &str) {
        self.queued.retain(|e| e.name != name);
    }

    /// Takes the queued events, oldest first.
    pub fn take_events(&mut self) -> Vec<Event> {
        self.queued.drain(..).collect()
    }

    /// How many queued events were dropped because the queue was full.
    pub fn dropped_events(&self) -> u64 {
        self.dropped
    }

    /// Closes the connection (also done on drop).
    pub fn close(self) {
        let _ = match &self.stream {
            Stream::Unix(s) => s.shutdown(Shutdown::Both),
            Stream::Tcp(s) => s.shutdown(Shutdown::Both),
        };
    }

    fn send_request(&mut self, command: &str, message: &Message) -> Result<(), ClientError> {
        let data = encode_parts(PacketType::CmdRequest, Some(command), Some(message))?;
        write_segment(&mut self.stream, &data)?;
        Ok(())
    }

    fn queue(&mut self, event: Event) {
        if self.queued.len() >= MAX_QUEUED_EVENTS {
            self.queued.pop_front();
            self.dropped += 1;
        }
        self.queued.push_back(event);
    }
}

fn unexpected(expected: &'static str, got: &Packet) -> ClientError {
    ClientError::UnexpectedPacket {
        expected,
        got: got.packet_type().name(),
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Unix(s) => s.read(buf),
            Self::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Unix(s) => s.write(buf),
            Self::Tcp(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Unix(s) => s.flush(),
            Self::Tcp(s) => s.flush(),
        }
    }
}
