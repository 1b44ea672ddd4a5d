//! A local socket, `<data_dir>/control.sock`, through which tools and tests ask a running node
//! for its actors' health and, when the node was started with `--fault-injection`, inject
//! faults into a named actor (a drill for supervision, never on by default).
//!
//! Protocol: one request line, one JSON answer line.
//! - `status` → `{"health":"healthy"|"degraded","actors":[{"name","running","restarts","recovering",
//!   "mailbox":{depth, dropped_oldest, dead_letters, batches, ...}}]}`
//! - `inject <actor> panic|error|fail-health <n>` → `{"ok":true}` or `{"error":"..."}`

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use alys_eventlog::remote::{self, Server};

use ractor::ActorRef;
use serde_json::{json, Value};

use crate::actors::{Fault, RootMsg};

/// The control socket of a data directory.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("control.sock")
}

/// Serves `root` on `path` until the returned server is dropped. `faults` enables `inject`.
pub fn serve(
    root: ActorRef<RootMsg>,
    runtime: tokio::runtime::Handle,
    path: &Path,
    faults: bool,
) -> std::io::Result<Server> {
    remote::serve_with(path, "alys-control", move |conn| {
        let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
        if let Err(error) = answer(&root, &runtime, conn, faults) {
            tracing::debug!(target: "alys_node", %error, "control socket client failed");
        }
    })
}

fn answer(
    root: &ActorRef<RootMsg>,
    runtime: &tokio::runtime::Handle,
    conn: UnixStream,
    faults: bool,
) -> std::io::Result<()> {
    let mut line = String::new();
    BufReader::new(conn.try_clone()?).read_line(&mut line)?;
    let words: Vec<&str> = line.split_whitespace().collect();
    let reply = match words.as_slice() {
        ["status"] => match runtime.block_on(async { ractor::call!(root, RootMsg::Status) }) {
            Ok(children) => {
                // Down, or restarted and not yet through its recovery threshold.
                let degraded = children.iter().any(|c| !c.running || c.recovering);
                let mut actors = serde_json::to_value(&children).unwrap_or_default();
                let work = runtime.block_on(work_of(root));
                if let Some(list) = actors.as_array_mut() {
                    for actor in list {
                        let name = actor["name"].as_str().unwrap_or_default().to_owned();
                        actor["work"] = work.get(&name).cloned().unwrap_or(Value::Null);
                    }
                }
                json!({
                    "health": if degraded { "degraded" } else { "healthy" },
                    "actors": actors,
                })
            }
            Err(e) => json!({ "error": format!("root unreachable: {e}") }),
        },
        ["inject", ..] if !faults => {
            json!({ "error": "fault injection is off; start the node with --fault-injection" })
        }
        ["inject", actor, kind, rest @ ..] => match parse_fault(kind, rest) {
            Some(fault) => match runtime.block_on(async { ractor::call!(root, RootMsg::Status) }) {
                Ok(children) => match children.iter().find(|c| c.name == *actor) {
                    None => {
                        let names: Vec<&str> = children.iter().map(|c| c.name.as_str()).collect();
                        json!({ "error": format!("no actor `{actor}` runs in this node (actors: {})", names.join(", ")) })
                    }
                    Some(child) if !child.running => {
                        json!({ "error": format!("actor `{actor}` is not running; nothing to inject into") })
                    }
                    Some(_) => {
                        tracing::warn!(target: "alys_node", actor, ?fault, "injecting a fault");
                        match root.send_message(RootMsg::Inject((*actor).to_owned(), fault)) {
                            Ok(()) => json!({ "ok": true }),
                            Err(e) => json!({ "error": format!("root unreachable: {e}") }),
                        }
                    }
                },
                Err(e) => json!({ "error": format!("root unreachable: {e}") }),
            },
            None => {
                json!({ "error": "expected: inject <actor> panic|error|fail-health <n>|reject-reload <n>|ignore-reload <n>" })
            }
        },
        _ => json!({ "error": format!("unknown request {:?}", line.trim()) }),
    };
    let mut out = conn;
    writeln!(out, "{reply}")
}

/// How long `status` waits for one actor to answer its work probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// Each actor's [`Work`](crate::actors::Work), asked through its mailbox; an actor that is
/// down, refuses the question or does not answer within [`PROBE_TIMEOUT`] is left out.
async fn work_of(root: &ActorRef<RootMsg>) -> std::collections::BTreeMap<String, Value> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(probes) = ractor::call!(root, RootMsg::Probes) else {
        return out;
    };
    for (name, probe) in probes {
        let Some(probe) = probe else { continue };
        if let Ok(Some(work)) = tokio::time::timeout(PROBE_TIMEOUT, probe.ask()).await {
            out.insert(name, serde_json::to_value(work).unwrap_or_default());
        }
    }
    out
}

fn parse_fault(kind: &str, rest: &[&str]) -> Option<Fault> {
    match (kind, rest) {
        ("panic", []) => Some(Fault::Panic),
        ("error", []) => Some(Fault::Error),
        ("fail-health", [n]) => n.parse().ok().map(|count| Fault::FailHealth { count }),
        ("reject-reload", [n]) => n.parse().ok().map(|count| Fault::RejectReload { count }),
        ("ignore-reload", [n]) => n.parse().ok().map(|count| Fault::IgnoreReload { count }),
        _ => None,
    }
}

/// Sends one request to the control socket at `path` and returns the answer line.
pub fn request(path: &Path, line: &str) -> std::io::Result<String> {
    let mut stream = UnixStream::connect(path)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    writeln!(stream, "{line}")?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer)?;
    Ok(answer.trim_end().to_owned())
}
