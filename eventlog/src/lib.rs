//! The node's append-only history: every config load, override, validation verdict, reload,
//! rollback and actor step, stored in sled and chained with blake3.
//!
//! # Envelope and chain
//!
//! Each event is stored under its offset (a dense, monotonic `u64`, big-endian key so sled
//! iterates in order) as an [`Envelope`]: format version, offset, timestamp, kind, the bincode
//! payload, the hash of the previous envelope and the hash of this one ([`GENESIS_PREV`] stands
//! in for the previous hash at offset 0). Editing, deleting or reordering any stored event breaks
//! the chain, and [`EventLog::verify`] names the first offset where it breaks. [`verify()`] does
//! the same for raw `(offset, bytes)` pairs received from elsewhere, such as a running node. The
//! stored layout is private to [`codec`] and starts with [`FORMAT_VERSION`].
//!
//! # Durability
//!
//! [`EventLog::append`] returns only after its event is flushed to disk. Appends from many
//! threads are batched by one writer thread into a shared flush (group commit), so concurrency
//! raises throughput without weakening the promise. Readers ([`EventLog::read`],
//! [`EventLog::get`], [`EventLog::tail`]) only see events that are durable. If a write or flush
//! fails, every append waiting on it gets the error and the log's head stays at the last durable
//! event. On open, the last envelope is checked; a damaged tail is reported as
//! [`LogError::Corrupt`], never truncated.
//!
//! sled locks its directory, so one process at a time opens a log; a second open returns
//! [`LogError::Locked`] and tools read through the node that holds it ([`remote`]: the node
//! serves its stored entries on a Unix socket in the data directory).
//!
//! # Replay
//!
//! State is rebuilt by folding events with a [`Projection`]; the fold reads time and identity from
//! the events only, so replaying the same log always yields the same state. [`ActiveConfig`]
//! answers "which configuration was active at offset N"; [`ActorHistory`] summarises each
//! actor's lifecycle.
//!
//! # Example
//!
//! ```
//! use alys_eventlog::{replay, ActiveConfig, Event, EventLog, Offset, Projection};
//! use alys_eventlog::event::{ConfigLoaded, ValidationReported, Verdict};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let log = EventLog::open(&dir.path().join("eventlog"))?;
//! let loaded = log.append(&Event::ConfigLoaded(ConfigLoaded {
//!     environment: "development".into(),
//!     sources: vec![],
//!     effective_toml: "[network]\nmax_peers = 50\n".into(),
//!     provenance: vec![],
//!     secrets: vec![],
//! }))?;
//! let revision = log.append(&Event::ValidationReported(ValidationReported {
//!     config_offset: loaded.0,
//!     findings: vec![],
//!     verdict: Verdict::Accepted,
//! }))?;
//!
//! assert!(log.verify().is_intact());
//! let mut active = ActiveConfig::new();
//! replay(&log, &mut active, None)?;
//! assert_eq!(active.state().as_ref().map(|s| Offset(s.revision)), Some(revision));
//! # Ok(())
//! # }
//! ```

pub mod codec;
pub mod envelope;
pub mod error;
pub mod event;
pub mod export;
mod head;
pub mod projection;
pub mod read;
mod recover;
pub mod remote;
pub mod store;
pub mod tail;
pub mod verify;
mod writer;

pub use codec::{CodecError, FORMAT_VERSION};
pub use envelope::{Envelope, Offset, GENESIS_PREV};
pub use error::LogError;
pub use event::{Event, EventKind, KindFilter};
pub use export::envelope_to_json;
pub use projection::{
    replay, replay_envelopes, ActiveConfig, ActiveConfigState, ActorHistory, ActorRecord,
    Projection,
};
pub use read::{Envelopes, RawEntries};
pub use store::{EventLog, LogStats};
pub use tail::Tail;
pub use verify::{verify, BreakReason, ChainBreak, VerifyReport};
