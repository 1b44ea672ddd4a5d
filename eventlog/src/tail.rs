//! [`Tail`]: follows a live log, yielding envelopes as they become durable.

use std::time::{Duration, Instant};

use crate::envelope::{Envelope, Offset};
use crate::error::LogError;
use crate::store::EventLog;
use crate::verify::BreakReason;

/// Follows the log from an offset, woken by the writer after each group commit.
///
/// Only durable envelopes are yielded. The tail keeps the log open while it exists. As an
/// [`Iterator`] it blocks until the next envelope and ends when the log is closed and every
/// durable envelope has been yielded.
pub struct Tail {
    log: EventLog,
    next: Offset,
}

impl Tail {
    pub(crate) fn new(log: EventLog, from: Offset) -> Self {
        Tail { log, next: from }
    }

    /// The offset this tail yields next.
    pub fn position(&self) -> Offset {
        self.next
    }

    /// The next envelope, waiting at most `timeout` for it to be appended. `None` when nothing
    /// arrived in time or the log was closed.
    ///
    /// After an error the tail moves on to the following offset.
    pub fn next_timeout(&mut self, timeout: Duration) -> Option<Result<Envelope, LogError>> {
        let deadline = Instant::now().checked_add(timeout);
        self.next_until(deadline)
    }

    fn next_until(&mut self, deadline: Option<Instant>) -> Option<Result<Envelope, LogError>> {
        if !self.log.shared().wait_for(self.next, deadline) {
            return None;
        }

        let offset = self.next;
        self.next = offset.next();
        let found = self.log.get(offset);
        tracing::trace!(target: "alys_eventlog", offset = offset.0, "tail yielded");
        Some(match found {
            Ok(Some(envelope)) => Ok(envelope),
            Ok(None) => {
                // Durable by the head yet missing: removed behind the writer's back.
                let present = self.log.raw_entries(offset, None).find_map(Result::ok);
                let found = present.map_or(self.log.len(), |(key, _)| key);
                let reason = BreakReason::Gap {
                    expected: offset.0,
                    found,
                };
                Err(LogError::Corrupt {
                    offset: offset.0,
                    reason,
                })
            }
            Err(error) => Err(error),
        })
    }
}

impl Iterator for Tail {
    type Item = Result<Envelope, LogError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_until(None)
    }
}
