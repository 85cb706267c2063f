//! One module per provider: its routes, its auth rules, its error bodies.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::state::SimHandle;

pub mod cloudflare;
pub mod posthog;
pub mod postman;
pub mod postmark;
pub mod postmon;
pub mod postnomic;
pub mod sendgrid;

/// The providers the simulator speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Provider {
    Postmark,
    Postman,
    PostHog,
    Cloudflare,
    SendGrid,
    Postmon,
    Postnomic,
}

impl Provider {
    pub const ALL: [Provider; 7] = [
        Provider::Postmark,
        Provider::Postman,
        Provider::PostHog,
        Provider::Cloudflare,
        Provider::SendGrid,
        Provider::Postmon,
        Provider::Postnomic,
    ];

    /// The lowercase name used in paths, seeds and control calls.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Postmark => "postmark",
            Provider::Postman => "postman",
            Provider::PostHog => "posthog",
            Provider::Cloudflare => "cloudflare",
            Provider::SendGrid => "sendgrid",
            Provider::Postmon => "postmon",
            Provider::Postnomic => "postnomic",
        }
    }

    /// The path prefix that plays the provider's documented base URL.
    pub fn prefix(self) -> &'static str {
        match self {
            Provider::Postmark => "/postmark",
            Provider::Postman => "/postman",
            Provider::PostHog => "/posthog",
            Provider::Cloudflare => "/cloudflare/client/v4",
            Provider::SendGrid => "/sendgrid/v3",
            Provider::Postmon => "/postmon",
            Provider::Postnomic => "/postnomic",
        }
    }

    /// Whether the provider has separate regional hosts (US and EU): PostHog
    /// (`us.posthog.com` / `eu.posthog.com`), Postman (`api.getpostman.com` /
    /// `api.eu.postman.com`), SendGrid (`api.sendgrid.com` / `api.eu.sendgrid.com`).
    pub fn has_regions(self) -> bool {
        matches!(
            self,
            Provider::PostHog | Provider::Postman | Provider::SendGrid
        )
    }

    /// The prefix that plays the provider's host in `region` (`us` = [`Provider::prefix`],
    /// `eu` = `/posthog-eu`, `/postman-eu`, `/sendgrid-eu/v3`); `None` for a region the
    /// provider does not have.
    pub fn prefix_in(self, region: &str) -> Option<&'static str> {
        match (self, region) {
            (_, "us" | "") => Some(self.prefix()),
            (Provider::PostHog, "eu") => Some("/posthog-eu"),
            (Provider::Postman, "eu") => Some("/postman-eu"),
            (Provider::SendGrid, "eu") => Some("/sendgrid-eu/v3"),
            _ => None,
        }
    }

    /// Every prefix the provider is served under, with its region.
    pub fn prefixes(self) -> Vec<(&'static str, &'static str)> {
        REGIONS
            .iter()
            .filter_map(|r| self.prefix_in(r).map(|p| (*r, p)))
            .collect()
    }

    pub fn from_name(name: &str) -> Option<Provider> {
        Provider::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name))
    }

    /// The provider a request path belongs to (by its first segment; `posthog-eu` is
    /// PostHog).
    pub fn from_path(path: &str) -> Option<Provider> {
        Provider::region_from_path(path).map(|(p, _)| p)
    }

    /// The provider and region (`us`/`eu`) a request path belongs to.
    pub fn region_from_path(path: &str) -> Option<(Provider, &'static str)> {
        let first = path.trim_start_matches('/').split('/').next()?;
        if let Some(base) = first.strip_suffix("-eu") {
            return Provider::from_name(base)
                .filter(|p| p.has_regions())
                .map(|p| (p, "eu"));
        }
        Provider::from_name(first).map(|p| (p, "us"))
    }

    pub(crate) fn router(self) -> Router<SimHandle> {
        match self {
            Provider::Postmark => postmark::router(),
            Provider::Postman => postman::router(),
            Provider::PostHog => posthog::router(),
            Provider::Cloudflare => cloudflare::router(),
            Provider::SendGrid => sendgrid::router(),
            Provider::Postmon => postmon::router(),
            Provider::Postnomic => postnomic::router(),
        }
    }

    /// The provider's own error response for a status (used by `status` faults).
    pub fn error_response(self, status: StatusCode) -> Response {
        match self {
            Provider::Postmark => postmark::error_for_status(status),
            Provider::Postman => postman::error_for_status(status),
            Provider::PostHog => posthog::error_for_status(status),
            Provider::Cloudflare => cloudflare::error_for_status(status),
            Provider::SendGrid => sendgrid::error_for_status(status),
            Provider::Postmon => postmon::error_for_status(status),
            Provider::Postnomic => postnomic::error_for_status(status),
        }
    }

    /// The provider's 429 body (headers are added by the caller).
    pub fn rate_limited(self, retry_after_secs: u64, reset_epoch: i64) -> Response {
        match self {
            Provider::Postmark => {
                postmark::error(StatusCode::TOO_MANY_REQUESTS, 429, "Rate limit exceeded.")
            }
            Provider::Postman => postman::rate_limited(reset_epoch),
            Provider::PostHog => posthog::throttled(retry_after_secs),
            Provider::Cloudflare => cloudflare::rate_limited(),
            Provider::SendGrid => {
                sendgrid::error(StatusCode::TOO_MANY_REQUESTS, "too many requests")
            }
            Provider::Postmon => postmon::error_for_status(StatusCode::TOO_MANY_REQUESTS),
            Provider::Postnomic => postnomic::error_for_status(StatusCode::TOO_MANY_REQUESTS),
        }
    }

    /// The header that carries retry-after seconds on a 429 (`""` = none). Postman's is
    /// documented as `X-RateLimit-RetryAfter` (its other variants: see
    /// `PostmanData::rate_limit_headers`); PostHog's and Cloudflare's as `Retry-After`.
    /// SendGrid sends none: its 429 carries only `X-RateLimit-Limit/Remaining/Reset`
    /// (https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits).
    /// The others document nothing, so they get the standard `Retry-After` (configurable
    /// per seed).
    pub fn default_retry_header(self) -> &'static str {
        match self {
            Provider::Postman => "X-RateLimit-RetryAfter",
            Provider::SendGrid => "",
            _ => "Retry-After",
        }
    }

    /// Whether every response carries `X-RateLimit-Limit/Remaining/Reset` (Postman
    /// documents it; SendGrid does on its rate-limited endpoints).
    pub fn sends_ratelimit_headers(self) -> bool {
        matches!(self, Provider::Postman | Provider::SendGrid)
    }

    /// The credential a request presents, for per-credential rate limiting.
    pub fn credential(self, headers: &HeaderMap, query: Option<&str>) -> Option<String> {
        let h = |name: &str| header(headers, name).map(str::to_owned);
        match self {
            Provider::Postmark => {
                h("X-Postmark-Server-Token").or_else(|| h("X-Postmark-Account-Token"))
            }
            Provider::Postman | Provider::Postnomic => h("X-Api-Key"),
            Provider::PostHog | Provider::Cloudflare | Provider::SendGrid => {
                bearer(headers).map(str::to_owned)
            }
            Provider::Postmon => h("X-Api-Key").or_else(|| query_param(query, "api_key")),
        }
    }
}

/// The regions a key may belong to.
pub const REGIONS: [&str; 2] = ["us", "eu"];

/// Internal header the middleware sets on every provider request: the region of the prefix
/// it came in on (any value a client sends is replaced). Handlers read it with
/// [`request_region`].
pub(crate) const REGION_HEADER: &str = "x-provider-sim-region";

/// The region of the prefix a request came in on (`us` unless the middleware said `eu`).
pub(crate) fn request_region(headers: &HeaderMap) -> &str {
    header(headers, REGION_HEADER).unwrap_or("us")
}

/// Whether a key of `key_region` (empty = `us`) answers on `request_region`.
pub(crate) fn in_region(key_region: &str, request_region: &str) -> bool {
    let key = if key_region.is_empty() {
        "us"
    } else {
        key_region
    };
    key.eq_ignore_ascii_case(request_region)
}

/// A JSON response.
pub(crate) fn json_response(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// A header's value as text, if present and ASCII.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The token of `Authorization: Bearer <token>` (scheme case-insensitive).
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = header(headers, "authorization")?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// One query parameter, percent-decoded.
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    let q = query?;
    query_pairs(q)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn query_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses a JSON request body (an empty body reads as `{}`).
pub(crate) fn parse_json<T: DeserializeOwned>(body: &Bytes) -> Result<T, serde_json::Error> {
    let slice: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(slice)
}

/// The peer address of the request (set by the accept loop).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PeerAddr(pub SocketAddr);

pub(crate) fn peer_ip(ext: Option<&PeerAddr>) -> IpAddr {
    ext.map(|p| p.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

/// A response with no body.
pub(crate) fn empty(status: StatusCode) -> Response {
    status.into_response()
}

pub(crate) fn set_header(resp: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

/// A generic "not found" for paths no provider route matches.
pub(crate) fn unknown_route() -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        json!({"error": "no such route in provider-sim"}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_params_decode() {
        assert_eq!(
            query_param(Some("a=1&api_key=x%2By+z"), "api_key").as_deref(),
            Some("x+y z")
        );
        assert_eq!(query_param(Some("count=1"), "api_key"), None);
        assert_eq!(query_param(Some("k=%zz%4"), "k").as_deref(), Some("%zz%4"));
    }

    #[test]
    fn provider_from_path() {
        assert_eq!(
            Provider::from_path("/cloudflare/client/v4/user/tokens"),
            Some(Provider::Cloudflare)
        );
        assert_eq!(
            Provider::from_path("/posthog/api/x/"),
            Some(Provider::PostHog)
        );
        assert_eq!(Provider::from_path("/nope"), None);
        assert_eq!(
            Provider::region_from_path("/posthog-eu/api/x/"),
            Some((Provider::PostHog, "eu"))
        );
        assert_eq!(
            Provider::region_from_path("/sendgrid-eu/v3/scopes"),
            Some((Provider::SendGrid, "eu"))
        );
        assert_eq!(Provider::region_from_path("/cloudflare-eu/client/v4"), None);
        assert_eq!(Provider::Cloudflare.prefix_in("eu"), None);
    }

    #[test]
    fn bearer_token() {
        let mut h = HeaderMap::new();
        h.insert("authorization", HeaderValue::from_static("bearer abc"));
        assert_eq!(bearer(&h), Some("abc"));
        h.insert("authorization", HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&h), None);
    }
}
