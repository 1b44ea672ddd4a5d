//! Appends the root's lifecycle events in the order the root decided them, off the actor's
//! thread: appends wait for a flush, and the root must keep supervising meanwhile.

use std::sync::mpsc;
use std::thread::JoinHandle;

use alys_eventlog::event::Event;
use alys_eventlog::EventLog;

/// A queue of events and the thread that appends them one after another.
pub(super) struct Recorder {
    queue: Option<mpsc::Sender<Event>>,
    thread: Option<JoinHandle<()>>,
}

impl Recorder {
    pub(super) fn start(log: EventLog) -> Recorder {
        let (queue, events) = mpsc::channel::<Event>();
        let thread = std::thread::Builder::new()
            .name("alys-recorder".into())
            .spawn(move || {
                for event in events {
                    if let Err(error) = log.append(&event) {
                        tracing::warn!(target: "alys_node", %error, kind = %event.kind(), "lifecycle event not recorded");
                    }
                }
            })
            .ok();
        if thread.is_none() {
            tracing::error!(target: "alys_node", "could not start the recorder thread; lifecycle events are not recorded");
        }
        Recorder {
            queue: Some(queue),
            thread,
        }
    }

    pub(super) fn record(&self, event: Event) {
        if let Some(queue) = &self.queue {
            let _ = queue.send(event);
        }
    }

    /// Appends what is queued and stops the thread.
    pub(super) fn close(&mut self) {
        self.queue.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.close();
    }
}
