//! `provider-sim`: a local HTTP server that speaks each provider's key-management API as
//! documented in `shared/reference/providers.md` (paths, headers, JSON fields, error
//! bodies, status codes, rate-limit headers), with fault injection — for tests,
//! benchmarks and a demo.
//!
//! Every provider lives under its own path prefix, so a client's base URL is
//! `http://127.0.0.1:PORT/<prefix>` (see [`Provider::prefix`]):
//!
//! ## Regions
//!
//! PostHog, Postman and SendGrid keys belong to one region (`us`, the default, or `eu`;
//! the seed's `region` field). The EU hosts are played by their own prefixes
//! (`/posthog-eu`, `/postman-eu`, `/sendgrid-eu/v3`, see [`Provider::prefix_in`]); get one
//! with [`RunningSim::base_url_region`]. A key checked on the other region's prefix gets the
//! provider's 401, as on the real hosts.
//!
//! ## Behaviour switches
//!
//! Seed fields, also settable at run time (`PATCH /_control/options` or the
//! [`SimHandle`] setters): `posthog.legacy_list` (bare array instead of the paginated
//! envelope), `sendgrid.delete_propagation_ms` (how long a deleted key still works),
//! `sendgrid.get_key_shape`, `postman.rate_limit_headers` (which documented header family),
//! `cloudflare.max_user_tokens` / `max_account_tokens`.
//!
//! ## Contracts
//!
//! `contracts/<provider>.json` hold request/response fixtures written from each
//! provider's published docs; [`contracts`] loads them and compares response shapes.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use provider_sim::{Fault, Seed, Simulator};
//! let sim = Simulator::start(Seed::demo())?;
//! let posthog = sim.base_url("posthog"); // http://127.0.0.1:PORT/posthog
//! sim.state().add_fault(Fault::on("GET /posthog/api/personal_api_keys/@current/").status(503).times(1));
//! // … point a client at `posthog` …
//! assert_eq!(sim.state().request_count("GET /posthog/api/personal_api_keys/@current/"), 0);
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use chrono::Utc;
use hyper_util::rt::TokioIo;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use tower::ServiceExt;

pub mod contracts;
mod control;
pub mod faults;
// Handlers bail out with the provider's ready-made error response (`Result<_, Response>`);
// a Response is 128 bytes, and boxing every early return would buy nothing in a test double.
#[allow(clippy::result_large_err)]
pub mod providers;
pub mod ratelimit;
pub mod seed;
pub mod state;
pub mod util;

pub use faults::Fault;
pub use providers::Provider;
pub use ratelimit::{LimitScope, RateLimitConfig};
pub use seed::Seed;
pub use state::{KeySummary, RequestRecord, SimHandle};

use providers::{set_header, PeerAddr};
use ratelimit::Decision;
use seed::PostmanRateLimitHeaders;
use state::RequestRecord as Record;

/// How long a graceful shutdown waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Starts simulators.
pub struct Simulator;

impl Simulator {
    /// Starts a simulator on 127.0.0.1 and a free port. It runs on a small runtime of its
    /// own (two worker threads), so it works from sync and async code alike and never
    /// competes with the code under test for the caller's runtime.
    pub fn start(seed: Seed) -> std::io::Result<RunningSim> {
        Simulator::start_on(seed, 0)
    }

    /// Starts a simulator on 127.0.0.1:`port` (0 = any free port).
    pub fn start_on(mut seed: Seed, port: u16) -> std::io::Result<RunningSim> {
        seed.normalize();
        let std_listener =
            std::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let handle = SimHandle::new(seed);
        let app = app(handle.clone());
        let (stop_tx, stop_rx) = watch::channel(false);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("provider-sim")
            .enable_all()
            .build()?;
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(std_listener)?
        };
        let task = runtime.spawn(serve(listener, app, stop_rx));
        tracing::info!(%addr, "provider-sim started");
        Ok(RunningSim {
            addr,
            handle,
            stop: Some(stop_tx),
            task: Some(task),
            runtime: Some(runtime),
        })
    }
}

/// A simulator serving in the background. Dropping it stops it (without waiting);
/// [`RunningSim::shutdown`] stops it gracefully.
pub struct RunningSim {
    addr: SocketAddr,
    handle: SimHandle,
    stop: Option<watch::Sender<bool>>,
    task: Option<JoinHandle<()>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl RunningSim {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL a client of `provider` uses, e.g. `http://127.0.0.1:PORT/posthog` or
    /// `http://127.0.0.1:PORT/cloudflare/client/v4`.
    pub fn base_url(&self, provider: &str) -> String {
        match Provider::from_name(provider) {
            Some(p) => format!("{}{}", self.url(), p.prefix()),
            None => format!("{}/{}", self.url(), provider.trim_matches('/')),
        }
    }

    /// The base URL of `provider`'s host in `region` (`us` or `eu`), e.g.
    /// `http://127.0.0.1:PORT/posthog-eu`. A provider without that region gets its only
    /// base URL (Cloudflare, Postmark, … have one host).
    pub fn base_url_region(&self, provider: &str, region: &str) -> String {
        match Provider::from_name(provider).and_then(|p| p.prefix_in(region)) {
            Some(prefix) => format!("{}{}", self.url(), prefix),
            None => self.base_url(provider),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle on the state: counts, faults, keys, rate limits, reset.
    pub fn state(&self) -> SimHandle {
        self.handle.clone()
    }

    /// Stops accepting, lets requests in flight finish (up to 5 s), then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(task) = self.task.take() {
            // A JoinHandle may be awaited from any runtime (or none): the server runs on
            // its own.
            let _ = task.await;
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Closes the connection a request came on, without a response.
#[derive(Clone)]
struct ConnKill(Arc<Notify>);

fn app(handle: SimHandle) -> Router {
    let mut router = Router::new().nest("/_control", control::router());
    for p in Provider::ALL {
        for (_, prefix) in p.prefixes() {
            router = router.nest(prefix, p.router());
        }
    }
    router
        .fallback(|| async { providers::unknown_route() })
        .layer(axum::middleware::from_fn_with_state(
            handle.clone(),
            sim_middleware,
        ))
        .with_state(handle)
}

async fn serve(listener: tokio::net::TcpListener, app: Router, mut stop: watch::Receiver<bool>) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let kill = Arc::new(Notify::new());
                let conn_kill = ConnKill(kill.clone());
                let app = app.clone();
                let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(conn_kill.clone());
                    req.extensions_mut().insert(PeerAddr(peer));
                    app.clone().oneshot(req.map(Body::new))
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    tokio::select! {
                        result = conn => {
                            if let Err(e) = result {
                                tracing::debug!(error = %e, "connection ended with an error");
                            }
                        }
                        () = kill.notified() => {
                            tracing::debug!(%peer, "connection dropped by a fault");
                        }
                    }
                });
            }
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("requests still in flight after the grace period");
        }
    }
    tracing::info!("provider-sim stopped");
}

/// Counting, faults, the rate limiter and rate-limit headers, around every provider route.
async fn sim_middleware(State(sim): State<SimHandle>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path == "/_control" || path.starts_with("/_control/") {
        return next.run(req).await;
    }
    let method = req.method().as_str().to_owned();
    let region_of = Provider::region_from_path(&path);
    let provider = region_of.map(|(p, _)| p);
    // Handlers learn the region from this header; a client cannot choose it.
    req.headers_mut().remove(providers::REGION_HEADER);
    if let Some((_, region)) = region_of {
        req.headers_mut().insert(
            providers::REGION_HEADER,
            axum::http::HeaderValue::from_static(region),
        );
    }
    sim.count(&method, &path);
    let kill = req.extensions().get::<ConnKill>().cloned();

    let plan = sim.plan_faults(provider.map(Provider::name), &method, &path);
    if plan.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(plan.latency_ms)).await;
    }
    let mut label = (plan.latency_ms > 0).then_some("latency");
    let finish = |resp: Response, label: Option<&str>| {
        tracing::debug!(method = %method, path = %path, status = resp.status().as_u16(), fault = label.unwrap_or("-"), "request");
        sim.record(Record {
            method: method.clone(),
            path: path.clone(),
            status: Some(resp.status().as_u16()),
            fault: label.map(str::to_owned),
        });
        resp
    };

    let Some(provider) = provider else {
        return finish(providers::unknown_route(), label);
    };
    let terminal = plan.terminal;
    if let Some(f) = terminal
        .as_ref()
        .filter(|f| !f.after_handler && !f.malformed_body)
    {
        let (resp, l) = terminal_response(&sim, provider, f, kill.as_ref(), &method, &path).await;
        return finish(resp, Some(l));
    }

    let bucket = provider
        .credential(req.headers(), req.uri().query())
        .map_or(0, |c| util::credential_bucket(&c));
    let (decision, cfg) = sim.rate_check(provider.name(), bucket);
    if let Decision::Limited {
        limit,
        retry_after_secs,
        reset_in,
    } = decision
    {
        let reset_epoch =
            Utc::now().timestamp() + i64::try_from(reset_in.as_secs()).unwrap_or(0) + 1;
        let mut resp = provider.rate_limited(retry_after_secs, reset_epoch);
        let style = postman_style(&sim, provider);
        add_retry_header(&mut resp, provider, &cfg, retry_after_secs, style);
        if provider.sends_ratelimit_headers() {
            add_ratelimit_headers(&mut resp, limit, 0, reset_epoch, &cfg, style);
        }
        if provider == Provider::Cloudflare {
            add_cloudflare_ratelimit_headers(&mut resp, limit, 0, reset_in.as_secs(), &cfg);
        }
        return finish(resp, Some("rate_limiter"));
    }

    let mut resp = next.run(req).await;
    if let Some(f) = terminal {
        if f.malformed_body {
            resp = malform(resp).await;
            label = Some("malformed_body");
        } else {
            let (r, l) = terminal_response(&sim, provider, &f, kill.as_ref(), &method, &path).await;
            resp = r;
            label = Some(l);
        }
    }
    if let Decision::Allowed {
        limit,
        remaining,
        reset_in,
    } = decision
    {
        if provider.sends_ratelimit_headers() {
            let reset_epoch =
                Utc::now().timestamp() + i64::try_from(reset_in.as_secs()).unwrap_or(0) + 1;
            let style = postman_style(&sim, provider);
            add_ratelimit_headers(&mut resp, limit, remaining, reset_epoch, &cfg, style);
        }
        if provider == Provider::Cloudflare {
            add_cloudflare_ratelimit_headers(&mut resp, limit, remaining, reset_in.as_secs(), &cfg);
        }
    }
    finish(resp, label)
}

/// Cloudflare's rate-limit headers on REST answers: `Ratelimit: "default";r=<remaining>;t=<secs
/// to reset>` and `Ratelimit-Policy: "default";q=<quota>;w=<window secs>`; `retry-after` only
/// once the limit is exceeded (https://developers.cloudflare.com/fundamentals/api/reference/limits/).
fn add_cloudflare_ratelimit_headers(
    resp: &mut Response,
    limit: u32,
    remaining: u32,
    reset_in_secs: u64,
    cfg: &RateLimitConfig,
) {
    set_header(
        resp,
        "ratelimit",
        &format!("\"default\";r={remaining};t={reset_in_secs}"),
    );
    set_header(
        resp,
        "ratelimit-policy",
        &format!("\"default\";q={limit};w={}", cfg.window_secs.max(1)),
    );
}

/// Postman's configured header family (other providers: the default, unused).
fn postman_style(sim: &SimHandle, provider: Provider) -> PostmanRateLimitHeaders {
    if provider == Provider::Postman {
        sim.with_data(|d| d.postman.rate_limit_headers)
    } else {
        PostmanRateLimitHeaders::default()
    }
}

fn add_retry_header(
    resp: &mut Response,
    provider: Provider,
    cfg: &RateLimitConfig,
    secs: u64,
    style: PostmanRateLimitHeaders,
) {
    let default = match (provider, style) {
        // Postman: "X-RateLimit-RetryAfter, RetryAfter" — which one depends on the API.
        (Provider::Postman, PostmanRateLimitHeaders::XRateLimit) => "X-RateLimit-RetryAfter",
        (Provider::Postman, _) => "RetryAfter",
        _ => provider.default_retry_header(),
    };
    let name = match cfg.retry_header.as_deref() {
        Some("") => return,
        Some(h) => h.to_owned(),
        None if default.is_empty() => return,
        None => default.to_owned(),
    };
    if let (Ok(n), Ok(v)) = (
        axum::http::HeaderName::from_bytes(name.as_bytes()),
        axum::http::HeaderValue::from_str(&secs.to_string()),
    ) {
        resp.headers_mut().insert(n, v);
    }
}

fn add_ratelimit_headers(
    resp: &mut Response,
    limit: u32,
    remaining: u32,
    reset_epoch: i64,
    cfg: &RateLimitConfig,
    style: PostmanRateLimitHeaders,
) {
    if style == PostmanRateLimitHeaders::RateLimit {
        // Postman's newer family: `RateLimit: limit=300, remaining=###, reset=##` (reset in
        // seconds) and `RateLimit-Policy: 300;w=60`.
        let reset_in = (reset_epoch - Utc::now().timestamp()).max(0);
        set_header(
            resp,
            "ratelimit",
            &format!("limit={limit}, remaining={remaining}, reset={reset_in}"),
        );
        set_header(
            resp,
            "ratelimit-policy",
            &format!("{limit};w={}", cfg.window_secs.max(1)),
        );
        return;
    }
    set_header(resp, "x-ratelimit-limit", &limit.to_string());
    set_header(resp, "x-ratelimit-remaining", &remaining.to_string());
    set_header(resp, "x-ratelimit-reset", &reset_epoch.to_string());
}

/// The response of a terminal fault (drop, rate limit, status) and its label.
async fn terminal_response(
    sim: &SimHandle,
    provider: Provider,
    f: &Fault,
    kill: Option<&ConnKill>,
    method: &str,
    path: &str,
) -> (Response, &'static str) {
    if f.drop_connection {
        if let Some(k) = kill {
            tracing::debug!(method = %method, path = %path, fault = "drop_connection", "request");
            sim.record(Record {
                method: method.to_owned(),
                path: path.to_owned(),
                status: None,
                fault: Some("drop_connection".to_owned()),
            });
            k.0.notify_one();
            // The connection task drops this request with its connection.
            std::future::pending::<()>().await;
        }
        return (
            StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            "drop_connection",
        );
    }
    let cfg = sim.rate_limit(provider.name());
    let retry = f
        .rate_limit
        .or_else(|| (f.status == Some(429) && f.body.is_none()).then_some(1));
    if let Some(secs) = retry {
        let reset_epoch = Utc::now().timestamp() + i64::try_from(secs).unwrap_or(0);
        let mut resp = provider.rate_limited(secs, reset_epoch);
        let style = postman_style(sim, provider);
        add_retry_header(&mut resp, provider, &cfg, secs, style);
        if provider.sends_ratelimit_headers() {
            add_ratelimit_headers(&mut resp, cfg.requests, 0, reset_epoch, &cfg, style);
        }
        if provider == Provider::Cloudflare {
            add_cloudflare_ratelimit_headers(&mut resp, cfg.requests, 0, secs, &cfg);
        }
        return (resp, "rate_limit");
    }
    let status = f
        .status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let resp = match &f.body {
        Some(body) => providers::json_response(status, body.clone()),
        None => provider.error_response(status),
    };
    (resp, "status")
}

/// 200 with the handler's body cut short, so it is no longer valid JSON.
async fn malform(resp: Response) -> Response {
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let mut cut = bytes.slice(..bytes.len() / 2).to_vec();
    if serde_json::from_slice::<serde_json::Value>(&cut).is_ok() || cut.is_empty() {
        cut = b"{\"".to_vec();
    }
    (
        StatusCode::OK,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        cut,
    )
        .into_response()
}
