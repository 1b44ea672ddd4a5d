//! The Alys node's control plane: it loads and validates the configuration, records every step in
//! the event log, and runs the actor tree the configuration drives.
//!
//! # Actor tree
//!
//! ```text
//! root (supervisor)
//!  ├── storage   the single event-log writer; started first, stopped last
//!  └── chain     holds the chain spec and the chain section of the config
//! ```
//!
//! The root starts its children in that order and stops them in reverse, so every other actor's
//! last event still reaches the log. `engine`, `bridge` and `stream` join the tree with their
//! clients; `network` and `sync` are configuration only in this layer.
//!
//! # How a configuration reaches the actors
//!
//! [`commands::run`] loads the layers ([`alys_config::load`]), judges the result
//! ([`alys_config::validate::Validator`]), and appends `config loaded`, one `override applied`
//! per variable or flag, and `validation reported` to the log in one durable batch
//! ([`record`]). Only an accepted configuration starts the tree; each actor receives its own
//! section and the config revision (the offset of the accepting verdict) it runs under.

pub mod actors;
pub mod admin;
pub mod cli;
pub mod commands;
pub mod control_socket;
pub mod data_dir;
pub mod error;
pub mod mailbox;
pub mod metrics;
pub mod record;
pub mod reload;
pub mod supervision;
pub mod telemetry;

pub use error::NodeError;
