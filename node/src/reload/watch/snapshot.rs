//! What the watched files hold at one moment: each file's bytes and blake3, or its absence.

use std::{
    fs, io,
    path::{Path, PathBuf},
};

use super::WatchError;

/// The content of every watched file, read when the change is emitted.
///
/// `files` follows the order the files were given to [`ConfigWatcher::start`], one entry per
/// file, with the path as it was given.
///
/// [`ConfigWatcher::start`]: super::ConfigWatcher::start
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Every watched file and its state, in the order they were given.
    pub files: Vec<(PathBuf, FileState)>,
}

impl Change {
    /// The blake3 of each file, `None` where the file is absent; two snapshots with the same
    /// fingerprint hold the same bytes.
    pub(crate) fn fingerprint(&self) -> Vec<Option<&str>> {
        self.files.iter().map(|(_, state)| state.blake3()).collect()
    }
}

/// One file's state: its bytes, or absent when the path (or its symlink chain) leads nowhere.
#[derive(Clone, PartialEq, Eq)]
pub enum FileState {
    /// The file exists; `bytes` is its whole content when read.
    Present {
        /// The bytes read from the file, following symlinks.
        bytes: Vec<u8>,
        /// The blake3 of `bytes`, lower-case hex.
        blake3: String,
    },
    /// The file does not exist, or a symlink on its way is dangling.
    Absent,
}

impl FileState {
    /// The blake3 of the bytes in lower-case hex, `None` when the file is absent.
    pub fn blake3(&self) -> Option<&str> {
        match self {
            FileState::Present { blake3, .. } => Some(blake3),
            FileState::Absent => None,
        }
    }
}

// Config files may be large enough that printing their bytes drowns the rest of a test failure.
impl std::fmt::Debug for FileState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileState::Present { bytes, blake3 } => f
                .debug_struct("Present")
                .field("len", &bytes.len())
                .field("blake3", blake3)
                .finish(),
            FileState::Absent => f.write_str("Absent"),
        }
    }
}

/// Reads one file; a missing file (or dangling symlink) is [`FileState::Absent`], not an error.
fn read_state(path: &Path) -> io::Result<FileState> {
    match fs::read(path) {
        Ok(bytes) => {
            let blake3 = blake3::hash(&bytes).to_hex().to_string();
            Ok(FileState::Present { bytes, blake3 })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(FileState::Absent),
        Err(e) => Err(e),
    }
}

/// Reads every file in order; the first file that exists but cannot be read fails the whole
/// snapshot, so a change never carries a partial view.
pub(crate) fn read_all(files: &[PathBuf]) -> Result<Change, WatchError> {
    let mut states = Vec::with_capacity(files.len());
    for path in files {
        let state = read_state(path).map_err(|source| WatchError::Read {
            path: path.clone(),
            source,
        })?;
        states.push((path.clone(), state));
    }
    Ok(Change { files: states })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_reads_as_absent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let change = read_all(&[dir.path().join("nope.toml")]).expect("read");
        assert_eq!(change.files[0].1, FileState::Absent);
        assert_eq!(change.fingerprint(), vec![None]);
    }

    #[test]
    fn present_file_carries_bytes_and_their_blake3() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("alys.toml");
        fs::write(&path, b"a = 1\n").expect("write");
        let change = read_all(std::slice::from_ref(&path)).expect("read");
        let expected = blake3::hash(b"a = 1\n").to_hex().to_string();
        assert_eq!(
            change.files[0].1,
            FileState::Present {
                bytes: b"a = 1\n".to_vec(),
                blake3: expected
            }
        );
    }
}
