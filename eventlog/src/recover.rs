//! Decoding stored entries at a known offset and recovering the head when a log is opened.

use std::path::Path;

use crate::codec;
use crate::envelope::{Envelope, Offset, GENESIS_PREV};
use crate::error::LogError;
use crate::head::Head;
use crate::verify::BreakReason;

/// Decodes the value stored under `key`, checking that the envelope names the same offset.
pub(crate) fn decode_at(key: u64, bytes: &[u8]) -> Result<Envelope, LogError> {
    let corrupt = |reason| LogError::Corrupt {
        offset: key,
        reason,
    };
    let envelope = codec::decode_envelope(bytes).map_err(|e| corrupt(e.into()))?;
    if envelope.offset.0 != key {
        return Err(corrupt(BreakReason::KeyMismatch {
            key,
            stored: envelope.offset.0,
        }));
    }
    Ok(envelope)
}

/// Recovers the head from the last stored envelope, checking it and its link to the one before.
pub(crate) fn recover_head(tree: &sled::Tree, path: &Path) -> Result<Head, LogError> {
    let last = tree
        .last()
        .map_err(|e| LogError::storage(path, "read", e))?;
    let Some((key, bytes)) = last else {
        return Ok(Head {
            next: 0,
            hash: GENESIS_PREV,
        });
    };
    let offset = Offset::from_key(&key).ok_or(LogError::Corrupt {
        offset: 0,
        reason: BreakReason::MalformedKey { key: key.to_vec() },
    })?;
    let tail = checked_envelope(offset.0, &bytes)?;

    let expected_prev = match offset.0.checked_sub(1) {
        None => GENESIS_PREV,
        Some(before) => {
            let previous = tree
                .get_lt(key)
                .map_err(|e| LogError::storage(path, "read", e))?;
            let found = previous.as_ref().and_then(|(k, _)| Offset::from_key(k));
            if found != Some(Offset(before)) {
                let found = found.map_or(offset.0, |o| o.0);
                let reason = BreakReason::Gap {
                    expected: before,
                    found,
                };
                return Err(LogError::Corrupt {
                    offset: before,
                    reason,
                });
            }
            let (_, previous_bytes) = previous.ok_or_else(|| {
                LogError::Internal("entry before the tail vanished during open".into())
            })?;
            checked_envelope(before, &previous_bytes)?.hash
        }
    };
    if tail.prev_hash != expected_prev {
        let reason = BreakReason::PrevHashMismatch {
            expected: expected_prev,
            found: tail.prev_hash,
        };
        return Err(LogError::Corrupt {
            offset: offset.0,
            reason,
        });
    }

    tracing::debug!(target: "alys_eventlog", last_offset = offset.0, "head recovered");
    Ok(Head {
        next: offset.0 + 1,
        hash: tail.hash,
    })
}

/// Decodes the entry at `key` and checks its own hash.
fn checked_envelope(key: u64, bytes: &[u8]) -> Result<Envelope, LogError> {
    let envelope = decode_at(key, bytes)?;
    let computed = envelope.compute_hash();
    if computed != envelope.hash {
        let reason = BreakReason::HashMismatch {
            stored: envelope.hash,
            computed,
        };
        return Err(LogError::Corrupt {
            offset: key,
            reason,
        });
    }
    Ok(envelope)
}
