//! Transport types of create / rotate / revoke (mirrored in `ui/src/lib/types.ts`, pinned by
//! `tests/ipc_contract.rs`). No secret in any of them, except inbound pasted values
//! (`CreateKeyInput.secret`, `rotation_guided_submit`'s argument) and [`RevealDto`], the one
//! outbound value, answered only to an explicit "Show once".

use keyward::api::lifecycle::{CreateRequest, RotateRequest};
use keyward::rotation::{
    RotateOptions, RotationEvent, RotationEventKind, RotationFlavour, RotationStep,
};
use keyward::{KeyId, MalformedId, Secret};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

pub use keyward::api::lifecycle::{
    CreatedView, RecoveryView as RecoveryDto, RevokeView as RevokeResultDto, RotationOutcomeView,
    RotationPlanView as RotationPlanDto, RotationView as RotationDto,
};

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

impl RotateInput {
    /// The keys and options, every id parsed once.
    pub fn request(&self) -> Result<RotateRequest, MalformedId> {
        let parse = |ids: &[String]| -> Result<Vec<KeyId>, MalformedId> {
            ids.iter().map(|id| id.parse()).collect()
        };
        let accepted: Vec<KeyId> = parse(&self.accept_value_loss)?;
        Ok(RotateRequest {
            ids: parse(&self.key_ids)?,
            options: RotateOptions {
                grace: self.grace_secs.map(Duration::from_secs),
                narrow: self.narrow,
                scopes: None,
                accept_value_loss: accepted.into_iter().map(KeyId::uuid).collect(),
            },
        })
    }
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

/// How one key's rotation ended in this run, with the window's one-time "Show once"
/// permission for a new value the provider made.
#[derive(Debug, Clone, Serialize)]
pub struct RotationOutcomeDto {
    #[serde(flatten)]
    pub outcome: RotationOutcomeView,
    pub reveal_token: Option<String>,
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

impl CreateKeyInput {
    /// The core's request, and the pasted value (guided creation) apart from it.
    pub fn into_request(self) -> (CreateRequest, Option<Secret>) {
        let request = CreateRequest {
            guided: self.guided,
            connection: self.connection_id,
            provider: self.provider,
            kind: self.kind,
            name: Some(self.name),
            environment: self.environment,
            purpose: self.purpose,
            scopes: self.scopes,
            owner: self.owner,
        };
        (request, self.secret)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CreatedKeyDto {
    #[serde(flatten)]
    pub created: CreatedView,
    pub reveal_token: Option<String>,
}

/// The one DTO that carries a key's value, outbound: answered by `key_reveal` only, once, on
/// the user's explicit "Show once". Deliberately no `Debug`, so it cannot end up in a log.
#[derive(Clone, Serialize)]
pub struct RevealDto {
    pub value: String,
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
