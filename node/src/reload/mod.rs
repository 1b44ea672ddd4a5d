//! Hot reload of the configuration; for now the file watcher that will trigger it (issue 4).

pub mod watch;
