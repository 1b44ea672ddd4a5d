//! A running `alys-node` for end-to-end tests: started on real files in a temporary directory,
//! observed through its event log (`alys-log`), stopped with real signals.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::{bin, send_signal, wait_for};

/// The `alys-node` command with the metrics endpoint on a free port, so that tests running in
/// parallel do not compete for the default one.
pub fn node_command() -> Command {
    let mut cmd = Command::new(bin("alys-node"));
    cmd.env("ALYS_MONITORING__BIND_ADDR", "127.0.0.1:0");
    cmd
}

/// A node process and its data directory; killed on drop if still running.
pub struct Node {
    child: Option<Child>,
    /// The data directory.
    pub data: PathBuf,
    /// Where its stdout and stderr go.
    pub output: PathBuf,
}

impl Node {
    /// Starts `alys-node run` on `files` with `sets` (`key=value`) and fault injection on, and
    /// waits until it serves its control socket.
    pub fn start(files: &[&Path], data: &Path, sets: &[&str]) -> Node {
        Node::start_with_args(files, data, sets, &[])
    }

    /// [`Node::start`] with further arguments for `alys-node run` (`--config-optional F` ...).
    pub fn start_with_args(files: &[&Path], data: &Path, sets: &[&str], args: &[&str]) -> Node {
        let output = data.with_extension("out");
        let log = File::options()
            .create(true)
            .append(true)
            .open(&output)
            .expect("output file");
        let mut cmd = node_command();
        cmd.arg("run")
            .arg("--data-dir")
            .arg(data)
            .arg("--fault-injection");
        for file in files {
            cmd.arg("--config").arg(file);
        }
        for set in sets {
            cmd.arg("--set").arg(set);
        }
        cmd.args(args);
        let child = cmd
            .stdout(Stdio::from(log.try_clone().expect("clone")))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("node starts");
        let node = Node {
            child: Some(child),
            data: data.to_owned(),
            output,
        };
        node.wait_ready();
        node
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    fn wait_ready(&self) {
        let socket = self.data.join("control.sock");
        // The socket file may be left over from a killed run: ready means it answers.
        let ready = wait_for(Duration::from_secs(60), || {
            std::os::unix::net::UnixStream::connect(&socket)
                .ok()
                .map(|_| ())
        });
        if ready.is_none() {
            panic!("node did not start:\n{}", self.output_text());
        }
    }

    /// What the node printed so far.
    pub fn output_text(&self) -> String {
        std::fs::read_to_string(&self.output).unwrap_or_default()
    }

    /// The events whose kind starts with `kind`, as `alys-log inspect --json` prints them.
    pub fn events(&self, kind: &str) -> Vec<Value> {
        events(&self.data, kind)
    }

    /// Waits until at least `count` events of `kind` are in the log, and returns them all.
    pub fn wait_events(&self, kind: &str, count: usize) -> Vec<Value> {
        wait_for(Duration::from_secs(30), || {
            let found = self.events(kind);
            (found.len() >= count).then_some(found)
        })
        .unwrap_or_else(|| {
            panic!(
                "fewer than {count} {kind} events; log has {:?}\n{}",
                self.events(""),
                self.output_text()
            )
        })
    }

    /// Waits for the first `reload rejected` and returns its offset and reason.
    pub fn first_rejection(&self) -> (u64, String) {
        let rejected = &self.wait_events("reload_rejected", 1)[0];
        let reason = payload(rejected, "ReloadRejected")["reason"]
            .as_str()
            .expect("reason")
            .to_owned();
        (rejected["offset"].as_u64().expect("offset"), reason)
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn stop(mut self) -> i32 {
        let mut child = self.child.take().expect("running");
        send_signal(child.id(), libc::SIGTERM);
        let status = wait_for(Duration::from_secs(30), || child.try_wait().expect("wait"))
            .expect("node exits after SIGTERM");
        status.code().unwrap_or(-1)
    }

    /// Kills the node with SIGKILL and reaps it.
    pub fn kill(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The events of the log in `data` whose kind starts with `kind`, through `alys-log`.
pub fn events(data: &Path, kind: &str) -> Vec<Value> {
    let mut cmd = Command::new(bin("alys-log"));
    cmd.arg("--data-dir").arg(data).args(["inspect", "--json"]);
    if !kind.is_empty() {
        cmd.args(["--kind", kind]);
    }
    let out = cmd.output().expect("alys-log runs");
    assert!(
        out.status.success(),
        "alys-log inspect failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("json line"))
        .collect()
}

/// The payload of an event as `alys-log inspect --json` prints it (`{"ReloadApplied": {...}}`).
pub fn payload<'a>(event: &'a Value, variant: &str) -> &'a Value {
    &event["payload"][variant]
}

/// The configuration active at `offset`, as `alys-log config-at` prints it.
pub fn config_at(data: &Path, offset: u64) -> String {
    let out = Command::new(bin("alys-log"))
        .arg("--data-dir")
        .arg(data)
        .arg("config-at")
        .arg(offset.to_string())
        .output()
        .expect("alys-log runs");
    assert!(
        out.status.success(),
        "alys-log config-at failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `GET path` on the node's metrics endpoint (address from `<data>/metrics.addr`): the status
/// code and the body.
pub fn metrics_get(data: &Path, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let addr = std::fs::read_to_string(data.join("metrics.addr")).expect("metrics.addr");
    let mut stream = std::net::TcpStream::connect(addr.trim()).expect("metrics endpoint");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        addr.trim()
    )
    .expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    let code = response
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (code, body)
}
