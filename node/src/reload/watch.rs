//! Watches the directories of the config files and reports each change of their content once.
//!
//! The directory is watched, never the file: editors save by renaming a temp file over the old
//! one, `mv` replaces the inode, Kubernetes swaps a `..data` symlink, and a file may not exist
//! yet. A watch on the file itself would miss all of these. Events only wake the watcher; what it
//! reports is decided by content: the blake3 of every file (or its absence) against the last
//! reported state, so a save that leaves the bytes alone reports nothing.

mod filter;
mod snapshot;

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use tokio::{
    sync::mpsc,
    task::JoinHandle,
    time::{Instant, MissedTickBehavior},
};
use tracing::{debug, trace, warn};

/// When the watcher reports a change: `[reload] watch` in the config. `Manual` watches
/// nothing; `Scheduled` reports the content every interval, changed or not.
pub use alys_config::schema::reload::WatchMode;
pub use snapshot::{Change, FileState};

use filter::Target;

/// Quiet time after the last event before a debounced change is reported.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(250);

/// Changes not yet taken by the receiver; the watcher waits for room rather than drop one.
const CHANGE_CAPACITY: usize = 16;

/// Why the watch could not start or had to stop; each variant names the path concerned.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The config file path has no file name (`/`, `..`).
    #[error("config path {path} does not name a file")]
    NotAFile {
        /// The path as given.
        path: PathBuf,
    },
    /// The directory that holds a config file does not exist or cannot be resolved.
    #[error("config directory {path} is missing or unreadable")]
    Directory {
        /// The directory, as derived from the config path.
        path: PathBuf,
        /// The error from resolving it.
        source: std::io::Error,
    },
    /// The platform watcher could not be created (inotify instances exhausted, for one).
    #[error("cannot start the config watch backend")]
    Backend {
        /// The error from the watcher backend.
        source: notify::Error,
    },
    /// The platform watcher refused the directory.
    #[error("cannot watch config directory {path}")]
    Watch {
        /// The canonical directory.
        path: PathBuf,
        /// The error from the watcher backend.
        source: notify::Error,
    },
    /// A config file exists but cannot be read (permissions, a directory in its place).
    #[error("cannot read config file {path}")]
    Read {
        /// The path as given.
        path: PathBuf,
        /// The error from reading it.
        source: std::io::Error,
    },
    /// `Scheduled` mode was asked for with a zero interval.
    #[error("scheduled re-read interval must be greater than zero")]
    ZeroInterval,
}

/// A running watch over a set of config files; dropping it stops the watch and closes the
/// receiver of changes.
#[derive(Debug)]
pub struct ConfigWatcher {
    /// The backend watcher; its thread stops when this is dropped.
    _backend: Option<RecommendedWatcher>,
    /// The task that turns wake-ups into changes.
    task: Option<JoinHandle<()>>,
    /// Held only in `Manual` mode, so the receiver stays open (and silent) while the watch lives.
    _idle: Option<mpsc::Sender<Change>>,
}

impl ConfigWatcher {
    /// Starts watching `files` and returns the watch and the receiver its changes arrive on.
    ///
    /// The content when `start` returns is the baseline: a change is reported only once some
    /// file's blake3 differs from the last reported (or baseline) state. An absent file is a
    /// state of its own, so a file that appears, or disappears, is a change.
    ///
    /// - `Immediate` reports on the first event that finds the content changed.
    /// - `Debounced` reports `debounce` after the last event ([`DEFAULT_DEBOUNCE`] is usual).
    /// - `Scheduled` ignores events and reports the content every `interval`, even unchanged.
    /// - `Manual` watches nothing; the receiver stays open and silent until the watch is
    ///   dropped.
    ///
    /// A file that exists but cannot be read skips that report (logged as a warning) and is
    /// read again on the next event.
    ///
    /// # Errors
    ///
    /// Fails when a path names no file, a file's directory is missing, the backend refuses a
    /// directory, the baseline cannot be read, or `Scheduled` is given a zero `interval`.
    ///
    /// # Panics
    ///
    /// Must be called inside a tokio runtime (the watch runs as a task).
    pub fn start(
        files: Vec<PathBuf>,
        mode: WatchMode,
        debounce: Duration,
        interval: Duration,
    ) -> Result<(ConfigWatcher, mpsc::Receiver<Change>), WatchError> {
        let targets = files
            .iter()
            .map(|f| target_of(f))
            .collect::<Result<Vec<_>, _>>()?;
        let (change_tx, change_rx) = mpsc::channel(CHANGE_CAPACITY);
        debug!(target: "alys_node", files = ?files, ?mode, ?debounce, "config watch starting");

        let watcher = match mode {
            WatchMode::Manual => ConfigWatcher {
                _backend: None,
                task: None,
                _idle: Some(change_tx),
            },
            WatchMode::Scheduled => {
                if interval.is_zero() {
                    return Err(WatchError::ZeroInterval);
                }
                let task = tokio::spawn(run_scheduled(files, interval, change_tx));
                ConfigWatcher {
                    _backend: None,
                    task: Some(task),
                    _idle: None,
                }
            }
            WatchMode::Immediate | WatchMode::Debounced => {
                // Watch before reading the baseline: a change in between is then either in the
                // baseline or woken by an event, never lost.
                let (wake_tx, wake_rx) = mpsc::channel(1);
                let backend = start_backend(targets, wake_tx)?;
                let baseline = snapshot::read_all(&files)?;
                let quiet = (mode == WatchMode::Debounced).then_some(debounce);
                let task = tokio::spawn(run_watch(files, baseline, quiet, wake_rx, change_tx));
                ConfigWatcher {
                    _backend: Some(backend),
                    task: Some(task),
                    _idle: None,
                }
            }
        };
        Ok((watcher, change_rx))
    }
}

impl Drop for ConfigWatcher {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        debug!(target: "alys_node", "config watch stopped");
    }
}

/// Splits a config path into its canonical directory and file name.
fn target_of(file: &Path) -> Result<Target, WatchError> {
    let name = file
        .file_name()
        .ok_or_else(|| WatchError::NotAFile {
            path: file.to_path_buf(),
        })?
        .to_os_string();
    let dir = match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir = dir
        .canonicalize()
        .map_err(|source| WatchError::Directory { path: dir, source })?;
    Ok(Target { dir, name })
}

/// Registers a non-recursive watch on every target's directory. The backend runs its own
/// thread; each relevant event becomes one wake-up, and a wake-up already pending absorbs the
/// next, since the content is read afresh anyway.
fn start_backend(
    targets: Vec<Target>,
    wake: mpsc::Sender<()>,
) -> Result<RecommendedWatcher, WatchError> {
    let handler_targets = targets.clone();
    let mut backend = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        match res {
            Ok(event) => {
                // Only events about the config files are traced: a node writing its own log into
                // a watched directory would otherwise trace every write it makes, without end.
                if filter::is_relevant(&handler_targets, &event) {
                    trace!(target: "alys_node", kind = ?event.kind, paths = ?event.paths,
                        "config file event");
                    let _ = wake.try_send(());
                }
            }
            Err(e) => {
                // The backend may have lost events; reading again is the only safe answer.
                warn!(target: "alys_node", error = %e, "config watch backend error");
                let _ = wake.try_send(());
            }
        }
    })
    .map_err(|source| WatchError::Backend { source })?;

    let mut dirs: Vec<&PathBuf> = targets.iter().map(|t| &t.dir).collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        backend
            .watch(dir, RecursiveMode::NonRecursive)
            .map_err(|source| WatchError::Watch {
                path: dir.clone(),
                source,
            })?;
    }
    Ok(backend)
}

/// Turns wake-ups into changes: at once when `quiet` is `None`, otherwise once no wake-up has
/// arrived for `quiet`.
async fn run_watch(
    files: Vec<PathBuf>,
    mut last: Change,
    quiet: Option<Duration>,
    mut wake: mpsc::Receiver<()>,
    changes: mpsc::Sender<Change>,
) {
    while wake.recv().await.is_some() {
        if let Some(quiet) = quiet {
            if !wait_quiet(&mut wake, quiet).await {
                return;
            }
        }
        let Some(current) = read_current(&files).await else {
            continue;
        };
        if current.fingerprint() == last.fingerprint() {
            debug!(target: "alys_node", "config content unchanged, not reported");
            continue;
        }
        debug!(target: "alys_node", hashes = ?current.fingerprint(), "config content changed");
        if changes.send(current.clone()).await.is_err() {
            debug!(target: "alys_node", "change receiver dropped, config watch ending");
            return;
        }
        last = current;
    }
}

/// Waits until no wake-up has arrived for `quiet`; false when the backend is gone.
async fn wait_quiet(wake: &mut mpsc::Receiver<()>, quiet: Duration) -> bool {
    let mut deadline = Instant::now() + quiet;
    loop {
        tokio::select! {
            woke = wake.recv() => {
                if woke.is_none() {
                    return false;
                }
                deadline = Instant::now() + quiet;
            }
            () = tokio::time::sleep_until(deadline) => return true,
        }
    }
}

/// Reports the content every `interval`, changed or not.
async fn run_scheduled(files: Vec<PathBuf>, interval: Duration, changes: mpsc::Sender<Change>) {
    let mut ticks = tokio::time::interval_at(Instant::now() + interval, interval);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(current) = read_current(&files).await else {
            continue;
        };
        trace!(target: "alys_node", "scheduled config re-read");
        if changes.send(current).await.is_err() {
            debug!(target: "alys_node", "change receiver dropped, config watch ending");
            return;
        }
    }
}

/// Reads every file off the runtime's threads; `None` (with a warning) when one cannot be read.
async fn read_current(files: &[PathBuf]) -> Option<Change> {
    let owned = files.to_vec();
    match tokio::task::spawn_blocking(move || snapshot::read_all(&owned)).await {
        Ok(Ok(change)) => Some(change),
        Ok(Err(e)) => {
            warn!(target: "alys_node", error = %e, "config re-read failed, waiting for next event");
            None
        }
        Err(e) => {
            warn!(target: "alys_node", error = %e, "config re-read task failed");
            None
        }
    }
}
