//! Tests of [`alys_eventlog::EventLog`] against real sled directories, one module per concern.

mod append;
mod chain_prop;
mod common;
mod lock;
mod replay;
mod tail;
mod tamper;
