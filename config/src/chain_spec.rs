//! The chain spec: the JSON file in the upstream format (`chain.json`) that fixes the chain id,
//! authorities, federation and proof-of-work parameters.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A chain spec, with the upstream camelCase key names. Unknown keys are errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChainSpec {
    /// Time between slots, in milliseconds.
    pub slot_duration: u64,
    /// BLS public keys of the block producers: `0x` and 96 hex digits (48 bytes) each.
    pub authorities: Vec<String>,
    /// EVM addresses of the federation members: `0x` and 40 hex digits each.
    pub federation: Vec<String>,
    /// Compressed secp256k1 public keys of the federation members on Bitcoin, 66 hex digits
    /// each, one per `federation` entry in the same order.
    pub federation_bitcoin_pubkeys: Vec<String>,
    /// Initial proof-of-work target, in Bitcoin's compact `nBits` form.
    pub bits: u32,
    /// EVM chain id.
    pub chain_id: u64,
    /// Blocks the chain may produce without a Bitcoin proof of work.
    pub max_blocks_without_pow: u64,
    /// Bitcoin height from which the bridge scans for peg-ins.
    pub bitcoin_start_height: u64,
    /// Proof-of-work retargeting.
    pub retarget_params: RetargetParams,
    /// Whether this node produces blocks. `None`: decided by the node's keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_validator: Option<bool>,
    /// Bitcoin confirmations a peg-in needs. `None`: `bridge.min_confirmations_pegin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_btc_txn_confirmations: Option<u64>,
}

/// Proof-of-work retargeting parameters, as in the upstream spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RetargetParams {
    /// Keep the target fixed (development chains).
    pub pow_no_retargeting: bool,
    /// Easiest allowed target, compact form.
    pub pow_limit: u32,
    /// Hardest allowed target, compact form.
    pub pow_lower_limit: u32,
    /// Largest change of the target in one retarget, in percent.
    pub max_pow_adjustment: u8,
    /// Retarget window, in seconds.
    pub pow_target_timespan: u64,
    /// Intended time between proofs of work, in seconds.
    pub pow_target_spacing: u64,
}

/// Reading or parsing a chain spec failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainSpecError {
    /// The file could not be read.
    #[error("cannot read chain spec {}: {source}", path.display())]
    Io {
        /// The spec file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file is not a valid chain spec.
    #[error("{}:{line}:{column}: invalid chain spec: {message}", path.display())]
    Parse {
        /// The spec file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What is wrong, from the JSON parser.
        message: String,
    },
}

impl ChainSpec {
    /// Reads and parses the spec at `path`. Does not [`check`](Self::check) it.
    pub fn load(path: &Path) -> Result<ChainSpec, ChainSpecError> {
        let text = std::fs::read_to_string(path).map_err(|source| ChainSpecError::Io {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|err| ChainSpecError::Parse {
            path: path.to_owned(),
            line: err.line(),
            column: err.column(),
            message: parse_message(&err),
        })
    }

    /// Slot duration as a [`Duration`].
    pub fn slot_duration(&self) -> Duration {
        Duration::from_millis(self.slot_duration)
    }

    /// Problems of the spec's keys, as (spec key like `authorities[1]`, problem). Empty when the
    /// spec is sound.
    pub fn check(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        check_list(
            &mut problems,
            "authorities",
            &self.authorities,
            is_bls_pubkey,
            BLS_FORM,
        );
        check_list(
            &mut problems,
            "federation",
            &self.federation,
            is_evm_address,
            EVM_FORM,
        );
        check_list(
            &mut problems,
            "federationBitcoinPubkeys",
            &self.federation_bitcoin_pubkeys,
            is_compressed_pubkey,
            BTC_FORM,
        );
        if self.federation_bitcoin_pubkeys.len() != self.federation.len() {
            problems.push((
                "federationBitcoinPubkeys".to_owned(),
                format!(
                    "has {} keys but federation has {} members; they must pair up one to one",
                    self.federation_bitcoin_pubkeys.len(),
                    self.federation.len()
                ),
            ));
        }
        if self.slot_duration == 0 {
            problems.push(("slotDuration".to_owned(), "must be above 0 ms".to_owned()));
        }
        problems
    }
}

const BLS_FORM: &str = "a BLS public key: 0x and 96 hex digits";
const EVM_FORM: &str = "an EVM address: 0x and 40 hex digits";
const BTC_FORM: &str = "a compressed public key: 66 hex digits starting with 02 or 03";

/// Reports an empty list, malformed entries and repeated entries (compared ignoring case, since
/// EVM addresses mix case for their checksum).
fn check_list(
    problems: &mut Vec<(String, String)>,
    key: &str,
    values: &[String],
    well_formed: fn(&str) -> bool,
    form: &str,
) {
    if values.is_empty() {
        problems.push((key.to_owned(), "must hold at least one entry".to_owned()));
    }
    let mut seen = HashSet::new();
    for (i, value) in values.iter().enumerate() {
        if !well_formed(value) {
            problems.push((format!("{key}[{i}]"), format!("`{value}` is not {form}")));
        } else if !seen.insert(value.to_ascii_lowercase()) {
            problems.push((
                format!("{key}[{i}]"),
                format!("`{value}` appears more than once"),
            ));
        }
    }
}

fn is_hex(s: &str, digits: usize) -> bool {
    s.len() == digits && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_bls_pubkey(s: &str) -> bool {
    s.strip_prefix("0x").is_some_and(|hex| is_hex(hex, 96))
}

/// True for `0x` and 40 hex digits. The EIP-55 checksum of mixed-case addresses is not verified.
pub fn is_evm_address(s: &str) -> bool {
    s.strip_prefix("0x").is_some_and(|hex| is_hex(hex, 40))
}

fn is_compressed_pubkey(s: &str) -> bool {
    is_hex(s, 66) && (s.starts_with("02") || s.starts_with("03"))
}

/// serde_json appends " at line L column C" to its messages; the error carries them separately.
fn parse_message(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    full.strip_suffix(&suffix).unwrap_or(&full).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TESTNET: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/upstream/chain.json"
    );
    const DEV: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/upstream/chain-dev.json"
    );

    fn testnet() -> ChainSpec {
        ChainSpec::load(Path::new(TESTNET)).unwrap()
    }

    fn keys(spec: &ChainSpec) -> Vec<String> {
        spec.check().into_iter().map(|(key, _)| key).collect()
    }

    #[test]
    fn loads_upstream_testnet_spec() {
        let spec = testnet();
        assert_eq!(spec.chain_id, 727272);
        assert_eq!(spec.slot_duration(), Duration::from_secs(5));
        assert_eq!(spec.authorities.len(), 3);
        assert_eq!(spec.federation.len(), 3);
        assert_eq!(spec.retarget_params.max_pow_adjustment, 20);
        assert_eq!(spec.is_validator, Some(true));
        assert_eq!(spec.required_btc_txn_confirmations, Some(144));
        assert_eq!(spec.check(), vec![]);
    }

    #[test]
    fn loads_upstream_dev_spec_without_optional_keys() {
        let spec = ChainSpec::load(Path::new(DEV)).unwrap();
        assert_eq!(spec.chain_id, 121212);
        assert!(spec.retarget_params.pow_no_retargeting);
        assert_eq!(spec.is_validator, None);
        assert_eq!(spec.required_btc_txn_confirmations, None);
        assert_eq!(spec.check(), vec![]);
    }

    #[test]
    fn missing_file_is_an_io_error_naming_the_path() {
        let err = ChainSpec::load(Path::new("/nonexistent/spec.json")).unwrap_err();
        assert!(matches!(err, ChainSpecError::Io { .. }), "{err:?}");
        assert!(err.to_string().contains("/nonexistent/spec.json"), "{err}");
    }

    #[test]
    fn unknown_key_is_a_parse_error_with_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spec.json");
        let text = std::fs::read_to_string(TESTNET).unwrap().replacen(
            "\"bits\"",
            "\"slot_duration\": 1,\n  \"bits\"",
            1,
        );
        std::fs::write(&path, text).unwrap();
        let err = ChainSpec::load(&path).unwrap_err();
        let ChainSpecError::Parse {
            line,
            column,
            message,
            ..
        } = &err
        else {
            panic!("expected a parse error, got {err:?}")
        };
        assert_eq!(*line, 18);
        assert!(*column > 1);
        assert!(message.contains("slot_duration"), "{message}");
        assert!(
            err.to_string()
                .starts_with(&format!("{}:18:", path.display())),
            "{err}"
        );
    }

    #[test]
    fn rejects_spec_without_authorities() {
        let mut spec = testnet();
        spec.authorities.clear();
        assert_eq!(keys(&spec), ["authorities"]);
    }

    #[test]
    fn rejects_authority_of_wrong_length_or_without_prefix() {
        let mut spec = testnet();
        spec.authorities[1].pop();
        spec.authorities[2] = spec.authorities[2].trim_start_matches("0x").to_owned();
        assert_eq!(keys(&spec), ["authorities[1]", "authorities[2]"]);
    }

    #[test]
    fn rejects_duplicate_authority() {
        let mut spec = testnet();
        spec.authorities[2] = spec.authorities[0].to_uppercase().replacen("0X", "0x", 1);
        let problems = spec.check();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, "authorities[2]");
        assert!(problems[0].1.contains("more than once"));
    }

    #[test]
    fn rejects_empty_federation_and_malformed_address() {
        let mut spec = testnet();
        spec.federation[0] = "0x8c483d6Bf33288318143da93bB533d599DE04e7g".to_owned();
        assert_eq!(keys(&spec), ["federation[0]"]);

        spec.federation.clear();
        spec.federation_bitcoin_pubkeys.clear();
        assert_eq!(keys(&spec), ["federation", "federationBitcoinPubkeys"]);
    }

    #[test]
    fn rejects_duplicate_federation_member_ignoring_case() {
        let mut spec = testnet();
        spec.federation[1] = spec.federation[0].to_lowercase();
        assert_eq!(keys(&spec), ["federation[1]"]);
    }

    #[test]
    fn rejects_bitcoin_pubkey_count_mismatch() {
        let mut spec = testnet();
        spec.federation_bitcoin_pubkeys.pop();
        assert_eq!(keys(&spec), ["federationBitcoinPubkeys"]);
    }

    #[test]
    fn rejects_uncompressed_or_badly_prefixed_bitcoin_pubkey() {
        let mut spec = testnet();
        spec.federation_bitcoin_pubkeys[0].replace_range(0..2, "04");
        spec.federation_bitcoin_pubkeys[1].push_str("00");
        assert_eq!(
            keys(&spec),
            ["federationBitcoinPubkeys[0]", "federationBitcoinPubkeys[1]"]
        );
    }

    #[test]
    fn rejects_duplicate_bitcoin_pubkey() {
        let mut spec = testnet();
        spec.federation_bitcoin_pubkeys[2] = spec.federation_bitcoin_pubkeys[1].clone();
        assert_eq!(keys(&spec), ["federationBitcoinPubkeys[2]"]);
    }
}
