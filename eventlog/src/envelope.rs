//! The stored unit of the log: an event's payload wrapped with its offset, time, kind and the
//! blake3 links that chain it to the envelope before it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::codec::{self, CodecError};
use crate::event::{Event, EventKind};

/// The `prev_hash` of the envelope at offset 0: thirty-two zero bytes.
pub const GENESIS_PREV: [u8; 32] = [0; 32];

/// Position of an event in the log. Offsets start at 0 and are dense: the log never skips one.
///
/// The offset of the event that made a configuration active is that configuration's revision.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Offset(pub u64);

impl Offset {
    /// The offset after this one.
    pub fn next(self) -> Offset {
        Offset(self.0 + 1)
    }

    /// The sled key this offset is stored under (big-endian, so keys sort like offsets).
    pub fn to_key(self) -> [u8; 8] {
        self.0.to_be_bytes()
    }

    /// The offset stored under `key`, or `None` when the key is not eight bytes long.
    pub fn from_key(key: &[u8]) -> Option<Offset> {
        let bytes: [u8; 8] = key.try_into().ok()?;
        Some(Offset(u64::from_be_bytes(bytes)))
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<u64> for Offset {
    fn from(value: u64) -> Self {
        Offset(value)
    }
}

/// One stored event with the fields that place it in the chain.
///
/// `hash` covers every other field (see [`Envelope::compute_hash`]), and `prev_hash` is the
/// `hash` of the envelope at `offset - 1` ([`GENESIS_PREV`] at offset 0). The encoding on disk is
/// owned by [`crate::codec`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// Format version the envelope was written with ([`codec::FORMAT_VERSION`]).
    pub version: u8,
    /// Position in the log; equal to the key the envelope is stored under.
    pub offset: Offset,
    /// Wall-clock time of the append, in milliseconds since the unix epoch (UTC).
    pub timestamp_ms: u64,
    /// [`EventKind`] code of the payload, readable without decoding the payload.
    pub kind: u16,
    /// The event, encoded with [`codec::encode_event`].
    pub payload: Vec<u8>,
    /// `hash` of the previous envelope.
    pub prev_hash: [u8; 32],
    /// blake3 of this envelope's other fields.
    pub hash: [u8; 32],
}

impl Envelope {
    /// Builds the envelope for `event` at `offset`, linked to `prev_hash`, with its hash filled in.
    pub fn seal(offset: Offset, timestamp_ms: u64, event: &Event, prev_hash: [u8; 32]) -> Self {
        Envelope::seal_payload(
            offset,
            timestamp_ms,
            event.kind() as u16,
            codec::encode_event(event),
            prev_hash,
        )
    }

    /// Like [`Envelope::seal`] for a payload that is already encoded.
    pub fn seal_payload(
        offset: Offset,
        timestamp_ms: u64,
        kind: u16,
        payload: Vec<u8>,
        prev_hash: [u8; 32],
    ) -> Self {
        let mut envelope = Envelope {
            version: codec::FORMAT_VERSION,
            offset,
            timestamp_ms,
            kind,
            payload,
            prev_hash,
            hash: [0; 32],
        };
        envelope.hash = envelope.compute_hash();
        envelope
    }

    /// blake3 over, in order: the version byte, the offset, the timestamp and the kind (each
    /// big-endian), the payload length as big-endian `u64` followed by the payload, and
    /// `prev_hash`. Everything but `hash` itself.
    pub fn compute_hash(&self) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&[self.version]);
        hasher.update(&self.offset.0.to_be_bytes());
        hasher.update(&self.timestamp_ms.to_be_bytes());
        hasher.update(&self.kind.to_be_bytes());
        hasher.update(&(self.payload.len() as u64).to_be_bytes());
        hasher.update(&self.payload);
        hasher.update(&self.prev_hash);
        *hasher.finalize().as_bytes()
    }

    /// The payload's kind, or `None` for a code this build does not know.
    pub fn kind(&self) -> Option<EventKind> {
        EventKind::from_code(self.kind)
    }

    /// Decodes the payload; fails when it does not decode or decodes to another kind than the
    /// envelope records.
    pub fn event(&self) -> Result<Event, CodecError> {
        let event = codec::decode_event(&self.payload)?;
        if event.kind() as u16 != self.kind {
            return Err(CodecError::KindMismatch {
                stored: self.kind,
                decoded: event.kind(),
            });
        }
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Confirmation, Event};

    fn confirmation(revision: u64) -> Event {
        Event::Confirmation(Confirmation {
            revision,
            by: "ctl".into(),
        })
    }

    #[test]
    fn sealed_envelope_hash_matches_recomputed_hash() {
        let env = Envelope::seal(Offset(3), 1_000, &confirmation(1), GENESIS_PREV);
        assert_eq!(env.hash, env.compute_hash());
        assert_eq!(env.kind(), Some(EventKind::Confirmation));
        assert_eq!(env.event().ok(), Some(confirmation(1)));
    }

    #[test]
    fn every_field_but_hash_changes_the_hash() {
        let base = Envelope::seal(Offset(3), 1_000, &confirmation(1), GENESIS_PREV);
        let mut variants = vec![base.clone(); 6];
        variants[0].version += 1;
        variants[1].offset = Offset(4);
        variants[2].timestamp_ms += 1;
        variants[3].kind += 1;
        variants[4].payload.push(0);
        variants[5].prev_hash[31] = 1;
        for changed in variants {
            assert_ne!(changed.compute_hash(), base.hash, "{changed:?}");
        }
    }

    #[test]
    fn event_rejects_payload_of_another_kind() {
        let mut env = Envelope::seal(Offset(0), 0, &confirmation(1), GENESIS_PREV);
        env.kind = EventKind::Rollback as u16;
        assert!(matches!(env.event(), Err(CodecError::KindMismatch { .. })));
    }

    #[test]
    fn offset_key_round_trips_and_sorts() {
        assert_eq!(Offset::from_key(&Offset(258).to_key()), Some(Offset(258)));
        assert!(Offset(255).to_key() < Offset(256).to_key());
        assert_eq!(Offset::from_key(&[1, 2, 3]), None);
    }
}
