//! `[governance.federation]`: this node's federation, its voting and consensus parameters.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// This node's place in the federation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FederationConfig {
    /// Federation the node belongs to. Default: `alys_federation`.
    pub federation_id: String,
    /// This node's member id. `None`: the node is not a member (it observes only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    /// Member signatures a federation decision needs; 1 to `max_members`. Default: 2.
    pub signature_threshold: u32,
    /// Members the federation may have. Default: 5.
    pub max_members: u32,
    /// Proposal voting.
    pub voting: VotingConfig,
    /// Consensus rounds among members.
    pub consensus: ConsensusConfig,
}

impl Default for FederationConfig {
    fn default() -> Self {
        FederationConfig {
            federation_id: "alys_federation".to_owned(),
            member_id: None,
            signature_threshold: 2,
            max_members: 5,
            voting: VotingConfig::default(),
            consensus: ConsensusConfig::default(),
        }
    }
}

/// Proposal voting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VotingConfig {
    /// How long a vote stays open. Default: 300s.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// Share of members that must vote, above 0 and at most 1. Default: 0.67.
    pub min_quorum: f64,
    /// Share of votes critical decisions need, above 0 and at most 1. Default: 0.75.
    pub super_majority: f64,
    /// Weigh votes by member weight instead of one member one vote. Default: false.
    pub weighted_voting: bool,
}

impl Default for VotingConfig {
    fn default() -> Self {
        VotingConfig {
            timeout: Duration::from_secs(300),
            min_quorum: 0.67,
            super_majority: 0.75,
            weighted_voting: false,
        }
    }
}

/// Consensus rounds among members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsensusConfig {
    /// Algorithm name, passed to the governance network as written. Default: `bft`.
    pub algorithm: String,
    /// How long reaching consensus may take. Default: 30s.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// Rounds before giving up. Default: 10.
    pub max_rounds: u32,
    /// How long one round may take. Default: 3s.
    #[serde(with = "humantime_serde")]
    pub round_timeout: Duration,
}

impl Default for ConsensusConfig {
    fn default() -> Self {
        ConsensusConfig {
            algorithm: "bft".to_owned(),
            timeout: Duration::from_secs(30),
            max_rounds: 10,
            round_timeout: Duration::from_secs(3),
        }
    }
}
