//! Chain verification over raw stored entries, so that entries read from sled and entries
//! received from a running node are checked by the same code.

use std::fmt;

use crate::codec::{self, CodecError};
use crate::envelope::{Offset, GENESIS_PREV};
use crate::error::LogError;

/// Why the chain is broken at an offset.
#[derive(Debug, thiserror::Error)]
pub enum BreakReason {
    /// The stored bytes are not an envelope.
    #[error("undecodable envelope: {0}")]
    Undecodable(CodecError),
    /// The stored value starts with a format version this build cannot read.
    #[error("unknown format version {found}")]
    UnknownVersion {
        /// The version byte found.
        found: u8,
    },
    /// A sled key that is not an eight-byte offset: an entry written by something else.
    #[error("stored key {} ({} bytes) is not an offset", hex::encode(key), key.len())]
    MalformedKey {
        /// The key as stored.
        key: Vec<u8>,
    },
    /// The envelope stored under the key names another offset (entries moved or swapped).
    #[error("stored under key {key} but the envelope says offset {stored}")]
    KeyMismatch {
        /// The key the entry is stored under.
        key: u64,
        /// The offset inside the envelope.
        stored: u64,
    },
    /// An offset is missing: the next entry has a larger one.
    #[error("gap: expected offset {expected}, found {found}")]
    Gap {
        /// The missing offset.
        expected: u64,
        /// The offset that came instead.
        found: u64,
    },
    /// Entries end before the head the log holds in memory: the tail was removed while open.
    #[error("missing: stored entries end before the head at offset {head}")]
    Truncated {
        /// The last offset the log reported durable.
        head: u64,
    },
    /// An entry came with a smaller offset than the one expected (duplicated or reordered input).
    #[error("out of order: expected offset {expected}, found {found}")]
    OutOfOrder {
        /// The offset expected.
        expected: u64,
        /// The offset that came instead.
        found: u64,
    },
    /// The envelope does not link to the hash of the one before it.
    #[error(
        "prev-hash mismatch: links to {}, previous envelope hashes to {}",
        hex::encode(found),
        hex::encode(expected)
    )]
    PrevHashMismatch {
        /// The previous envelope's hash.
        expected: [u8; 32],
        /// The `prev_hash` stored in this envelope.
        found: [u8; 32],
    },
    /// The envelope's content no longer hashes to its stored hash: it was changed after writing.
    #[error(
        "hash mismatch (content changed): stored {}, computed {}",
        hex::encode(stored),
        hex::encode(computed)
    )]
    HashMismatch {
        /// The hash stored in the envelope.
        stored: [u8; 32],
        /// The hash of its content now.
        computed: [u8; 32],
    },
}

impl From<CodecError> for BreakReason {
    fn from(err: CodecError) -> Self {
        match err {
            CodecError::UnknownVersion { found } => BreakReason::UnknownVersion { found },
            other => BreakReason::Undecodable(other),
        }
    }
}

/// The first place the chain breaks.
#[derive(Debug)]
pub struct ChainBreak {
    /// The first bad offset (for a gap: the missing one; for a bad key: the one expected).
    pub offset: u64,
    /// What is wrong there.
    pub reason: BreakReason,
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "offset {}: {}", self.offset, self.reason)
    }
}

/// Result of checking a chain from its first entry.
#[derive(Debug)]
pub struct VerifyReport {
    /// Entries checked and found good, before the first break if there is one.
    pub checked: u64,
    /// Offset and hash of the last good entry; `None` when none was good.
    pub head: Option<(Offset, [u8; 32])>,
    /// The first break; `None` when every entry checked out.
    pub first_break: Option<ChainBreak>,
    /// A read failure (not corruption) that stopped the check early; the entries after it were
    /// not checked.
    pub read_error: Option<LogError>,
}

impl VerifyReport {
    /// Whether every entry was read and checked out.
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none() && self.read_error.is_none()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.first_break, &self.read_error) {
            (Some(brk), _) => write!(
                f,
                "chain broken at {brk} ({} entries good before it)",
                self.checked
            ),
            (None, Some(err)) => write!(f, "verify stopped after {} entries: {err}", self.checked),
            (None, None) => write!(f, "chain intact: {} entries", self.checked),
        }
    }
}

/// Verifies a whole log given as `(key, stored value)` pairs in key order, starting at offset 0
/// with [`GENESIS_PREV`].
///
/// Stops at the first break and names it. An `Err(LogError::Corrupt)` item counts as a break at
/// its offset; any other `Err` item stops the check and is kept in [`VerifyReport::read_error`].
pub fn verify<I>(entries: I) -> VerifyReport
where
    I: IntoIterator<Item = Result<(u64, Vec<u8>), LogError>>,
{
    verify_from(Offset(0), GENESIS_PREV, entries)
}

/// Like [`verify`] for a part of a log: the first entry must be at `start` and link to
/// `prev_hash`, the hash of the entry at `start - 1` taken from a trusted earlier check.
pub fn verify_from<I>(start: Offset, prev_hash: [u8; 32], entries: I) -> VerifyReport
where
    I: IntoIterator<Item = Result<(u64, Vec<u8>), LogError>>,
{
    let mut report = VerifyReport {
        checked: 0,
        head: None,
        first_break: None,
        read_error: None,
    };
    let mut expected = start.0;
    let mut prev = prev_hash;

    for entry in entries {
        let (key, bytes) = match entry {
            Ok(pair) => pair,
            Err(LogError::Corrupt { offset, reason }) => {
                report.first_break = Some(ChainBreak { offset, reason });
                break;
            }
            Err(err) => {
                report.read_error = Some(err);
                break;
            }
        };

        match check_entry(expected, prev, key, &bytes) {
            Ok(hash) => {
                report.checked += 1;
                report.head = Some((Offset(key), hash));
                expected = key + 1;
                prev = hash;
            }
            Err(brk) => {
                tracing::debug!(
                    target: "alys_eventlog",
                    offset = brk.offset,
                    reason = %brk.reason,
                    "chain break found"
                );
                report.first_break = Some(brk);
                break;
            }
        }
    }
    report
}

/// Checks one entry against the expected offset and previous hash; returns its hash.
fn check_entry(
    expected: u64,
    prev: [u8; 32],
    key: u64,
    bytes: &[u8],
) -> Result<[u8; 32], ChainBreak> {
    if key > expected {
        return Err(ChainBreak {
            offset: expected,
            reason: BreakReason::Gap {
                expected,
                found: key,
            },
        });
    }
    if key < expected {
        let reason = BreakReason::OutOfOrder {
            expected,
            found: key,
        };
        return Err(ChainBreak {
            offset: key,
            reason,
        });
    }

    let at = |reason: BreakReason| ChainBreak {
        offset: key,
        reason,
    };
    let envelope = codec::decode_envelope(bytes).map_err(|e| at(e.into()))?;
    if envelope.offset.0 != key {
        return Err(at(BreakReason::KeyMismatch {
            key,
            stored: envelope.offset.0,
        }));
    }

    let computed = envelope.compute_hash();
    if computed != envelope.hash {
        return Err(at(BreakReason::HashMismatch {
            stored: envelope.hash,
            computed,
        }));
    }
    if envelope.prev_hash != prev {
        return Err(at(BreakReason::PrevHashMismatch {
            expected: prev,
            found: envelope.prev_hash,
        }));
    }
    Ok(envelope.hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::Envelope;
    use crate::event::{Event, ReloadRequested};

    /// A valid chain of `n` envelopes as `(key, stored bytes)` pairs.
    fn chain(n: u64) -> Vec<(u64, Vec<u8>)> {
        let mut prev = GENESIS_PREV;
        (0..n)
            .map(|i| {
                let event = Event::ReloadRequested(ReloadRequested {
                    trigger: format!("t{i}"),
                });
                let env = Envelope::seal(Offset(i), 1_000 + i, &event, prev);
                prev = env.hash;
                (i, codec::encode_envelope(&env))
            })
            .collect()
    }

    fn run(entries: Vec<(u64, Vec<u8>)>) -> VerifyReport {
        verify(entries.into_iter().map(Ok))
    }

    #[test]
    fn intact_chain_reports_head_and_count() {
        let entries = chain(5);
        let report = run(entries);
        assert!(report.is_intact(), "{report}");
        assert_eq!(report.checked, 5);
        assert_eq!(report.head.map(|(o, _)| o), Some(Offset(4)));
    }

    #[test]
    fn empty_log_is_intact() {
        let report = run(Vec::new());
        assert!(report.is_intact());
        assert_eq!(report.head, None);
    }

    #[test]
    fn changed_payload_byte_is_a_hash_mismatch_at_that_offset() {
        let mut entries = chain(5);
        let last = entries[2].1.len() - 40;
        entries[2].1[last] ^= 0x01;
        let brk = run(entries).first_break.expect("break");
        assert_eq!(brk.offset, 2);
        assert!(
            matches!(brk.reason, BreakReason::HashMismatch { .. }),
            "{brk}"
        );
    }

    #[test]
    fn missing_entry_is_a_gap_at_the_missing_offset() {
        let mut entries = chain(5);
        entries.remove(3);
        let brk = run(entries).first_break.expect("break");
        assert_eq!(brk.offset, 3);
        assert!(matches!(
            brk.reason,
            BreakReason::Gap {
                expected: 3,
                found: 4
            }
        ));
        assert_eq!(brk.to_string(), "offset 3: gap: expected offset 3, found 4");
    }

    #[test]
    fn rehashed_forgery_breaks_the_link_of_the_next_entry() {
        let mut entries = chain(4);
        let event = Event::ReloadRequested(ReloadRequested {
            trigger: "forged".into(),
        });
        let genuine = codec::decode_envelope(&entries[1].1).expect("decodes");
        let forged = Envelope::seal(Offset(1), 5, &event, genuine.prev_hash);
        entries[1].1 = codec::encode_envelope(&forged);
        let brk = run(entries).first_break.expect("break");
        assert_eq!(brk.offset, 2);
        assert!(matches!(brk.reason, BreakReason::PrevHashMismatch { .. }));
    }

    #[test]
    fn unknown_version_and_undecodable_are_told_apart() {
        let mut entries = chain(3);
        entries[1].1[0] = 9;
        let brk = run(entries).first_break.expect("break");
        assert!(matches!(
            brk.reason,
            BreakReason::UnknownVersion { found: 9 }
        ));

        let mut entries = chain(3);
        entries[0].1.truncate(4);
        let brk = run(entries).first_break.expect("break");
        assert_eq!(brk.offset, 0);
        assert!(matches!(brk.reason, BreakReason::Undecodable(_)));
    }

    #[test]
    fn verify_from_continues_a_checked_prefix() {
        let entries = chain(6);
        let prefix = run(entries[..3].to_vec());
        let (head, hash) = prefix.head.expect("head");
        let rest = verify_from(head.next(), hash, entries[3..].iter().cloned().map(Ok));
        assert!(rest.is_intact());
        assert_eq!(rest.checked, 3);
    }
}
