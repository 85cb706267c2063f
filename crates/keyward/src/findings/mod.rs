//! Findings: what needs attention in the inventory, and the team review built from them.
//!
//! [`evaluate`] is a pure function of the records, the policy, "now" and (optionally) a
//! listing of the keychain: no I/O, so every rule is tested at its boundaries without a
//! database. Each finding says why (`reason`) and what to do (`fix`, `action`). The
//! [`Inventory`](crate::Inventory) methods in `inventory/findings.rs` feed it and store
//! acknowledgements; [`review`] and [`report`] turn findings into a shareable review.
//!
//! Nothing here ever sees a secret: records hold metadata, the keychain snapshot holds
//! account names (key ids).

mod attention;
mod evaluate;
pub mod policy;
pub mod report;
pub mod review;
mod rules;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;

pub use attention::{
    attention_of, facts_of, provider_facts, unscoped_fact, unscoped_provider_kind, ProviderFact,
};
pub use evaluate::{
    acknowledge_shared, apply_acknowledgements, evaluate, evaluate_key, findings_valid_until,
    list_order, orphaned_entries, rotation_due_at, Purposes,
};
pub use policy::{EnvironmentPolicy, FindingPolicy};
pub use report::{render, ReportFormat};
pub use review::{
    build_review, DueItem, KindCount, Review, ReviewGroup, ReviewKey, RotationEvent, RotationItem,
    RotationState, StatusCount, TrendPoint,
};
pub use rules::match_purpose;

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Not rotated within the environment's max age.
    Stale,
    /// The provider reports no use for the policy's number of days (or never, that long
    /// after creation).
    Unused,
    /// Expires within the policy's window.
    Expiring,
    /// Past its expiry date (or the provider says expired).
    Expired,
    /// The last verification said invalid (401) or disabled / revoked remotely.
    Invalid,
    /// Grants more than the declared purpose needs.
    OverPrivileged,
    /// A secret-grade kind used client-side (web, mobile, desktop app).
    ClientExposed,
    /// The same value (fingerprint) in more than one record.
    Reused,
    /// The keychain and the inventory disagree.
    Orphaned,
    /// No owner or no purpose.
    Incomplete,
}

impl FindingKind {
    pub const ALL: [FindingKind; 10] = [
        FindingKind::Stale,
        FindingKind::Unused,
        FindingKind::Expiring,
        FindingKind::Expired,
        FindingKind::Invalid,
        FindingKind::OverPrivileged,
        FindingKind::ClientExposed,
        FindingKind::Reused,
        FindingKind::Orphaned,
        FindingKind::Incomplete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Stale => "stale",
            FindingKind::Unused => "unused",
            FindingKind::Expiring => "expiring",
            FindingKind::Expired => "expired",
            FindingKind::Invalid => "invalid",
            FindingKind::OverPrivileged => "over_privileged",
            FindingKind::ClientExposed => "client_exposed",
            FindingKind::Reused => "reused",
            FindingKind::Orphaned => "orphaned",
            FindingKind::Incomplete => "incomplete",
        }
    }

    /// Human label ("over-privileged").
    pub fn label(self) -> &'static str {
        match self {
            FindingKind::OverPrivileged => "over-privileged",
            FindingKind::ClientExposed => "client-exposed",
            other => other.as_str(),
        }
    }

    /// Accepts `over_privileged`, `over-privileged`, `Over-Privileged`, …
    pub fn parse(s: &str) -> Option<FindingKind> {
        let s = s.trim().replace('-', "_");
        FindingKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(&s))
    }

    /// Parses a comma-separated list (`stale,expired,over-privileged`).
    pub fn parse_list(s: &str) -> Result<Vec<FindingKind>, FindingsError> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let kind = FindingKind::parse(part)
                .ok_or_else(|| FindingsError::UnknownKind { given: shown(part) })?;
            if !out.contains(&kind) {
                out.push(kind);
            }
        }
        Ok(out)
    }
}

/// How urgent a finding is, least → most (so `a > b` means "a is worse").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// What a finding asks of the user, which decides where it is shown: `Action` findings are
/// the list's badges and the review's headline; `Warning` and `Info` are shown quietly (the
/// key's detail, the review's lower section). Orthogonal to [`Severity`] (how bad): a low
/// severity can still need action, and `--fail-on` names kinds whatever their attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attention {
    /// A gentle prompt (fill in an owner).
    Info,
    /// Worth a look when reviewing; nothing breaks if it waits.
    Warning,
    /// Needs doing: something is broken, due, or exposed.
    Action,
}

impl Attention {
    pub const ALL: [Attention; 3] = [Attention::Info, Attention::Warning, Attention::Action];

    pub fn as_str(self) -> &'static str {
        match self {
            Attention::Info => "info",
            Attention::Warning => "warning",
            Attention::Action => "action",
        }
    }

    pub fn parse(s: &str) -> Option<Attention> {
        Attention::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// The one-click fix the window offers for a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FixAction {
    /// Replace the value (same kind, same privilege).
    Rotate,
    /// Create a least-privilege replacement and retire this key.
    Narrow,
    /// Revoke the key (it is not needed).
    Revoke,
    /// Edit the key's metadata (owner, purpose, usage).
    Edit,
    /// Ask the provider again.
    Verify,
    /// Remove a record or keychain entry that has lost its other half.
    Remove,
}

impl FixAction {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAction::Rotate => "rotate",
            FixAction::Narrow => "narrow",
            FixAction::Revoke => "revoke",
            FixAction::Edit => "edit",
            FixAction::Verify => "verify",
            FixAction::Remove => "remove",
        }
    }
}

/// One flag on a key. Never holds a secret: names, dates, scopes and advice only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The key the finding is about; `None` only for a keychain entry without a record.
    pub key_id: Option<Uuid>,
    /// The keychain account of an entry without a record; `None` otherwise.
    pub keychain_account: Option<String>,
    /// Key name, environment, provider, key kind and owner at evaluation time (empty for a
    /// keychain entry without a record), so reports read without a second lookup.
    pub key_name: String,
    pub environment: String,
    pub provider: String,
    pub key_kind: String,
    pub owner: Option<String>,
    pub kind: FindingKind,
    pub severity: Severity,
    /// Where it is shown: see [`Attention`].
    pub attention: Attention,
    /// Why, in one or two sentences.
    pub reason: String,
    /// What to do, in one or two sentences.
    pub fix: String,
    pub action: FixAction,
    /// Granted scopes (or privilege markers such as `*`, `resource:…`, `account-wide`)
    /// beyond what the purpose needs; over-privileged and client-exposed only.
    pub excess_scopes: Vec<String>,
    /// The least privilege the purpose needs, in the provider's own scope names.
    pub needed_scopes: Vec<String>,
    /// The least privileged kind that serves the purpose, when it differs from this one.
    pub suggested_kind: Option<String>,
    /// When action is due: rotation due date (stale), expiry (expiring, expired).
    pub due_at: Option<DateTime<Utc>>,
    /// Other keys involved (reused: the records sharing the value).
    pub related_keys: Vec<Uuid>,
    /// Set when a live acknowledgement covers this finding. Boxed: few findings have one, and
    /// the in-memory inventory keeps every key's findings (~100 bytes less each).
    pub acknowledgement: Option<Box<Acknowledgement>>,
}

impl Finding {
    /// What an acknowledgement names: the key id, or the keychain account.
    pub fn subject(&self) -> String {
        match (self.key_id, &self.keychain_account) {
            (Some(id), _) => id.to_string(),
            (None, Some(account)) => account.clone(),
            (None, None) => String::new(),
        }
    }

    pub fn is_acknowledged(&self) -> bool {
        self.acknowledgement.is_some()
    }
}

/// A user's "yes, we know" for one finding kind on one key, with a reason and an expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    /// Key id, or keychain account for an entry without a record.
    pub subject: String,
    pub kind: FindingKind,
    pub reason: String,
    pub acknowledged_by: String,
    pub acknowledged_at: DateTime<Utc>,
    /// The finding shows again from then on.
    pub until: DateTime<Utc>,
}

impl Acknowledgement {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.until > now
    }
}

/// The keychain accounts under Keyward's service, for the orphan checks. Built from the
/// same listing `keyward doctor` uses; account names only, never values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeychainSnapshot {
    pub accounts: HashSet<String>,
}

impl KeychainSnapshot {
    pub fn new(accounts: impl IntoIterator<Item = String>) -> Self {
        KeychainSnapshot {
            accounts: accounts.into_iter().collect(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FindingsError {
    #[error("invalid findings policy: {0}")]
    InvalidPolicy(String),
    #[error(
        "unknown finding kind {given}; the kinds are stale, unused, expiring, expired, invalid, \
         over-privileged, client-exposed, reused, orphaned, incomplete"
    )]
    UnknownKind { given: String },
    #[error("unknown report format {given}; use md, json, csv or html")]
    UnknownFormat { given: String },
    #[error("could not render the report: {0}")]
    Render(String),
}

/// Quotes user input in an error only when it is short and plain (it might be a pasted key).
fn shown(s: &str) -> String {
    if !s.is_empty()
        && s.len() <= 24
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        format!("'{s}'")
    } else {
        "(not shown)".into()
    }
}
