//! Providers as ports: everything Keyward knows about one service lives in that service's
//! module — its profile (kinds, formats, presentation, privileges, purposes, regions), its typed
//! API calls (verify, list, create, roll, delete) with the provider's own field names and
//! envelopes, and its own over-privilege rule. The rest of the core calls the [`Provider`]
//! trait through [`get`]; nothing outside this folder branches on a provider's name.
//!
//! Adding a provider is adding one module and one line in [`registry`]. Facts and their
//! sources: `docs/providers.md`.

pub mod api;
pub mod cloudflare;
mod custom;
mod detect;
pub mod http;
pub mod posthog;
pub mod postman;
pub mod postmark;
mod postmon;
mod postnomic;
pub mod probe;
mod profile;
pub mod redact;
pub mod sendgrid;
pub mod shape;

#[cfg(test)]
mod tests;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::connection::ConnectionOptions;
use crate::secret::Secret;

pub use api::{verify, ClientError, Verification, VerifyOutcome, VerifyTarget};
pub use custom::CustomProviderSpec;
pub use detect::{check_format, detect, masked_hint, Confidence, Detection, FormatCheck};
pub use profile::{
    lookup_kind, profile, profiles, KeyKindProfile, OpMode, Operations, Presentation, Privilege,
    ProviderError, ProviderProfile, PurposeProfile, Region,
};

/// Where a provider's API is reached for one call: the HTTP layer, the base URL (the
/// connection's, the key's region, or the provider's default) and the connection's options.
pub struct Endpoint<'a> {
    pub http: &'a http::Http,
    pub base_url: &'a str,
    pub options: &'a ConnectionOptions,
    /// The base URL is the provider's default, not one the user chose or a connection proved:
    /// a 401 there may mean "another region", so it is not proof of an invalid key.
    pub region_guessed: bool,
}

impl<'a> Endpoint<'a> {
    /// A base URL with no connection options, whose region (if any) is known.
    pub fn plain(http: &'a http::Http, base_url: &'a str) -> Endpoint<'a> {
        Endpoint {
            http,
            base_url,
            options: &api::NO_OPTIONS,
            region_guessed: false,
        }
    }
}

/// A management connection: an endpoint plus the admin key that the management API takes.
pub struct Admin<'a> {
    pub at: Endpoint<'a>,
    pub key: &'a Secret,
}

impl Admin<'_> {
    /// One call of the management API with the admin key as a bearer token (PostHog,
    /// Cloudflare, SendGrid).
    pub(crate) async fn bearer(
        &self,
        method: reqwest::Method,
        path: &http::ApiPath,
        body: Option<serde_json::Value>,
    ) -> Result<http::Reply, ClientError> {
        self.at
            .http
            .send(
                method,
                self.at.base_url,
                path,
                http::Auth::Bearer(self.key),
                body,
            )
            .await
    }
}

/// A key as the provider lists it. Values come only where the provider hands them out in
/// its list (Postmark server tokens); everything else is metadata.
#[derive(Debug, Clone, Default)]
pub struct ListedKey {
    /// The provider's id of the key, in the one scheme this provider's module uses
    /// everywhere (verify, sync, rotation), so a key is never recorded twice.
    pub id: String,
    pub name: String,
    pub kind: String,
    pub scopes: Vec<String>,
    /// The provider's own mask (`phs_...abcd`), else empty.
    pub mask: String,
    /// The status the provider reports (Cloudflare `active`/`disabled`/`expired`).
    pub status: Option<VerifyOutcome>,
    pub value: Option<Secret>,
    pub created_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_rolled_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A new value from a create or roll, with the remote id it belongs to.
pub struct NewRemoteValue {
    pub remote_id: String,
    pub value: Secret,
    pub scopes: Vec<String>,
}

/// What to create through a management API.
pub struct NewKeySpec<'a> {
    /// The remote name (carries Keyward's idempotency marker).
    pub name: &'a str,
    /// The kind to create (a replacement has the replaced key's kind).
    pub kind: &'a str,
    /// Scopes in the provider's own words; empty with `replaces` = "the same as the old key".
    pub scopes: &'a [String],
    /// The remote id of the key this one replaces: its restrictions (IP conditions, validity
    /// window, policies where no scopes are given) carry over, so rotation never widens a key.
    pub replaces: Option<&'a str>,
}

/// What a finding says about a key that grants more than its purpose needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excess {
    pub severity: ExcessSeverity,
    pub excess: Vec<String>,
    pub needed: Vec<String>,
    pub suggested_kind: Option<String>,
    pub reason: String,
    pub fix: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExcessSeverity {
    Low,
    Medium,
    High,
}

/// The port every provider implements. Defaults say "not through an API": a provider
/// overrides what its API documents.
#[async_trait]
pub trait Provider: Send + Sync {
    fn profile(&self) -> &'static ProviderProfile;

    /// What a connection's options lack for listing and managing keys (PostHog: a project),
    /// in words for the user; `None` when they are enough.
    fn missing_option(&self, options: &ConnectionOptions) -> Option<String> {
        let _ = options;
        None
    }

    /// Verifies `key` as a key of `kind`. `Unsupported` where only the dashboard can tell.
    async fn verify(
        &self,
        at: &Endpoint<'_>,
        kind: &'static KeyKindProfile,
        key: &Secret,
    ) -> Result<Verification, ClientError> {
        let _ = (at, key);
        Err(no_verify(self.profile(), kind))
    }

    /// Whether keys of `kind` are verified through the connection ([`Provider::verify_managed`]),
    /// so a caller fetches the admin key only where it is used.
    fn verifies_through_connection(&self, kind: &'static KeyKindProfile) -> bool {
        let _ = kind;
        false
    }

    /// Verification that needs the management connection (PostHog project secret keys: the
    /// list's mask is the only evidence). `None`: [`Provider::verify`] is the way.
    async fn verify_managed(
        &self,
        admin: &Admin<'_>,
        kind: &'static KeyKindProfile,
        remote_id: Option<&str>,
        key: &Secret,
    ) -> Option<Result<Verification, ClientError>> {
        let _ = (admin, kind, remote_id, key);
        None
    }

    /// Every key the connection lists, every page of it.
    async fn list(&self, admin: &Admin<'_>) -> Result<Vec<ListedKey>, ClientError> {
        let _ = admin;
        Err(unsupported(self.profile(), "lists keys"))
    }

    async fn create(
        &self,
        admin: &Admin<'_>,
        spec: &NewKeySpec<'_>,
    ) -> Result<NewRemoteValue, ClientError> {
        let _ = (admin, spec);
        Err(unsupported(self.profile(), "creates keys"))
    }

    /// Rolls a key in place: a new value; the old one dies at once.
    async fn roll(
        &self,
        admin: &Admin<'_>,
        kind: &str,
        remote_id: &str,
    ) -> Result<NewRemoteValue, ClientError> {
        let _ = (admin, kind, remote_id);
        Err(unsupported(self.profile(), "rolls keys"))
    }

    /// Deletes (revokes) a key. Already gone (404) counts as done. Where the provider can
    /// look a key up by id, it checks the id names a key before deleting.
    async fn delete(
        &self,
        admin: &Admin<'_>,
        kind: &str,
        remote_id: &str,
    ) -> Result<(), ClientError> {
        let _ = (admin, kind, remote_id);
        Err(unsupported(self.profile(), "revokes keys"))
    }

    /// Whether a roll of `remote_id` happened at the provider since `since`, where the
    /// provider can tell without the old value (PostHog: `last_rolled_at`, the mask). `None`:
    /// check by verifying the old value.
    async fn rolled_since(
        &self,
        admin: &Admin<'_>,
        remote_id: &str,
        since: DateTime<Utc>,
        old_tail: &str,
    ) -> Option<Result<bool, ClientError>> {
        let _ = (admin, remote_id, since, old_tail);
        None
    }

    /// How long a deleted key may go on authenticating (SendGrid documents a propagation
    /// delay): the revoke check polls, with backoff, for up to this long before calling the
    /// old key alive.
    fn revocation_propagation(&self) -> Duration {
        Duration::ZERO
    }

    /// A replacement made by create + revoke may keep the old key's permissions without
    /// naming them as scopes (Cloudflare copies the old token's policies).
    fn replacement_keeps_permissions(&self) -> bool {
        false
    }

    /// The provider's own over-privilege rule for a key of `kind` granting `granted`, used
    /// for `purpose` (the catalogue's entry, if the purpose is in it). `None`: nothing beyond
    /// the generic rule (a more privileged kind than the purpose's least one).
    fn over_privilege(
        &self,
        kind: &'static KeyKindProfile,
        granted: &[&str],
        purpose: Option<&'static PurposeProfile>,
    ) -> Option<Excess> {
        let _ = (kind, granted, purpose);
        None
    }

    /// What the generic rule lists as the excess of a broader kind (Postmark's account
    /// token: "every server token"), where the granted scopes cannot say it.
    fn broader_kind_excess(&self, kind: &'static KeyKindProfile) -> Option<Vec<String>> {
        let _ = kind;
        None
    }
}

/// Every built-in provider, in display order.
pub fn registry() -> &'static [&'static dyn Provider] {
    static ALL: [&dyn Provider; 8] = [
        &postmon::Postmon,
        &postmark::Postmark,
        &postman::Postman,
        &posthog::PostHog,
        &postnomic::Postnomic,
        &cloudflare::Cloudflare,
        &sendgrid::SendGrid,
        &custom::Custom,
    ];
    &ALL
}

/// A built-in provider by id (case-insensitive).
pub fn get(id: &str) -> Option<&'static dyn Provider> {
    registry()
        .iter()
        .copied()
        .find(|p| p.profile().id.eq_ignore_ascii_case(id))
}

/// A built-in provider by id, or the error that lists the known ones.
pub fn require(id: &str) -> Result<&'static dyn Provider, ClientError> {
    get(id).ok_or_else(|| {
        ClientError::Unsupported(format!(
            "{} has no management API that Keyward knows",
            id.chars().take(40).collect::<String>()
        ))
    })
}

/// The warning for a stored value that does not look like its provider and kind (a format
/// never decides validity: the provider does). `None` when it fits or nothing is known.
pub fn format_warning(provider: &str, kind: &str, value: &Secret) -> Option<String> {
    let p = profile(provider)?;
    let k = p.kind(kind)?;
    // EXPOSE: the format check reads the value's shape; the warning never quotes it.
    match check_format(p, k, value.expose()) {
        Ok(FormatCheck::Unusual(w)) => Some(w),
        _ => None,
    }
}

/// Whether Keyward creates, rolls and revokes keys of this kind through the API.
pub fn api_managed(provider: &str, kind: &str) -> bool {
    profile(provider)
        .and_then(|p| p.kind(kind))
        .is_some_and(|k| {
            let o = k.operations;
            o.create == OpMode::Api && o.revoke == OpMode::Api && o.list == OpMode::Api
        })
}

fn unsupported(p: &ProviderProfile, what: &str) -> ClientError {
    ClientError::Unsupported(format!("{} has no API that {what}", p.display_name))
}

fn no_verify(p: &ProviderProfile, kind: &KeyKindProfile) -> ClientError {
    ClientError::Unsupported(format!(
        "{} offers no API call that verifies a {} key; check it in the provider's dashboard",
        p.display_name,
        kind.display_name.to_lowercase()
    ))
}

/// A remote id that is safe as one URL path segment.
pub(crate) fn path_segment(s: &str) -> Result<&str, ClientError> {
    if !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(s)
    } else {
        Err(ClientError::Malformed(
            "a remote id is letters, digits, '-' or '_'".into(),
        ))
    }
}

/// The answer to a 401 on `at`: invalid, unless the region was only guessed (then the key may
/// belong to another region, and nothing is proven).
pub(crate) fn unauthorized(at: &Endpoint<'_>, invalid: &str) -> Result<Verification, ClientError> {
    if at.region_guessed {
        Err(ClientError::RegionUnknown(format!(
            "{invalid} on the default region; the key may belong to another region — choose the key's region and verify again"
        )))
    } else {
        Ok(Verification::invalid(invalid))
    }
}
