//! Create, rotate and revoke keys — journaled and crash-safe.
//!
//! A rotation is a row of the [`RotationJournal`] that walks through
//! [`RotationStep`]s: `planned → created → verified → promoted → old_revoked → done`
//! (or ends `rolled_back` / `failed`). Each step is committed before the next side effect
//! (provider call, keychain write), so a process killed at any point leaves a state that
//! [`Inventory::rotations_recover`](crate::Inventory::rotations_recover) resumes or rolls
//! back — and never a key whose only copy was lost.
//!
//! Where the values live during a rotation (keychain accounts, never the database):
//! - `<key id>`: the current value (what `keyward run`/copy use);
//! - `<key id>.pending`: the new value from `created` until it is promoted;
//! - `<key id>.previous`: the old value from `promoted` until it is revoked (grace).
//!
//! Three flavours ([`RotationFlavour`]): a native roll (PostHog `phs_` `/roll/`, Cloudflare
//! `PUT …/value`: the old value dies at once), create + revoke (SendGrid; Cloudflare when
//! overlap is asked for: a real grace period) and guided (dashboard-only providers: the user
//! pastes the new value, Keyward verifies it, the user revokes the old one, Keyward confirms
//! it answers 401).
//!
//! Front ends follow progress through a callback receiving [`RotationEvent`]s.

mod create_revoke;
mod engine;
mod gate;
mod journal;
mod lease;
mod plan;
mod recovery;
mod remote;
mod safety;
pub mod test_hooks;

#[cfg(test)]
mod tests;

pub use engine::{EventSink, HTTP_TIMEOUT_ENV, REVOKE_PROPAGATION_ENV};
pub use gate::RateGate;
pub use journal::{JournalError, RotationJournal};
pub use plan::{purpose_least_scopes, widened_scopes};
pub use safety::{recovery_backoff, GraceDefaults, MAX_GRACE_SECS};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

/// How a key's secret is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RotationFlavour {
    /// The provider rolls the value in place; the old value dies at once (no grace).
    NativeRoll,
    /// A new remote key is created, promoted, and the old one revoked after the grace period.
    CreateRevoke,
    /// Dashboard only: the user creates and revokes, Keyward verifies each step.
    Guided,
}

impl RotationFlavour {
    pub fn as_str(self) -> &'static str {
        match self {
            RotationFlavour::NativeRoll => "native_roll",
            RotationFlavour::CreateRevoke => "create_revoke",
            RotationFlavour::Guided => "guided",
        }
    }

    pub fn parse(s: &str) -> Option<RotationFlavour> {
        [
            RotationFlavour::NativeRoll,
            RotationFlavour::CreateRevoke,
            RotationFlavour::Guided,
        ]
        .into_iter()
        .find(|f| f.as_str() == s)
    }
}

/// Where a rotation stands. Every step but the terminal ones can be resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RotationStep {
    /// Intent recorded with an idempotency token; nothing changed at the provider yet
    /// (or a create/roll is in flight).
    Planned,
    /// The new value is in the keychain as pending (`<key id>.pending`).
    Created,
    /// The new value works at the provider, with the expected privilege.
    Verified,
    /// The new value is current; the old one is previous (grace until `revoke_after`).
    Promoted,
    /// The old value is revoked and confirmed dead (401).
    OldRevoked,
    /// Previous value removed from the keychain; audit event written. Terminal.
    Done,
    /// Given up: needs the user (the record's `error_*` and `note` say what is known). Terminal.
    Failed,
    /// Undone before promotion: the old key stays current; any new remote key was revoked.
    /// Terminal.
    RolledBack,
}

impl RotationStep {
    pub const ALL: [RotationStep; 8] = [
        RotationStep::Planned,
        RotationStep::Created,
        RotationStep::Verified,
        RotationStep::Promoted,
        RotationStep::OldRevoked,
        RotationStep::Done,
        RotationStep::Failed,
        RotationStep::RolledBack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RotationStep::Planned => "planned",
            RotationStep::Created => "created",
            RotationStep::Verified => "verified",
            RotationStep::Promoted => "promoted",
            RotationStep::OldRevoked => "old_revoked",
            RotationStep::Done => "done",
            RotationStep::Failed => "failed",
            RotationStep::RolledBack => "rolled_back",
        }
    }

    pub fn parse(s: &str) -> Option<RotationStep> {
        RotationStep::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            RotationStep::Done | RotationStep::Failed | RotationStep::RolledBack
        )
    }
}

/// One rotation as the journal holds it. Never a secret: fingerprints, remote ids, the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationRecord {
    pub id: Uuid,
    pub key_id: Uuid,
    pub key_name: String,
    pub provider: String,
    pub flavour: RotationFlavour,
    pub step: RotationStep,
    /// Idempotency token; the new remote key's name carries it (`… [kw-<token>]`).
    pub token: String,
    pub remote_name: Option<String>,
    pub old_remote_id: Option<String>,
    pub new_remote_id: Option<String>,
    pub old_fingerprint: Option<String>,
    pub new_fingerprint: Option<String>,
    /// Scopes asked for the new key (create + revoke); empty = as the old one.
    pub scopes: Vec<String>,
    pub grace_secs: i64,
    /// When the old key is revoked (create + revoke after promotion).
    pub revoke_after: Option<DateTime<Utc>>,
    /// How many times a step was attempted and failed (for backoff and the UI).
    pub attempts: i64,
    /// The last failure's stable code (the rotation stays resumable unless `step` is failed).
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// What recovery or the engine did that the user should know ("rolled again after a lost
    /// answer", "orphan key … revoked").
    pub note: Option<String>,
    /// Process driving it (`host:pid:nonce`) while its lease is live.
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    /// Start-up recovery leaves the rotation alone until then (it failed `attempts` times);
    /// an explicit resume ignores it.
    #[serde(default)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl RotationRecord {
    /// Whether the rotation waits for the user (guided: paste the new value, or revoke the old
    /// one in the dashboard) rather than for Keyward.
    pub fn waits_for_user(&self) -> bool {
        self.flavour == RotationFlavour::Guided
            && matches!(self.step, RotationStep::Planned | RotationStep::Promoted)
    }

    /// Whether it waits for its grace period to end.
    pub fn waits_for_grace(&self, now: DateTime<Utc>) -> bool {
        self.step == RotationStep::Promoted
            && self.flavour == RotationFlavour::CreateRevoke
            && self.revoke_after.is_some_and(|t| t > now)
    }
}

/// Options of a rotation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RotateOptions {
    /// Overlap of old and new (create + revoke). `None` = the key's environment's default
    /// ([`GraceDefaults`], a setting: prod 24 h, staging 1 h, dev none); `Some(0)` = revoke at
    /// once. A grace on a Cloudflare token switches it from native roll to create + revoke.
    pub grace: Option<Duration>,
    /// Keys whose value Keyward does not hold (tracked from a provider's list) that the user
    /// accepted to rotate: the value in use stops working. Others of that sort are refused.
    pub accept_value_loss: Vec<Uuid>,
    /// Give the new key the least privilege its purpose needs (from the provider profile's
    /// purpose catalogue) instead of the old key's scopes. Create + revoke only.
    pub narrow: bool,
    /// Explicit scopes for the new key (wins over `narrow`); widening beyond the purpose is
    /// allowed and recorded in the audit trail.
    pub scopes: Option<Vec<String>>,
}

/// What a rotation of one key would do, before anything happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RotationPlan {
    pub key_id: Uuid,
    pub key_name: String,
    pub provider: String,
    pub kind: String,
    pub flavour: RotationFlavour,
    /// The steps it will walk through, in order.
    pub steps: Vec<RotationStep>,
    pub grace_secs: i64,
    /// Scopes of the new key (create + revoke), and those the purpose needs at least.
    pub scopes: Vec<String>,
    pub proposed_scopes: Vec<String>,
    /// Scopes beyond the purpose's least privilege (recorded as widening).
    pub widened: Vec<String>,
    /// Where the user acts (guided), else the provider's dashboard.
    pub dashboard_url: String,
    /// One sentence per thing the user should know ("the old value dies at once").
    pub notes: Vec<String>,
    /// Set when the key cannot be rotated now (why, in one sentence).
    pub blocked: Option<String>,
    /// The unfinished rotation of this key, if one exists (resume it instead).
    pub open_rotation: Option<Uuid>,
    /// Keyward does not hold the value in use: the rotation kills it, so it runs only once the
    /// user accepted that for this key (`RotateOptions::accept_value_loss`); the sentence to
    /// accept is in `value_loss`.
    pub value_unknown: bool,
    pub value_loss: Option<String>,
    /// The grace period came from the environment's default, not from the caller.
    pub grace_is_default: bool,
}

/// Which rotations to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RotationFilter {
    pub key_id: Option<Uuid>,
    /// Only unfinished ones (not done / failed / rolled back).
    pub open_only: bool,
    pub limit: Option<i64>,
}

/// What happened, for live progress (window wizard, CLI progress line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RotationEvent {
    pub rotation_id: Uuid,
    pub key_id: Uuid,
    pub key_name: String,
    pub flavour: RotationFlavour,
    pub step: RotationStep,
    pub kind: RotationEventKind,
    /// One human sentence (never a secret).
    pub message: String,
    /// Bulk rotations: keys finished so far and in total (else 0/1).
    pub done: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RotationEventKind {
    /// The journal reached `step`.
    Step,
    /// A write was rate limited; waiting before checking and retrying.
    Waiting,
    /// The rotation stopped in a resumable state (error in `message`).
    Stopped,
    /// The rotation reached the end of what can happen now (done, promoted in grace, or
    /// waiting for the user).
    Finished,
}

/// Outcome of one key in a bulk rotation (or of one recovery / due revocation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RotationOutcome {
    pub key_id: Uuid,
    pub key_name: String,
    /// The journal row after the attempt (`None` when nothing was journaled, e.g. the key
    /// cannot be rotated at all).
    pub rotation: Option<RotationRecord>,
    /// `None` when the attempt reached where it could; else the stable error code.
    pub error_code: Option<String>,
    /// One human sentence: what happened or why it stopped.
    pub message: String,
}

impl RotationOutcome {
    pub fn is_ok(&self) -> bool {
        self.error_code.is_none()
    }
}

/// What start-up recovery did (printed to stderr by the CLI, shown by the window).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecoveryReport {
    /// One entry per unfinished rotation that recovery touched.
    pub actions: Vec<RecoveryAction>,
    /// Unfinished rotations left alone because another live process drives them.
    pub leased_elsewhere: usize,
    /// Unfinished rotations waiting for the user or for their grace period (nothing to do).
    pub waiting: usize,
    /// Unfinished rotations whose last recovery failed, left alone until their next attempt.
    pub backing_off: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecoveryAction {
    pub rotation_id: Uuid,
    pub key_id: Uuid,
    pub key_name: String,
    pub action: RecoveryKind,
    /// The step reached afterwards.
    pub step: RotationStep,
    pub detail: String,
}

/// `key_create`: a new key through a connection's management API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateKeyRequest {
    /// Connection name or id (PostHog project secret keys, Cloudflare tokens, SendGrid keys).
    pub connection: String,
    pub environment: String,
    /// A purpose id from the provider's catalogue (`send_email`) or its label; free text is
    /// kept as the key's purpose and gets no proposed scopes.
    pub purpose: String,
    /// Scopes to grant; `None` = the least privilege the purpose needs. Anything beyond it is
    /// recorded as widening.
    pub scopes: Option<Vec<String>>,
    /// Key name in the inventory (and remote label); default from purpose and environment.
    pub name: Option<String>,
    pub owner: Option<String>,
    pub tags: Vec<String>,
}

/// What `key_create` would do (the window's create dialog shows it before confirming).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreatePlan {
    pub connection: String,
    pub provider: String,
    pub kind: String,
    pub name: String,
    pub environment: String,
    pub purpose: String,
    /// Least privilege for the purpose (from the profile's catalogue).
    pub proposed_scopes: Vec<String>,
    /// What will be granted.
    pub scopes: Vec<String>,
    /// `scopes` minus `proposed_scopes` (recorded in the audit trail).
    pub widened: Vec<String>,
}

/// What recovery did with an open rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryKind {
    Resumed,
    RolledBack,
    Adopted,
    RolledAgain,
    Flagged,
    RevokedOrphan,
    Stopped,
    /// A scheduled revocation ran (the grace period ended).
    OldKeyRevoked,
}

impl RecoveryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecoveryKind::Resumed => "resumed",
            RecoveryKind::RolledBack => "rolled_back",
            RecoveryKind::Adopted => "adopted",
            RecoveryKind::RolledAgain => "rolled_again",
            RecoveryKind::Flagged => "flagged",
            RecoveryKind::RevokedOrphan => "revoked_orphan",
            RecoveryKind::Stopped => "stopped",
            RecoveryKind::OldKeyRevoked => "old_key_revoked",
        }
    }
}

impl std::fmt::Display for RecoveryKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a revocation went through the API or waits for the user in the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokeMode {
    Api,
    Guided,
}

/// Where a revocation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokeState {
    /// Confirmed dead at the provider; the value left the keychain.
    Revoked,
    /// Guided: revoke it in the dashboard, then confirm.
    AwaitingUser,
}

impl RevokeMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RevokeMode::Api => "api",
            RevokeMode::Guided => "guided",
        }
    }
}

impl RevokeState {
    pub fn as_str(self) -> &'static str {
        match self {
            RevokeState::Revoked => "revoked",
            RevokeState::AwaitingUser => "awaiting_user",
        }
    }
}

/// How a key is (being) revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevokeOutcome {
    pub key: crate::KeyRecord,
    pub mode: RevokeMode,
    pub state: RevokeState,
    pub dashboard_url: Option<String>,
    pub message: String,
}

/// The rotation module's errors. None carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error("key '{key}' already has an unfinished rotation ({step}); resume or finish it first")]
    InProgress { key: String, step: String },
    #[error("{0}")]
    Unsupported(String),
    #[error("the rotation is at '{step}', which does not allow this ({wanted})")]
    WrongStep { step: String, wanted: String },
    #[error("another Keyward process (pid {owner}) is driving this rotation right now")]
    Leased { owner: String },
    #[error("the new key did not verify: {0}")]
    NewKeyInvalid(String),
    #[error("the old key still works at the provider: revoke it in the dashboard ({dashboard}), then confirm again")]
    OldKeyStillValid { dashboard: String },
    #[error("the key is already revoked")]
    AlreadyRevoked,
    #[error("no rotation '{0}'")]
    NotFound(String),
    #[error("the provider's answer to a roll was lost and the key could not be re-rolled: {0}")]
    LostRoll(String),
    #[error("Keyward does not hold the value of '{0}' that is in use, and rotating it stops that value working: accept that for this key first")]
    NeedsAcceptance(String),
    #[error("{0}")]
    AdminInBatch(String),
    #[error("the provider rolled the key, so the old value no longer works; the new value did not verify ({0}) and is kept as pending")]
    RolledNewKeyInvalid(String),
    /// A revoke's typed confirmation is not the key's name.
    #[error("the name typed does not match the key's name")]
    ConfirmMismatch,
}

impl RotationError {
    pub fn code(&self) -> &'static str {
        match self {
            RotationError::InProgress { .. } => "rotation_in_progress",
            RotationError::Unsupported(_) => "rotation_unsupported",
            RotationError::WrongStep { .. } => "rotation_wrong_step",
            RotationError::Leased { .. } => "rotation_leased",
            RotationError::NewKeyInvalid(_) => "new_key_invalid",
            RotationError::OldKeyStillValid { .. } => "old_key_still_valid",
            RotationError::AlreadyRevoked => "already_revoked",
            RotationError::NotFound(_) => "not_found",
            RotationError::LostRoll(_) => "rotation_lost_roll",
            RotationError::NeedsAcceptance(_) => "rotation_needs_acceptance",
            RotationError::AdminInBatch(_) => "rotation_admin_in_batch",
            RotationError::RolledNewKeyInvalid(_) => "rolled_new_key_invalid",
            RotationError::ConfirmMismatch => "confirm_mismatch",
        }
    }
}

/// Keychain account of a key's pending (new, not yet promoted) value.
pub fn pending_account(key_id: Uuid) -> String {
    format!("{key_id}.pending")
}

/// Keychain account of a key's previous value (in grace, until revoked).
pub fn previous_account(key_id: Uuid) -> String {
    format!("{key_id}.previous")
}

/// The key id a pending/previous account belongs to.
pub fn rotation_account_owner(account: &str) -> Option<Uuid> {
    let base = account
        .strip_suffix(".pending")
        .or_else(|| account.strip_suffix(".previous"))?;
    Uuid::parse_str(base).ok()
}
