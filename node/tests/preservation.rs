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
    /// Panics in the handler, as a bug on one bad message would.
    Poison,
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
            TallyMsg::Poison => panic!("poisoned message"),
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
        limits: alys_node::actors::TreeLimits::default(),
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
        self.wait_for_restart().await;
    }

    async fn wait_for_restart(&self) {
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
    let (before, after, run) = restarted_run(strategy, words).await;
    (before, after, run.log.clone())
}

/// The counts before and after one crash, and the run (its data dir still there).
async fn restarted_run(strategy: StatePreservation, words: usize) -> (Counts, Counts, Run) {
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
    (before, after, r)
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
    let (before, after, run) = restarted_run(StatePreservation::FileBased, 9).await;
    assert_eq!(after, before);
    let file = run._dir.path().join("state").join("tally.json");
    let stored: Counts = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(stored, before, "{} holds the state", file.display());
    assert!(snapshots(&run.log).is_empty());
}

#[tokio::test]
async fn none_starts_from_the_default_state() {
    let (before, after, log) = state_across_a_restart(StatePreservation::None, 5).await;
    assert_eq!(before.total, 5);
    assert_eq!(after, Counts::default());
    assert!(snapshots(&log).is_empty());
}

/// The node's own `engine` actor (a section actor of this layer), not a test behaviour: what it
/// has done survives a crash, and its snapshots carry the revision it runs under after a reload.
#[tokio::test]
async fn the_engine_actor_keeps_its_work_across_a_crash_with_snapshots_of_its_revision() {
    use alys_config::schema::execution::ExecutionConfig;
    use alys_node::actors::{Section, SectionMsg, Work};

    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::open(&dir.path().join("eventlog")).unwrap();
    let strategy = StatePreservation::FullSerialization;
    let actor = ActorConfig {
        restart_strategy: Some(RestartStrategy::OneForOne(RestartLimit {
            max_retries: 5,
            within_time: Duration::from_secs(60),
        })),
        state_preservation: strategy,
        ..ActorConfig::default()
    };
    let system = ActorSystemConfig::default();
    let keep = Preserver::new("engine", strategy, log.clone(), 3, dir.path());
    let (child, mail) = spec(
        "engine",
        &actor,
        &system,
        MailboxSettings::for_actor(&system, &actor),
        keep,
        Section::<ExecutionConfig>::default,
        ExecutionConfig::default(),
        |c| Some(c.execution.clone()),
    );
    let (tx, _rx) = mpsc::unbounded_channel();
    let args = RootArgs {
        log: log.clone(),
        revision: 3,
        children: vec![child],
        jitter: Jitter::None,
        escalations: tx,
        limits: alys_node::actors::TreeLimits::default(),
    };
    let (root, _) = Actor::spawn(None, RootActor, args).await.unwrap();
    let work = || async {
        let (tx, rx) = oneshot::channel();
        mail.send(SectionMsg::Work(tx), Priority::DEFAULT)
            .await
            .unwrap();
        tokio::time::timeout(Duration::from_secs(30), rx)
            .await
            .unwrap()
            .unwrap()
    };
    for _ in 0..3 {
        let (tx, _) = oneshot::channel();
        mail.send(SectionMsg::Get(tx), Priority::DEFAULT)
            .await
            .unwrap();
    }
    assert_eq!(work().await.messages_handled, 4);
    snapshot_revisions(&log, 4).await;
    root.send_message(RootMsg::SetRevision(11)).unwrap();
    ractor::call!(root, RootMsg::Status).unwrap(); // the root has taken the revision
    let before = work().await;
    assert_eq!(
        before,
        Work {
            messages_handled: 5,
            sections_applied: 0
        }
    );

    root.send_message(RootMsg::Inject("engine".into(), Fault::Panic))
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !log.read(Offset(0), None).any(|e| {
        matches!(e.unwrap().event().unwrap(),
            Event::ActorLifecycle(l) if matches!(l.change, LifecycleChange::Restarted { .. }))
    }) {
        assert!(std::time::Instant::now() < deadline, "no restart recorded");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let after = work().await;
    assert_eq!(after.messages_handled, before.messages_handled + 1);

    let revisions = snapshot_revisions(&log, 6).await;
    assert_eq!(
        revisions,
        [3, 3, 3, 3, 11, 11],
        "one snapshot per handled message, under the revision in force"
    );
}

/// The revisions of the snapshots in the log once there are `count` of them (a snapshot is
/// appended right after the message that changed the state is answered), or after 20 s.
async fn snapshot_revisions(log: &EventLog, count: usize) -> Vec<u64> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let revisions: Vec<u64> = snapshots(log).into_iter().map(|(rev, _)| rev).collect();
        if revisions.len() >= count || std::time::Instant::now() > deadline {
            return revisions;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The test runtime has one thread, so the four sends queue before the actor drains them as one
/// batch; the panic on the second must not take the third and fourth with it.
#[tokio::test]
async fn messages_after_one_that_panics_in_the_same_batch_are_handled_after_the_restart() {
    let r = run(StatePreservation::InMemory).await;
    for msg in [
        TallyMsg::Add("a".into()),
        TallyMsg::Poison,
        TallyMsg::Add("b".into()),
        TallyMsg::Add("c".into()),
    ] {
        r.mail.send(msg, Priority::DEFAULT).await.unwrap();
    }
    r.wait_for_restart().await;
    let after = r.counts().await;
    assert_eq!(after.total, 3, "{after:?}");
    assert_eq!(after.words.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
    assert_eq!(r.mail.metrics().dead_letters, 0);
}
