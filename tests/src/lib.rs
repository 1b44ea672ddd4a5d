//! Helpers shared by the workspace's end-to-end tests (the tests are in `tests/tests/`): finding
//! the built binaries and the fixtures, and polling with a deadline instead of sleeping.

pub mod node;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;
use std::time::{Duration, Instant};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_owned()
}

/// A file under `tests/fixtures/`.
pub fn fixture(relative: &str) -> PathBuf {
    workspace_root().join("tests/fixtures").join(relative)
}

/// The path of a workspace binary (`alys-node`, `alys-log`), built on first use when a test runs
/// without `cargo build --bins` having run first.
pub fn bin(name: &str) -> PathBuf {
    static BUILD: Once = Once::new();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let path = target.join("debug").join(name);
    BUILD.call_once(|| {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--bins", "--quiet"])
            .current_dir(workspace_root())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cargo build --bins failed");
    });
    assert!(path.exists(), "{} was not built", path.display());
    path
}

/// Polls `check` every 10 ms until it returns `Some` or `limit` passes.
pub fn wait_for<T>(limit: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sends `signal` to process `pid`.
pub fn send_signal(pid: u32, signal: i32) {
    // SAFETY: kill(2) with a pid we spawned and a valid signal number has no memory effects.
    let rc = unsafe { libc::kill(pid as libc::pid_t, signal) };
    assert_eq!(rc, 0, "kill({pid}, {signal}) failed");
}

/// A child process that is killed and reaped when dropped, so that a test that fails half-way
/// leaves no node running behind it.
#[derive(Debug)]
pub struct KillOnDrop(Option<std::process::Child>);

impl KillOnDrop {
    /// Takes charge of `child`.
    pub fn new(child: std::process::Child) -> Self {
        KillOnDrop(Some(child))
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.0.as_ref().map_or(0, std::process::Child::id)
    }

    /// The child, to wait for or to read its pipes; still killed on drop if it runs.
    pub fn child(&mut self) -> &mut std::process::Child {
        self.0.as_mut().expect("child present until dropped")
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
