//! The layout of a node's data directory.
//!
//! ```text
//! <data_dir>/eventlog/         sled database of the event log (locked while the node runs)
//! <data_dir>/eventlog.sock     socket through which alys-log reads the log of a running node
//! <data_dir>/fingerprint.key   32-byte key for secret fingerprints, mode 0600, never logged
//! ```

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rand::RngCore;

use crate::error::NodeError;

/// A node's data directory.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Creates the directory if needed.
    pub fn create(root: &Path) -> Result<DataDir, NodeError> {
        fs::create_dir_all(root).map_err(|source| NodeError::DataDir {
            path: root.to_owned(),
            what: "cannot create data directory",
            source,
        })?;
        Ok(DataDir {
            root: root.to_owned(),
        })
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the event log's sled database lives.
    pub fn eventlog(&self) -> PathBuf {
        self.root.join("eventlog")
    }

    /// The socket a running node serves its log on.
    pub fn socket(&self) -> PathBuf {
        alys_eventlog::remote::socket_path(&self.root)
    }

    /// The key for secret fingerprints, created with 32 random bytes and mode 0600 on first use.
    /// Fingerprints stay comparable across restarts because the key persists.
    pub fn fingerprint_key(&self) -> Result<[u8; 32], NodeError> {
        let path = self.root.join("fingerprint.key");
        match fs::read(&path) {
            Ok(bytes) if bytes.len() == 32 => {
                let mut key = [0; 32];
                key.copy_from_slice(&bytes);
                return Ok(key);
            }
            Ok(_) => {
                return Err(NodeError::DataDir {
                    path,
                    what: "fingerprint key is not 32 bytes",
                    source: std::io::Error::from(std::io::ErrorKind::InvalidData),
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(NodeError::DataDir {
                    path,
                    what: "cannot read fingerprint key",
                    source,
                })
            }
        }
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        let write = || -> std::io::Result<()> {
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)?;
            file.write_all(&key)?;
            file.sync_all()?;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600))
        };
        write().map_err(|source| NodeError::DataDir {
            path: path.clone(),
            what: "cannot write fingerprint key",
            source,
        })?;
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_key_persists_with_owner_only_mode() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::create(dir.path()).unwrap();
        let first = data.fingerprint_key().unwrap();
        let again = data.fingerprint_key().unwrap();
        assert_eq!(first, again);
        let mode = fs::metadata(dir.path().join("fingerprint.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
