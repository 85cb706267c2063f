//! The provider modules against the providers' published behaviour, over real HTTP to
//! `provider-sim` on loopback (itself held to the published shapes by its contract tests):
//! pagination, legacy formats, malformed values, policies per permission-group scope,
//! replacements that keep restrictions, rate-limit headers, regions, PostHog's two `phs_`
//! kinds. The client half of the contract tests is at the end: the documented response
//! bodies of `provider-sim/contracts/*.json`, served to the typed clients.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::time::Duration;

use keyward::connection::ConnectionOptions;
use keyward::providers::cloudflare::CloudflareClient;
use keyward::providers::http::{Http, RetryPolicy};
use keyward::providers::posthog::PostHogClient;
use keyward::providers::postman::PostmanClient;
use keyward::providers::postmark::PostmarkClient;
use keyward::providers::sendgrid::SendGridClient;
use keyward::providers::{
    self, Admin, ClientError, Endpoint, NewKeySpec, VerifyOutcome, VerifyTarget,
};
use keyward::Secret;
use provider_sim::seed::{CloudflareCondition, CloudflareRequestIp, PostHogSecretKey};
use provider_sim::{contracts, Fault, RunningSim, Seed, Simulator};

const ACCOUNT: &str = "023e105f4ecef8ad9ca31a8372d0c353";
const USER: &str = "7c5dae5552338874e5053f2534d2767a";

fn sim() -> RunningSim {
    Simulator::start(Seed::demo()).unwrap()
}

fn http() -> Http {
    let mut h = Http::with_timeouts(Duration::from_secs(2), Duration::from_secs(5)).unwrap();
    h.retry = RetryPolicy {
        attempts: 1,
        base_backoff: Duration::from_millis(10),
        max_wait: Duration::from_secs(1),
    };
    h
}

use support::sim_value as value;

fn options(project: Option<&str>, account: Option<&str>) -> ConnectionOptions {
    ConnectionOptions {
        project_id: project.map(str::to_owned),
        account_id: account.map(str::to_owned),
        probe_path: None,
    }
}

fn endpoint<'a>(http: &'a Http, base: &'a str, options: &'a ConnectionOptions) -> Endpoint<'a> {
    Endpoint {
        http,
        base_url: base,
        options,
        region_guessed: false,
    }
}

// ---------------------------------------------------------------- PostHog

#[tokio::test]
async fn posthog_lists_every_page_of_the_envelope_and_a_bare_array_too() {
    let sim = sim();
    let before = sim.state().keys(Some("posthog")).len();
    // 230 more keys in project 1: three pages of PostHog's default 100.
    sim.state().with_data(|d| {
        for i in 0..230 {
            d.posthog.project_secret_keys.push(PostHogSecretKey {
                id: format!("bulk{i:04}"),
                project_id: 1,
                label: format!("bulk {i}"),
                value: format!("phs_bulk{i:040}"),
                scopes: vec!["feature_flag:read".into()],
                ..PostHogSecretKey::default()
            });
        }
    });
    let http = http();
    let base = sim.base_url("posthog");
    let ph = PostHogClient {
        http: &http,
        base_url: &base,
    };
    let admin = value(&sim, "posthog", "Keyward admin");
    let listed = ph.list_project_secret_keys(&admin, "1").await.unwrap();
    let in_project_1 = listed.len();
    assert!(in_project_1 >= 230, "{in_project_1}");
    assert!(
        sim.state()
            .request_count("GET /posthog/api/projects/1/project_secret_api_keys/")
            >= 3,
        "followed the pages"
    );
    // Older self-hosted PostHog answers a bare array: the same keys.
    sim.state().set_posthog_legacy_list(true);
    let legacy = ph.list_project_secret_keys(&admin, "1").await.unwrap();
    assert_eq!(legacy.len(), in_project_1);
    assert!(sim.state().keys(Some("posthog")).len() >= before + 230);
}

#[tokio::test]
async fn posthog_tells_a_project_secret_key_from_the_older_flags_secure_key() {
    let sim = sim();
    let http = http();
    let base = sim.base_url("posthog");
    let opts = options(Some("1"), None);
    let admin_key = value(&sim, "posthog", "Keyward admin");
    let admin = Admin {
        at: endpoint(&http, &base, &opts),
        key: &admin_key,
    };
    let posthog = providers::get("posthog").unwrap();
    let profile = posthog.profile();
    let legacy = Secret::new(
        sim.state()
            .with_data(|d| d.posthog.projects[0].secret_api_token.clone())
            .expect("the demo's project 1 has a secure key"),
    );
    // Both kinds start with phs_: detection says so and asks.
    // EXPOSE: test input.
    let d = providers::detect(legacy.expose(), &[]);
    assert_eq!(d.provider, "posthog");
    assert!(d.needs_confirmation, "{d:?}");
    assert!(!d.alternatives.is_empty(), "{d:?}");
    // Not in the project's list, but local evaluation takes it: the older secure key.
    let as_secret_kind = profile.kind("project_secret").unwrap();
    let v = posthog
        .verify_managed(&admin, as_secret_kind, None, &legacy)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid, "{v:?}");
    assert_eq!(v.kind.as_deref(), Some("flags_secure_key"));
    let flags_kind = profile.kind("flags_secure_key").unwrap();
    let v = posthog
        .verify_managed(&admin, flags_kind, None, &legacy)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid);
    // A listed project secret key is found by its mask; a made-up phs_ is invalid.
    let listed = value(&sim, "posthog", "Backend flag evaluation");
    let v = posthog
        .verify_managed(&admin, as_secret_kind, None, &listed)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid);
    assert!(v.remote_id.is_some());
    let made_up = Secret::new(format!("phs_{}", "Q".repeat(48)));
    let v = posthog
        .verify_managed(&admin, flags_kind, None, &made_up)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Invalid);
}

// ---------------------------------------------------------------- Cloudflare

#[tokio::test]
async fn cloudflare_takes_unprefixed_tokens_and_calls_a_malformed_value_invalid() {
    let sim = sim();
    let http = http();
    let base = sim.base_url("cloudflare");
    let cf = CloudflareClient {
        http: &http,
        base_url: &base,
    };
    let legacy = value(&sim, "cloudflare", "Legacy deploy token");
    // EXPOSE: test input.
    assert!(!legacy.expose().starts_with("cf"), "an unprefixed token");
    let v = cf.verify(&legacy, None).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid);
    // Its format is known (no warning) …
    let (p, k) = providers::lookup_kind("cloudflare", "user_token").unwrap();
    // EXPOSE: test input.
    assert_eq!(
        providers::check_format(p, k, legacy.expose()).unwrap(),
        providers::FormatCheck::Fits
    );
    // … and a truncated value gets 400/6003: it cannot work, which is "invalid", not an error.
    // EXPOSE: test input.
    let truncated = Secret::new(legacy.expose()[..20].to_owned());
    let v = cf.verify(&truncated, None).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Invalid, "{v:?}");
    assert!(v.detail.contains("6003"), "{}", v.detail);
}

#[tokio::test]
async fn cloudflare_creates_each_permission_group_on_its_own_kind_of_resource() {
    let sim = sim();
    let http = http();
    let base = sim.base_url("cloudflare");
    let opts = options(None, Some(ACCOUNT));
    let admin_key = value(&sim, "cloudflare", "Keyward admin");
    let admin = Admin {
        at: endpoint(&http, &base, &opts),
        key: &admin_key,
    };
    let cf = providers::get("cloudflare").unwrap();
    for (scope, resource_kind, resource) in [
        // Every zone of the connection's account (the nested form; the simulator reports the
        // zones it reaches).
        (
            "DNS Write",
            "com.cloudflare.api.account.zone",
            "com.cloudflare.api.account.zone".to_owned(),
        ),
        (
            "API Tokens Write",
            "com.cloudflare.api.user",
            format!("com.cloudflare.api.user.{USER}"),
        ),
    ] {
        let created = cf
            .create(
                &admin,
                &NewKeySpec {
                    name: &format!("kw test {scope}"),
                    kind: "user_token",
                    scopes: &[scope.to_owned()],
                    replaces: None,
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{scope}: {e}"));
        let effective = sim
            .state()
            .cloudflare_effective_permissions(&created.remote_id)
            .expect("the token exists");
        let granted: Vec<_> = effective
            .iter()
            .filter(|p| p.group_name == scope && p.effect == "allow")
            .collect();
        assert!(
            !granted.is_empty(),
            "{scope}: the new token does not really grant it: {effective:?}"
        );
        assert!(
            granted.iter().all(|p| p.scope == resource_kind),
            "{scope}: {granted:?}"
        );
        assert!(
            granted.iter().any(|p| p.resource.starts_with(&resource)),
            "{scope} on {resource}: {granted:?}"
        );
        // The new value works.
        let v = CloudflareClient {
            http: &http,
            base_url: &base,
        }
        .verify(&created.value, None)
        .await
        .unwrap();
        assert_eq!(v.outcome, VerifyOutcome::Valid);
    }
}

#[tokio::test]
async fn cloudflare_replacement_keeps_ip_conditions_and_validity_window() {
    let sim = sim();
    let http = http();
    let base = sim.base_url("cloudflare");
    let opts = options(None, Some(ACCOUNT));
    let admin_key = value(&sim, "cloudflare", "Keyward admin");
    let admin = Admin {
        at: endpoint(&http, &base, &opts),
        key: &admin_key,
    };
    let not_before = chrono::Utc::now() - chrono::Duration::days(1);
    let expires_on = chrono::Utc::now() + chrono::Duration::days(90);
    let old_id = sim.state().with_data(|d| {
        let t = d
            .cloudflare
            .tokens
            .iter_mut()
            .find(|t| t.name == "DNS edit - prod")
            .unwrap();
        t.condition = Some(CloudflareCondition {
            request_ip: Some(CloudflareRequestIp {
                in_: vec!["192.0.2.0/24".into()],
                not_in: vec!["192.0.2.1/32".into()],
            }),
        });
        t.not_before = Some(not_before);
        t.expires_on = Some(expires_on);
        t.id.clone()
    });
    let cf = providers::get("cloudflare").unwrap();
    let created = cf
        .create(
            &admin,
            &NewKeySpec {
                name: "DNS edit - prod [kw-test]",
                kind: "user_token",
                scopes: &[],
                replaces: Some(&old_id),
            },
        )
        .await
        .unwrap();
    let (old, new) = sim.state().with_data(|d| {
        let find = |id: &str| {
            d.cloudflare
                .tokens
                .iter()
                .find(|t| t.id == id)
                .cloned()
                .unwrap()
        };
        (find(&old_id), find(&created.remote_id))
    });
    let ips = |t: &provider_sim::seed::CloudflareToken| {
        let ip = t.condition.as_ref().and_then(|c| c.request_ip.clone());
        ip.map(|i| (i.in_, i.not_in))
    };
    assert_eq!(ips(&new), ips(&old), "IP conditions carried over");
    assert!(ips(&new).is_some());
    let secs = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.timestamp());
    assert_eq!(secs(new.not_before), secs(old.not_before));
    assert_eq!(secs(new.expires_on), secs(old.expires_on));
    let groups = |t: &provider_sim::seed::CloudflareToken| {
        let mut g: Vec<String> = t
            .policies
            .iter()
            .flat_map(|p| p.permission_groups.iter().map(|g| g.id.clone()))
            .collect();
        g.sort();
        g
    };
    assert_eq!(groups(&new), groups(&old), "the same permissions");
}

// ---------------------------------------------------------------- rate limits

#[tokio::test]
async fn sendgrid_and_postman_rate_limits_tell_how_long_to_wait() {
    let sim = sim();
    let http = http();
    // SendGrid: X-RateLimit-Reset (a Unix time) and no Retry-After.
    sim.state()
        .set_faults(vec![Fault::on("GET /sendgrid/v3/scopes").rate_limit(2)]);
    let base = sim.base_url("sendgrid");
    let key = value(&sim, "sendgrid", "Transactional mail");
    let e = SendGridClient {
        http: &http,
        base_url: &base,
    }
    .verify(&key)
    .await
    .unwrap_err();
    match e {
        ClientError::RateLimited { retry_after } => {
            assert!(retry_after.is_some(), "X-RateLimit-Reset read")
        }
        other => panic!("{other:?}"),
    }
    // Postman's three header families.
    let pm_base = sim.base_url("postman");
    let pm_key = value(&sim, "postman", "CI collection runs");
    for style in ["x_ratelimit", "retry_after", "ratelimit"] {
        let style: provider_sim::seed::PostmanRateLimitHeaders =
            serde_json::from_value(serde_json::json!(style)).unwrap();
        sim.state().set_postman_rate_limit_headers(style);
        sim.state()
            .set_faults(vec![Fault::on("GET /postman/me").rate_limit(3)]);
        let e = PostmanClient {
            http: &http,
            base_url: &pm_base,
        }
        .verify(&pm_key)
        .await
        .unwrap_err();
        assert!(
            matches!(
                e,
                ClientError::RateLimited {
                    retry_after: Some(_)
                }
            ),
            "{e:?}"
        );
    }
}

// ---------------------------------------------------------------- regions

#[tokio::test]
async fn a_401_from_a_guessed_region_is_could_not_verify_never_invalid() {
    let sim = sim();
    let http = http();
    let opts = ConnectionOptions::default();
    for (provider, kind, name) in [
        ("posthog", "personal", "EU cloud key"),
        ("postman", "api_key", "EU workspace runs"),
        ("sendgrid", "api_key", "EU subuser mail"),
    ] {
        let key = value(&sim, provider, name);
        let us = sim.base_url(provider);
        let eu = sim.base_url_region(provider, "eu");
        fn target<'a>(
            provider: &'a str,
            kind: &'a str,
            base: &'a str,
            chosen: bool,
            opts: &'a ConnectionOptions,
        ) -> VerifyTarget<'a> {
            VerifyTarget {
                provider,
                kind,
                base_url: Some(base),
                base_url_chosen: chosen,
                options: opts,
                custom: None,
            }
        }
        // On the default region, nobody chose: the key may be another region's.
        let e = providers::verify(&http, &target(provider, kind, &us, false, &opts), &key)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "provider_region_unknown", "{provider}: {e}");
        // A region somebody chose answers for itself.
        let v = providers::verify(&http, &target(provider, kind, &us, true, &opts), &key)
            .await
            .unwrap();
        assert_eq!(v.outcome, VerifyOutcome::Invalid, "{provider}");
        let v = providers::verify(&http, &target(provider, kind, &eu, true, &opts), &key)
            .await
            .unwrap();
        assert_eq!(v.outcome, VerifyOutcome::Valid, "{provider}");
    }
}

// ---------------------------------------------------------------- client contracts

/// A documented response body, served on `route` by the simulator.
fn serve(sim: &RunningSim, route: &str, provider: &str, fixture: &str) {
    let f = contracts::load(provider)
        .into_iter()
        .find(|f| f.name == fixture)
        .unwrap_or_else(|| panic!("no {provider} fixture {fixture:?}"));
    sim.state().set_faults(vec![Fault {
        status: Some(f.response.status),
        body: f.response.body.clone(),
        ..Fault::on(route)
    }]);
}

#[tokio::test]
async fn the_typed_clients_read_the_documented_response_bodies() {
    let sim = sim();
    let http = http();
    let any = Secret::new("k".repeat(40));

    serve(
        &sim,
        "GET /posthog/api/projects/*/project_secret_api_keys/",
        "posthog",
        "list project secret keys: paginated envelope",
    );
    let base = sim.base_url("posthog");
    let keys = PostHogClient {
        http: &http,
        base_url: &base,
    }
    .list_project_secret_keys(&any, "1")
    .await
    .unwrap();
    assert!(!keys.is_empty());
    serve(
        &sim,
        "GET /posthog/api/personal_api_keys/@current/",
        "posthog",
        "personal key verify: @current",
    );
    let v = PostHogClient {
        http: &http,
        base_url: &base,
    }
    .verify_personal(&any)
    .await
    .unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid);

    let cf_base = sim.base_url("cloudflare");
    let cf = CloudflareClient {
        http: &http,
        base_url: &cf_base,
    };
    let list = contracts::load("cloudflare")
        .into_iter()
        .find(|f| f.request.method == "GET" && f.request.path.starts_with("/user/tokens?"))
        .expect("a documented user token list");
    serve(
        &sim,
        "GET /cloudflare/client/v4/user/tokens",
        "cloudflare",
        &list.name,
    );
    assert!(!cf.list_tokens(&any).await.unwrap().is_empty());
    let verify = contracts::load("cloudflare")
        .into_iter()
        .find(|f| f.request.path == "/user/tokens/verify" && f.response.status == 200)
        .expect("a documented verify");
    serve(
        &sim,
        "GET /cloudflare/client/v4/user/tokens/verify",
        "cloudflare",
        &verify.name,
    );
    assert!(cf.verify(&any, None).await.is_ok());

    let sg_base = sim.base_url("sendgrid");
    let sg = SendGridClient {
        http: &http,
        base_url: &sg_base,
    };
    for (route, path) in [
        ("GET /sendgrid/v3/api_keys", "/api_keys"),
        ("GET /sendgrid/v3/scopes", "/scopes"),
    ] {
        let f = contracts::load("sendgrid")
            .into_iter()
            .find(|f| {
                f.request.method == "GET" && f.request.path == path && f.response.status == 200
            })
            .unwrap_or_else(|| panic!("a documented {path}"));
        serve(&sim, route, "sendgrid", &f.name);
        if path == "/scopes" {
            assert_eq!(sg.verify(&any).await.unwrap().outcome, VerifyOutcome::Valid);
        } else {
            assert!(!sg.list_keys(&any).await.unwrap().is_empty());
        }
    }

    let pm_base = sim.base_url("postman");
    let f = contracts::load("postman")
        .into_iter()
        .find(|f| f.request.path == "/me" && f.response.status == 200)
        .expect("a documented /me");
    serve(&sim, "GET /postman/me", "postman", &f.name);
    let v = PostmanClient {
        http: &http,
        base_url: &pm_base,
    }
    .verify(&any)
    .await
    .unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid);

    let pk_base = sim.base_url("postmark");
    let f = contracts::load("postmark")
        .into_iter()
        .find(|f| f.request.path.starts_with("/servers") && f.response.status == 200)
        .expect("a documented /servers");
    serve(&sim, "GET /postmark/servers", "postmark", &f.name);
    let servers = PostmarkClient {
        http: &http,
        base_url: &pk_base,
    }
    .list_servers(&any)
    .await
    .unwrap();
    assert!(!servers.is_empty());
}
