//! The config watcher against real filesystem events: editor saves, renames, symlink swaps,
//! late files, temp-file noise, write storms and half-written files.

use std::{
    fs,
    os::unix::fs::symlink,
    path::{Path, PathBuf},
    time::Duration,
};

use alys_node::reload::watch::{
    Change, ConfigWatcher, FileState, WatchError, WatchMode, DEFAULT_DEBOUNCE,
};
use tokio::{sync::mpsc::Receiver, time::timeout};

/// How long an expected change may take; generous because CI machines stall.
const EXPECT_WITHIN: Duration = Duration::from_secs(10);

/// How long to listen before concluding no change is coming.
const SILENCE: Duration = Duration::from_millis(250 * 4);

const UNUSED_INTERVAL: Duration = Duration::from_secs(3600);

fn start(files: Vec<PathBuf>, mode: WatchMode) -> (ConfigWatcher, Receiver<Change>) {
    ConfigWatcher::start(files, mode, DEFAULT_DEBOUNCE, UNUSED_INTERVAL).expect("watch starts")
}

async fn next_change(rx: &mut Receiver<Change>) -> Change {
    timeout(EXPECT_WITHIN, rx.recv())
        .await
        .expect("a change within the deadline")
        .expect("open")
}

async fn assert_silent(rx: &mut Receiver<Change>) {
    if let Ok(change) = timeout(SILENCE, rx.recv()).await {
        panic!("expected no change, got {change:?}");
    }
}

/// Receives changes until one holds `expected` as its first file's bytes; returns how many
/// changes arrived, the matching one included.
async fn changes_until(rx: &mut Receiver<Change>, expected: &[u8]) -> usize {
    let mut seen = 0;
    loop {
        let change = next_change(rx).await;
        seen += 1;
        if bytes_of(&change) == Some(expected) {
            return seen;
        }
    }
}

fn bytes_of(change: &Change) -> Option<&[u8]> {
    match &change.files[0].1 {
        FileState::Present { bytes, .. } => Some(bytes),
        FileState::Absent => None,
    }
}

/// Saves the way vim does with `backupcopy=no`: probe `4913`, back up to `name~`, write a new
/// file and rename it over the old one.
fn editor_save(dir: &Path, name: &str, content: &[u8]) {
    let probe = dir.join("4913");
    fs::write(&probe, b"").expect("probe");
    fs::remove_file(&probe).expect("remove probe");
    let _ = fs::copy(dir.join(name), dir.join(format!("{name}~")));
    let tmp = dir.join(format!(".{name}.tmp"));
    fs::write(&tmp, content).expect("write temp");
    fs::rename(&tmp, dir.join(name)).expect("rename over");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_rename_over_saves_give_two_changes_with_their_content() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("alys.toml");
    fs::write(&file, b"v = 1\n").expect("write");
    let (_watch, mut rx) = start(vec![file.clone()], WatchMode::Debounced);

    editor_save(dir.path(), "alys.toml", b"v = 2\n");
    let first = next_change(&mut rx).await;
    assert_eq!(bytes_of(&first), Some(&b"v = 2\n"[..]));
    assert_eq!(first.files[0].0, file);

    editor_save(dir.path(), "alys.toml", b"v = 3\n");
    let second = next_change(&mut rx).await;
    assert_eq!(bytes_of(&second), Some(&b"v = 3\n"[..]));
    assert_silent(&mut rx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_with_identical_content_gives_no_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("alys.toml");
    fs::write(&file, b"v = 1\n").expect("write");
    let (_watch, mut rx) = start(vec![file], WatchMode::Immediate);

    editor_save(dir.path(), "alys.toml", b"v = 1\n");
    assert_silent(&mut rx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mv_over_the_config_gives_one_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("alys.toml");
    fs::write(&file, b"v = 1\n").expect("write");
    let (_watch, mut rx) = start(vec![file.clone()], WatchMode::Debounced);

    let new = dir.path().join("new.toml");
    fs::write(&new, b"v = 2\n").expect("write new");
    fs::rename(&new, &file).expect("mv");
    assert_eq!(bytes_of(&next_change(&mut rx).await), Some(&b"v = 2\n"[..]));
    assert_silent(&mut rx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubernetes_symlink_swap_gives_one_change_with_the_new_content() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    for (version, content) in [("..v1", "v = 1\n"), ("..v2", "v = 2\n")] {
        fs::create_dir(root.join(version)).expect("mkdir");
        fs::write(root.join(version).join("alys.toml"), content).expect("write");
    }
    symlink("..v1", root.join("..data")).expect("link data");
    symlink("..data/alys.toml", root.join("alys.toml")).expect("link file");
    let (_watch, mut rx) = start(vec![root.join("alys.toml")], WatchMode::Debounced);

    // What the kubelet does: a new link under a temp name, renamed over `..data`.
    symlink("..v2", root.join("..data_tmp")).expect("link tmp");
    fs::rename(root.join("..data_tmp"), root.join("..data")).expect("swap");
    assert_eq!(bytes_of(&next_change(&mut rx).await), Some(&b"v = 2\n"[..]));
    assert_silent(&mut rx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_missing_at_start_reports_when_it_appears() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("alys.toml");
    let (_watch, mut rx) = start(vec![file.clone()], WatchMode::Debounced);

    fs::write(&file, b"v = 1\n").expect("write");
    assert_eq!(changes_until(&mut rx, b"v = 1\n").await, 1);
    assert_silent(&mut rx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_the_file_reports_it_absent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("alys.toml");
    fs::write(&file, b"v = 1\n").expect("write");
    let (_watch, mut rx) = start(vec![file.clone()], WatchMode::Immediate);

    fs::remove_file(&file).expect("rm");
    assert_eq!(next_change(&mut rx).await.files[0].1, FileState::Absent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editor_temp_files_give_no_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("alys.toml");
    fs::write(&file, b"v = 1\n").expect("write");
    let (_watch, mut rx) = start(vec![file], WatchMode::Immediate);

    for name in [
        "4913",
        ".alys.toml.swp",
        "alys.toml~",
        ".#alys.toml",
        "other.toml",
    ] {
        fs::write(dir.path().join(name), b"noise").expect("write temp");
    }
    assert_silent(&mut rx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_storm_coalesces_and_ends_on_the_final_content() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("alys.toml");
    fs::write(&file, b"n = 0\n").expect("write");
    let (_watch, mut rx) = start(vec![file.clone()], WatchMode::Debounced);

    let writer = file.clone();
    tokio::task::spawn_blocking(move || {
        for n in 1..=500 {
            fs::write(&writer, format!("n = {n}\n")).expect("storm write");
            std::thread::sleep(Duration::from_millis(2));
        }
    })
    .await
    .expect("storm");

    let seen = changes_until(&mut rx, b"n = 500\n").await;
    assert!(seen < 20, "{seen} changes for 500 writes");
    assert_silent(&mut rx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_written_file_ends_on_the_full_content() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("alys.toml");
    fs::write(&file, b"v = 1\n").expect("write");
    let (_watch, mut rx) = start(vec![file.clone()], WatchMode::Debounced);

    // `: > alys.toml; sleep 0.2; cat good.toml > alys.toml`; the empty state may be reported.
    fs::write(&file, b"").expect("truncate");
    tokio::time::sleep(Duration::from_millis(200)).await;
    fs::write(&file, b"v = 2\n").expect("full write");
    changes_until(&mut rx, b"v = 2\n").await;
    assert_silent(&mut rx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_mode_reports_unchanged_content_every_interval() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("alys.toml");
    fs::write(&file, b"v = 1\n").expect("write");
    let interval = Duration::from_millis(50);
    let (_watch, mut rx) =
        ConfigWatcher::start(vec![file], WatchMode::Scheduled, DEFAULT_DEBOUNCE, interval)
            .expect("watch starts");

    for _ in 0..2 {
        assert_eq!(bytes_of(&next_change(&mut rx).await), Some(&b"v = 1\n"[..]));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_mode_reports_nothing_and_closes_on_drop() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("alys.toml");
    let (watch, mut rx) = start(vec![file.clone()], WatchMode::Manual);

    fs::write(&file, b"v = 1\n").expect("write");
    assert_silent(&mut rx).await;
    drop(watch);
    assert!(timeout(EXPECT_WITHIN, rx.recv())
        .await
        .expect("closes")
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_watcher_closes_the_receiver() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("alys.toml");
    let (watch, mut rx) = start(vec![file], WatchMode::Immediate);

    drop(watch);
    assert!(timeout(EXPECT_WITHIN, rx.recv())
        .await
        .expect("closes")
        .is_none());
}

#[tokio::test]
async fn missing_directory_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nowhere");
    let err = ConfigWatcher::start(
        vec![missing.join("alys.toml")],
        WatchMode::Debounced,
        DEFAULT_DEBOUNCE,
        UNUSED_INTERVAL,
    )
    .expect_err("missing directory");
    assert!(
        matches!(&err, WatchError::Directory { path, .. } if *path == missing),
        "{err:?}"
    );
    assert!(err.to_string().contains("nowhere"), "{err}");
}
