//! The Alys node's configuration: the schema with a default for every field, layered loading
//! with provenance, `${VAR}` interpolation, the validation rule engine, secrets that never print in
//! clear, and the chain spec.
//!
//! Layers, lowest first: built-in defaults, the selected actor profile, config files (later files
//! win), the section of a file named after the active environment, `ALYS_*` environment variables,
//! and `--set` overrides. Every effective key remembers which layer set it ([`load::Provenance`]).
//!
//! Loading is staged: [`load::load`] turns sources into an [`AlysConfig`] or a [`ConfigError`]
//! naming the file, line and key; [`validate::Validator`] then judges the config and returns
//! findings; [`dump`] prints it back with secrets redacted.

pub mod chain_spec;
pub mod diff;
pub mod dump;
pub mod error;
pub mod impact;
mod keypath;
pub mod load;
pub mod schema;
pub mod secret;
pub mod validate;

pub use error::ConfigError;
pub use load::{load, LoadOptions, Loaded};
pub use schema::AlysConfig;
pub use secret::Secret;
