//! The bearer token and address files the server leaves in the data directory for `ctl`.
//!
//! The token is drawn afresh at every start, so a token copied from an earlier run stops working
//! when the node restarts. Its file is created with mode 0600 in the same call that creates it:
//! an old file is removed first, because `open` keeps the mode of a file that already exists and
//! a chmod afterwards would leave a window in which the token is readable.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use rand::RngCore;

use super::AdminError;

/// Random bytes in a token; printed as twice as many hex digits.
const TOKEN_BYTES: usize = 32;

/// A bearer token; `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl Token {
    /// A fresh token of [`TOKEN_BYTES`] random bytes.
    pub(crate) fn generate() -> Token {
        let mut bytes = [0u8; TOKEN_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Token(hex::encode(bytes))
    }

    /// The token as written in the file and sent after `Bearer `.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `presented` is this token, in time that does not depend on where they differ.
    pub(crate) fn matches(&self, presented: &[u8]) -> bool {
        let expected = self.0.as_bytes();
        // The length is public (always 64 hex digits), so stopping early on it leaks nothing.
        if presented.len() != expected.len() {
            return false;
        }
        let difference = expected
            .iter()
            .zip(presented)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(difference) == 0
    }

    /// Reads the token a running node wrote to `path`.
    pub(crate) fn read(path: &Path) -> Result<Token, AdminError> {
        let text = fs::read_to_string(path).map_err(|source| AdminError::File {
            path: path.to_owned(),
            what: "cannot read admin token",
            source,
        })?;
        Ok(Token(text.trim().to_owned()))
    }

    /// Replaces `path` with a file of mode 0600 holding the token.
    pub(crate) fn write(&self, path: &Path) -> Result<(), AdminError> {
        write_private(path, self.0.as_bytes()).map_err(|source| AdminError::File {
            path: path.to_owned(),
            what: "cannot write admin token",
            source,
        })
    }
}

/// Removes any old file at `path`, then creates it with mode 0600 and `contents`, flushed.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Writes the bound address, one line, replacing any earlier file.
pub(crate) fn write_addr(path: &Path, addr: std::net::SocketAddr) -> Result<(), AdminError> {
    fs::write(path, format!("{addr}\n")).map_err(|source| AdminError::File {
        path: path.to_owned(),
        what: "cannot write admin address",
        source,
    })
}

/// Reads the address a running node wrote; [`AdminError::NotRunning`] when there is none.
pub(crate) fn read_addr(path: &Path) -> Result<String, AdminError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(text.trim().to_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(AdminError::NotRunning {
            path: path.to_owned(),
        }),
        Err(source) => Err(AdminError::File {
            path: path.to_owned(),
            what: "cannot read admin address",
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn token_matches_only_itself() {
        let token = Token::generate();
        assert_eq!(token.as_str().len(), 2 * TOKEN_BYTES);
        assert!(token.matches(token.as_str().as_bytes()));
        let mut other = token.as_str().as_bytes().to_vec();
        other[63] ^= 1;
        assert!(!token.matches(&other));
        assert!(!token.matches(b""));
        assert!(!token.matches(&token.as_str().as_bytes()[..63]));
    }

    #[test]
    fn rewriting_a_loose_token_file_leaves_it_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin.token");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();

        let token = Token::generate();
        token.write(&path).unwrap();

        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(Token::read(&path).unwrap(), token);
    }

    #[test]
    fn missing_address_file_says_the_node_is_not_running() {
        let dir = tempfile::tempdir().unwrap();
        let error = read_addr(&dir.path().join("admin.addr")).unwrap_err();
        assert!(error.to_string().contains("is the node running"), "{error}");
    }
}
