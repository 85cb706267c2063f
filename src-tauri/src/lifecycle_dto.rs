//! Transport types of create / rotate / revoke (mirrored in `ui/src/lib/types.ts`, pinned by
//! `tests/ipc_contract.rs`). No secret in any of them, except inbound pasted values
//! (`CreateKeyInput.secret`, `rotation_guided_submit`'s argument) and [`RevealDto`], the one
//! outbound value, answered only to an explicit "Show once".

use crate::dto::KeyDto;
use chrono::{DateTime, Utc};
use keyward::rotation::{
    RecoveryAction, RecoveryKind, RotationEvent, RotationEventKind, RotationFlavour,
    RotationOutcome, RotationPlan, RotationRecord, RotationStep,
};
use keyward::Secret;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One rotation of the journal, for the window.
#[derive(Debug, Clone, Serialize)]
pub struct RotationDto {
    pub id: Uuid,
    pub key_id: Uuid,
    pub key_name: String,
    pub provider: String,
    /// The key's environment ('' when the key is no longer in the inventory).
    pub environment: String,
    pub flavour: RotationFlavour,
    pub state: RotationStep,
    /// How far it got: the step itself, or for a failed / rolled back one the last step known.
    pub last_step: RotationStep,
    pub grace_secs: i64,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub revoke_after: Option<DateTime<Utc>>,
    /// `paste` or `revoke_old` while a guided rotation waits for the user.
    pub waiting_for: Option<&'static str>,
    pub error_code: Option<String>,
    pub error: Option<String>,
    pub note: Option<String>,
}

impl RotationDto {
    pub fn new(r: RotationRecord, environment: String) -> RotationDto {
        let last_step = match r.step {
            // The journal keeps no "reached" column: a new fingerprint means the new value was
            // stored (created); without one nothing happened beyond planning.
            RotationStep::Failed | RotationStep::RolledBack => {
                if r.new_fingerprint.is_some() {
                    RotationStep::Created
                } else {
                    RotationStep::Planned
                }
            }
            step => step,
        };
        let waiting_for = match (r.waits_for_user(), r.step) {
            (true, RotationStep::Planned) => Some("paste"),
            (true, RotationStep::Promoted) => Some("revoke_old"),
            _ => None,
        };
        RotationDto {
            id: r.id,
            key_id: r.key_id,
            key_name: r.key_name,
            provider: r.provider,
            environment,
            flavour: r.flavour,
            state: r.step,
            last_step,
            grace_secs: r.grace_secs,
            started_at: r.created_at,
            updated_at: r.updated_at,
            revoke_after: r.revoke_after,
            waiting_for,
            error_code: r.error_code,
            error: r.error_message,
            note: r.note,
        }
    }
}

/// What rotating one key would do.
#[derive(Debug, Clone, Serialize)]
pub struct RotationPlanDto {
    pub key_id: Uuid,
    pub key_name: String,
    pub provider: String,
    pub environment: String,
    pub flavour: RotationFlavour,
    pub grace_secs: i64,
    pub scopes: Vec<String>,
    pub widened: Vec<String>,
    pub dashboard_url: String,
    pub notes: Vec<String>,
    pub blocked: Option<String>,
    /// Keyward does not hold the value in use: the row needs the user's acceptance of
    /// `value_loss` (sent back in `RotateInput.accept_value_loss`).
    pub value_unknown: bool,
    pub value_loss: Option<String>,
    /// `grace_secs` is the environment's default (Settings), not the user's choice.
    pub grace_is_default: bool,
}

impl RotationPlanDto {
    pub fn new(p: RotationPlan, environment: String) -> RotationPlanDto {
        RotationPlanDto {
            key_id: p.key_id,
            key_name: p.key_name,
            provider: p.provider,
            environment,
            flavour: p.flavour,
            grace_secs: p.grace_secs,
            scopes: p.scopes,
            widened: p.widened,
            dashboard_url: p.dashboard_url,
            notes: p.notes,
            blocked: p.blocked,
            value_unknown: p.value_unknown,
            value_loss: p.value_loss,
            grace_is_default: p.grace_is_default,
        }
    }
}

/// Which keys to rotate, and how.
#[derive(Debug, Clone, Deserialize)]
pub struct RotateInput {
    pub key_ids: Vec<String>,
    /// Overlap of old and new keys; > 0 makes a native roll a create + revoke where possible.
    /// `None`: each key's environment default (Settings); `Some(0)`: revoke at once.
    #[serde(default)]
    pub grace_secs: Option<u64>,
    /// Keys without a known value whose row the user ticked "the value in use stops working".
    #[serde(default)]
    pub accept_value_loss: Vec<String>,
    /// The new key gets only its purpose's least privilege.
    #[serde(default)]
    pub narrow: bool,
}

/// One step of one key, streamed over the `key_rotate` Channel.
#[derive(Debug, Clone, Serialize)]
pub struct RotationEventDto {
    pub rotation_id: Uuid,
    pub key_id: Uuid,
    pub key_name: String,
    pub flavour: RotationFlavour,
    pub step: RotationStep,
    pub kind: RotationEventKind,
    pub message: String,
    pub done: usize,
    pub total: usize,
}

impl From<&RotationEvent> for RotationEventDto {
    fn from(e: &RotationEvent) -> RotationEventDto {
        RotationEventDto {
            rotation_id: e.rotation_id,
            key_id: e.key_id,
            key_name: e.key_name.clone(),
            flavour: e.flavour,
            step: e.step,
            kind: e.kind,
            message: e.message.clone(),
            done: e.done,
            total: e.total,
        }
    }
}

/// How one key's rotation ended in this run.
#[derive(Debug, Clone, Serialize)]
pub struct RotationOutcomeDto {
    pub key_id: Uuid,
    pub rotation: Option<RotationDto>,
    pub error_code: Option<String>,
    pub message: String,
    /// One-time "Show once" permission for the new value (a new value the provider made).
    pub reveal_token: Option<String>,
}

impl RotationOutcomeDto {
    pub fn new(o: RotationOutcome, environment: String, reveal_token: Option<String>) -> Self {
        RotationOutcomeDto {
            key_id: o.key_id,
            rotation: o.rotation.map(|r| RotationDto::new(r, environment)),
            error_code: o.error_code,
            message: o.message,
            reveal_token,
        }
    }
}

/// Whether a rotation left a new value, made by the provider, that the user may see once.
pub fn has_new_value(r: &RotationRecord) -> bool {
    r.flavour != RotationFlavour::Guided
        && matches!(
            r.step,
            RotationStep::Promoted | RotationStep::OldRevoked | RotationStep::Done
        )
}

/// Create a key: through a connection's API, or guided (made in the dashboard, `secret` pasted;
/// `connection_id` then links it and serves to verify it).
#[derive(Debug, Deserialize)]
pub struct CreateKeyInput {
    #[serde(default)]
    pub guided: bool,
    pub connection_id: Option<String>,
    pub provider: String,
    pub kind: String,
    pub name: String,
    pub environment: String,
    /// A purpose id of the provider's catalogue, or free text.
    #[serde(default)]
    pub purpose: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub secret: Option<Secret>,
    /// Who answers for the key; empty: the default owner setting, if any.
    #[serde(default)]
    pub owner: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CreatedKeyDto {
    pub key: KeyDto,
    pub widened_scopes: Vec<String>,
    pub reveal_token: Option<String>,
}

/// The one DTO that carries a key's value, outbound: answered by `key_reveal` only, once, on
/// the user's explicit "Show once". Deliberately no `Debug`, so it cannot end up in a log.
#[derive(Clone, Serialize)]
pub struct RevealDto {
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RevokeResultDto {
    pub key: KeyDto,
    /// The provider answered 401 before Keyward marked the key revoked.
    pub confirmed_dead: bool,
    pub message: String,
}

/// What start-up did with an unfinished rotation (or an old key whose grace ended).
#[derive(Debug, Clone, Serialize)]
pub struct RecoveryDto {
    pub rotation_id: Uuid,
    pub key_id: Uuid,
    pub key_name: String,
    pub action: RecoveryKind,
    pub step: RotationStep,
    pub detail: String,
}

impl From<RecoveryAction> for RecoveryDto {
    fn from(a: RecoveryAction) -> RecoveryDto {
        RecoveryDto {
            rotation_id: a.rotation_id,
            key_id: a.key_id,
            key_name: a.key_name,
            action: a.action,
            step: a.step,
            detail: a.detail,
        }
    }
}

impl RecoveryDto {
    /// A due revocation run at start-up (`None` when it did not journal anything).
    pub fn due_revocation(o: RotationOutcome) -> Option<RecoveryDto> {
        let r = o.rotation?;
        Some(RecoveryDto {
            rotation_id: r.id,
            key_id: o.key_id,
            key_name: o.key_name,
            action: if o.error_code.is_none() {
                RecoveryKind::OldKeyRevoked
            } else {
                RecoveryKind::Stopped
            },
            step: r.step,
            detail: o.message,
        })
    }
}

/// The grace period rotations get by default, per environment (Settings).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GraceDefaultsDto {
    pub environments: Vec<EnvironmentGraceDto>,
    /// For environments without a line.
    pub default_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnvironmentGraceDto {
    pub environment: String,
    pub grace_secs: u64,
}

impl From<keyward::rotation::GraceDefaults> for GraceDefaultsDto {
    fn from(d: keyward::rotation::GraceDefaults) -> GraceDefaultsDto {
        GraceDefaultsDto {
            environments: d
                .environments
                .into_iter()
                .map(|(environment, grace_secs)| EnvironmentGraceDto {
                    environment,
                    grace_secs,
                })
                .collect(),
            default_secs: d.default_secs,
        }
    }
}

impl From<GraceDefaultsDto> for keyward::rotation::GraceDefaults {
    fn from(d: GraceDefaultsDto) -> keyward::rotation::GraceDefaults {
        keyward::rotation::GraceDefaults {
            environments: d
                .environments
                .into_iter()
                .map(|e| (e.environment, e.grace_secs))
                .collect(),
            default_secs: d.default_secs,
        }
    }
}
