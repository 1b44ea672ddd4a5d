//! The stored format: how envelopes and events become bytes and back. No other module knows the
//! layout.
//!
//! A stored value is one format-version byte followed by the bincode (standard config) encoding
//! of the envelope's other fields: offset, timestamp, kind, payload, previous hash, hash. The
//! payload is itself the bincode encoding of an [`Event`]. A value whose first byte is not
//! [`FORMAT_VERSION`] is refused with [`CodecError::UnknownVersion`] rather than guessed at.

use serde::{Deserialize, Serialize};

use crate::envelope::{Envelope, Offset};
use crate::event::{Event, EventKind};

/// Version byte written in front of every stored envelope.
pub const FORMAT_VERSION: u8 = 1;

/// Why bytes could not be turned back into an envelope or an event.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The stored value has no bytes at all.
    #[error("stored value is empty")]
    Empty,
    /// The first byte names a format this build cannot read.
    #[error("unknown format version {found} (this build reads version {FORMAT_VERSION})")]
    UnknownVersion {
        /// The version byte found.
        found: u8,
    },
    /// bincode refused the bytes.
    #[error("could not decode {what}: {error}")]
    Decode {
        /// `envelope` or `event`.
        what: &'static str,
        /// bincode's reason.
        error: bincode::error::DecodeError,
    },
    /// The value decoded but bytes were left over, so it is not what was written.
    #[error("{extra} trailing bytes after the {what}")]
    TrailingBytes {
        /// `envelope` or `event`.
        what: &'static str,
        /// How many bytes were left.
        extra: usize,
    },
    /// The payload decoded to another kind than the envelope records.
    #[error("envelope kind {stored} does not match payload kind {decoded}")]
    KindMismatch {
        /// Kind code stored in the envelope.
        stored: u16,
        /// Kind of the decoded payload.
        decoded: EventKind,
    },
}

/// The envelope fields after the version byte, borrowed for encoding.
#[derive(Serialize)]
struct BodyRef<'a> {
    offset: u64,
    timestamp_ms: u64,
    kind: u16,
    // Bytes, not a sequence of u8: bincode writes both as length + raw bytes, but reads a
    // sequence one element at a time.
    #[serde(with = "serde_bytes")]
    payload: &'a [u8],
    prev_hash: &'a [u8; 32],
    hash: &'a [u8; 32],
}

/// The envelope fields after the version byte, owned for decoding. Field order must match
/// [`BodyRef`].
#[derive(Deserialize)]
struct Body {
    offset: u64,
    timestamp_ms: u64,
    kind: u16,
    #[serde(with = "serde_bytes")]
    payload: Vec<u8>,
    prev_hash: [u8; 32],
    hash: [u8; 32],
}

/// Encodes `envelope` as stored in sled: `envelope.version` as the first byte, then the other
/// fields.
pub fn encode_envelope(envelope: &Envelope) -> Vec<u8> {
    let body = BodyRef {
        offset: envelope.offset.0,
        timestamp_ms: envelope.timestamp_ms,
        kind: envelope.kind,
        payload: &envelope.payload,
        prev_hash: &envelope.prev_hash,
        hash: &envelope.hash,
    };
    let mut out = Vec::with_capacity(envelope.payload.len() + 96);
    out.push(envelope.version);
    out.extend_from_slice(&encode(&body));
    out
}

/// Decodes a stored value; the whole slice must be one envelope of [`FORMAT_VERSION`].
pub fn decode_envelope(bytes: &[u8]) -> Result<Envelope, CodecError> {
    let (&version, rest) = bytes.split_first().ok_or(CodecError::Empty)?;
    if version != FORMAT_VERSION {
        return Err(CodecError::UnknownVersion { found: version });
    }

    let body: Body = decode(rest, "envelope")?;
    Ok(Envelope {
        version,
        offset: Offset(body.offset),
        timestamp_ms: body.timestamp_ms,
        kind: body.kind,
        payload: body.payload,
        prev_hash: body.prev_hash,
        hash: body.hash,
    })
}

/// Encodes an event as an envelope payload.
pub fn encode_event(event: &Event) -> Vec<u8> {
    encode(event)
}

/// Decodes an envelope payload; the whole slice must be one event.
pub fn decode_event(payload: &[u8]) -> Result<Event, CodecError> {
    decode(payload, "event")
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // bincode's serde encoder only fails for sequences of unknown length and for custom
    // `Serialize` impls that report an error; the envelope and event types have neither, and the
    // round-trip tests below cover every event variant.
    bincode::serde::encode_to_vec(value, bincode::config::standard())
        .expect("envelope and event types always encode with bincode")
}

fn decode<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    what: &'static str,
) -> Result<T, CodecError> {
    let (value, read) = bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .map_err(|error| CodecError::Decode { what, error })?;
    if read != bytes.len() {
        return Err(CodecError::TrailingBytes {
            what,
            extra: bytes.len() - read,
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    #[test]
    fn payload_as_bytes_keeps_the_stored_format_of_a_u8_sequence() {
        #[derive(serde::Serialize)]
        struct AsSeq<'a> {
            payload: &'a [u8],
        }
        #[derive(serde::Serialize)]
        struct AsBytes<'a> {
            #[serde(with = "serde_bytes")]
            payload: &'a [u8],
        }
        let payload: Vec<u8> = (0..=255).collect();
        let seq = super::encode(&AsSeq { payload: &payload });
        let bytes = super::encode(&AsBytes { payload: &payload });
        assert_eq!(seq, bytes);
    }

    use super::*;
    use crate::envelope::GENESIS_PREV;
    use crate::event::*;

    fn every_variant() -> Vec<Event> {
        vec![
            Event::ConfigLoaded(ConfigLoaded {
                environment: "production".into(),
                sources: vec![SourceDigest {
                    layer: "file".into(),
                    name: "/etc/alys.toml".into(),
                    blake3: "ab".repeat(32),
                }],
                effective_toml: "[network]\nmax_peers = 50\n".into(),
                provenance: vec![KeyOrigin {
                    key: "network.max_peers".into(),
                    layer: "file".into(),
                    source: "/etc/alys.toml:2:13".into(),
                }],
                secrets: vec![SecretFingerprint {
                    key: "rpc.password".into(),
                    fingerprint: "cd".repeat(32),
                }],
            }),
            Event::OverrideApplied(OverrideApplied {
                key: "network.max_peers".into(),
                layer: "env".into(),
                source: "ALYS_NETWORK__MAX_PEERS".into(),
                value: "60".into(),
            }),
            Event::ValidationReported(ValidationReported {
                config_offset: 0,
                findings: vec![FindingRecord {
                    severity: "warning".into(),
                    rule: "range.network.max_peers".into(),
                    key: "network.max_peers".into(),
                    message: "above 50 peers uses more bandwidth".into(),
                }],
                verdict: Verdict::Accepted,
            }),
            Event::ReloadRequested(ReloadRequested {
                trigger: "sighup".into(),
            }),
            Event::ReloadApplied(ReloadApplied {
                config_offset: 4,
                diff: vec![KeyChange {
                    key: "network.max_peers".into(),
                    old: Some("50".into()),
                    new: None,
                }],
                impacted_actors: vec!["network".into()],
                restarted_actors: vec![],
            }),
            Event::ReloadRejected(ReloadRejected {
                config_offset: None,
                reason: "parse".into(),
            }),
            Event::Rollback(Rollback {
                target_offset: 2,
                reason: "operator".into(),
                config_offset: 0,
            }),
            Event::ActorLifecycle(ActorLifecycle {
                actor: "storage".into(),
                config_revision: 2,
                change: LifecycleChange::Restarted {
                    strategy: "exponential".into(),
                    attempt: 2,
                    delay_ms: 400,
                },
            }),
            Event::ActorSnapshot(ActorSnapshot {
                actor: "chain".into(),
                config_revision: 2,
                strategy: "serialize".into(),
                state: vec![0, 1, 2, 255],
            }),
            Event::Confirmation(Confirmation {
                revision: 2,
                by: "admin-api".into(),
            }),
        ]
    }

    #[test]
    fn every_event_variant_round_trips() {
        let events = every_variant();
        assert_eq!(events.len(), EventKind::ALL.len());
        for event in events {
            let decoded = decode_event(&encode_event(&event));
            assert_eq!(decoded.ok(), Some(event));
        }
    }

    #[test]
    fn envelope_round_trips_with_version_prefix() {
        let event = Event::Confirmation(Confirmation {
            revision: 9,
            by: "ctl".into(),
        });
        let env = Envelope::seal(Offset(7), 1_700_000_000_000, &event, GENESIS_PREV);
        let bytes = encode_envelope(&env);
        assert_eq!(bytes[0], FORMAT_VERSION);
        assert_eq!(decode_envelope(&bytes).ok(), Some(env));
    }

    #[test]
    fn unknown_version_byte_is_refused() {
        let event = Event::ReloadRequested(ReloadRequested {
            trigger: "sighup".into(),
        });
        let mut bytes = encode_envelope(&Envelope::seal(Offset(0), 0, &event, GENESIS_PREV));
        bytes[0] = 2;
        assert!(matches!(
            decode_envelope(&bytes),
            Err(CodecError::UnknownVersion { found: 2 })
        ));
    }

    #[test]
    fn empty_truncated_and_padded_values_are_refused() {
        let event = Event::ReloadRequested(ReloadRequested {
            trigger: "sighup".into(),
        });
        let bytes = encode_envelope(&Envelope::seal(Offset(0), 0, &event, GENESIS_PREV));
        assert!(matches!(decode_envelope(&[]), Err(CodecError::Empty)));
        let truncated = &bytes[..bytes.len() - 1];
        assert!(matches!(
            decode_envelope(truncated),
            Err(CodecError::Decode { .. })
        ));
        let mut padded = bytes.clone();
        padded.push(0);
        assert!(matches!(
            decode_envelope(&padded),
            Err(CodecError::TrailingBytes { extra: 1, .. })
        ));
    }
}
