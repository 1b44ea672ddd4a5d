//! Turns a [`ReloadStatus`] and the actors' [`ChildStatus`] into Prometheus text, and keeps the
//! one metric that needs history: the reload duration histogram.
//!
//! Every other figure is a reading of state the node already keeps, so each scrape builds a
//! fresh registry from the current readings instead of mirroring them into long-lived metrics
//! that would have to be kept in step (and would keep labels of actors that no longer exist).

use prometheus_client::encoding::prometheus_text;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::watch;

use crate::actors::ChildStatus;
use crate::reload::{LastReload, ReloadStatus, ResultKind};

/// The `Content-Type` of what [`render`] produces (Prometheus text format 0.0.4).
pub(super) const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

/// Bucket bounds of the reload duration histogram, in seconds: 1 ms doubling to about 33 s.
/// A reload validates, diffs and waits for acknowledgements, so it spans milliseconds when
/// nothing restarts to seconds when actors do.
const DURATION_BUCKET_START_SECONDS: f64 = 0.001;
const DURATION_BUCKET_COUNT: u16 = 16;

/// The durations of the reloads finished while the endpoint ran, in seconds. Cheap to clone:
/// clones share the observations.
#[derive(Debug, Clone)]
pub struct ReloadDurations {
    histogram: Histogram,
    // The histogram's own count is readable only under its `test-util` feature.
    observed: Arc<AtomicU64>,
}

impl ReloadDurations {
    pub(super) fn new() -> ReloadDurations {
        ReloadDurations {
            histogram: Histogram::new(exponential_buckets(
                DURATION_BUCKET_START_SECONDS,
                2.0,
                DURATION_BUCKET_COUNT,
            )),
            observed: Arc::default(),
        }
    }

    /// How many reloads were observed.
    pub fn count(&self) -> u64 {
        self.observed.load(Ordering::Relaxed)
    }

    fn observe(&self, last: &LastReload) {
        self.histogram
            .observe(last.outcome.duration_us as f64 / 1_000_000.0);
        self.observed.fetch_add(1, Ordering::Relaxed);
    }
}

/// Observes each reload that finishes after `seen` until the status channel closes.
///
/// A `watch` channel keeps only the newest value, so two reloads finishing between two wake-ups
/// of this task are observed as one; `reloads_total` still counts both. The coordinator runs
/// one reload at a time and each takes at least a validation pass, so this should be rare.
pub(super) async fn observe_reloads(
    mut status: watch::Receiver<ReloadStatus>,
    mut seen: Option<LastReload>,
    durations: ReloadDurations,
) {
    while status.changed().await.is_ok() {
        let last = status.borrow_and_update().last.clone();
        if last.is_some() && last != seen {
            if let Some(finished) = &last {
                tracing::trace!(
                    target: "alys_node",
                    result = finished.outcome.result.name(),
                    duration_us = finished.outcome.duration_us,
                    "reload duration observed"
                );
                durations.observe(finished);
            }
            seen = last;
        }
    }
    tracing::debug!(target: "alys_node", "reload status channel closed; durations no longer observed");
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActorLabel {
    actor: String,
}

/// Prometheus text for one scrape. `actors` is `None` when the actor tree did not answer; the
/// per-actor metrics are then left out rather than reported as zero.
pub(super) fn render(
    prefix: &str,
    status: &ReloadStatus,
    actors: Option<&[ChildStatus]>,
    durations: &ReloadDurations,
) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::default();
    register_reload(&mut registry, prefix, status, durations);
    if let Some(actors) = actors {
        register_actors(&mut registry, prefix, actors);
    }

    let mut text = String::new();
    prometheus_text::encode(&mut text, &registry)?;
    Ok(text)
}

fn gauge(registry: &mut Registry, name: String, help: &str, value: i64) {
    let gauge: Gauge = Gauge::default();
    gauge.set(value);
    registry.register(name, help, gauge);
}

fn register_reload(
    registry: &mut Registry,
    prefix: &str,
    status: &ReloadStatus,
    durations: &ReloadDurations,
) {
    gauge(
        registry,
        format!("{prefix}last_reload_success"),
        "1 unless the last reload was rejected or rolled back (1 before any reload)",
        i64::from(!status.failing),
    );

    let success_seconds: Gauge<f64, AtomicU64> = Gauge::default();
    success_seconds.set(status.last_success_ms.unwrap_or(0) as f64 / 1000.0);
    registry.register(
        format!("{prefix}last_reload_success_timestamp_seconds"),
        "Unix time of the last applied reload, 0 if none since start",
        success_seconds,
    );

    let reloads = Family::<ResultLabel, Counter>::default();
    let counts = &status.counts;
    for (kind, count) in [
        (ResultKind::Applied, counts.applied),
        (ResultKind::Unchanged, counts.unchanged),
        (ResultKind::Rejected, counts.rejected),
        (ResultKind::RolledBack, counts.rolled_back),
    ] {
        reloads
            .get_or_create(&ResultLabel {
                result: kind.name(),
            })
            .inc_by(count);
    }
    // The counter type appends `_total`.
    registry.register(
        format!("{prefix}reloads"),
        "Reloads finished since start, by result",
        reloads,
    );

    registry.register(
        format!("{prefix}reload_duration_seconds"),
        "Wall time of each finished reload, from trigger to commit or rollback",
        durations.histogram.clone(),
    );
    gauge(
        registry,
        format!("{prefix}config_revision"),
        "Log offset of the event that activated the config in force",
        clamp(status.revision),
    );
    gauge(
        registry,
        format!("{prefix}reload_pending_confirmation"),
        "1 while an applied revision waits for confirm",
        i64::from(status.pending.is_some()),
    );
    gauge(
        registry,
        format!("{prefix}reload_in_progress"),
        "1 while a reload runs",
        i64::from(status.in_progress),
    );
}

/// One labelled family per figure, registered under `name`.
struct PerActor<'a> {
    registry: &'a mut Registry,
    prefix: &'a str,
    actors: &'a [ChildStatus],
}

impl PerActor<'_> {
    fn gauge(&mut self, name: &str, help: &str, value: impl Fn(&ChildStatus) -> i64) {
        let family = Family::<ActorLabel, Gauge>::default();
        for child in self.actors {
            family.get_or_create(&label(child)).set(value(child));
        }
        self.registry
            .register(format!("{}{name}", self.prefix), help, family);
    }

    /// `name` without `_total`; the counter type appends it.
    fn counter(&mut self, name: &str, help: &str, value: impl Fn(&ChildStatus) -> u64) {
        let family = Family::<ActorLabel, Counter>::default();
        for child in self.actors {
            family.get_or_create(&label(child)).inc_by(value(child));
        }
        self.registry
            .register(format!("{}{name}", self.prefix), help, family);
    }
}

fn label(child: &ChildStatus) -> ActorLabel {
    ActorLabel {
        actor: child.name.clone(),
    }
}

fn register_actors(registry: &mut Registry, prefix: &str, actors: &[ChildStatus]) {
    let mut per = PerActor {
        registry,
        prefix,
        actors,
    };
    per.gauge("actor_up", "1 while the actor runs", |c| {
        i64::from(c.running)
    });
    per.gauge(
        "actor_recovering",
        "1 after a restart until enough health checks pass",
        |c| i64::from(c.recovering),
    );
    per.counter("actor_restarts", "Restarts since the node started", |c| {
        u64::from(c.restarts)
    });

    per.gauge(
        "mailbox_depth",
        "Messages queued now, system lane included",
        |c| clamp(c.mailbox.depth),
    );
    per.gauge(
        "mailbox_high_water_depth",
        "Largest queue depth seen",
        |c| clamp(c.mailbox.high_water_depth),
    );
    per.gauge(
        "mailbox_max_batch",
        "Largest batch handed to the actor",
        |c| clamp(c.mailbox.max_batch),
    );
    per.counter("mailbox_enqueued", "Messages accepted", |c| {
        c.mailbox.enqueued
    });
    per.counter("mailbox_delivered", "Messages handed to the actor", |c| {
        c.mailbox.delivered
    });
    per.counter(
        "mailbox_dropped_oldest",
        "Queued messages evicted to make room (drop_oldest)",
        |c| c.mailbox.dropped_oldest,
    );
    per.counter(
        "mailbox_dropped_newest",
        "New messages refused because the mailbox was full (drop_newest)",
        |c| c.mailbox.dropped_newest,
    );
    per.counter(
        "mailbox_rejected_full",
        "Sends handed back at once because the mailbox was full",
        |c| c.mailbox.rejected_full,
    );
    per.counter(
        "mailbox_timed_out",
        "Sends handed back after waiting message_timeout for room",
        |c| c.mailbox.timed_out,
    );
    per.counter("mailbox_dead_letters", "Dead letters recorded", |c| {
        c.mailbox.dead_letters
    });
    per.counter("mailbox_batches", "Non-empty batches handed out", |c| {
        c.mailbox.batches
    });
    per.counter(
        "mailbox_batch_messages",
        "Messages in those batches together",
        |c| c.mailbox.batch_messages,
    );
}

/// Gauges are `i64`; a `u64` past `i64::MAX` cannot occur for offsets or depths in practice,
/// and saturating beats wrapping to a negative reading if it ever did.
fn clamp(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::MailboxMetrics;
    use crate::reload::Outcome;

    fn finished(duration_us: u64, at_ms: u64) -> LastReload {
        LastReload {
            outcome: Outcome {
                result: ResultKind::Applied,
                revision: 7,
                offset: Some(7),
                changed_keys: vec![],
                impacted_actors: vec![],
                restarted_actors: vec![],
                reason: None,
                confirm_deadline_ms: None,
                duration_us,
            },
            trigger: "sighup".into(),
            at_ms,
        }
    }

    #[test]
    fn counters_carry_total_suffix_and_labels() {
        let mut status = ReloadStatus::default();
        status.counts.rejected = 3;
        let child = ChildStatus {
            name: "chain".into(),
            running: true,
            restarts: 2,
            recovering: false,
            mailbox: MailboxMetrics {
                dead_letters: 5,
                ..MailboxMetrics::default()
            },
        };

        let text = render("alys_", &status, Some(&[child]), &ReloadDurations::new()).unwrap();

        assert!(
            text.contains("alys_reloads_total{result=\"rejected\"} 3\n"),
            "{text}"
        );
        assert!(
            text.contains("alys_actor_restarts_total{actor=\"chain\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("alys_mailbox_dead_letters_total{actor=\"chain\"} 5\n"),
            "{text}"
        );
        assert!(text.contains("alys_last_reload_success 1\n"), "{text}");
    }

    #[test]
    fn actor_metrics_are_left_out_when_the_tree_did_not_answer() {
        let text = render(
            "x_",
            &ReloadStatus::default(),
            None,
            &ReloadDurations::new(),
        )
        .unwrap();

        assert!(!text.contains("x_actor_up"), "{text}");
        assert!(text.contains("x_config_revision 0\n"), "{text}");
    }

    #[tokio::test]
    async fn a_republished_status_with_the_same_reload_is_not_observed_twice() {
        let (tx, rx) = watch::channel(ReloadStatus::default());
        let durations = ReloadDurations::new();
        let task = tokio::spawn(observe_reloads(rx, None, durations.clone()));

        let mut status = ReloadStatus {
            last: Some(finished(1_500, 1)),
            ..ReloadStatus::default()
        };
        tx.send(status.clone()).unwrap();
        tokio::task::yield_now().await;
        status.in_progress = true;
        tx.send(status.clone()).unwrap();
        tokio::task::yield_now().await;
        status.last = Some(finished(2_000, 2));
        tx.send(status).unwrap();
        drop(tx);
        task.await.unwrap();

        assert_eq!(durations.count(), 2);
    }
}
