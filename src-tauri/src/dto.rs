//! Transport types: the JSON the window sends and receives. Domain types stay in the core;
//! these shape them for the UI (`ui/src/lib/types.ts` mirrors them, pinned by
//! `tests/ipc_contract.rs`). Only `NewKeyInput.secret` ever carries a key's value, inbound.

use keyward::import::{ImportFormat, ImportPlan, LineError};
use keyward::Secret;
use serde::{Deserialize, Deserializer, Serialize};

pub use crate::findings_dto::FindingDto;

/// A key with its findings and state, shaped by the core (`keyward::api::keys`).
pub use keyward::api::keys::{KeyDetailView as KeyDetailDto, KeyView as KeyDto};

/// A key as the list shows it (issue 14): `keys_page` and `keys_stream` send these.
pub use keyward::api::keys::{FindingRowView as FindingRowDto, KeyRowView as KeyRowDto};

/// What `key_add` answers (`keyward::api::keys`).
pub use keyward::api::keys::KeyAdded as KeyAddedDto;

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

impl From<keyward::api::keys::Copied> for CopyDto {
    fn from(c: keyward::api::keys::Copied) -> CopyDto {
        let secs = c.timeout.as_secs();
        let clears_at = chrono::Utc::now() + chrono::Duration::seconds(secs as i64);
        CopyDto {
            timeout_secs: secs,
            clears_at: clears_at.to_rfc3339(),
        }
    }
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

/// The provider catalogue as the window shows it (`keyward::api::providers`).
pub use keyward::api::providers::{
    DetectionView as DetectionDto, KindView as KindDto, ProviderFactView as ProviderFactDto,
    ProviderView as ProviderDto, PurposeView as PurposeDto, RegionView as RegionDto,
};

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

/// One key of a running "verify all", streamed over the `keys_verify_all` Channel.
pub use keyward::api::keys::VerifyProgress as VerifyProgressDto;

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
