//! Static knowledge about the providers Keyward manages keys for, and key detection.
//!
//! Everything here is data plus pure functions: no I/O, no secrets kept. Facts come from
//! `reference/providers.md` and the seed documents; where a source says "not found" the
//! operation is `Manual` or `Unsupported` and the kind's `notes` say so.

mod custom;
mod detect;
mod profiles;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use custom::CustomProviderSpec;
pub use detect::{check_format, detect, masked_hint, Confidence, Detection};

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

    /// The least privileged kind that serves `purpose_id`.
    pub fn minimal_kind_for(&self, purpose_id: &str) -> Option<&KeyKindProfile> {
        self.purpose(purpose_id)
            .and_then(|p| self.kind(p.minimal_kind))
    }
}

/// All built-in providers: the five seed services, Cloudflare, SendGrid and `custom`.
pub fn profiles() -> &'static [ProviderProfile] {
    profiles::PROFILES
}

/// Built-in provider by id (case-insensitive).
pub fn profile(id: &str) -> Option<&'static ProviderProfile> {
    profiles::PROFILES
        .iter()
        .find(|p| p.id.eq_ignore_ascii_case(id))
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
    profiles::PROFILES
        .iter()
        .map(|p| p.id)
        .collect::<Vec<_>>()
        .join(", ")
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
