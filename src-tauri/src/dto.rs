//! Transport types: the JSON the window sends and receives. Domain types stay in the core;
//! these shape them for the UI (`ui/src/lib/types.ts` mirrors them, pinned by
//! `tests/ipc_contract.rs`). Only `NewKeyInput.secret` ever carries a key's value, inbound.

use keyward::import::{ImportFormat, ImportPlan, LineError};
use keyward::providers::{
    Confidence, Detection, KeyKindProfile, OpMode, Operations, Presentation, Privilege,
    PurposeProfile,
};
use keyward::Secret;
use serde::{Deserialize, Deserializer, Serialize};

pub use crate::findings_dto::FindingDto;

/// A key with its findings and state, shaped by the core (`keyward::api::keys`).
pub use keyward::api::keys::{KeyDetailView as KeyDetailDto, KeyView as KeyDto};

/// A key as the list shows it (issue 14): `keys_page` and `keys_stream` send these.
pub use keyward::api::keys::{FindingRowView as FindingRowDto, KeyRowView as KeyRowDto};

/// What `key_add` answers: the key, and a warning when its value does not look like the
/// provider's keys (stored anyway: the provider decides validity; never the value).
#[derive(Debug, Clone, Serialize)]
pub struct KeyAddedDto {
    pub key: KeyDto,
    pub warning: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DetectionDto {
    pub provider: String,
    pub kind: String,
    pub confidence: Confidence,
    pub needs_confirmation: bool,
    pub alternatives: Vec<String>,
    pub reason: String,
    pub masked_hint: String,
}

impl DetectionDto {
    pub fn new(d: Detection, masked_hint: String) -> DetectionDto {
        DetectionDto {
            provider: d.provider,
            kind: d.kind,
            confidence: d.confidence,
            needs_confirmation: d.needs_confirmation,
            alternatives: d.alternatives,
            reason: d.reason,
            masked_hint,
        }
    }
}

/// `missing` → leave as is, `null` → clear, `"x"` → set.
fn double_option<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(de).map(Some)
}

#[derive(Debug, Deserialize)]
pub struct NewKeyInput {
    /// Deserialized straight into a `Secret`.
    pub secret: Secret,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    pub name: String,
    pub environment: String,
    #[serde(default)]
    pub purpose: String,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub env_var: Option<String>,
    /// Keys that existed before Keyward: when created and last rotated (default: now / never).
    #[serde(default)]
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    pub last_rotated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// One of the provider's regions (`eu`) for a key without a connection.
    #[serde(default)]
    pub region: Option<String>,
}

impl NewKeyInput {
    pub fn into_parts(self) -> (keyward::NewKey, Secret) {
        let new = keyward::NewKey {
            provider: self.provider,
            kind: self.kind,
            name: self.name,
            environment: self.environment,
            purpose: self.purpose,
            owner: self.owner,
            tags: self.tags,
            scopes: self.scopes,
            env_var: self.env_var,
            created_at: self.created_at,
            last_rotated_at: self.last_rotated_at,
            region: self.region,
            ..keyward::NewKey::default()
        };
        (new, self.secret)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct KeyPatchDto {
    pub name: Option<String>,
    pub environment: Option<String>,
    pub purpose: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub owner: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
    pub env_var: Option<String>,
    /// Where the key is used: missing = leave, `null` = not stated, `"web"` = set (issue 6:
    /// client-side use of a secret-grade kind is a finding).
    #[serde(default, deserialize_with = "usage_patch")]
    pub usage: Option<Option<keyward::KeyUsage>>,
}

fn usage_patch<'de, D: Deserializer<'de>>(
    de: D,
) -> Result<Option<Option<keyward::KeyUsage>>, D::Error> {
    match Option::<String>::deserialize(de)? {
        None => Ok(Some(None)),
        Some(s) => keyward::KeyUsage::parse(&s)
            .map(|u| Some(Some(u)))
            .ok_or_else(|| {
                serde::de::Error::custom(
                    "usage: one of server, web, mobile, desktop, ci, local (or null)",
                )
            }),
    }
}

impl From<KeyPatchDto> for keyward::KeyPatch {
    fn from(p: KeyPatchDto) -> keyward::KeyPatch {
        keyward::KeyPatch {
            name: p.name,
            environment: p.environment,
            purpose: p.purpose,
            owner: p.owner,
            tags: p.tags,
            scopes: p.scopes,
            env_var: p.env_var,
            usage: p.usage,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CopyDto {
    pub timeout_secs: u64,
    /// RFC 3339.
    pub clears_at: String,
}

/// An import file the user picked in the native dialog: the handle that names it to
/// `import_preview` / `import_commit`, and its file name to show. Never its path.
#[derive(Debug, Clone, Serialize)]
pub struct PickedFileDto {
    pub handle: String,
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ImportOptionsDto {
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub purpose: Option<String>,
    #[serde(default)]
    pub skip_unrecognized: bool,
}

impl From<ImportOptionsDto> for keyward::import::ImportOptions {
    fn from(o: ImportOptionsDto) -> keyward::import::ImportOptions {
        let blank_is_none = |s: Option<String>| s.filter(|v| !v.trim().is_empty());
        keyward::import::ImportOptions {
            environment: blank_is_none(o.environment),
            provider: blank_is_none(o.provider),
            purpose: blank_is_none(o.purpose),
            skip_unrecognized: o.skip_unrecognized,
            connection_id: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportRowDto {
    pub line: usize,
    pub name: String,
    pub provider: String,
    pub kind: String,
    pub environment: String,
    pub purpose: String,
    pub masked_hint: String,
    pub env_var: String,
    /// From the CSV's date columns (created defaults to the time of the preview).
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_rotated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// "Does not look like a … key; imported anyway" (never the value).
    pub warning: Option<String>,
    /// Ticked in the preview: a key, not configuration (`DEBUG=true`, `PORT=3000`, …).
    pub suggested: bool,
    /// Why it is (not) suggested, e.g. "a log level, not a key" (never the value).
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportPreviewDto {
    pub format: ImportFormat,
    pub rows: Vec<ImportRowDto>,
    pub errors: Vec<LineError>,
}

impl From<&ImportPlan> for ImportPreviewDto {
    fn from(plan: &ImportPlan) -> ImportPreviewDto {
        ImportPreviewDto {
            format: plan.format,
            rows: plan
                .rows
                .iter()
                .map(|r| ImportRowDto {
                    line: r.line,
                    name: r.record.name.clone(),
                    provider: r.record.provider.clone(),
                    kind: r.record.kind.clone(),
                    environment: r.record.environment.clone(),
                    purpose: r.record.purpose.clone(),
                    masked_hint: r.record.masked_hint.clone(),
                    env_var: r.record.env_var.clone(),
                    created_at: r.record.created_at,
                    last_rotated_at: r.record.last_rotated_at,
                    warning: r.warning.clone(),
                    suggested: r.suggestion.import,
                    reason: r.suggestion.reason.clone(),
                })
                .collect(),
            errors: plan.errors.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportResultDto {
    pub imported: usize,
    pub keys: Vec<KeyDto>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KindDto {
    pub id: String,
    pub display_name: String,
    pub presentation: Presentation,
    pub presentation_name: String,
    pub prefix: Option<String>,
    pub privilege: Privilege,
    pub client_safe: bool,
    pub dashboard_url: String,
    pub notes: String,
    /// What Keyward can do with this kind through the API, guided, or not at all.
    pub operations: Operations,
}

impl From<&KeyKindProfile> for KindDto {
    fn from(k: &KeyKindProfile) -> KindDto {
        KindDto {
            id: k.id.into(),
            display_name: k.display_name.into(),
            presentation: k.presentation,
            presentation_name: k.presentation_name.into(),
            prefix: k.prefix.map(Into::into),
            privilege: k.privilege,
            client_safe: k.client_safe,
            dashboard_url: k.dashboard_url.into(),
            notes: k.notes.into(),
            operations: k.operations,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PurposeDto {
    pub id: String,
    pub label: String,
    pub minimal_kind: String,
    pub scopes: Vec<String>,
}

impl From<&PurposeProfile> for PurposeDto {
    fn from(p: &PurposeProfile) -> PurposeDto {
        PurposeDto {
            id: p.id.into(),
            label: p.label.into(),
            minimal_kind: p.minimal_kind.into(),
            scopes: p.scopes.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ProviderDto {
    pub id: String,
    pub display_name: String,
    pub dashboard_url: String,
    pub kinds: Vec<KindDto>,
    pub purposes: Vec<PurposeDto>,
    /// Hosted regions (a key belongs to one); empty: one global API.
    pub regions: Vec<RegionDto>,
    pub custom: bool,
    /// True of every key of a kind and not changeable per key (Postman keys' full access):
    /// shown once on the provider instead of as a finding on each key.
    pub facts: Vec<ProviderFactDto>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProviderFactDto {
    pub kind: String,
    pub kind_name: String,
    pub fact: String,
    pub advice: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegionDto {
    pub id: String,
    pub label: String,
    pub base_url: String,
}

impl ProviderDto {
    pub fn built_in(p: &keyward::providers::ProviderProfile) -> ProviderDto {
        ProviderDto {
            id: p.id.into(),
            display_name: p.display_name.into(),
            dashboard_url: p.dashboard_url.into(),
            kinds: p.kinds.iter().map(KindDto::from).collect(),
            purposes: p.purposes.iter().map(PurposeDto::from).collect(),
            regions: p
                .regions
                .iter()
                .map(|r| RegionDto {
                    id: r.id.into(),
                    label: r.label.into(),
                    base_url: r.base_url.into(),
                })
                .collect(),
            custom: false,
            facts: keyward::findings::facts_of(p)
                .into_iter()
                .map(|f| ProviderFactDto {
                    kind: f.key_kind,
                    kind_name: f.key_kind_name,
                    fact: f.fact,
                    advice: f.advice,
                })
                .collect(),
        }
    }

    pub fn custom(c: &keyward::providers::CustomProviderSpec) -> ProviderDto {
        ProviderDto {
            id: c.id.clone(),
            display_name: c.display_name.clone(),
            dashboard_url: c.dashboard_url.clone().unwrap_or_default(),
            kinds: vec![KindDto {
                id: "api_key".into(),
                display_name: "API key".into(),
                presentation: c.presentation,
                presentation_name: c.presentation_name.clone(),
                prefix: c.prefix.clone(),
                privilege: Privilege::Scoped,
                client_safe: false,
                dashboard_url: c.dashboard_url.clone().unwrap_or_default(),
                notes: "Described by you.".into(),
                // Nothing of a custom provider is automated, but a verify URL can be probed.
                operations: Operations {
                    list: OpMode::Manual,
                    create: OpMode::Manual,
                    roll: OpMode::Manual,
                    revoke: OpMode::Manual,
                    verify: if c.verify_url.is_some() {
                        OpMode::Api
                    } else {
                        OpMode::Manual
                    },
                },
            }],
            purposes: Vec::new(),
            regions: Vec::new(),
            custom: true,
            facts: Vec::new(),
        }
    }
}

/// The settings, shaped by the core (`keyward::api::settings`).
pub use keyward::api::settings::{Settings as SettingsDto, SettingsPatch};

/// Adds a connection; `admin_secret` travels inbound only and is wrapped on arrival.
#[derive(Debug, Deserialize)]
pub struct NewConnectionInput {
    pub provider: String,
    pub name: String,
    #[serde(default)]
    pub base_url: Option<String>,
    /// One of the provider's regions, instead of a base URL.
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub probe_path: Option<String>,
    #[serde(default = "default_admin_environment")]
    pub environment: String,
    #[serde(default, deserialize_with = "optional_secret")]
    pub admin_secret: Option<Secret>,
    #[serde(default = "yes")]
    pub test: bool,
}

fn default_admin_environment() -> String {
    "prod".into()
}

fn yes() -> bool {
    true
}

/// An empty or missing value means "no admin key".
fn optional_secret<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Secret>, D::Error> {
    Option::<Secret>::deserialize(de).map(|v| v.filter(|s| !s.is_empty()))
}

impl From<NewConnectionInput> for keyward::api::connections::ConnectionRequest {
    fn from(input: NewConnectionInput) -> Self {
        let (connection, admin) = input.into_parts();
        keyward::api::connections::ConnectionRequest { connection, admin }
    }
}

impl NewConnectionInput {
    fn into_parts(self) -> (keyward::inventory::NewConnection, Option<Secret>) {
        let blank_is_none = |s: Option<String>| s.filter(|v| !v.trim().is_empty());
        let new = keyward::inventory::NewConnection {
            provider: self.provider,
            name: self.name,
            base_url: blank_is_none(self.base_url),
            region: blank_is_none(self.region),
            options: keyward::connection::ConnectionOptions {
                project_id: blank_is_none(self.project_id),
                account_id: blank_is_none(self.account_id),
                probe_path: blank_is_none(self.probe_path),
            },
            environment: self.environment,
            test: self.test,
        };
        (new, self.admin_secret)
    }
}

/// One step of "Verify all", streamed to the window.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyProgressDto {
    pub done: usize,
    pub total: usize,
    pub result: keyward::inventory::VerifyResult,
}

/// What a sync filed (`keyward::api::connections`).
pub use keyward::api::connections::SyncResult as SyncResultDto;

/// The inventory changed outside the window (issue 16), streamed over the Channel given to
/// `inventory_watch`: the page reloads. Says nothing about what changed.
#[derive(Debug, Clone, Serialize)]
pub struct InventoryChangedDto {
    /// Counts the changes seen since the app started.
    pub change: u64,
}

/// A page of the key list in the window's display order (`keys_page`), and how many keys the
/// inventory holds.
pub use keyward::api::keys::KeysPage as KeysPageDto;

/// Part of the whole key list, streamed by `keys_stream` (issue 14).
pub use keyward::api::keys::KeysChunk as KeysChunkDto;
