//! What every provider's API calls share: the error type, what a verification says, and the
//! entry point that verifies a key through its provider's module.

use super::http;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ClientError {
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    #[error("{0}")]
    InsecureUrl(String),
    #[error("the provider rejected the key (401): {0}")]
    Unauthorized(String),
    #[error("the key lacks the scope '{scope}' for this call (403)")]
    MissingScope { scope: String },
    #[error("the provider refused this call (403): {0}")]
    Forbidden(String),
    #[error("not found at the provider (404)")]
    NotFound,
    #[error("rate limited by the provider{}", .retry_after.map(|d| format!("; retry after {} s", d.as_secs())).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration> },
    #[error("the provider rejected the request (HTTP {status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("the provider failed (HTTP {status}); try again later")]
    Server { status: u16 },
    #[error("the provider did not answer in time")]
    Timeout,
    #[error("cannot reach the provider: {0}")]
    Transport(String),
    #[error("the provider's answer is not what its API documents: {0}")]
    Malformed(String),
    #[error("{0}")]
    Unsupported(String),
    /// The provider says this value cannot be a working key at all (Cloudflare 400/6003:
    /// malformed Authorization header).
    #[error("the provider says this value cannot work: {0}")]
    UnusableValue(String),
    /// A 401 from a region that was only guessed: the key may belong to another region.
    #[error("could not verify: {0}")]
    RegionUnknown(String),
}

impl ClientError {
    /// Stable code for the UI and the CLI.
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::InvalidUrl(_) => "invalid_url",
            ClientError::InsecureUrl(_) => "insecure_url",
            ClientError::Unauthorized(_) => "provider_unauthorized",
            ClientError::MissingScope { .. } => "provider_missing_scope",
            ClientError::Forbidden(_) => "provider_forbidden",
            ClientError::NotFound => "provider_not_found",
            ClientError::RateLimited { .. } => "provider_rate_limited",
            ClientError::Rejected { .. } => "provider_rejected",
            ClientError::Server { .. } | ClientError::Timeout | ClientError::Transport(_) => {
                "provider_unavailable"
            }
            ClientError::Malformed(_) => "provider_malformed",
            ClientError::Unsupported(_) => "manual_only",
            ClientError::UnusableValue(_) => "provider_unusable_value",
            ClientError::RegionUnknown(_) => "provider_region_unknown",
        }
    }
}

/// What the provider said about a key. Produced only on a definite answer; anything else is
/// a [`ClientError`] and changes nothing stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub outcome: VerifyOutcome,
    /// The kind the provider's answer proves (Postmark server vs account token).
    pub kind: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub remote_id: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_rotated_at: Option<DateTime<Utc>>,
    /// One human sentence (no secret).
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifyOutcome {
    Valid,
    Invalid,
    Expired,
    Disabled,
}

impl VerifyOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyOutcome::Valid => "valid",
            VerifyOutcome::Invalid => "invalid",
            VerifyOutcome::Expired => "expired",
            VerifyOutcome::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Option<VerifyOutcome> {
        [
            VerifyOutcome::Valid,
            VerifyOutcome::Invalid,
            VerifyOutcome::Expired,
            VerifyOutcome::Disabled,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

impl Verification {
    pub fn invalid(detail: impl Into<String>) -> Verification {
        Verification::with(VerifyOutcome::Invalid, detail)
    }

    pub fn valid(detail: impl Into<String>) -> Verification {
        Verification::with(VerifyOutcome::Valid, detail)
    }

    fn with(outcome: VerifyOutcome, detail: impl Into<String>) -> Verification {
        Verification {
            outcome,
            kind: None,
            scopes: None,
            remote_id: None,
            expires_at: None,
            last_used_at: None,
            last_rotated_at: None,
            detail: detail.into(),
        }
    }
}

/// Turns a non-success reply into an error, reading the provider's own error body: only a
/// scrubbed, length-capped excerpt of its text travels on (errors reach the window, the
/// CLI's output, the log and `rotations.error_message`).
pub(crate) fn error_for(reply: &http::Reply) -> ClientError {
    let message = reply.excerpt(&error_message(&reply.body));
    match reply.status.as_u16() {
        401 => ClientError::Unauthorized(message),
        403 => match missing_scope(&message) {
            Some(scope) => ClientError::MissingScope { scope },
            None => ClientError::Forbidden(message),
        },
        404 => ClientError::NotFound,
        429 => ClientError::RateLimited {
            retry_after: http::retry_after(&reply.headers),
        },
        s @ 500..=599 => ClientError::Server { status: s },
        s => ClientError::Rejected { status: s, message },
    }
}

/// The message of each provider's error body: Postmark `Message`, Postman `error.message`,
/// PostHog `detail`, Cloudflare and SendGrid `errors[0].message`. Uncut: the caller scrubs
/// it first and cuts after (a cut first could leave a piece of a key the scrub cannot see).
fn error_message(body: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return "no readable error body".into();
    };
    let text = v
        .get("Message")
        .or_else(|| v.pointer("/error/message"))
        .or_else(|| v.get("detail"))
        .or_else(|| v.pointer("/errors/0/message"))
        .or_else(|| v.get("message"))
        .and_then(|m| m.as_str())
        .unwrap_or("no message");
    text.to_owned()
}

/// PostHog: `API key missing required scope 'dashboard:write'`.
fn missing_scope(message: &str) -> Option<String> {
    let rest = message.split("missing required scope").nth(1)?;
    let scope: String = rest
        .trim()
        .trim_matches(|c| c == '\'' || c == '"' || c == '.')
        .chars()
        .take(64)
        .collect();
    (!scope.is_empty()).then_some(scope)
}

/// Where and how to verify one key.
pub struct VerifyTarget<'a> {
    pub provider: &'a str,
    pub kind: &'a str,
    /// The connection's base URL, or the key's region's; `None`: the provider's default.
    pub base_url: Option<&'a str>,
    /// Whether `base_url` was chosen (by the user, a connection or a region), not defaulted.
    pub base_url_chosen: bool,
    pub options: &'a crate::connection::ConnectionOptions,
    pub custom: Option<&'a super::CustomProviderSpec>,
}

pub(super) static NO_OPTIONS: crate::connection::ConnectionOptions =
    crate::connection::ConnectionOptions {
        project_id: None,
        account_id: None,
        probe_path: None,
    };

impl<'a> VerifyTarget<'a> {
    /// A key's target: its connection's base URL and options where it has one, else its
    /// chosen region's host, else the provider's default (a guessed region).
    pub fn for_key(
        key: &'a crate::KeyRecord,
        connection: Option<&'a crate::connection::Connection>,
        custom: Option<&'a super::CustomProviderSpec>,
    ) -> VerifyTarget<'a> {
        let region_base = key
            .region
            .as_deref()
            .and_then(|r| super::profile(&key.provider)?.region(r))
            .map(|r| r.base_url);
        let base_url = connection.map(|c| c.base_url.as_str()).or(region_base);
        VerifyTarget {
            provider: &key.provider,
            kind: &key.kind,
            base_url,
            base_url_chosen: base_url.is_some(),
            options: connection.map_or(&NO_OPTIONS, |c| &c.options),
            custom,
        }
    }
}

/// Reads `null` as an empty string (PostHog answers `mask_value: null` for some keys).
pub(super) fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    use serde::Deserialize;
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// Verifies a key the way its provider allows; `Unsupported` where only the dashboard can tell.
pub async fn verify(
    http: &http::Http,
    t: &VerifyTarget<'_>,
    key: &crate::Secret,
) -> Result<Verification, ClientError> {
    if let Some(spec) = t.custom {
        return super::custom::verify_described(http, spec, key).await;
    }
    let provider = super::get(t.provider).ok_or_else(|| {
        ClientError::Unsupported(format!(
            "no provider '{}' is known",
            t.provider.chars().take(40).collect::<String>()
        ))
    })?;
    let profile = provider.profile();
    let kind = profile.kind(t.kind).ok_or_else(|| {
        ClientError::Unsupported(format!(
            "{} has no key kind '{}'",
            profile.display_name,
            t.kind.chars().take(40).collect::<String>()
        ))
    })?;
    let base = t.base_url.or(profile.default_base_url).ok_or_else(|| {
        ClientError::Unsupported(format!(
            "no API base URL is known for {}: connect it first (`keyward connect {} --base-url URL --name NAME`)",
            profile.display_name, profile.id
        ))
    })?;
    // A 401 proves the key invalid only where the region is known: a provider with one
    // global API, a base URL somebody chose, or a region's own host.
    let region_guessed = !profile.regions.is_empty() && !t.base_url_chosen;
    let at = super::Endpoint {
        http,
        base_url: base,
        options: t.options,
        region_guessed,
    };
    provider.verify(&at, kind, key).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_error_bodies() {
        assert_eq!(
            error_message(br#"{"ErrorCode":10,"Message":"Bad token"}"#),
            "Bad token"
        );
        assert_eq!(
            error_message(
                br#"{"error":{"name":"AuthenticationError","message":"Invalid API Key."}}"#
            ),
            "Invalid API Key."
        );
        assert_eq!(error_message(br#"{"type":"x","code":"y","detail":"API key missing required scope 'dashboard:write'","attr":null}"#), "API key missing required scope 'dashboard:write'");
        assert_eq!(
            error_message(
                br#"{"success":false,"errors":[{"code":1000,"message":"Invalid API Token"}]}"#
            ),
            "Invalid API Token"
        );
        assert_eq!(error_message(b"<html>"), "no readable error body");
        assert_eq!(
            missing_scope("API key missing required scope 'dashboard:write'").as_deref(),
            Some("dashboard:write")
        );
        assert_eq!(missing_scope("nope"), None);
    }
}
