//! Test helper for the durability test: appends events to the log at `argv[1]` from four threads
//! forever, printing each offset once `append` has returned (that is, once it is durable).

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use alys_eventlog::event::{Event, ReloadRequested};
use alys_eventlog::EventLog;

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).expect("usage: append-child DIR"));
    let log = EventLog::open(&dir).expect("open log");
    let out = Arc::new(Mutex::new(std::io::stdout()));
    let workers: Vec<_> = (0..4)
        .map(|worker| {
            let log = log.clone();
            let out = out.clone();
            std::thread::spawn(move || loop {
                let event = Event::ReloadRequested(ReloadRequested {
                    trigger: format!("child-{worker}"),
                });
                let offset = log.append(&event).expect("append");
                let mut out = out.lock().expect("stdout lock");
                writeln!(out, "{}", offset.0).expect("stdout");
                out.flush().expect("stdout flush");
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
}
