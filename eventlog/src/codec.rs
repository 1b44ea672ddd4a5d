//! Placeholder replaced by the event log implementation.
