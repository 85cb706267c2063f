//! The team's public types (the contract with the window, `team-contract.md`). Every one is
//! metadata: none can hold a value or a fingerprint.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a member shares with the team (default: every environment, no hints).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sharing {
    /// The environments shared; `None` = all.
    pub environments: Option<Vec<String>>,
    /// Whether masked hints (`phx_…abcd`) are shared.
    pub hints: bool,
}

/// What `init` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitReport {
    pub schema_version: i64,
    /// Migrations applied by this call (empty when the schema was current).
    pub applied: Vec<i64>,
    /// Group roles created by this call (`keyward_member`, `keyward_admin`).
    pub roles_created: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamStatus {
    /// The server's URL, never with a password.
    pub url: String,
    /// This member's database role.
    pub member: String,
    pub schema_version: i64,
    /// Changes waiting in the outbox.
    pub queued: u64,
    pub last_sync_at: Option<DateTime<Utc>>,
    /// The last sync's failure, already value-free.
    pub last_error: Option<String>,
    pub sharing: Sharing,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    pub published: u64,
    pub pulled: u64,
    pub as_of: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamKeys {
    /// When the pulled copy was taken ("team data as of …"); `None` = never synced.
    pub as_of: Option<DateTime<Utc>>,
    pub rows: Vec<TeamKeyRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamKeyRow {
    pub member: String,
    pub key_id: Uuid,
    pub provider: String,
    pub kind: String,
    pub name: String,
    pub environment: String,
    pub purpose: String,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    pub scopes: Vec<String>,
    pub status: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_rotated_at: Option<DateTime<Utc>>,
    pub next_rotation_due: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    /// An unfinished rotation's step.
    pub rotation: Option<String>,
    pub findings: Vec<TeamFinding>,
    /// Only when that member's `sharing.hints`.
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamFinding {
    pub kind: String,
    pub attention: String,
    pub severity: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamFilter {
    pub member: Option<String>,
    pub owner: Option<String>,
    pub environment: Option<String>,
    pub provider: Option<String>,
    pub search: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamReviewQuery {
    pub due_soon_days: Option<u32>,
    pub filter: TeamFilter,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamReview {
    pub as_of: Option<DateTime<Utc>>,
    pub keys: Vec<TeamKeyRow>,
    pub overdue: Vec<Uuid>,
    pub due_soon: Vec<Uuid>,
    pub rotations_per_week: Vec<WeekCount>,
    pub members: Vec<MemberSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekCount {
    pub week_start: NaiveDate,
    pub rotations: u32,
    pub revocations: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSummary {
    pub member: String,
    pub keys: u32,
    pub overdue: u32,
    pub needs_action: u32,
    pub last_published_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamEvent {
    pub member: String,
    pub key_id: Uuid,
    pub key_name: String,
    /// `rotated`, `revoked`, `created`, …
    pub action: String,
    pub at: DateTime<Utc>,
}
