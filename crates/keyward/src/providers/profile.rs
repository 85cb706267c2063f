//! The static half of a provider: its profile (kinds, formats, presentation, privileges,
//! purposes, regions). Data plus pure functions: no I/O, no secrets kept. Each provider's
//! module holds its own `PROFILE`; facts and their sources are in `docs/providers.md`.

use serde::{Deserialize, Serialize};

use super::detect;

/// How a key travels in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presentation {
    /// A named header carries the raw value (`X-Postmark-Server-Token: …`).
    Header,
    /// `Authorization: Bearer …`.
    Bearer,
    /// A field of the JSON request body (`{"api_key": …}`).
    BodyField,
    /// A URL query parameter.
    Query,
}

/// What a key can do, ordered least → most, so `a > b` means "a is more privileged".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Privilege {
    /// Public by design (ingestion-only keys shipped in web pages).
    Public,
    ReadOnly,
    /// Limited to a resource or a set of scopes.
    Scoped,
    /// Everything the owner can do.
    Full,
}

/// How Keyward can carry out one operation on a key kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpMode {
    /// A documented HTTP call.
    Api,
    /// Dashboard only: Keyward guides the user and verifies the result.
    Manual,
    /// Not possible, or not meaningful, for this kind.
    Unsupported,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Operations {
    pub list: OpMode,
    pub create: OpMode,
    pub roll: OpMode,
    pub revoke: OpMode,
    pub verify: OpMode,
}

/// One type of credential of a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KeyKindProfile {
    pub id: &'static str,
    pub display_name: &'static str,
    pub presentation: Presentation,
    /// Header, body field or query parameter name; `Authorization` for bearer kinds.
    pub presentation_name: &'static str,
    pub prefix: Option<&'static str>,
    /// Anchored regex for the whole value.
    pub pattern: Option<&'static str>,
    /// Human description of `pattern` that completes "expected a value that …"; empty if none.
    pub shape: &'static str,
    pub privilege: Privilege,
    /// May live in client-side code (web pages, mobile apps).
    pub client_safe: bool,
    pub operations: Operations,
    /// The provider reports when the key was last used, so "never used" means something.
    pub reports_last_use: bool,
    pub dashboard_url: &'static str,
    pub notes: &'static str,
}

/// A task a key is used for, with the least privilege that task needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PurposeProfile {
    pub id: &'static str,
    pub label: &'static str,
    /// Id of the least privileged kind of the same provider that can do this.
    pub minimal_kind: &'static str,
    /// Least privilege the purpose needs, in the provider's own scope names; empty if n/a.
    pub scopes: &'static [&'static str],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProviderProfile {
    pub id: &'static str,
    pub display_name: &'static str,
    pub default_base_url: Option<&'static str>,
    pub dashboard_url: &'static str,
    pub docs_url: &'static str,
    pub kinds: &'static [KeyKindProfile],
    pub purposes: &'static [PurposeProfile],
    /// Upper-case stem for environment variable names, e.g. `POSTMARK`.
    pub env_prefix: &'static str,
    /// The kind a connection's admin key is (the management API's credential), if any.
    pub admin_kind: Option<&'static str>,
    /// The kind Keyward creates through the management API, if any.
    pub created_kind: Option<&'static str>,
    /// Hosted regions; a key belongs to one, and a 401 from another proves nothing.
    /// Empty: one global API.
    pub regions: &'static [Region],
}

/// One hosted region of a provider's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Region {
    pub id: &'static str,
    pub label: &'static str,
    pub base_url: &'static str,
}

impl ProviderProfile {
    /// Kind by id (exact, case-insensitive).
    pub fn kind(&self, id: &str) -> Option<&KeyKindProfile> {
        self.kinds.iter().find(|k| k.id.eq_ignore_ascii_case(id))
    }

    /// Purpose by id (exact, case-insensitive).
    pub fn purpose(&self, id: &str) -> Option<&PurposeProfile> {
        self.purposes.iter().find(|p| p.id.eq_ignore_ascii_case(id))
    }

    /// Region by id (case-insensitive).
    pub fn region(&self, id: &str) -> Option<&'static Region> {
        self.regions.iter().find(|r| r.id.eq_ignore_ascii_case(id))
    }

    /// The region whose documented base URL this is (trailing slashes ignored).
    pub fn region_of_base(&self, base_url: &str) -> Option<&'static Region> {
        let base = base_url.trim_end_matches('/');
        self.regions
            .iter()
            .find(|r| r.base_url.trim_end_matches('/').eq_ignore_ascii_case(base))
    }

    /// The least privileged kind that serves `purpose_id`.
    pub fn minimal_kind_for(&self, purpose_id: &str) -> Option<&KeyKindProfile> {
        self.purpose(purpose_id)
            .and_then(|p| self.kind(p.minimal_kind))
    }
}

/// Every built-in provider's profile: the five seed services, Cloudflare, SendGrid, `custom`.
pub fn profiles() -> impl Iterator<Item = &'static ProviderProfile> {
    super::registry().iter().map(|p| p.profile())
}

/// Built-in provider by id (case-insensitive).
pub fn profile(id: &str) -> Option<&'static ProviderProfile> {
    profiles().find(|p| p.id.eq_ignore_ascii_case(id))
}

pub(super) const fn ops(
    list: OpMode,
    create: OpMode,
    roll: OpMode,
    revoke: OpMode,
    verify: OpMode,
) -> Operations {
    Operations {
        list,
        create,
        roll,
        revoke,
        verify,
    }
}

pub(super) const ALL_MANUAL: Operations = ops(
    OpMode::Manual,
    OpMode::Manual,
    OpMode::Manual,
    OpMode::Manual,
    OpMode::Manual,
);

pub(super) const fn purpose(
    id: &'static str,
    label: &'static str,
    minimal_kind: &'static str,
    scopes: &'static [&'static str],
) -> PurposeProfile {
    PurposeProfile {
        id,
        label,
        minimal_kind,
        scopes,
    }
}

/// Provider and kind by id, with errors that list the valid choices.
pub fn lookup_kind(
    provider_id: &str,
    kind_id: &str,
) -> Result<(&'static ProviderProfile, &'static KeyKindProfile), ProviderError> {
    let provider =
        profile(provider_id).ok_or_else(|| ProviderError::UnknownProvider(provider_id.into()))?;
    let kind = provider
        .kinds
        .iter()
        .find(|k| k.id.eq_ignore_ascii_case(kind_id))
        .ok_or_else(|| ProviderError::UnknownKind {
            provider: provider.id.into(),
            kind: kind_id.into(),
        })?;
    Ok((provider, kind))
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error(
        "unknown provider {}; known providers are {}; for any other service, describe it as a 'custom' provider",
        shown_name(.0),
        known_provider_ids()
    )]
    UnknownProvider(String),
    #[error(
        "unknown key kind {} for provider {}; {}",
        shown_name(kind),
        shown_name(provider),
        kind_choices(provider)
    )]
    UnknownKind { provider: String, kind: String },
    #[error("wrong format for {provider}/{kind}: {reason}")]
    MalformedKey {
        provider: String,
        kind: String,
        /// Must describe the problem without quoting the value.
        reason: String,
    },
    #[error("invalid custom provider: {0}")]
    InvalidCustom(String),
}

fn known_provider_ids() -> String {
    profiles().map(|p| p.id).collect::<Vec<_>>().join(", ")
}

fn kind_choices(provider: &str) -> String {
    match profile(provider) {
        Some(p) => format!(
            "its kinds are {}",
            p.kinds.iter().map(|k| k.id).collect::<Vec<_>>().join(", ")
        ),
        None => format!("known providers are {}", known_provider_ids()),
    }
}

/// Quote a user-supplied name in an error only when it cannot be a pasted key: people do
/// paste a key where a name was asked for, and errors end up in logs.
fn shown_name(name: &str) -> String {
    // Names are short words; keys are long, digit-rich or carry a known prefix.
    let name_like = !name.is_empty()
        && name.len() <= 24
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.chars().filter(char::is_ascii_digit).count() <= 4
        && !detect::starts_with_known_prefix(name);
    if name_like {
        format!("'{name}'")
    } else {
        "(name not shown: it looks like it could be a key)".into()
    }
}
