//! User-described providers ("any service the user describes").

use serde::{Deserialize, Serialize};

use async_trait::async_trait;
use reqwest::Method;

use super::api::{ClientError, Verification};
use super::http::{check_base_url, Http};
use super::probe::Probe;
use super::profile::{
    purpose, KeyKindProfile, Presentation, Privilege, ProviderProfile, PurposeProfile, ALL_MANUAL,
};
use super::{profile, Provider, ProviderError};
use crate::secret::Secret;

/// The built-in `custom` entry: the generic profile of a service the user describes. Each
/// described service is a [`CustomProviderSpec`]; verification goes through
/// [`verify_described`].
pub(super) struct Custom;

#[async_trait]
impl Provider for Custom {
    fn profile(&self) -> &'static ProviderProfile {
        &PROFILE
    }
}

/// Verifies a key of a described service by calling its verify URL the way it says.
pub(super) async fn verify_described(
    http: &Http,
    spec: &CustomProviderSpec,
    key: &Secret,
) -> Result<Verification, ClientError> {
    let url = spec.verify_url.as_deref().ok_or_else(|| {
        ClientError::Unsupported(format!(
            "no verify URL is known for '{}': describe one with `keyward provider add {} … --verify-url URL`",
            spec.id, spec.id
        ))
    })?;
    Probe {
        http,
        base_url: url,
        method: Method::GET,
        path: "",
        presentation: spec.presentation,
        name: &spec.presentation_name,
    }
    .verify(key)
    .await
}

/// A user-described provider, stored by the core in its database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomProviderSpec {
    /// Slug, `[a-z0-9-]{1,40}`, not a built-in provider id.
    pub id: String,
    pub display_name: String,
    pub presentation: Presentation,
    /// Header, body field or query parameter name; `Authorization` for bearer.
    pub presentation_name: String,
    pub prefix: Option<String>,
    pub verify_url: Option<String>,
    pub dashboard_url: Option<String>,
}

const MAX_ID: usize = 40;
const MAX_DISPLAY_NAME: usize = 80;
const MAX_HEADER_NAME: usize = 128;
const MAX_FIELD_NAME: usize = 64;
const MAX_PREFIX: usize = 32;

/// Headers that frame the HTTP message itself; a key sent in one would break the request.
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "upgrade",
    "te",
    "trailer",
    "keep-alive",
    "proxy-connection",
];

impl CustomProviderSpec {
    /// Check every field. Messages name the field and the rule but never echo URLs (they may
    /// carry tokens in their query) or anything that failed validation.
    pub fn validate(&self) -> Result<(), ProviderError> {
        let bad = |msg: String| Err(ProviderError::InvalidCustom(msg));

        if !is_slug(&self.id) {
            return bad(format!(
                "id must be 1–{MAX_ID} lowercase letters, digits or hyphens, not starting or \
                 ending with a hyphen"
            ));
        }
        if let Some(builtin) = profile(&self.id) {
            return bad(format!(
                "id '{}' is the built-in {} provider; choose another id",
                self.id, builtin.display_name
            ));
        }

        let name = self.display_name.trim();
        if name.is_empty()
            || name.chars().count() > MAX_DISPLAY_NAME
            || name.chars().any(char::is_control)
        {
            return bad(format!(
                "display name must be 1–{MAX_DISPLAY_NAME} characters without control characters"
            ));
        }

        match self.presentation {
            Presentation::Header | Presentation::Bearer => {
                let n = &self.presentation_name;
                if n.is_empty() || n.len() > MAX_HEADER_NAME || !n.bytes().all(is_tchar) {
                    return bad(format!(
                        "header name must be 1–{MAX_HEADER_NAME} characters of letters, digits \
                         and !#$%&'*+-.^_`|~ (an HTTP token), e.g. X-Api-Key"
                    ));
                }
                if RESERVED_HEADERS.iter().any(|r| n.eq_ignore_ascii_case(r)) {
                    return bad(
                        "header name is reserved by HTTP itself (Host, Content-Length, …); \
                         use the header the service documents"
                            .into(),
                    );
                }
            }
            Presentation::BodyField | Presentation::Query => {
                let n = &self.presentation_name;
                let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
                if n.is_empty() || n.len() > MAX_FIELD_NAME || !n.chars().all(ok_char) {
                    return bad(format!(
                        "field or parameter name must be 1–{MAX_FIELD_NAME} letters, digits, \
                         underscores, hyphens or dots, e.g. api_key"
                    ));
                }
            }
        }

        if let Some(prefix) = &self.prefix {
            let n = prefix.chars().count();
            if n == 0 || n > MAX_PREFIX || !prefix.chars().all(|c| c.is_ascii_graphic()) {
                return bad(format!(
                    "prefix must be 1–{MAX_PREFIX} printable ASCII characters without spaces"
                ));
            }
        }

        if let Some(url) = &self.verify_url {
            check_url(url).or_else(|why| bad(format!("verify URL: {why}")))?;
        }
        if let Some(url) = &self.dashboard_url {
            check_url(url).or_else(|why| bad(format!("dashboard URL: {why}")))?;
        }
        Ok(())
    }

    /// Upper-case stem for environment variable names: `my-service` → `MY_SERVICE`.
    pub fn env_prefix(&self) -> String {
        self.id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect()
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_ID
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// What is wrong with a URL, phrased to follow "verify URL: …": the one check of
/// [`check_base_url`] (design rule 6), so a described service meets the rule a connection does.
fn check_url(url: &str) -> Result<(), String> {
    check_base_url(url).map(|_| ()).map_err(|e| match e {
        ClientError::InvalidUrl(why) | ClientError::InsecureUrl(why) => why,
        other => other.to_string(),
    })
}

pub(super) const PROFILE: ProviderProfile = ProviderProfile {
    id: "custom",
    display_name: "Custom",
    default_base_url: None,
    dashboard_url: "",
    docs_url: "",
    kinds: CUSTOM_KINDS,
    purposes: CUSTOM_PURPOSES,
    env_prefix: "CUSTOM",
    admin_kind: None,
    created_kind: None,
    regions: &[],
};
const CUSTOM_KINDS: &[KeyKindProfile] = &[KeyKindProfile {
    id: "api_key",
    display_name: "API key",
    presentation: Presentation::Header,
    presentation_name: "X-Api-Key",
    prefix: None,
    pattern: None,
    shape: "",
    privilege: Privilege::Scoped,
    client_safe: false,
    operations: ALL_MANUAL,
    reports_last_use: false,
    dashboard_url: "",
    notes: "A service you describe: header, bearer, body field or query parameter, an optional \
            prefix, verify URL and dashboard URL. Everything is guided; verify calls your verify \
            URL when you give one.",
}];

const CUSTOM_PURPOSES: &[PurposeProfile] = &[purpose("call_api", "Call the API", "api_key", &[])];
