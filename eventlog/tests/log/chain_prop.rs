//! Property: whatever payloads are appended, the stored chain verifies and reads back.

use alys_eventlog::Offset;
use proptest::prelude::*;

use crate::common::{snapshot, temp_log};

proptest! {
    // Each case opens a sled database and flushes per append; a few dozen cases keep the run
    // short on a two-core machine.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn arbitrary_payloads_append_and_verify_without_a_break(
        payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..512), 1..24),
        batched in any::<bool>(),
    ) {
        let (_dir, log) = temp_log();
        let events: Vec<_> = payloads.iter().cloned().map(snapshot).collect();
        if batched {
            log.append_batch(&events).expect("append batch");
        } else {
            for event in &events {
                log.append(event).expect("append");
            }
        }

        let report = log.verify();
        prop_assert!(report.is_intact(), "{}", report);
        prop_assert_eq!(report.checked, events.len() as u64);
        let read: Vec<_> = log.read(Offset(0), None).collect::<Result<_, _>>().expect("read");
        let decoded: Vec<_> = read.iter().map(|e| e.event().expect("decode")).collect();
        prop_assert_eq!(decoded, events);
    }
}
