//! Iterators over a range of stored entries: raw `(offset, bytes)` pairs and decoded envelopes.

use std::path::PathBuf;

use crate::envelope::{Envelope, Offset};
use crate::error::LogError;
use crate::recover::decode_at;
use crate::verify::BreakReason;

/// Stored `(offset, bytes)` pairs in offset order, as returned by
/// [`EventLog::raw_entries`](crate::EventLog::raw_entries). Feed them to
/// [`verify`](crate::verify::verify) or send them to a tool.
pub struct RawEntries {
    source: Source,
    /// Offset the next entry should have; names the place of a malformed key.
    expected: u64,
    path: PathBuf,
}

enum Source {
    Range(sled::Iter),
    Failed(Option<LogError>),
    Empty,
}

impl RawEntries {
    pub(crate) fn new(range: sled::Iter, from: Offset, path: PathBuf) -> Self {
        RawEntries {
            source: Source::Range(range),
            expected: from.0,
            path,
        }
    }

    pub(crate) fn empty() -> Self {
        RawEntries {
            source: Source::Empty,
            expected: 0,
            path: PathBuf::new(),
        }
    }

    /// An iterator that yields `error` once.
    pub(crate) fn failed(error: LogError) -> Self {
        RawEntries {
            source: Source::Failed(Some(error)),
            expected: 0,
            path: PathBuf::new(),
        }
    }
}

impl Iterator for RawEntries {
    type Item = Result<(u64, Vec<u8>), LogError>;

    fn next(&mut self) -> Option<Self::Item> {
        let range = match &mut self.source {
            Source::Range(range) => range,
            Source::Failed(error) => return error.take().map(Err),
            Source::Empty => return None,
        };

        let entry = match range.next()? {
            Ok(entry) => entry,
            Err(e) => return Some(Err(LogError::storage(&self.path, "read", e))),
        };
        let (key, value) = entry;
        let Some(offset) = Offset::from_key(&key) else {
            let reason = BreakReason::MalformedKey { key: key.to_vec() };
            return Some(Err(LogError::Corrupt {
                offset: self.expected,
                reason,
            }));
        };

        tracing::trace!(target: "alys_eventlog", offset = offset.0, bytes = value.len(), "read");
        self.expected = offset.0 + 1;
        Some(Ok((offset.0, value.to_vec())))
    }
}

/// Decoded envelopes in offset order, as returned by [`EventLog::read`](crate::EventLog::read).
///
/// Each envelope is checked to sit under its own offset; hashes and links are checked by
/// [`EventLog::verify`](crate::EventLog::verify), not here.
pub struct Envelopes {
    raw: RawEntries,
}

impl Envelopes {
    pub(crate) fn new(raw: RawEntries) -> Self {
        Envelopes { raw }
    }
}

impl Iterator for Envelopes {
    type Item = Result<Envelope, LogError>;

    fn next(&mut self) -> Option<Self::Item> {
        let entry = self.raw.next()?;
        Some(entry.and_then(|(key, bytes)| decode_at(key, &bytes)))
    }
}
