//! Hot reload through the built binary, triggered by real filesystem events and real signals:
//! editor saves, `mv`, a Kubernetes-style symlink swap, temp-file noise, identical saves, a
//! half-written file, a write storm, and SIGHUP in manual mode.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::Duration;

use alys_tests::node::{config_at, payload, Node};
use alys_tests::send_signal;

/// Long enough for a debounced reload that is not coming to have come.
const QUIET: Duration = Duration::from_millis(1500);

fn config(mode: &str, retries: u32) -> String {
    format!(
        "[reload]\nwatch = \"{mode}\"\ndebounce = \"100ms\"\n\n[execution]\nmax_retries = {retries}\n"
    )
}

/// The `execution.max_retries` each applied reload set, in order.
fn applied_retries(node: &Node) -> Vec<String> {
    node.events("reload_applied")
        .iter()
        .map(|e| {
            let diff = payload(e, "ReloadApplied")["diff"]
                .as_array()
                .expect("diff")
                .clone();
            diff.iter()
                .find(|c| c["key"] == "execution.max_retries")
                .map(|c| c["new"].as_str().unwrap_or_default().to_owned())
                .unwrap_or_default()
        })
        .collect()
}

fn vim_save(dir: &Path, name: &str, content: &str) {
    fs::write(dir.join("4913"), "").unwrap();
    fs::remove_file(dir.join("4913")).unwrap();
    fs::copy(dir.join(name), dir.join(format!("{name}~"))).unwrap();
    fs::write(dir.join(format!(".{name}.swp")), "swap").unwrap();
    let tmp = dir.join(format!(".{name}.new"));
    fs::write(&tmp, content).unwrap();
    fs::rename(&tmp, dir.join(name)).unwrap();
    fs::remove_file(dir.join(format!(".{name}.swp"))).unwrap();
}

#[test]
fn two_editor_saves_give_two_reloads_with_their_content() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    fs::write(&file, config("debounced", 3)).unwrap();
    let node = Node::start(&[&file], &dir.path().join("data"), &[]);

    vim_save(dir.path(), "alys.toml", &config("debounced", 4));
    node.wait_events("reload_applied", 1);
    vim_save(dir.path(), "alys.toml", &config("debounced", 5));
    node.wait_events("reload_applied", 2);
    std::thread::sleep(QUIET);

    assert_eq!(applied_retries(&node), ["4", "5"]);
    assert_eq!(node.stop(), 0);
}

#[test]
fn mv_over_the_config_reloads_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    fs::write(&file, config("immediate", 3)).unwrap();
    let node = Node::start(&[&file], &dir.path().join("data"), &[]);

    let new = dir.path().join("new.toml");
    fs::write(&new, config("immediate", 7)).unwrap();
    fs::rename(&new, &file).unwrap();
    node.wait_events("reload_applied", 1);
    std::thread::sleep(QUIET);

    assert_eq!(applied_retries(&node), ["7"]);
}

#[test]
fn kubernetes_symlink_swap_reloads_once_with_the_new_target() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (version, retries) in [("..v1", 3), ("..v2", 9)] {
        fs::create_dir(root.join(version)).unwrap();
        fs::write(
            root.join(version).join("alys.toml"),
            config("debounced", retries),
        )
        .unwrap();
    }
    symlink("..v1", root.join("..data")).unwrap();
    symlink("..data/alys.toml", root.join("alys.toml")).unwrap();
    let node = Node::start(&[&root.join("alys.toml")], &root.join("data"), &[]);

    // `ln -sfn ..v2 ..data`: a new link renamed over the old one.
    symlink("..v2", root.join("..data_tmp")).unwrap();
    fs::rename(root.join("..data_tmp"), root.join("..data")).unwrap();
    node.wait_events("reload_applied", 1);
    std::thread::sleep(QUIET);

    assert_eq!(applied_retries(&node), ["9"]);
}

#[test]
fn temp_files_and_identical_saves_do_not_reload() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    // Debounced: the in-place rewrite below truncates before it writes, and an immediate watch
    // may read the empty file between the two (rejected, as a half-written file should be).
    let content = config("debounced", 3);
    fs::write(&file, &content).unwrap();
    let node = Node::start(&[&file], &dir.path().join("data"), &[]);

    for name in ["4913", "alys.toml~", ".#alys.toml", ".alys.toml.swp"] {
        fs::write(dir.path().join(name), "garbage = [").unwrap();
    }
    vim_save(dir.path(), "alys.toml", &content);
    fs::write(&file, &content).unwrap();
    std::thread::sleep(QUIET);

    assert!(
        node.events("reload_").is_empty(),
        "{:?}",
        node.events("reload_")
    );
}

#[test]
fn half_written_file_is_rejected_then_the_final_content_applies() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    fs::write(&file, config("immediate", 3)).unwrap();
    let node = Node::start(&[&file], &dir.path().join("data"), &[]);

    // `: > alys.toml; sleep 0.2; cat good.toml > alys.toml`
    fs::write(&file, "").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    fs::write(&file, config("immediate", 8)).unwrap();
    let applied = node.wait_events("reload_applied", 1);
    std::thread::sleep(QUIET);

    let rejected = node.events("reload_rejected");
    assert!(!rejected.is_empty(), "the empty file was not rejected");
    let reason = payload(&rejected[0], "ReloadRejected")["reason"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        reason.contains("alys.toml") && reason.contains("empty"),
        "{reason}"
    );
    assert_eq!(applied_retries(&node), ["8"]);
    let head = applied[0]["offset"].as_u64().unwrap();
    assert!(config_at(&node.data, head).contains("max_retries = 8"));
}

#[test]
fn storm_of_500_writes_in_a_second_gives_few_reloads_ending_on_the_last() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    fs::write(&file, config("debounced", 0)).unwrap();
    let node = Node::start(&[&file], &dir.path().join("data"), &[]);

    for i in 1..=500 {
        fs::write(&file, config("debounced", i)).unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    let last = node
        .wait_events("reload_applied", 1)
        .last()
        .map(|e| e["offset"].as_u64().unwrap());
    let settled = alys_tests::wait_for(Duration::from_secs(30), || {
        let applied = applied_retries(&node);
        (applied.last().map(String::as_str) == Some("500")).then_some(applied)
    })
    .unwrap_or_else(|| panic!("never settled on 500: {:?}", applied_retries(&node)));
    std::thread::sleep(QUIET);

    let applied = applied_retries(&node);
    assert_eq!(applied, settled, "a reload came after the final content");
    assert!(
        applied.len() <= 10,
        "{} reloads for one storm",
        applied.len()
    );
    assert!(last.is_some());
    let head = node.events("reload_applied").last().unwrap()["offset"]
        .as_u64()
        .unwrap();
    assert!(config_at(&node.data, head).contains("max_retries = 500"));
}

#[test]
fn sighup_reloads_in_manual_mode_and_file_events_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    fs::write(&file, config("manual", 3)).unwrap();
    let node = Node::start(&[&file], &dir.path().join("data"), &[]);

    fs::write(&file, config("manual", 6)).unwrap();
    std::thread::sleep(QUIET);
    assert!(node.events("reload_").is_empty());

    send_signal(node.pid(), libc::SIGHUP);
    let requested = node.wait_events("reload_requested", 1);
    assert_eq!(
        payload(&requested[0], "ReloadRequested")["trigger"],
        "sighup"
    );
    node.wait_events("reload_applied", 1);
    assert_eq!(applied_retries(&node), ["6"]);
}

#[test]
fn an_optional_file_absent_at_start_applies_once_when_it_appears() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("alys.toml");
    fs::write(&base, config("debounced", 3)).unwrap();
    let extra = dir.path().join("override.toml");
    let extra_arg = extra.display().to_string();
    let node = Node::start_with_args(
        &[&base],
        &dir.path().join("data"),
        &[],
        &["--config-optional", &extra_arg],
    );
    assert!(node.events("reload_applied").is_empty());

    // Dropped in the way a deploy tool does it: written aside, renamed into place.
    let tmp = dir.path().join(".override.toml.tmp");
    fs::write(&tmp, "[execution]\nmax_retries = 8\n").unwrap();
    fs::rename(&tmp, &extra).unwrap();
    node.wait_events("reload_applied", 1);
    std::thread::sleep(QUIET);

    assert_eq!(applied_retries(&node), ["8"]);
    assert_eq!(node.stop(), 0);
}
