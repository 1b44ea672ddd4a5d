//! Acknowledged appends survive SIGKILL: a child appends and prints each offset `append` returned;
//! the test kills it at random moments and checks that every printed offset is on disk and the
//! chain still verifies.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use alys_eventlog::EventLog;
use alys_tests::{bin, send_signal};
use rand::Rng;

const KILLS: usize = 20;

#[test]
fn every_acknowledged_offset_survives_sigkill_and_the_chain_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("eventlog");
    let child_bin = bin("append-child");
    let mut acknowledged = BTreeSet::new();
    let mut rng = rand::rng();

    for round in 0..KILLS {
        let mut child = Command::new(&child_bin)
            .arg(&db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line.parse::<u64>().expect("offset")).is_err() {
                    break;
                }
            }
        });

        // Wait for the first acknowledgement so each round kills a child that is appending.
        let first = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("child acknowledged an append");
        acknowledged.insert(first);
        let extra = rng.random_range(0..200u64);
        let deadline = std::time::Instant::now() + Duration::from_millis(extra);
        while std::time::Instant::now() < deadline {
            if let Ok(offset) = rx.recv_timeout(Duration::from_millis(1)) {
                acknowledged.insert(offset);
            }
        }
        send_signal(child.id(), libc::SIGKILL);
        let _ = child.wait();
        reader.join().unwrap();
        acknowledged.extend(rx.try_iter());

        let log = EventLog::open(&db).unwrap_or_else(|e| panic!("round {round}: reopen: {e}"));
        for offset in &acknowledged {
            assert!(
                log.get(alys_eventlog::Offset(*offset)).unwrap().is_some(),
                "round {round}: acknowledged offset {offset} lost"
            );
        }
        let report = log.verify();
        assert!(
            report.first_break.is_none(),
            "round {round}: {:?}",
            report.first_break
        );
    }
    assert!(
        acknowledged.len() > KILLS,
        "children acknowledged only {}",
        acknowledged.len()
    );
}
