//! Dead letters: messages a mailbox dropped or handed back, kept in a bounded, time-limited
//! record and passed to the configured handler.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alys_config::schema::actors::DeadLetterHandler;
use serde::Serialize;
use tokio::time::Instant;

use super::queue::Priority;
use super::settings::DeadLetterSettings;

/// Why a message became a dead letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadLetterReason {
    /// Evicted from a full `drop_oldest` mailbox to make room for a newer message.
    DroppedOldest,
    /// Refused by a full `drop_newest` mailbox.
    DroppedNewest,
    /// A `block` send found no room within `message_timeout`; the sender got it back.
    Timeout,
    /// A `fail` send (or any `try_send`) found the mailbox full; the sender got it back.
    Full,
    /// Sent to a closed mailbox (handed back), or still queued when the receiver was dropped.
    Closed,
}

impl DeadLetterReason {
    /// The name used in logs and files: `dropped_oldest`, `timeout` ...
    pub fn as_str(self) -> &'static str {
        match self {
            DeadLetterReason::DroppedOldest => "dropped_oldest",
            DeadLetterReason::DroppedNewest => "dropped_newest",
            DeadLetterReason::Timeout => "timeout",
            DeadLetterReason::Full => "full",
            DeadLetterReason::Closed => "closed",
        }
    }
}

/// One dead letter. The message itself is gone (or back with its sender); its `Debug` output
/// stays in `describe`. Serialised as one JSON line by the `file` handler.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadLetter {
    /// The mailbox's (actor's) name.
    pub actor: String,
    /// Why the message was not delivered.
    pub reason: DeadLetterReason,
    /// The lane the message was in or headed for.
    pub priority: Priority,
    /// A system-lane message (only ever with reason `closed`).
    pub system: bool,
    /// Wall-clock time of the drop, milliseconds since the Unix epoch.
    pub time_unix_ms: u64,
    /// The message's `Debug` output.
    pub describe: String,
    /// Monotonic time of the drop, for `retention_time`; follows tokio's paused clock.
    #[serde(skip)]
    pub recorded_at: Instant,
}

/// The dead letters of one mailbox: at most `max_messages`, none older than `retention_time`
/// (pruned on insert and on read), each also passed to the handler.
///
/// Handlers: `log` writes a warning (target `alys_node`, fields `actor`, `reason`, `priority`;
/// never the message, which may hold secrets); `file` appends the JSON line of
/// [`DeadLetter`] to `file_path`; `ignore` only keeps and counts. `external` is meant for a
/// handler registered by code; none can be registered yet, so it behaves as `log`.
#[derive(Debug)]
pub struct DeadLetters {
    actor: String,
    settings: DeadLetterSettings,
    store: Mutex<Store>,
}

#[derive(Debug, Default)]
struct Store {
    kept: VecDeque<DeadLetter>,
    file: Option<File>,
    /// Set after the first warning about the file, so a broken disk does not flood the log.
    file_warned: bool,
}

impl DeadLetters {
    /// An empty record for the mailbox `actor`.
    pub fn new(actor: &str, settings: DeadLetterSettings) -> DeadLetters {
        DeadLetters {
            actor: actor.to_owned(),
            settings,
            store: Mutex::new(Store::default()),
        }
    }

    /// The mailbox (actor) these dead letters belong to.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Whether [`DeadLetters::record`] keeps anything; when false the caller only counts.
    pub fn enabled(&self) -> bool {
        self.settings.enabled
    }

    /// Keeps one dead letter and hands it to the handler. Does nothing when dead letters are
    /// disabled. File errors are logged once and never reach the sender.
    pub fn record(
        &self,
        reason: DeadLetterReason,
        priority: Priority,
        system: bool,
        describe: String,
    ) {
        if !self.settings.enabled {
            return;
        }
        let letter = DeadLetter {
            actor: self.actor.clone(),
            reason,
            priority,
            system,
            time_unix_ms: unix_ms(SystemTime::now()),
            describe,
            recorded_at: Instant::now(),
        };
        let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        match self.settings.handler {
            DeadLetterHandler::Log | DeadLetterHandler::External => self.log(&letter),
            DeadLetterHandler::File => self.append(&mut store, &letter),
            DeadLetterHandler::Ignore => {}
        }
        prune(
            &mut store.kept,
            self.settings.retention_time,
            letter.recorded_at,
        );
        store.kept.push_back(letter);
        while store.kept.len() > self.settings.max_messages {
            store.kept.pop_front();
        }
    }

    /// The dead letters still kept, oldest first.
    pub fn recent(&self) -> Vec<DeadLetter> {
        let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        prune(
            &mut store.kept,
            self.settings.retention_time,
            Instant::now(),
        );
        store.kept.iter().cloned().collect()
    }

    fn log(&self, letter: &DeadLetter) {
        tracing::warn!(
            target: "alys_node",
            actor = %letter.actor,
            reason = letter.reason.as_str(),
            priority = letter.priority.0,
            "dead letter"
        );
    }

    fn append(&self, store: &mut Store, letter: &DeadLetter) {
        let Some(path) = &self.settings.file_path else {
            if !std::mem::replace(&mut store.file_warned, true) {
                tracing::warn!(
                    target: "alys_node",
                    actor = %self.actor,
                    "dead-letter file handler has no file; logging instead"
                );
            }
            return self.log(letter);
        };
        // Blocking appends of one short line each; dead letters are the exception path, and a
        // writer thread would only move the same cost elsewhere.
        let written = match &mut store.file {
            Some(file) => write_line(file, letter),
            None => OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut file| {
                    write_line(&mut file, letter)?;
                    store.file = Some(file);
                    Ok(())
                }),
        };
        if let Err(error) = written {
            if !std::mem::replace(&mut store.file_warned, true) {
                tracing::warn!(
                    target: "alys_node",
                    actor = %self.actor,
                    path = %path.display(),
                    %error,
                    "dead-letter file not writable; logging instead"
                );
            }
            self.log(letter);
        }
    }
}

fn write_line(file: &mut File, letter: &DeadLetter) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(letter).map_err(std::io::Error::other)?;
    line.push(b'\n');
    file.write_all(&line)
}

/// Drops letters that have been kept for `retention` or longer.
fn prune(kept: &mut VecDeque<DeadLetter>, retention: Duration, now: Instant) {
    while kept
        .front()
        .is_some_and(|l| now.saturating_duration_since(l.recorded_at) >= retention)
    {
        kept.pop_front();
    }
}

fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(max_messages: usize, handler: DeadLetterHandler) -> DeadLetterSettings {
        DeadLetterSettings {
            enabled: true,
            max_messages,
            retention_time: Duration::from_secs(60),
            handler,
            file_path: None,
        }
    }

    fn record(letters: &DeadLetters, describe: &str) {
        letters.record(DeadLetterReason::Full, Priority(1), false, describe.into());
    }

    #[test]
    fn keeps_at_most_max_messages_evicting_the_oldest() {
        let letters = DeadLetters::new("chain", settings(2, DeadLetterHandler::Ignore));
        for text in ["a", "b", "c"] {
            record(&letters, text);
        }
        let kept: Vec<String> = letters.recent().into_iter().map(|l| l.describe).collect();
        assert_eq!(kept, ["b", "c"]);
    }

    #[test]
    fn disabled_dead_letters_keep_nothing() {
        let mut off = settings(2, DeadLetterHandler::Log);
        off.enabled = false;
        let letters = DeadLetters::new("chain", off);
        record(&letters, "a");
        assert!(letters.recent().is_empty());
    }

    #[test]
    fn file_handler_without_a_path_still_keeps_the_letter() {
        let letters = DeadLetters::new("chain", settings(2, DeadLetterHandler::File));
        record(&letters, "a");
        assert_eq!(letters.recent().len(), 1);
    }

    #[test]
    fn serialises_reason_in_snake_case_and_skips_the_monotonic_time() {
        let letters = DeadLetters::new("chain", settings(2, DeadLetterHandler::Ignore));
        letters.record(
            DeadLetterReason::DroppedOldest,
            Priority(3),
            false,
            "m".into(),
        );
        let letter = &letters.recent()[0];
        let json = serde_json::to_value(letter).ok();
        let json = json.as_ref();
        assert_eq!(
            json.and_then(|j| j.get("reason")),
            Some(&"dropped_oldest".into())
        );
        assert_eq!(json.and_then(|j| j.get("priority")), Some(&3.into()));
        assert!(json.and_then(|j| j.get("recorded_at")).is_none());
    }
}
