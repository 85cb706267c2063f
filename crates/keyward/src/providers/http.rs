//! The HTTP layer every provider client shares: HTTPS only (plain HTTP for loopback), a
//! timeout on every call, retries with backoff for reads only, honouring `Retry-After` and the
//! providers' own rate-limit headers. Errors never carry a URL (a query string may hold a key)
//! nor a key value.

use super::api::ClientError;
use crate::secret::Secret;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use std::net::IpAddr;
use std::time::Duration;
use url::Url;

/// How the key travels in a request.
pub enum Auth<'a> {
    None,
    Header(&'a str, &'a Secret),
    Bearer(&'a Secret),
    Query(&'a str, &'a Secret),
    /// A field of the JSON body (merged into the body object).
    BodyField(&'a str, &'a Secret),
}

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts for idempotent requests (1 = no retry). Writes are never retried.
    pub attempts: u32,
    pub base_backoff: Duration,
    /// Longest wait honoured from a server's retry header; longer → give up with RateLimited.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts: 3,
            base_backoff: Duration::from_millis(250),
            max_wait: Duration::from_secs(30),
        }
    }
}

/// A response with its body read.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

impl Reply {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ClientError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| ClientError::Malformed(format!("{} (HTTP {})", e, self.status.as_u16())))
    }
}

#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    pub retry: RetryPolicy,
}

/// `https://` anywhere; `http://` only for loopback hosts (tests, the simulator).
pub fn check_base_url(raw: &str) -> Result<Url, ClientError> {
    let url = Url::parse(raw.trim()).map_err(|e| ClientError::InvalidUrl(format!("{e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ClientError::InvalidUrl(
            "credentials in a URL are not allowed".into(),
        ));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(ClientError::InsecureUrl(
            "plain http:// is allowed only for loopback addresses (127.0.0.1, ::1, localhost); use https://".into(),
        )),
        other => Err(ClientError::InvalidUrl(format!("unsupported scheme '{other}'"))),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// How long a 429 asks to wait (see [`retry_after_at`]).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    retry_after_at(headers, chrono::Utc::now().timestamp())
}

/// How long a 429 asks to wait, from whichever header the provider sends: `Retry-After`
/// (seconds; Cloudflare, PostHog), Postman's `X-RateLimit-RetryAfter` and its `RetryAfter`
/// variant, the IETF draft's `RateLimit: …, reset=N` (newer Postman endpoints), and
/// SendGrid's `X-RateLimit-Reset` (a Unix time; SendGrid sends no `Retry-After`).
pub fn retry_after_at(headers: &HeaderMap, now_unix: i64) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let secs = |v: &str| {
        v.parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64)
    };
    for name in ["retry-after", "x-ratelimit-retryafter", "retryafter"] {
        if let Some(d) = text(name).and_then(secs) {
            return Some(d);
        }
    }
    if let Some(reset) = text("ratelimit").and_then(|v| {
        v.split([',', ';'])
            .filter_map(|part| part.trim().strip_prefix("reset="))
            .find_map(secs)
    }) {
        return Some(reset);
    }
    let reset = text("x-ratelimit-reset")?.parse::<i64>().ok()?;
    // A Unix time (SendGrid) is far larger than any delay in seconds.
    if reset > 1_000_000_000 {
        Some(Duration::from_secs(
            u64::try_from(reset - now_unix).unwrap_or(0),
        ))
    } else {
        u64::try_from(reset).ok().map(Duration::from_secs)
    }
}

impl Http {
    pub fn new() -> Result<Http, ClientError> {
        Http::with_timeouts(Duration::from_secs(5), Duration::from_secs(20))
    }

    pub fn with_timeouts(connect: Duration, total: Duration) -> Result<Http, ClientError> {
        let client = reqwest::Client::builder()
            .connect_timeout(connect)
            .timeout(total)
            .https_only(false) // enforced per URL by check_base_url, to allow loopback http
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Keyward/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Transport(e.without_url().to_string()))?;
        Ok(Http {
            client,
            retry: RetryPolicy::default(),
        })
    }

    /// Sends one request (retrying idempotent ones). `path` is appended to `base`.
    pub async fn send(
        &self,
        method: Method,
        base: &str,
        path: &str,
        auth: Auth<'_>,
        body: Option<serde_json::Value>,
    ) -> Result<Reply, ClientError> {
        let base = check_base_url(base)?;
        let joined = format!("{}{}", base.as_str().trim_end_matches('/'), path);
        let mut url = Url::parse(&joined).map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let auth_secret: Option<&Secret> = match &auth {
            Auth::None => None,
            Auth::Header(_, s) | Auth::Bearer(s) | Auth::Query(_, s) | Auth::BodyField(_, s) => {
                Some(s)
            }
        };
        let mut body = body;
        match auth {
            Auth::None => {}
            Auth::Header(name, secret) => {
                let name = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| ClientError::InvalidUrl("bad header name".into()))?;
                // EXPOSE: the provider authenticates the request with the key.
                let mut value = HeaderValue::from_str(secret.expose()).map_err(|_| {
                    ClientError::Malformed("the key cannot be sent in a header".into())
                })?;
                value.set_sensitive(true);
                headers.insert(name, value);
            }
            Auth::Bearer(secret) => {
                // EXPOSE: the provider authenticates the request with the key.
                let mut value = HeaderValue::from_str(&format!("Bearer {}", secret.expose()))
                    .map_err(|_| {
                        ClientError::Malformed("the key cannot be sent in a header".into())
                    })?;
                value.set_sensitive(true);
                headers.insert(AUTHORIZATION, value);
            }
            Auth::Query(name, secret) => {
                // EXPOSE: this provider takes the key as a query parameter.
                url.query_pairs_mut().append_pair(name, secret.expose());
            }
            Auth::BodyField(name, secret) => {
                let mut object = match body.take() {
                    Some(serde_json::Value::Object(m)) => m,
                    _ => serde_json::Map::new(),
                };
                // EXPOSE: this provider takes the key in the JSON body.
                object.insert(
                    name.to_owned(),
                    serde_json::Value::String(secret.expose().to_owned()),
                );
                body = Some(serde_json::Value::Object(object));
            }
        }
        if body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let idempotent = matches!(method, Method::GET | Method::HEAD);
        let attempts = if idempotent {
            self.retry.attempts.max(1)
        } else {
            1
        };
        let mut last_err = ClientError::Transport("no attempt made".into());
        for attempt in 0..attempts {
            let mut req = self
                .client
                .request(method.clone(), url.clone())
                .headers(headers.clone());
            if let Some(b) = &body {
                req = req.body(
                    serde_json::to_vec(b).map_err(|e| ClientError::Malformed(e.to_string()))?,
                );
            }
            let wait = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    let resp_headers = resp.headers().clone();
                    let bytes = match resp.bytes().await {
                        Ok(b) => b,
                        Err(e) => {
                            last_err = transport(e);
                            if attempt + 1 < attempts {
                                self.backoff(attempt).await;
                                continue;
                            }
                            return Err(last_err);
                        }
                    };
                    let reply = Reply {
                        status,
                        headers: resp_headers,
                        body: scrub(bytes, auth_secret),
                    };
                    let retryable = status == StatusCode::TOO_MANY_REQUESTS
                        || matches!(status.as_u16(), 500 | 502..=504);
                    if !retryable || attempt + 1 >= attempts {
                        return Ok(reply);
                    }
                    let wait = retry_after(&reply.headers);
                    if let Some(w) = wait {
                        if w > self.retry.max_wait {
                            return Ok(reply);
                        }
                    }
                    last_err = ClientError::Server {
                        status: status.as_u16(),
                    };
                    wait
                }
                Err(e) => {
                    last_err = transport(e);
                    if attempt + 1 >= attempts {
                        return Err(last_err);
                    }
                    None
                }
            };
            match wait {
                Some(w) => tokio::time::sleep(w).await,
                None => self.backoff(attempt).await,
            }
        }
        Err(last_err)
    }

    async fn backoff(&self, attempt: u32) {
        let factor = 2u32.saturating_pow(attempt);
        let jitter = Duration::from_millis(u64::from(rand::random::<u8>()) % 100);
        tokio::time::sleep(self.retry.base_backoff * factor + jitter).await;
    }
}

/// A provider (or a proxy) that echoes the key it was sent must not carry it into an error
/// message or a log: every occurrence in the reply is replaced before anything reads it.
/// What [`scrub`] leaves where the key was.
pub const REDACTED: &str = "[REDACTED]";

fn scrub(body: bytes::Bytes, secret: Option<&Secret>) -> bytes::Bytes {
    let Some(secret) = secret else {
        return body;
    };
    // EXPOSE: searching the reply for the key we sent, to remove it.
    let needle = secret.expose().as_bytes();
    if needle.len() < 4 || !body.windows(needle.len()).any(|w| w == needle) {
        return body;
    }
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i..].starts_with(needle) {
            out.extend_from_slice(REDACTED.as_bytes());
            i += needle.len();
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    bytes::Bytes::from(out)
}

fn transport(e: reqwest::Error) -> ClientError {
    if e.is_timeout() {
        ClientError::Timeout
    } else {
        // The URL may carry a key in its query: never include it.
        ClientError::Transport(e.without_url().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        assert!(check_base_url("https://api.postmarkapp.com").is_ok());
        assert!(check_base_url("http://127.0.0.1:8080/posthog").is_ok());
        assert!(check_base_url("http://[::1]:8080").is_ok());
        assert!(check_base_url("http://localhost:1").is_ok());
        assert!(matches!(
            check_base_url("http://example.com"),
            Err(ClientError::InsecureUrl(_))
        ));
        assert!(matches!(
            check_base_url("http://10.0.0.1"),
            Err(ClientError::InsecureUrl(_))
        ));
        assert!(matches!(
            check_base_url("ftp://x"),
            Err(ClientError::InvalidUrl(_))
        ));
        assert!(matches!(
            check_base_url("https://user:pw@x.com"),
            Err(ClientError::InvalidUrl(_))
        ));
        assert!(matches!(
            check_base_url("not a url"),
            Err(ClientError::InvalidUrl(_))
        ));
    }

    #[test]
    fn retry_headers() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("x-ratelimit-retryafter", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert("retry-after", HeaderValue::from_static("1"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(1)));
    }

    #[test]
    fn retry_header_variants() {
        let now = 1_800_000_000;
        let one = |name: &'static str, value: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(name, HeaderValue::from_static(value));
            retry_after_at(&h, now)
        };
        // Postman's older variant and the IETF draft header of its newer endpoints.
        assert_eq!(one("retryafter", "7"), Some(Duration::from_secs(7)));
        assert_eq!(
            one("ratelimit", "limit=300, remaining=0, reset=12"),
            Some(Duration::from_secs(12))
        );
        // SendGrid: a Unix time, and no Retry-After.
        assert_eq!(
            one("x-ratelimit-reset", "1800000030"),
            Some(Duration::from_secs(30))
        );
        assert_eq!(one("x-ratelimit-reset", "1799999990"), Some(Duration::ZERO));
        assert_eq!(one("x-ratelimit-reset", "5"), Some(Duration::from_secs(5)));
        assert_eq!(one("x-ratelimit-reset", "soon"), None);
    }
}
