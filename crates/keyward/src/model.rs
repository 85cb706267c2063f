//! The inventory's data model: metadata about keys, never their values.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use crate::providers::VerifyOutcome;

/// Lifecycle state of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    Active,
    Pending,
    Grace,
    Revoked,
    Invalid,
}

impl KeyStatus {
    pub const ALL: [KeyStatus; 5] = [
        KeyStatus::Active,
        KeyStatus::Pending,
        KeyStatus::Grace,
        KeyStatus::Revoked,
        KeyStatus::Invalid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Pending => "pending",
            KeyStatus::Grace => "grace",
            KeyStatus::Revoked => "revoked",
            KeyStatus::Invalid => "invalid",
        }
    }

    pub fn parse(s: &str) -> Option<KeyStatus> {
        KeyStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The one state a key shows (window pill, `keyward list`): its lifecycle status, overruled by
/// what the provider last said about it, and by its expiry date once that has passed. A
/// token the provider reports disabled is not "active", whatever Keyward last did with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    Active,
    Pending,
    Grace,
    Revoked,
    Invalid,
    /// The provider reports the key disabled (it exists but does not work until re-enabled).
    Disabled,
    /// The provider reports it expired, or its expiry date has passed.
    Expired,
}

impl KeyState {
    pub const ALL: [KeyState; 7] = [
        KeyState::Active,
        KeyState::Pending,
        KeyState::Grace,
        KeyState::Revoked,
        KeyState::Invalid,
        KeyState::Disabled,
        KeyState::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Active => "active",
            KeyState::Pending => "pending",
            KeyState::Grace => "grace",
            KeyState::Revoked => "revoked",
            KeyState::Invalid => "invalid",
            KeyState::Disabled => "disabled",
            KeyState::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<KeyState> {
        KeyState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Derives the state from the stored status, the last definite verify answer and the
    /// expiry date. Revoked stays revoked (history); otherwise the provider's answer wins
    /// (`disabled`, `expired`, `invalid`), then a passed expiry date, then the lifecycle.
    pub fn of(
        status: KeyStatus,
        verify_outcome: Option<VerifyOutcome>,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> KeyState {
        if status == KeyStatus::Revoked {
            return KeyState::Revoked;
        }
        match verify_outcome {
            Some(VerifyOutcome::Disabled) => return KeyState::Disabled,
            Some(VerifyOutcome::Expired) => return KeyState::Expired,
            Some(VerifyOutcome::Invalid) => return KeyState::Invalid,
            Some(VerifyOutcome::Valid) | None => {}
        }
        if expires_at.is_some_and(|at| at <= now) {
            return KeyState::Expired;
        }
        match status {
            KeyStatus::Active => KeyState::Active,
            KeyStatus::Pending => KeyState::Pending,
            KeyStatus::Grace => KeyState::Grace,
            KeyStatus::Revoked => KeyState::Revoked,
            KeyStatus::Invalid => KeyState::Invalid,
        }
    }
}

/// One managed credential. Metadata only: the secret lives in the OS keychain under `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    pub id: Uuid,
    /// Provider id (`postmark`, `posthog`, …, or a custom provider's id).
    pub provider: String,
    /// Key kind id within the provider (`server_token`, `personal`, …).
    pub kind: String,
    pub name: String,
    pub environment: String,
    pub purpose: String,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    pub scopes: Vec<String>,
    /// The provider's own id for this key, where it has one.
    pub remote_id: Option<String>,
    /// Environment-variable name used by `keyward run`.
    pub env_var: String,
    pub created_at: DateTime<Utc>,
    pub last_rotated_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_verified_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub status: KeyStatus,
    /// HMAC-SHA256 of the secret under the per-install key (hex); `None` when tracked without secret.
    pub fingerprint: Option<String>,
    /// Provider prefix + last four characters, e.g. `phx_…abcd`.
    pub masked_hint: String,
    pub updated_at: DateTime<Utc>,
    /// The connection whose base URL and admin key serve this key's API calls.
    pub connection_id: Option<Uuid>,
    /// The last definite verification answer (`valid`, `invalid`, `expired`, `disabled`).
    pub verify_outcome: Option<VerifyOutcome>,
    /// What that answer said, in one sentence (never a secret).
    pub verify_detail: Option<String>,
    /// Where the key is used; client-side usage of a secret-grade kind is a finding.
    #[serde(default)]
    pub usage: Option<KeyUsage>,
    /// The provider's hosted region the key belongs to (`eu`), where it has several and the
    /// key has no connection to say so; `None`: not chosen.
    #[serde(default)]
    pub region: Option<String>,
    /// What the key is for Keyward: an ordinary service key, or a connection's admin credential
    /// (which `keyward run` withholds unless named). Set by `connect`, never by an edit.
    #[serde(default)]
    pub role: KeyRole,
}

impl KeyRecord {
    /// The one state to show for this key now; see [`KeyState::of`].
    pub fn state(&self, now: DateTime<Utc>) -> KeyState {
        KeyState::of(self.status, self.verify_outcome, self.expires_at, now)
    }
}

/// The role a key plays. A connection's admin credential (Cloudflare "API Tokens Write",
/// Postmark account token, PostHog personal key) can create and delete other keys, so it is
/// kept apart from the keys applications use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyRole {
    /// A key an application or script uses.
    #[default]
    Service,
    /// The admin credential of a provider's management API, stored by `keyward connect`.
    /// It stays one after the connection is removed: the token keeps its power.
    ConnectionAdmin,
}

impl KeyRole {
    pub const ALL: [KeyRole; 2] = [KeyRole::Service, KeyRole::ConnectionAdmin];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyRole::Service => "service",
            KeyRole::ConnectionAdmin => "connection_admin",
        }
    }

    pub fn parse(s: &str) -> Option<KeyRole> {
        KeyRole::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Short label for tables and badges.
    pub fn label(self) -> &'static str {
        match self {
            KeyRole::Service => "service",
            KeyRole::ConnectionAdmin => "connection admin",
        }
    }
}

/// Where a key is used. `Web` and `Mobile` ship the value to users' devices, where only a
/// provider's public kind belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyUsage {
    /// A backend service.
    Server,
    /// Client-side code in web pages.
    Web,
    /// A mobile app.
    Mobile,
    /// A desktop app shipped to users.
    Desktop,
    /// CI pipelines and scripts.
    Ci,
    /// A developer's own machine.
    Local,
}

impl KeyUsage {
    pub const ALL: [KeyUsage; 6] = [
        KeyUsage::Server,
        KeyUsage::Web,
        KeyUsage::Mobile,
        KeyUsage::Desktop,
        KeyUsage::Ci,
        KeyUsage::Local,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyUsage::Server => "server",
            KeyUsage::Web => "web",
            KeyUsage::Mobile => "mobile",
            KeyUsage::Desktop => "desktop",
            KeyUsage::Ci => "ci",
            KeyUsage::Local => "local",
        }
    }

    pub fn parse(s: &str) -> Option<KeyUsage> {
        let s = s.trim();
        KeyUsage::ALL
            .into_iter()
            .find(|u| u.as_str().eq_ignore_ascii_case(s))
    }

    /// The value reaches devices Keyward's user does not control.
    pub fn is_client_side(self) -> bool {
        matches!(self, KeyUsage::Web | KeyUsage::Mobile | KeyUsage::Desktop)
    }
}

/// Filter for listing keys; every field narrows the result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyFilter {
    pub environment: Option<String>,
    pub provider: Option<String>,
    /// Case-insensitive substring of the purpose.
    pub purpose: Option<String>,
    pub status: Option<KeyStatus>,
    /// Case-insensitive substring of name, purpose, owner, provider or tags.
    pub text: Option<String>,
}

/// A named environment with its display order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    pub name: String,
    pub position: i64,
}

/// What an audit event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Created,
    Imported,
    Updated,
    Removed,
    Copied,
    Revealed,
    Verified,
    Rotated,
    Revoked,
    ProviderAdded,
    SettingsChanged,
    FindingAcknowledged,
    FindingUnacknowledged,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Created => "created",
            AuditAction::Imported => "imported",
            AuditAction::Updated => "updated",
            AuditAction::Removed => "removed",
            AuditAction::Copied => "copied",
            AuditAction::Revealed => "revealed",
            AuditAction::Verified => "verified",
            AuditAction::Rotated => "rotated",
            AuditAction::Revoked => "revoked",
            AuditAction::ProviderAdded => "provider_added",
            AuditAction::SettingsChanged => "settings_changed",
            AuditAction::FindingAcknowledged => "finding_acknowledged",
            AuditAction::FindingUnacknowledged => "finding_unacknowledged",
        }
    }
}

/// An append-only record of one action. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// OS user who acted.
    pub actor: String,
    pub action: String,
    pub key_id: Option<Uuid>,
    /// Key name at the time, so the trail stays readable after removal.
    pub key_name: Option<String>,
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn one_state_from_the_providers_answer() {
        let now = Utc::now();
        let past = Some(now - Duration::days(1));
        let future = Some(now + Duration::days(30));
        let cases = [
            // (status, verify outcome, expires_at, shown)
            (KeyStatus::Active, None, None, KeyState::Active),
            (KeyStatus::Active, Some("valid"), future, KeyState::Active),
            (
                KeyStatus::Active,
                Some("disabled"),
                None,
                KeyState::Disabled,
            ),
            (
                KeyStatus::Invalid,
                Some("disabled"),
                None,
                KeyState::Disabled,
            ),
            (KeyStatus::Active, Some("expired"), None, KeyState::Expired),
            (KeyStatus::Invalid, Some("expired"), past, KeyState::Expired),
            (KeyStatus::Active, Some("valid"), past, KeyState::Expired),
            (KeyStatus::Active, None, past, KeyState::Expired),
            (KeyStatus::Active, Some("invalid"), None, KeyState::Invalid),
            (KeyStatus::Invalid, None, None, KeyState::Invalid),
            (KeyStatus::Grace, Some("valid"), None, KeyState::Grace),
            (KeyStatus::Grace, Some("disabled"), None, KeyState::Disabled),
            (KeyStatus::Pending, None, None, KeyState::Pending),
            (
                KeyStatus::Revoked,
                Some("disabled"),
                past,
                KeyState::Revoked,
            ),
        ];
        for (status, outcome, expires, shown) in cases {
            assert_eq!(
                KeyState::of(status, outcome.and_then(VerifyOutcome::parse), expires, now),
                shown,
                "{status:?} {outcome:?} {expires:?}"
            );
        }
    }

    #[test]
    fn state_names_round_trip() {
        for s in KeyState::ALL {
            assert_eq!(KeyState::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
