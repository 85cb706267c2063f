//! The HTTP layer every provider client shares: HTTPS only (plain HTTP for loopback), a
//! timeout on every call, retries with backoff for reads only, honouring `Retry-After` and the
//! providers' own rate-limit headers. Errors never carry a URL (a query string may hold a key)
//! nor a key value.
//!
//! Request URLs are built from an [`ApiPath`] (trusted literals plus percent-encoded
//! segments), and the one place that sends checks the final URL against the base: same
//! scheme rule, host and port, no user name. Keys are held only in zeroizing buffers that the
//! request shares (header values, bodies), and replies are read into one and scrubbed of every
//! encoding of the key in flight before anything parses them.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use url::Url;
use zeroize::Zeroizing;

use super::api::ClientError;
use super::redact::Redactor;
pub use super::redact::{encodings_of, REDACTED};
use crate::secret::Secret;

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

/// The largest answer read; a provider's key list is far smaller.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// A response with its body read (into a buffer wiped on drop) and scrubbed of every
/// encoding of the key that was sent.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Zeroizing<Vec<u8>>,
    redactor: Arc<Redactor>,
}

impl Reply {
    /// The body as `T`. A shape error says where, never what: serde's message quotes the
    /// offending value, which may be another key (a server token in a list).
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ClientError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            let what = match e.classify() {
                serde_json::error::Category::Data => "a field has another type or is missing",
                serde_json::error::Category::Io | serde_json::error::Category::Eof => {
                    "the JSON ends early"
                }
                serde_json::error::Category::Syntax => "not valid JSON",
            };
            ClientError::Malformed(format!(
                "{what} (line {}, column {}; HTTP {})",
                e.line(),
                e.column(),
                self.status.as_u16()
            ))
        })
    }

    /// A provider's free text as it may travel into an error: scrubbed of the key in flight,
    /// without control characters, at most [`super::redact::EXCERPT_CHARS`] characters.
    pub fn excerpt(&self, text: &str) -> String {
        self.redactor.excerpt(text, super::redact::EXCERPT_CHARS)
    }
}

#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    pub retry: RetryPolicy,
}

/// The one check of a provider URL (connections, regions, custom providers' verify and
/// dashboard URLs): plain printable ASCII, `https://`, or `http://` only to a loopback host,
/// no user name or password. Messages say what is wrong, never echo the URL.
pub fn check_base_url(raw: &str) -> Result<Url, ClientError> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > MAX_URL {
        return Err(ClientError::InvalidUrl(format!(
            "must be 1–{MAX_URL} characters"
        )));
    }
    // The URL parser drops tabs and newlines inside a URL and reads `\` as `/`: refuse them
    // rather than check one URL and send another.
    if !raw.bytes().all(|b| b.is_ascii_graphic()) || raw.contains('\\') {
        return Err(ClientError::InvalidUrl(
            "must be plain ASCII without spaces, backslashes or control characters".into(),
        ));
    }
    let Some((_, rest)) = raw.split_once("://") else {
        return Err(ClientError::InvalidUrl("must start with https://".into()));
    };
    // `https:///x` parses as host `x`: an empty authority is refused, not repaired.
    if rest.starts_with('/') || rest.is_empty() {
        return Err(ClientError::InvalidUrl("has no host".into()));
    }
    let url = Url::parse(raw).map_err(|e| ClientError::InvalidUrl(format!("{e}")))?;
    check_scheme_and_host(&url)?;
    Ok(url)
}

const MAX_URL: usize = 2048;

fn check_scheme_and_host(url: &Url) -> Result<(), ClientError> {
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ClientError::InvalidUrl(
            "must not contain a user name or password".into(),
        ));
    }
    match url.host() {
        None => return Err(ClientError::InvalidUrl("has no host".into())),
        Some(url::Host::Domain(d)) if !is_hostname(d) => {
            return Err(ClientError::InvalidUrl("has an invalid host name".into()))
        }
        Some(_) => {}
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(ClientError::InsecureUrl(
            "plain http:// is allowed only for loopback addresses (127.0.0.1, ::1, localhost); use https://".into(),
        )),
        other => Err(ClientError::InvalidUrl(format!(
            "unsupported scheme '{}'; use https://",
            other.chars().take(16).collect::<String>()
        ))),
    }
}

fn is_hostname(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The final check, in the one place that sends: the request URL keeps the base's scheme
/// rule, host and port, and carries no user name — whatever the path builder did.
fn check_request_url(base: &Url, url: &Url) -> Result<(), ClientError> {
    check_scheme_and_host(url)?;
    let same = url.scheme() == base.scheme()
        && url.host() == base.host()
        && url.port_or_known_default() == base.port_or_known_default();
    if !same {
        return Err(ClientError::InvalidUrl(
            "the request would leave the connection's host".into(),
        ));
    }
    Ok(())
}

/// Everything but RFC 3986 unreserved characters: a dynamic segment (a provider's id, a
/// user's text) is one segment, whatever it holds (`/`, `?`, `#`, `@`, `%`, `\`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A request's path and query below a base URL, built from trusted literal parts and
/// dynamic parts that are percent-encoded as single segments or query values, so nothing a
/// provider or a user supplies can change the host or climb out of the base path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiPath {
    /// Encoded; empty (the base URL itself) or starting with `/`.
    path: String,
    query: Vec<(String, String)>,
}

impl ApiPath {
    /// A path from a literal of the provider's documented API (`/api/projects/`).
    pub fn new(literal: &'static str) -> ApiPath {
        ApiPath::default().lit(literal)
    }

    /// Appends a literal part of the documented API (it may hold `/`).
    pub fn lit(mut self, literal: &'static str) -> ApiPath {
        debug_assert!(
            !literal.contains(['?', '#', '%', '\\']),
            "a literal path part holds no query, fragment or escape"
        );
        if !literal.starts_with('/') && !self.path.ends_with('/') {
            self.path.push('/');
        }
        self.path.push_str(literal);
        self
    }

    /// Appends one dynamic segment, percent-encoded; `.`, `..` and empty are refused (a
    /// server may resolve them).
    pub fn seg(mut self, dynamic: &str) -> Result<ApiPath, ClientError> {
        if dynamic.is_empty() || dynamic == "." || dynamic == ".." || dynamic.len() > 256 {
            return Err(ClientError::Malformed(
                "an id in a request path is 1–256 characters and not '.' or '..'".into(),
            ));
        }
        if !self.path.ends_with('/') {
            self.path.push('/');
        }
        self.path.extend(utf8_percent_encode(dynamic, SEGMENT));
        Ok(self)
    }

    /// Appends a trailing slash (some APIs require one).
    pub fn slash(mut self) -> ApiPath {
        if !self.path.ends_with('/') {
            self.path.push('/');
        }
        self
    }

    /// Adds a query parameter; both parts are form-encoded when the URL is built.
    pub fn query(mut self, name: &str, value: impl ToString) -> ApiPath {
        self.query.push((name.to_owned(), value.to_string()));
        self
    }

    /// A user's probe path (`/api/v1/posts`, optionally `?a=b`): it starts with `/`; its
    /// segments are path characters (letters, digits, `-._~!$&'()*+,;=:@`) and never `.`
    /// or `..`; no `%`, `#` or `\`. Empty: the base URL itself.
    pub fn probe(text: &str) -> Result<ApiPath, ClientError> {
        if text.is_empty() {
            return Ok(ApiPath::default());
        }
        let bad = |why: &str| Err(ClientError::InvalidUrl(format!("the probe path {why}")));
        if text.len() > 512 {
            return bad("is longer than 512 characters");
        }
        let Some(rest) = text.strip_prefix('/') else {
            return bad("must start with '/', e.g. /v1/ping");
        };
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        let pchar = |c: char| c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@".contains(c);
        let mut out = ApiPath::default();
        let segments: Vec<&str> = path.split('/').collect();
        for (i, s) in segments.iter().enumerate() {
            let last = i + 1 == segments.len();
            if s.is_empty() && !last {
                return bad("has an empty segment ('//')");
            }
            if *s == "." || *s == ".." {
                return bad("must not hold '.' or '..' segments");
            }
            if !s.chars().all(pchar) {
                return bad(
                    "may hold only letters, digits and -._~!$&'()*+,;=:@ between slashes (no %, # or spaces)",
                );
            }
            out.path.push('/');
            out.path.push_str(s);
        }
        if let Some(q) = query {
            for pair in q.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                if !k
                    .chars()
                    .chain(v.chars())
                    .all(|c| pchar(c) || c == '/' || c == '?')
                {
                    return bad("has a query with characters a URL must escape");
                }
                out.query.push((k.to_owned(), v.to_owned()));
            }
        }
        Ok(out)
    }

    /// The request URL: the base's path, then this path; the base's query, then this query.
    fn url_under(&self, base: &Url) -> Url {
        let mut url = base.clone();
        url.set_fragment(None);
        if !self.path.is_empty() {
            let joined = format!("{}{}", base.path().trim_end_matches('/'), self.path);
            url.set_path(&joined);
        }
        if !self.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &self.query {
                pairs.append_pair(k, v);
            }
        }
        url
    }
}

/// Checks a connection's probe path when the connection is made.
pub fn check_probe_path(text: &str) -> Result<(), ClientError> {
    if text.trim().is_empty() {
        return Err(ClientError::InvalidUrl(
            "the probe path must start with '/', e.g. /v1/ping".into(),
        ));
    }
    ApiPath::probe(text).map(|_| ())
}

/// A header value whose storage is the zeroizing buffer itself: `HeaderValue` keeps a
/// `Bytes`, and `Bytes::from_owner` makes that buffer its backing store (no copy), so the
/// plain value is wiped when the last holder drops. `HeaderValue::clone` (and so a
/// `HeaderMap` clone per attempt) bumps the `Bytes` refcount; it does not copy the bytes.
fn secret_header(prefix: &[u8], secret: &Secret) -> Result<HeaderValue, ClientError> {
    // EXPOSE: the provider authenticates the request with the key.
    let key = secret.expose().as_bytes();
    let mut buf = Zeroizing::new(Vec::with_capacity(prefix.len() + key.len()));
    buf.extend_from_slice(prefix);
    buf.extend_from_slice(key);
    let mut value = HeaderValue::from_maybe_shared(Bytes::from_owner(buf))
        .map_err(|_| ClientError::Malformed("the key cannot be sent in a header".into()))?;
    value.set_sensitive(true);
    Ok(value)
}

/// The JSON body with the key's field added, serialized once into a zeroizing buffer sized
/// beforehand (no reallocation leaves a copy behind), shared by every attempt.
fn body_with_secret(
    body: Option<serde_json::Value>,
    name: &str,
    secret: &Secret,
) -> Result<Bytes, ClientError> {
    let object = match body {
        Some(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    let rest = serde_json::to_vec(&object).map_err(|e| ClientError::Malformed(e.to_string()))?;
    let with = WithField {
        object: &object,
        name,
        secret,
    };
    // Worst case: every byte of the key escaped as `\u00XX`.
    let capacity = rest.len() + name.len() * 6 + secret.len() * 6 + 8;
    let mut buf = Zeroizing::new(Vec::with_capacity(capacity));
    serde_json::to_writer(&mut *buf, &with).map_err(|e| ClientError::Malformed(e.to_string()))?;
    Ok(Bytes::from_owner(buf))
}

struct WithField<'a> {
    object: &'a serde_json::Map<String, serde_json::Value>,
    name: &'a str,
    secret: &'a Secret,
}

impl serde::Serialize for WithField<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.object.len() + 1))?;
        for (k, v) in self.object.iter().filter(|(k, _)| *k != self.name) {
            map.serialize_entry(k, v)?;
        }
        // EXPOSE: this provider takes the key in the JSON body.
        map.serialize_entry(self.name, self.secret.expose())?;
        map.end()
    }
}

/// The request URL, wiped when dropped: with query auth it holds the key.
struct WipedUrl(Option<Url>);

impl Drop for WipedUrl {
    fn drop(&mut self) {
        if let Some(url) = self.0.take() {
            // `String::from(Url)` hands over the serialization without copying it.
            drop(Zeroizing::new(String::from(url)));
        }
    }
}

/// Reads the body into a zeroizing buffer that never reallocates in place: growing moves
/// to a new zeroizing buffer and wipes the old one.
async fn read_body(mut resp: reqwest::Response) -> Result<Zeroizing<Vec<u8>>, ClientError> {
    let hint = resp
        .content_length()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(8 * 1024)
        .min(MAX_BODY);
    let mut buf = Zeroizing::new(Vec::with_capacity(hint));
    while let Some(chunk) = resp.chunk().await.map_err(transport)? {
        let need = buf.len() + chunk.len();
        if need > MAX_BODY {
            return Err(ClientError::Malformed(format!(
                "the answer is larger than {} MiB",
                MAX_BODY / (1024 * 1024)
            )));
        }
        if need > buf.capacity() {
            let mut bigger = Zeroizing::new(Vec::with_capacity(need.max(buf.capacity() * 2)));
            bigger.extend_from_slice(&buf);
            buf = bigger;
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
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

    /// Sends one request (retrying idempotent ones) to `path` under `base`.
    pub async fn send(
        &self,
        method: Method,
        base: &str,
        path: &ApiPath,
        auth: Auth<'_>,
        body: Option<serde_json::Value>,
    ) -> Result<Reply, ClientError> {
        let base = check_base_url(base)?;
        let url = path.url_under(&base);
        self.send_to(method, &base, url, auth, body).await
    }

    /// The one place that sends: everything is checked here, on the URL as it goes out.
    async fn send_to(
        &self,
        method: Method,
        base: &Url,
        url: Url,
        auth: Auth<'_>,
        body: Option<serde_json::Value>,
    ) -> Result<Reply, ClientError> {
        let mut url = WipedUrl(Some(url));
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let redactor = Arc::new(match &auth {
            Auth::None => Redactor::default(),
            Auth::Header(_, s) | Auth::Bearer(s) | Auth::Query(_, s) | Auth::BodyField(_, s) => {
                Redactor::new(&[s])
            }
        });
        let mut body = body;
        let mut payload: Option<Bytes> = None;
        match auth {
            Auth::None => {}
            Auth::Header(name, secret) => {
                let name = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| ClientError::InvalidUrl("bad header name".into()))?;
                headers.insert(name, secret_header(b"", secret)?);
            }
            Auth::Bearer(secret) => {
                headers.insert(AUTHORIZATION, secret_header(b"Bearer ", secret)?);
            }
            Auth::Query(name, secret) => {
                if let Some(u) = url.0.as_mut() {
                    // EXPOSE: this provider takes the key as a query parameter.
                    u.query_pairs_mut().append_pair(name, secret.expose());
                }
            }
            Auth::BodyField(name, secret) => {
                payload = Some(body_with_secret(body.take(), name, secret)?);
            }
        }
        let Some(target) = url.0.as_ref() else {
            return Err(ClientError::InvalidUrl("no URL".into()));
        };
        check_request_url(base, target)?;
        if payload.is_none() {
            if let Some(b) = &body {
                payload = Some(Bytes::from(
                    serde_json::to_vec(b).map_err(|e| ClientError::Malformed(e.to_string()))?,
                ));
            }
        }
        drop(body);
        if payload.is_some() {
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
            // Clones share the zeroizing buffers (refcounts), except the URL, which reqwest
            // takes by value (hyper's copy is out of reach; the allocator wipes it).
            let mut req = self
                .client
                .request(method.clone(), target.clone())
                .headers(headers.clone());
            if let Some(b) = &payload {
                req = req.body(b.clone());
            }
            let wait = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    let resp_headers = resp.headers().clone();
                    let raw = match read_body(resp).await {
                        Ok(b) => b,
                        Err(e) => {
                            last_err = e;
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
                        body: redactor.scrub(raw),
                        redactor: Arc::clone(&redactor),
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

    #[tokio::test]
    async fn send_refuses_a_final_url_off_the_base_host_before_connecting() {
        // The last line of defence: whatever built the URL, the one place that sends checks
        // it against the base. A listener stands where the stray request would go.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let http = Http::new().unwrap();
        let key = Secret::new("kw-canary-final-url-0123456789".into());
        let base = check_base_url("http://localhost:9").unwrap();
        for stray in [
            format!("http://127.0.0.1:{port}/x"),
            format!("http://localhost:{port}/x"),
            "http://user@localhost:9/x".to_owned(),
            "https://localhost:9/x".to_owned(),
        ] {
            let url = Url::parse(&stray).unwrap();
            let e = http
                .send_to(Method::GET, &base, url, Auth::Bearer(&key), None)
                .await
                .err()
                .unwrap();
            assert_eq!(e.code(), "invalid_url", "{stray}: {e:?}");
            assert!(!format!("{e:?}").contains("canary"));
        }
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            listener.accept().is_err(),
            "a request left for another host"
        );
    }

    #[test]
    fn key_buffers_are_shared_not_copied() {
        // The comment on `secret_header` says a clone per attempt shares the zeroizing buffer.
        let key = Secret::new("kw-canary-header-0123456789".into());
        let v = secret_header(b"Bearer ", &key).unwrap();
        let c = v.clone();
        assert!(v.is_sensitive() && c.is_sensitive());
        assert_eq!(
            v.as_bytes().as_ptr(),
            c.as_bytes().as_ptr(),
            "a clone copied the key"
        );
        assert_eq!(v.as_bytes(), b"Bearer kw-canary-header-0123456789");
        // The body is serialized once, the key merged as the provider's field.
        let body =
            body_with_secret(Some(serde_json::json!({"a": 1, "k": "x"})), "k", &key).unwrap();
        let again = body.clone();
        assert_eq!(body.as_ptr(), again.as_ptr());
        let parsed: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({"a": 1, "k": "kw-canary-header-0123456789"})
        );
    }

    #[test]
    fn dynamic_segments_never_change_host_or_path() {
        let base = check_base_url("https://api.example.com/v3").unwrap();
        for id in [
            "a/b",
            "a?b",
            "a#b",
            "@evil.example",
            "..%2f",
            "a\\b",
            "x y",
            ":80",
        ] {
            let url = ApiPath::new("/keys")
                .seg(id)
                .unwrap()
                .lit("roll")
                .url_under(&base);
            assert_eq!(url.host_str(), Some("api.example.com"), "{id}");
            assert_eq!(url.query(), None, "{id}");
            assert_eq!(url.fragment(), None, "{id}");
            let segs: Vec<_> = url.path_segments().unwrap().collect();
            assert_eq!(segs.len(), 4, "{id}: {url}");
            assert_eq!((segs[0], segs[1], segs[3]), ("v3", "keys", "roll"), "{id}");
        }
        for id in ["", ".", ".."] {
            assert!(ApiPath::new("/keys").seg(id).is_err(), "{id:?}");
        }
        let url = ApiPath::new("/servers")
            .query("count", 100)
            .query("token", "a&b=c")
            .url_under(&base);
        assert_eq!(
            url.as_str(),
            "https://api.example.com/v3/servers?count=100&token=a%26b%3Dc"
        );
    }

    #[test]
    fn probe_paths_are_paths_below_the_base() {
        let base = check_base_url("http://localhost:9/blog").unwrap();
        let url = ApiPath::probe("/api/v1/posts?limit=1")
            .unwrap()
            .url_under(&base);
        assert_eq!(url.as_str(), "http://localhost:9/blog/api/v1/posts?limit=1");
        assert_eq!(
            ApiPath::probe("").unwrap().url_under(&base).as_str(),
            "http://localhost:9/blog"
        );
        for bad in [
            ".evil.example/",
            "@evil.example/x",
            "x",
            "/a/../b",
            "/./b",
            "/a//b",
            "/%2e%2e/b",
            "/a#b",
            "/a b",
            "/a\\b",
        ] {
            let e = ApiPath::probe(bad).err().unwrap_or_else(|| panic!("{bad}"));
            assert!(matches!(e, ClientError::InvalidUrl(_)), "{bad}: {e:?}");
            assert!(format!("{e}").contains("probe path"), "{e}");
        }
        assert!(check_probe_path("").is_err());
        assert!(check_probe_path("/v1/ping").is_ok());
    }

    #[test]
    fn base_urls_the_parser_would_repair_are_refused() {
        for raw in [
            "https:///nohost",
            "https://exa\tmple.com",
            "https://example.com\\@evil.test",
            "https://a b.test",
            "https://bad_host.test",
        ] {
            assert!(check_base_url(raw).is_err(), "{raw}");
        }
        assert!(matches!(
            check_base_url("http://0.0.0.0:1"),
            Err(ClientError::InsecureUrl(_))
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
