//! Reading the log of a running node through a Unix socket in its data directory.
//!
//! sled locks its directory, so while a node runs no other process may open the database. The
//! node serves its stored entries, byte for byte, on `<data_dir>/eventlog.sock`; tools verify and
//! decode them exactly as if they had read sled themselves.
//!
//! Protocol: the client writes one line, `read <from> <to>\n` (`to` may be `-` for the head). The
//! server answers with frames `[key: u64 BE][len: u32 BE][stored bytes]` in offset order and ends
//! with a frame whose key is `u64::MAX` and length 0, or with key `u64::MAX - 1` and an error
//! message as the bytes.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

use crate::{EventLog, Offset};

const END: u64 = u64::MAX;
const FAILED: u64 = u64::MAX - 1;
const MAX_FRAME: u32 = 256 * 1024 * 1024;

/// The socket path for a data directory.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("eventlog.sock")
}

/// A running socket server; dropping it stops accepting and removes the socket file.
pub struct Server {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

/// Serves `log` on `path`, replacing a stale socket file left by a killed node. Each client is
/// answered on a thread of its own, so a slow reader holds up no one.
pub fn serve(log: EventLog, path: &Path) -> io::Result<Server> {
    serve_with(path, "eventlog-socket", move |conn| {
        let log = log.clone();
        let _ = thread::Builder::new()
            .name("eventlog-reader".into())
            .spawn(move || {
                if let Err(error) = answer(&log, conn) {
                    tracing::debug!(target: "alys_eventlog", %error, "log socket client failed");
                }
            });
    })
}

/// Accepts connections on a Unix socket at `path` on a thread named `name` and hands each to
/// `handle`, until the returned [`Server`] is dropped. A stale socket file is replaced. Shared
/// with the node's control socket.
pub fn serve_with(
    path: &Path,
    name: &str,
    handle: impl Fn(UnixStream) + Send + 'static,
) -> io::Result<Server> {
    if path.exists() {
        std::fs::remove_file(path)?;
    }
    let listener = UnixListener::bind(path)?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::Acquire) {
                    break;
                }
                if let Ok(conn) = conn {
                    handle(conn);
                }
            }
        })?;
    Ok(Server {
        path: path.to_owned(),
        stop,
        thread: Some(thread),
    })
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        // Wake the accept loop so it sees the flag. When the socket file is gone (someone
        // removed the data directory) nothing can wake it: leave the thread to end with the
        // process rather than wait for it forever.
        let woken = UnixStream::connect(&self.path).is_ok();
        if let Some(t) = self.thread.take() {
            if woken {
                let _ = t.join();
            }
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

fn answer(log: &EventLog, conn: UnixStream) -> io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut out = io::BufWriter::new(conn);
    let Some((from, to)) = parse_request(&line) else {
        return write_frame(
            &mut out,
            FAILED,
            format!("bad request {:?}", line.trim()).as_bytes(),
        );
    };
    // Durable entries only, exactly as a local `EventLog::raw_entries` would give them.
    for entry in log.raw_entries(Offset(from), to.map(Offset)) {
        let (key, value) = match entry {
            Ok(kv) => kv,
            Err(e) => return write_frame(&mut out, FAILED, e.to_string().as_bytes()),
        };
        write_frame(&mut out, key, &value)?;
    }
    write_frame(&mut out, END, &[])?;
    out.flush()
}

fn parse_request(line: &str) -> Option<(u64, Option<u64>)> {
    let mut parts = line.split_whitespace();
    if parts.next()? != "read" {
        return None;
    }
    let from = parts.next()?.parse().ok()?;
    let to = match parts.next()? {
        "-" => None,
        n => Some(n.parse().ok()?),
    };
    Some((from, to))
}

fn write_frame(out: &mut impl Write, key: u64, bytes: &[u8]) -> io::Result<()> {
    out.write_all(&key.to_be_bytes())?;
    out.write_all(&(bytes.len() as u32).to_be_bytes())?;
    out.write_all(bytes)
}

/// Stored entries read from a running node, in offset order.
pub struct RemoteEntries {
    stream: BufReader<UnixStream>,
    done: bool,
}

/// Asks the node serving `socket` for the entries from `from` to `to` (inclusive; `None` for the
/// head).
pub fn fetch(socket: &Path, from: u64, to: Option<u64>) -> io::Result<RemoteEntries> {
    let mut stream = UnixStream::connect(socket)?;
    let to = to.map_or_else(|| "-".to_owned(), |t| t.to_string());
    stream.write_all(format!("read {from} {to}\n").as_bytes())?;
    Ok(RemoteEntries {
        stream: BufReader::new(stream),
        done: false,
    })
}

impl RemoteEntries {
    fn frame(&mut self) -> io::Result<Option<(u64, Vec<u8>)>> {
        let mut head = [0u8; 12];
        self.stream.read_exact(&mut head)?;
        let key = u64::from_be_bytes(head[..8].try_into().expect("8 bytes"));
        let len = u32::from_be_bytes(head[8..].try_into().expect("4 bytes"));
        if len > MAX_FRAME {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "frame larger than 256 MiB",
            ));
        }
        let mut bytes = vec![0; len as usize];
        self.stream.read_exact(&mut bytes)?;
        match key {
            END => Ok(None),
            FAILED => Err(io::Error::other(
                String::from_utf8_lossy(&bytes).into_owned(),
            )),
            _ => Ok(Some((key, bytes))),
        }
    }
}

impl Iterator for RemoteEntries {
    type Item = io::Result<(u64, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.frame() {
            Ok(Some(entry)) => Some(Ok(entry)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
