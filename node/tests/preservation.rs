//! An actor's state equals what it was before a failure once it has restarted, for each state
//! preservation strategy that keeps state; `none` starts afresh. Real sled log, real files.

use std::collections::BTreeMap;
use std::time::Duration;

use alys_config::schema::actors::{
    ActorConfig, ActorSystemConfig, RestartLimit, RestartStrategy, StatePreservation,
};
use alys_eventlog::event::{Event, LifecycleChange};
use alys_eventlog::{EventLog, Offset};
use alys_node::actors::{spec, Behaviour, Fault, Preserver, RootActor, RootArgs, RootMsg};
use alys_node::mailbox::{MailboxSender, MailboxSettings, Priority};
use alys_node::supervision::Jitter;
use ractor::{Actor, ActorProcessingErr, ActorRef};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

/// A tally of words: enough structure for patches to add, change and keep keys.
#[derive(Debug, Default)]
struct Tally;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Counts {
    total: u64,
    words: BTreeMap<String, u64>,
}

#[derive(Debug)]
enum TallyMsg {
    Add(String),
    Get(oneshot::Sender<Counts>),
}

impl Behaviour for Tally {
    type Msg = TallyMsg;
    type State = Counts;
    type Args = ();

    fn start(&self, _: &()) -> Result<Counts, ActorProcessingErr> {
        Ok(Counts::default())
    }

    fn handle(&self, msg: TallyMsg, state: &mut Counts) -> Result<(), ActorProcessingErr> {
        match msg {
            TallyMsg::Add(word) => {
                state.total += 1;
                *state.words.entry(word).or_default() += 1;
            }
            TallyMsg::Get(reply) => {
                let _ = reply.send(state.clone());
            }
        }
        Ok(())
    }

    fn preserve(&self, state: &Counts) -> Option<serde_json::Value> {
        serde_json::to_value(state).ok()
    }

    fn restore(
        &self,
        state: &mut Counts,
        preserved: serde_json::Value,
    ) -> Result<(), ActorProcessingErr> {
        *state = serde_json::from_value(preserved)?;
        Ok(())
    }
}

struct Run {
    _dir: tempfile::TempDir,
    log: EventLog,
    root: ActorRef<RootMsg>,
    mail: MailboxSender<TallyMsg>,
    _escalations: mpsc::UnboundedReceiver<alys_node::supervision::Escalation>,
}

async fn run(strategy: StatePreservation) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::open(&dir.path().join("eventlog")).unwrap();
    let restart = RestartStrategy::OneForOne(RestartLimit {
        max_retries: 5,
        within_time: Duration::from_secs(60),
    });
    let actor = ActorConfig {
        restart_strategy: Some(restart.clone()),
        state_preservation: strategy,
        ..ActorConfig::default()
    };
    let system = ActorSystemConfig::default();
    let keep = Preserver::new("tally", strategy, log.clone(), 3, dir.path());
    let (child, mail) = spec(
        "tally",
        &actor,
        &system,
        MailboxSettings::for_actor(&system, &actor),
        keep,
        Tally::default,
        (),
        |_| None,
    );
    let (tx, rx) = mpsc::unbounded_channel();
    let args = RootArgs {
        log: log.clone(),
        revision: 3,
        children: vec![child],
        jitter: Jitter::None,
        escalations: tx,
    };
    let (root, _) = Actor::spawn(None, RootActor, args).await.unwrap();
    Run {
        _dir: dir,
        log,
        root,
        mail,
        _escalations: rx,
    }
}

impl Run {
    async fn counts(&self) -> Counts {
        let (tx, rx) = oneshot::channel();
        self.mail
            .send(TallyMsg::Get(tx), Priority::DEFAULT)
            .await
            .unwrap();
        tokio::time::timeout(Duration::from_secs(30), rx)
            .await
            .unwrap()
            .unwrap()
    }

    async fn crash_and_wait_for_restart(&self) {
        self.root
            .send_message(RootMsg::Inject("tally".into(), Fault::Panic))
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let restarted = self.log.read(Offset(0), None).any(|e| {
                matches!(e.unwrap().event().unwrap(), Event::ActorLifecycle(l) if matches!(l.change, LifecycleChange::Restarted { .. }))
            });
            if restarted {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "no restart recorded");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

async fn state_across_a_restart(
    strategy: StatePreservation,
    words: usize,
) -> (Counts, Counts, EventLog) {
    let r = run(strategy).await;
    for i in 0..words {
        r.mail
            .send(TallyMsg::Add(format!("w{}", i % 5)), Priority::DEFAULT)
            .await
            .unwrap();
    }
    let before = r.counts().await;
    assert_eq!(before.total, words as u64);
    r.crash_and_wait_for_restart().await;
    let after = r.counts().await;
    (before, after, r.log.clone())
}

fn snapshots(log: &EventLog) -> Vec<(u64, String)> {
    log.read(Offset(0), None)
        .filter_map(|e| match e.unwrap().event().unwrap() {
            Event::ActorSnapshot(s) => Some((s.config_revision, s.strategy)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn full_serialization_restores_the_latest_snapshot_from_the_log() {
    let (before, after, log) =
        state_across_a_restart(StatePreservation::FullSerialization, 12).await;
    assert_eq!(after, before);
    let snaps = snapshots(&log);
    assert_eq!(snaps.len(), 12);
    assert!(snaps
        .iter()
        .all(|(rev, kind)| *rev == 3 && kind == "full_serialization"));
}

#[tokio::test]
async fn incremental_restores_a_base_plus_patches_from_the_log() {
    let (before, after, log) = state_across_a_restart(StatePreservation::Incremental, 40).await;
    assert_eq!(after, before);
    let kinds: Vec<String> = snapshots(&log).into_iter().map(|(_, k)| k).collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "incremental_base").count(),
        3,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "incremental_patch").count(),
        37,
        "{kinds:?}"
    );
}

#[tokio::test]
async fn in_memory_hands_the_state_to_the_next_incarnation() {
    let (before, after, log) = state_across_a_restart(StatePreservation::InMemory, 7).await;
    assert_eq!(after, before);
    assert!(
        snapshots(&log).is_empty(),
        "in_memory writes no snapshot events"
    );
}

#[tokio::test]
async fn file_based_restores_from_the_state_file() {
    let (before, after, _log) = state_across_a_restart(StatePreservation::FileBased, 9).await;
    assert_eq!(after, before);
}

#[tokio::test]
async fn none_starts_from_the_default_state() {
    let (before, after, log) = state_across_a_restart(StatePreservation::None, 5).await;
    assert_eq!(before.total, 5);
    assert_eq!(after, Counts::default());
    assert!(snapshots(&log).is_empty());
}
