//! The node's append-only history: every config load, override, validation verdict, reload,
//! rollback and actor step, stored in sled and chained with blake3.
//!
//! # Envelope and chain
//!
//! Each event is stored under its offset (a dense, monotonic `u64`, big-endian key so sled
//! iterates in order) as an [`Envelope`]: format version, offset, timestamp, kind, the bincode
//! payload, the hash of the previous envelope and the hash of this one. Editing, deleting or
//! reordering any stored event breaks the chain, and [`EventLog::verify`] names the first offset
//! where it breaks.
//!
//! # Durability
//!
//! [`EventLog::append`] returns only after its event is flushed to disk. Appends from many
//! threads are batched by one writer thread into a shared flush (group commit), so concurrency
//! raises throughput without weakening the promise.
//!
//! # Replay
//!
//! State is rebuilt by folding events with a [`Projection`]; the fold reads time and identity from
//! the events only, so replaying the same log always yields the same state.

pub mod codec;
pub mod event;
