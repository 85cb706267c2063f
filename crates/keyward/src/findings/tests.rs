//! Table-driven tests of every finding kind and provider rule at its boundaries.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::model::{KeyRecord, KeyStatus, KeyUsage};
use chrono::{Duration, TimeZone};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

fn ago(days: i64) -> DateTime<Utc> {
    now() - Duration::days(days)
}

fn record(provider: &str, kind: &str, env: &str) -> KeyRecord {
    let id = Uuid::new_v4();
    KeyRecord {
        id,
        provider: provider.into(),
        kind: kind.into(),
        name: format!("key-{}", &id.to_string()[..8]),
        environment: env.into(),
        purpose: "something".into(),
        owner: Some("ana".into()),
        tags: vec![],
        scopes: vec![],
        remote_id: None,
        env_var: "X".into(),
        created_at: ago(1),
        last_rotated_at: None,
        last_used_at: None,
        last_verified_at: None,
        expires_at: None,
        status: KeyStatus::Active,
        fingerprint: Some(format!("fp-{id}")),
        masked_hint: "…abcd".into(),
        updated_at: ago(1),
        connection_id: None,
        verify_outcome: None,
        verify_detail: None,
        usage: None,
        region: None,
        role: crate::model::KeyRole::Service,
    }
}

fn kinds_of(r: &KeyRecord) -> Vec<FindingKind> {
    evaluate(
        std::slice::from_ref(r),
        &FindingPolicy::default(),
        now(),
        None,
    )
    .into_iter()
    .map(|f| f.kind)
    .collect()
}

fn only(r: &KeyRecord, kind: FindingKind) -> Option<Finding> {
    evaluate(
        std::slice::from_ref(r),
        &FindingPolicy::default(),
        now(),
        None,
    )
    .into_iter()
    .find(|f| f.kind == kind)
}

#[test]
fn stale_at_each_environments_max_age() {
    // (environment, age in days, stale?)
    let cases = [
        ("prod", 89, false),
        ("prod", 90, true),
        ("prod", 91, true),
        ("staging", 179, false),
        ("staging", 180, true),
        ("staging", 181, true),
        ("dev", 364, false),
        ("dev", 365, true),
        ("dev", 366, true),
        // Environments without their own policy are as strict as prod.
        ("eu-prod", 89, false),
        ("eu-prod", 90, true),
        ("PROD", 90, true),
    ];
    for (env, age, stale) in cases {
        let mut created = record("postmark", "server_token", env);
        created.created_at = ago(age);
        assert_eq!(
            only(&created, FindingKind::Stale).is_some(),
            stale,
            "{env}, created {age} days ago"
        );
        let mut rotated = record("postmark", "server_token", env);
        rotated.created_at = ago(1000);
        rotated.last_rotated_at = Some(ago(age));
        let f = only(&rotated, FindingKind::Stale);
        assert_eq!(f.is_some(), stale, "{env}, rotated {age} days ago");
        if let Some(f) = f {
            assert_eq!(f.action, FixAction::Rotate);
            assert!(f.reason.contains("Last rotated"), "{}", f.reason);
            let max = FindingPolicy::default().for_environment(env).max_age_days;
            assert_eq!(f.due_at, Some(ago(age) + Duration::days(i64::from(max))));
        }
    }
}

#[test]
fn stale_a_second_before_and_at_the_due_instant() {
    let mut r = record("postmark", "server_token", "prod");
    r.created_at = ago(90) + Duration::seconds(1);
    assert!(only(&r, FindingKind::Stale).is_none());
    r.created_at = ago(90);
    assert!(only(&r, FindingKind::Stale).is_some());
}

#[test]
fn stale_severity_rises_after_another_max_age() {
    let mut r = record("postmark", "server_token", "prod");
    r.created_at = ago(179);
    assert_eq!(
        only(&r, FindingKind::Stale).unwrap().severity,
        Severity::Medium
    );
    r.created_at = ago(180);
    assert_eq!(
        only(&r, FindingKind::Stale).unwrap().severity,
        Severity::High
    );
}

#[test]
fn policy_thresholds_are_configurable_per_environment() {
    let mut policy = FindingPolicy::default();
    policy
        .environments
        .insert("prod".into(), EnvironmentPolicy::new(30, 10, 5));
    let mut r = record("postmark", "server_token", "prod");
    r.created_at = ago(30);
    r.expires_at = Some(now() + Duration::days(6));
    let found: Vec<FindingKind> = evaluate(&[r.clone()], &policy, now(), None)
        .into_iter()
        .map(|f| f.kind)
        .collect();
    assert!(found.contains(&FindingKind::Stale));
    assert!(
        !found.contains(&FindingKind::Expiring),
        "6 days > 5-day window"
    );
    r.expires_at = Some(now() + Duration::days(5));
    assert!(evaluate(&[r], &policy, now(), None)
        .iter()
        .any(|f| f.kind == FindingKind::Expiring));
}

#[test]
fn expiring_and_expired_at_the_window() {
    // (days until expiry, expiring?, expired?)
    let cases = [
        (15, false, false),
        (14, true, false),
        (13, true, false),
        (1, true, false),
        (0, false, true),
        (-1, false, true),
    ];
    for (days, expiring, expired) in cases {
        let mut r = record("cloudflare", "account_token", "prod");
        r.expires_at = Some(now() + Duration::days(days));
        let found = kinds_of(&r);
        assert_eq!(
            found.contains(&FindingKind::Expiring),
            expiring,
            "{days} days"
        );
        assert_eq!(
            found.contains(&FindingKind::Expired),
            expired,
            "{days} days"
        );
    }
    let mut r = record("cloudflare", "account_token", "staging");
    r.verify_outcome = Some(crate::model::VerifyOutcome::Expired);
    let f = only(&r, FindingKind::Expired).unwrap();
    assert_eq!(f.severity, Severity::High);
    assert!(f.reason.contains("provider"), "{}", f.reason);
}

#[test]
fn unused_after_the_policy_days() {
    // (days since last use, unused?)
    for (days, unused) in [(29, false), (30, true), (31, true)] {
        let mut r = record("posthog", "personal", "prod");
        r.last_used_at = Some(ago(days));
        let f = only(&r, FindingKind::Unused);
        assert_eq!(f.is_some(), unused, "last used {days} days ago");
        if let Some(f) = f {
            assert_eq!(f.action, FixAction::Revoke);
            assert_eq!(f.severity, Severity::Low);
        }
    }
}

#[test]
fn never_used_counts_only_where_the_provider_reports_use() {
    // (provider, kind, verified?, created days ago, unused?)
    let cases = [
        ("posthog", "personal", true, 30, true),
        ("posthog", "personal", true, 29, false),
        ("posthog", "personal", false, 300, false),
        ("cloudflare", "account_token", true, 31, true),
        // Postmark reports no use at all: silence is not evidence.
        ("postmark", "server_token", true, 300, false),
    ];
    for (provider, kind, verified, created, unused) in cases {
        let mut r = record(provider, kind, "dev");
        r.created_at = ago(created);
        r.last_verified_at = verified.then(|| ago(0));
        assert_eq!(
            only(&r, FindingKind::Unused).is_some(),
            unused,
            "{provider}/{kind} verified={verified} created {created} days ago"
        );
    }
}

#[test]
fn invalid_from_status_or_last_verification() {
    let cases: [(KeyStatus, Option<&str>, bool); 5] = [
        (KeyStatus::Active, None, false),
        (KeyStatus::Active, Some("valid"), false),
        (KeyStatus::Invalid, Some("invalid"), true),
        (KeyStatus::Active, Some("disabled"), true),
        (KeyStatus::Invalid, None, true),
    ];
    for (status, outcome, invalid) in cases {
        let mut r = record("postman", "api_key", "prod");
        r.status = status;
        r.verify_outcome = outcome.and_then(crate::model::VerifyOutcome::parse);
        let f = only(&r, FindingKind::Invalid);
        assert_eq!(f.is_some(), invalid, "{status:?} {outcome:?}");
        if let Some(f) = f {
            assert_eq!(f.severity, Severity::High);
        }
    }
}

struct PrivilegeCase {
    what: &'static str,
    provider: &'static str,
    kind: &'static str,
    purpose: &'static str,
    scopes: &'static [&'static str],
    /// None = not over-privileged; else (severity, excess that must be listed, suggested kind)
    expect: Option<(Severity, &'static [&'static str], Option<&'static str>)>,
    /// Excess entries that must NOT be listed.
    not_excess: &'static [&'static str],
}

#[test]
fn over_privileged_per_provider_rule() {
    let cases = [
        PrivilegeCase {
            what: "Postmark account token for sending",
            provider: "postmark",
            kind: "account_token",
            purpose: "send transactional email",
            scopes: &[],
            expect: Some((
                Severity::High,
                &["every server token"],
                Some("server_token"),
            )),
            not_excess: &[],
        },
        PrivilegeCase {
            what: "Postmark server token for sending",
            provider: "postmark",
            kind: "server_token",
            purpose: "Send transactional email",
            scopes: &[],
            expect: None,
            not_excess: &[],
        },
        PrivilegeCase {
            what: "Postmark account token for administration",
            provider: "postmark",
            kind: "account_token",
            purpose: "manage servers and domains",
            scopes: &[],
            expect: None,
            not_excess: &[],
        },
        PrivilegeCase {
            what: "PostHog personal key with * for flags",
            provider: "posthog",
            kind: "personal",
            purpose: "evaluate feature flags",
            scopes: &["*"],
            expect: Some((Severity::High, &["*"], Some("project_secret"))),
            not_excess: &["feature_flag:read"],
        },
        PrivilegeCase {
            what: "PostHog personal key, right scope, but all teams",
            provider: "posthog",
            kind: "personal",
            purpose: "feature_flag:read",
            scopes: &["feature_flag:read"],
            expect: Some((
                Severity::Medium,
                &["all projects and organizations (no scoped teams or organizations)"],
                Some("project_secret"),
            )),
            not_excess: &["feature_flag:read"],
        },
        PrivilegeCase {
            what: "PostHog personal key, right scope, one team",
            provider: "posthog",
            kind: "personal",
            purpose: "evaluate_feature_flags",
            scopes: &["feature_flag:read", "team:42"],
            expect: None,
            not_excess: &[],
        },
        PrivilegeCase {
            what: "PostHog personal key with write for a read purpose",
            provider: "posthog",
            kind: "personal",
            purpose: "evaluate feature flags",
            scopes: &["feature_flag:write", "team:42"],
            expect: Some((
                Severity::Medium,
                &["feature_flag:write"],
                Some("project_secret"),
            )),
            not_excess: &["team:42"],
        },
        PrivilegeCase {
            what: "PostHog personal key never verified (scopes unknown)",
            provider: "posthog",
            kind: "personal",
            purpose: "evaluate feature flags",
            scopes: &[],
            expect: None,
            not_excess: &[],
        },
        PrivilegeCase {
            what: "PostHog personal key where phc_ serves ingestion",
            provider: "posthog",
            kind: "personal",
            purpose: "ingest events",
            scopes: &["*"],
            expect: Some((Severity::Medium, &["*"], Some("project_key"))),
            not_excess: &[],
        },
        PrivilegeCase {
            what: "PostHog project key for ingestion",
            provider: "posthog",
            kind: "project_key",
            purpose: "ingest events",
            scopes: &[],
            expect: None,
            not_excess: &[],
        },
        PrivilegeCase {
            what: "Postman key, any purpose",
            provider: "postman",
            kind: "api_key",
            purpose: "run collections in CI",
            scopes: &[],
            // A fact of the provider, said once (provider_facts), not on each key.
            expect: None,
            not_excess: &[],
        },
        PrivilegeCase {
            what: "Postman key, no purpose at all",
            provider: "postman",
            kind: "api_key",
            purpose: "",
            scopes: &[],
            // A fact of the provider, said once (provider_facts), not on each key.
            expect: None,
            not_excess: &[],
        },
        PrivilegeCase {
            what: "Cloudflare wildcard + edit for a read purpose",
            provider: "cloudflare",
            kind: "account_token",
            purpose: "read analytics",
            scopes: &[
                "Analytics Read",
                "DNS Write",
                "resource:com.cloudflare.api.account.zone.*",
            ],
            expect: Some((
                Severity::High,
                &["DNS Write", "resource:com.cloudflare.api.account.zone.*"],
                None,
            )),
            not_excess: &["Analytics Read"],
        },
        PrivilegeCase {
            what: "Cloudflare read-only wildcard for a read purpose",
            provider: "cloudflare",
            kind: "account_token",
            purpose: "read analytics",
            scopes: &[
                "Analytics Read",
                "resource:com.cloudflare.api.account.zone.*",
            ],
            expect: None,
            not_excess: &[],
        },
        PrivilegeCase {
            what: "Cloudflare edit on one zone for a read purpose",
            provider: "cloudflare",
            kind: "account_token",
            purpose: "Read analytics",
            scopes: &["Analytics Read", "Zone Settings Edit"],
            expect: Some((Severity::Medium, &["Zone Settings Edit"], None)),
            not_excess: &[],
        },
        PrivilegeCase {
            what: "Cloudflare global key",
            provider: "cloudflare",
            kind: "global_api_key",
            purpose: "purge cache",
            scopes: &[],
            expect: Some((
                Severity::High,
                &["global API key: everything the user can do"],
                Some("account_token"),
            )),
            not_excess: &[],
        },
        PrivilegeCase {
            what: "SendGrid full access for mail.send",
            provider: "sendgrid",
            kind: "api_key",
            purpose: "send email",
            scopes: &[
                "mail.send",
                "api_keys.create",
                "user.profile.read",
                "2fa_required",
            ],
            expect: Some((
                Severity::High,
                &["api_keys.create", "user.profile.read"],
                None,
            )),
            not_excess: &["mail.send", "2fa_required"],
        },
        PrivilegeCase {
            what: "SendGrid restricted key for mail.send",
            provider: "sendgrid",
            kind: "api_key",
            purpose: "mail.send for receipts",
            scopes: &["mail.send", "2fa_required", "sender_verification_eligible"],
            expect: None,
            not_excess: &[],
        },
        PrivilegeCase {
            what: "SendGrid key with stats for mail.send",
            provider: "sendgrid",
            kind: "api_key",
            purpose: "send email",
            scopes: &["mail.send", "stats.read"],
            expect: Some((Severity::Medium, &["stats.read"], None)),
            not_excess: &[],
        },
        PrivilegeCase {
            what: "a purpose Keyward cannot judge",
            provider: "postmark",
            kind: "account_token",
            purpose: "misc",
            scopes: &[],
            expect: None,
            not_excess: &[],
        },
    ];
    for c in cases {
        let mut r = record(c.provider, c.kind, "prod");
        r.purpose = c.purpose.into();
        r.scopes = c.scopes.iter().map(|s| (*s).to_owned()).collect();
        let f = only(&r, FindingKind::OverPrivileged);
        match (c.expect, f) {
            (None, None) => {}
            (None, Some(f)) => panic!("{}: unexpected finding: {f:?}", c.what),
            (Some(_), None) => panic!("{}: expected an over-privileged finding", c.what),
            (Some((severity, excess, suggested)), Some(f)) => {
                assert_eq!(f.severity, severity, "{}", c.what);
                for e in excess {
                    assert!(
                        f.excess_scopes.iter().any(|x| x == e),
                        "{}: {e} in {:?}",
                        c.what,
                        f.excess_scopes
                    );
                }
                for e in c.not_excess {
                    assert!(
                        !f.excess_scopes.iter().any(|x| x == e),
                        "{}: {e} not in {:?}",
                        c.what,
                        f.excess_scopes
                    );
                }
                assert_eq!(f.suggested_kind.as_deref(), suggested, "{}", c.what);
                assert_eq!(f.action, FixAction::Narrow, "{}", c.what);
                assert!(!f.reason.is_empty() && !f.fix.is_empty(), "{}", c.what);
            }
        }
    }
}

#[test]
fn pending_and_grace_keys_are_not_flagged_for_what_their_rotation_fixes() {
    for status in [KeyStatus::Pending, KeyStatus::Grace] {
        let mut r = record("postmark", "account_token", "prod");
        r.status = status;
        r.purpose = "send transactional email".into();
        r.owner = None;
        r.created_at = ago(400);
        assert_eq!(kinds_of(&r), Vec::<FindingKind>::new(), "{status:?}");
    }
}

#[test]
fn revoked_keys_have_no_findings() {
    let mut r = record("postman", "api_key", "prod");
    r.status = KeyStatus::Revoked;
    r.owner = None;
    r.created_at = ago(1000);
    r.expires_at = Some(ago(3));
    r.usage = Some(KeyUsage::Web);
    let snapshot = KeychainSnapshot::default();
    assert!(evaluate(&[r], &FindingPolicy::default(), now(), Some(&snapshot)).is_empty());
}

#[test]
fn client_exposed_secret_kinds() {
    // (provider, kind, usage, exposed?, severity, suggested public kind)
    let cases = [
        (
            "posthog",
            "personal",
            KeyUsage::Web,
            true,
            Severity::High,
            Some("project_key"),
        ),
        (
            "posthog",
            "project_key",
            KeyUsage::Web,
            false,
            Severity::Info,
            None,
        ),
        (
            "postmark",
            "server_token",
            KeyUsage::Mobile,
            true,
            Severity::High,
            None,
        ),
        (
            "postman",
            "api_key",
            KeyUsage::Desktop,
            true,
            Severity::Critical,
            None,
        ),
        (
            "postmon",
            "project_key",
            KeyUsage::Web,
            false,
            Severity::Info,
            None,
        ),
        (
            "sendgrid",
            "api_key",
            KeyUsage::Server,
            false,
            Severity::Info,
            None,
        ),
        (
            "sendgrid",
            "api_key",
            KeyUsage::Ci,
            false,
            Severity::Info,
            None,
        ),
        ("acme", "api_key", KeyUsage::Web, true, Severity::High, None),
    ];
    for (provider, kind, usage, exposed, severity, suggested) in cases {
        let mut r = record(provider, kind, "prod");
        r.usage = Some(usage);
        let f = only(&r, FindingKind::ClientExposed);
        assert_eq!(f.is_some(), exposed, "{provider}/{kind} {usage:?}");
        if let Some(f) = f {
            assert_eq!(f.severity, severity, "{provider}/{kind}");
            assert_eq!(f.suggested_kind.as_deref(), suggested, "{provider}/{kind}");
            assert!(!f.excess_scopes.is_empty());
        }
    }
    let plain = record("posthog", "personal", "prod");
    assert!(
        only(&plain, FindingKind::ClientExposed).is_none(),
        "no usage stated"
    );
}

#[test]
fn reused_values_across_and_within_environments() {
    let a = record("postmark", "server_token", "prod");
    let mut b = record("postmark", "server_token", "dev");
    b.fingerprint = a.fingerprint.clone();
    let mut c = record("postmark", "server_token", "prod");
    c.fingerprint = Some("other".into());
    let mut d = record("postmark", "server_token", "prod");
    d.fingerprint = Some("other".into());
    let mut revoked = record("postmark", "server_token", "prod");
    revoked.fingerprint = Some("lonely".into());
    let mut e = record("postmark", "server_token", "prod");
    e.fingerprint = Some("lonely".into());
    revoked.status = KeyStatus::Revoked;
    let mut tracked = record("posthog", "project_secret", "prod");
    tracked.fingerprint = None;
    let mut tracked2 = tracked.clone();
    tracked2.id = Uuid::new_v4();
    let all = [
        a.clone(),
        b.clone(),
        c.clone(),
        d,
        revoked,
        e.clone(),
        tracked,
        tracked2,
    ];
    let found: Vec<Finding> = evaluate(&all, &FindingPolicy::default(), now(), None)
        .into_iter()
        .filter(|f| f.kind == FindingKind::Reused)
        .collect();
    assert_eq!(found.len(), 4, "a, b, c, d: {found:?}");
    let fa = found.iter().find(|f| f.key_id == Some(a.id)).unwrap();
    assert_eq!(fa.severity, Severity::High, "across environments");
    assert_eq!(fa.related_keys, vec![b.id]);
    let fc = found.iter().find(|f| f.key_id == Some(c.id)).unwrap();
    assert_eq!(fc.severity, Severity::Medium, "within one environment");
    assert!(
        !found.iter().any(|f| f.key_id == Some(e.id)),
        "a revoked twin does not count"
    );
}

#[test]
fn orphans_in_both_directions_only_with_a_keychain_listing() {
    let present = record("postmark", "server_token", "prod");
    let missing = record("postmark", "server_token", "prod");
    let mut tracked = record("posthog", "project_secret", "prod");
    tracked.fingerprint = None;
    let stray = Uuid::new_v4().to_string();
    let snapshot = KeychainSnapshot::new([
        present.id.to_string(),
        format!("{}.pending", present.id),
        "keyward.fingerprint-key".to_owned(),
        "keyward.health-probe-123".to_owned(),
        stray.clone(),
    ]);
    let records = [present.clone(), missing.clone(), tracked.clone()];
    let found: Vec<Finding> = evaluate(&records, &FindingPolicy::default(), now(), Some(&snapshot))
        .into_iter()
        .filter(|f| f.kind == FindingKind::Orphaned)
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found
        .iter()
        .any(|f| f.key_id == Some(missing.id) && f.action == FixAction::Rotate));
    let entry = found.iter().find(|f| f.key_id.is_none()).unwrap();
    assert_eq!(entry.keychain_account.as_deref(), Some(stray.as_str()));
    assert_eq!(entry.subject(), stray);
    assert_eq!(entry.action, FixAction::Remove);
    assert!(evaluate(&records, &FindingPolicy::default(), now(), None)
        .iter()
        .all(|f| f.kind != FindingKind::Orphaned));
}

#[test]
fn incomplete_without_owner_or_purpose() {
    // (owner, purpose, incomplete?, names)
    let cases = [
        (Some("ana"), "send email", false, ""),
        (None, "send email", true, "an owner"),
        (Some("  "), "send email", true, "an owner"),
        (Some("ana"), " ", true, "a purpose"),
        (None, "", true, "an owner and a purpose"),
    ];
    for (owner, purpose, incomplete, names) in cases {
        let mut r = record("postmark", "server_token", "prod");
        r.owner = owner.map(str::to_owned);
        r.purpose = purpose.into();
        let f = only(&r, FindingKind::Incomplete);
        assert_eq!(f.is_some(), incomplete, "{owner:?} {purpose:?}");
        if let Some(f) = f {
            assert!(f.fix.contains(names), "{}", f.fix);
            assert_eq!(f.action, FixAction::Edit);
        }
    }
}

#[test]
fn acknowledgements_hide_until_they_lapse() {
    let mut r = record("cloudflare", "global_api_key", "prod");
    r.purpose = "purge cache".into();
    r.owner = None;
    let found = evaluate(&[r.clone()], &FindingPolicy::default(), now(), None);
    let ack = |kind, until| Acknowledgement {
        subject: r.id.to_string(),
        kind,
        reason: "known".into(),
        acknowledged_by: "ana".into(),
        acknowledged_at: ago(1),
        until,
    };
    let acks = [
        ack(FindingKind::OverPrivileged, now() + Duration::seconds(1)),
        ack(FindingKind::Incomplete, now()),
    ];
    let applied = apply_acknowledgements(found, &acks, now());
    let over = applied
        .iter()
        .find(|f| f.kind == FindingKind::OverPrivileged)
        .unwrap();
    assert!(over.is_acknowledged(), "live until a second from now");
    let incomplete = applied
        .iter()
        .find(|f| f.kind == FindingKind::Incomplete)
        .unwrap();
    assert!(!incomplete.is_acknowledged(), "lapsed exactly now");
}

#[test]
fn policy_lookup_and_validation() {
    let p = FindingPolicy::default();
    assert_eq!(p.for_environment("prod").max_age_days, 90);
    assert_eq!(p.for_environment("Staging").max_age_days, 180);
    assert_eq!(p.for_environment("dev").max_age_days, 365);
    assert_eq!(p.for_environment("qa").max_age_days, 90);
    assert_eq!(p.for_environment("prod").unused_days, 30);
    assert_eq!(p.for_environment("prod").expiring_days, 14);
    assert!(p.validate().is_ok());
    for bad in [0, policy::MAX_POLICY_DAYS + 1] {
        let mut q = p.clone();
        q.environments
            .insert("prod".into(), EnvironmentPolicy::new(bad, 30, 14));
        assert!(q.validate().is_err(), "{bad}");
        let mut q = p.clone();
        q.default.expiring_days = bad;
        assert!(q.validate().is_err(), "{bad}");
    }
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(serde_json::from_str::<FindingPolicy>(&json).unwrap(), p);
}

#[test]
fn purposes_match_by_id_label_scope_or_words() {
    let posthog = crate::providers::profile("posthog").unwrap();
    let sendgrid = crate::providers::profile("sendgrid").unwrap();
    let postmark = crate::providers::profile("postmark").unwrap();
    let cases = [
        (
            posthog,
            "evaluate_feature_flags",
            Some("evaluate_feature_flags"),
        ),
        (
            posthog,
            "Evaluate feature flags server-side",
            Some("evaluate_feature_flags"),
        ),
        (
            posthog,
            "needs feature_flag:read",
            Some("evaluate_feature_flags"),
        ),
        (
            posthog,
            "ingest events from the shop",
            Some("ingest_events"),
        ),
        (sendgrid, "mail.send", Some("send_email")),
        (sendgrid, "send marketing email", Some("send_email")),
        (
            postmark,
            "send transactional email",
            Some("send_transactional_email"),
        ),
        (postmark, "email", None),
        (postmark, "", None),
    ];
    for (provider, text, expect) in cases {
        assert_eq!(
            match_purpose(provider, text).map(|p| p.id),
            expect,
            "{text}"
        );
    }
}

#[test]
fn finding_kinds_parse_both_spellings() {
    assert_eq!(
        FindingKind::parse("over-privileged"),
        Some(FindingKind::OverPrivileged)
    );
    assert_eq!(
        FindingKind::parse("client_exposed"),
        Some(FindingKind::ClientExposed)
    );
    assert_eq!(FindingKind::parse("STALE"), Some(FindingKind::Stale));
    assert_eq!(
        FindingKind::parse_list("stale, expired,over-privileged,,stale").unwrap(),
        vec![
            FindingKind::Stale,
            FindingKind::Expired,
            FindingKind::OverPrivileged
        ]
    );
    let err =
        FindingKind::parse_list("stale,phx_abcdefghijklmnopqrstuvwxyz0123456789").unwrap_err();
    assert!(
        !err.to_string().contains("phx_"),
        "a pasted key is never echoed: {err}"
    );
    for k in FindingKind::ALL {
        assert_eq!(FindingKind::parse(k.as_str()), Some(k));
        assert_eq!(FindingKind::parse(k.label()), Some(k));
        assert_eq!(
            serde_json::to_value(k).unwrap(),
            serde_json::json!(k.as_str())
        );
    }
}

fn sample_review() -> (Vec<KeyRecord>, Review) {
    let mut overdue = record("postmark", "server_token", "prod");
    overdue.name = "<script>alert('x')</script> | *bold* =HYPERLINK(\"x\")".into();
    overdue.created_at = ago(100);
    overdue.owner = Some("ana & bob".into());
    let mut soon = record("cloudflare", "account_token", "prod");
    soon.created_at = ago(80);
    let mut ok = record("postmark", "server_token", "dev");
    ok.last_rotated_at = Some(ago(3));
    ok.created_at = ago(400);
    let mut expiring = record("cloudflare", "account_token", "dev");
    expiring.expires_at = Some(now() + Duration::days(2));
    let mut revoked = record("postman", "api_key", "dev");
    revoked.status = KeyStatus::Revoked;
    let records = vec![overdue, soon, ok, expiring, revoked];
    let found = evaluate(&records, &FindingPolicy::default(), now(), None);
    let rotations = [
        RotationEvent {
            key_id: records[2].id,
            at: ago(3),
        },
        RotationEvent {
            key_id: records[2].id,
            at: ago(20),
        },
        RotationEvent {
            key_id: records[2].id,
            at: ago(400),
        },
    ];
    let review = build_review(
        &records,
        &found,
        &FindingPolicy::default(),
        now(),
        &rotations,
    );
    (records, review)
}

#[test]
fn review_counts_due_lists_and_trend() {
    let (records, review) = sample_review();
    assert_eq!(review.key_count, 5);
    assert_eq!(review.overdue_count, 1);
    assert_eq!(
        review.due_soon_count, 2,
        "10 days to rotation; 2 days to expiry"
    );
    assert_eq!(review.ok, 1);
    assert_eq!(review.overdue[0].key_id, records[0].id);
    assert_eq!(review.overdue[0].days_left, -10);
    assert_eq!(review.overdue[0].owner.as_deref(), Some("ana & bob"));
    assert_eq!(review.due_soon[0].key_id, records[3].id, "soonest first");
    assert_eq!(review.due_soon[0].cause, "expiry");
    assert_eq!(review.due_soon[1].cause, "rotation");
    // prod first (records' order), then dev; providers sorted within.
    let groups: Vec<(&str, &str)> = review
        .groups
        .iter()
        .map(|g| (g.environment.as_str(), g.provider.as_str()))
        .collect();
    assert_eq!(
        groups,
        [
            ("prod", "cloudflare"),
            ("prod", "postmark"),
            ("dev", "cloudflare"),
            ("dev", "postman"),
            ("dev", "postmark")
        ]
    );
    let postman = review
        .groups
        .iter()
        .find(|g| g.provider == "postman")
        .unwrap();
    assert_eq!(postman.by_status[0].status, KeyStatus::Revoked);
    assert_eq!(
        postman.ok + postman.due_soon + postman.overdue,
        0,
        "revoked is retired"
    );
    assert_eq!(review.trend.len(), review::TREND_WEEKS);
    assert_eq!(
        review.trend.iter().map(|t| t.rotations).sum::<usize>(),
        2,
        "the 400-day-old one is outside"
    );
    assert_eq!(
        review.recent_rotations.len(),
        3,
        "same key+day as last_rotated_at counted once"
    );
    assert!(review.has_open(&[FindingKind::Stale]));
    assert!(!review.has_open(&[FindingKind::Reused]));
    let stale = review
        .finding_counts
        .iter()
        .find(|c| c.kind == FindingKind::Stale)
        .unwrap();
    assert_eq!(stale.open, 1);
}

#[test]
fn reports_escape_hostile_names_in_every_format() {
    let (_, review) = sample_review();
    let html = report::render_html(&review);
    assert!(!html.contains("<script"), "no script element may appear");
    assert!(
        html.contains("&lt;script&gt;alert("),
        "the name is shown as text"
    );
    assert!(html.contains("ana &amp; bob"));
    assert!(html.contains("Content-Security-Policy"));
    assert!(
        !html.contains("http://") || html.matches("http://").count() == 1,
        "only the SVG namespace"
    );
    let md = report::render_markdown(&review);
    assert!(!md.contains("<script"));
    assert!(md.contains("&lt;script&gt;"));
    assert!(md.contains("\\|"), "a pipe cannot break the table");
    assert_eq!(
        report::md("[click](javascript:alert(1)) *x* <b>"),
        "\\[click\\](javascript:alert(1)) \\*x\\* &lt;b&gt;",
        "no link, emphasis or HTML from a name"
    );
    let csv_text = report::render_csv(&review).unwrap();
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(headers, report::CSV_COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    let json: serde_json::Value =
        serde_json::from_str(&report::render_json(&review).unwrap()).unwrap();
    assert_eq!(json["key_count"], 5);
    assert_eq!(
        serde_json::from_value::<Review>(json).unwrap(),
        review,
        "the JSON export round-trips"
    );
}

#[test]
fn csv_cells_that_a_spreadsheet_would_run_are_quoted_as_text() {
    let mut r = record("postmark", "server_token", "prod");
    r.name = "=HYPERLINK(\"http://evil\")".into();
    r.owner = Some("@boss".into());
    let found = evaluate(&[r.clone()], &FindingPolicy::default(), now(), None);
    let review = build_review(&[r], &found, &FindingPolicy::default(), now(), &[]);
    let text = report::render_csv(&review).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let row = reader.records().next().unwrap().unwrap();
    assert_eq!(&row[2], "'=HYPERLINK(\"http://evil\")");
    assert_eq!(&row[4], "'@boss");
}

#[test]
fn report_formats_parse() {
    for (text, format) in [
        ("md", ReportFormat::Markdown),
        ("Markdown", ReportFormat::Markdown),
        ("json", ReportFormat::Json),
        ("CSV", ReportFormat::Csv),
        ("html", ReportFormat::Html),
    ] {
        assert_eq!(ReportFormat::parse(text).unwrap(), format);
    }
    assert!(ReportFormat::parse("pdf").is_err());
}

#[test]
fn review_lists_connection_admin_keys_apart_in_every_format() {
    let service = record("postmark", "server_token", "prod");
    let mut admin = record("postmark", "account_token", "prod");
    admin.name = "pm (admin)".into();
    admin.role = crate::model::KeyRole::ConnectionAdmin;
    // Overdue, so it also shows in the due list.
    admin.created_at = ago(400);
    let records = [service, admin.clone()];
    let policy = FindingPolicy::default();
    let found = evaluate(&records, &policy, now(), None);
    let review = build_review(&records, &found, &policy, now(), &[]);
    let roles: Vec<_> = review
        .keys
        .iter()
        .map(|k| (k.name.as_str(), k.role))
        .collect();
    assert!(roles.contains(&("pm (admin)", crate::model::KeyRole::ConnectionAdmin)));
    assert_eq!(
        review.groups[0].admin_keys, 1,
        "the group counts its admin keys"
    );
    assert_eq!(review.admin_keys().count(), 1);

    let json: serde_json::Value =
        serde_json::from_str(&report::render_json(&review).unwrap()).unwrap();
    let admin_json = json["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "pm (admin)")
        .unwrap();
    assert_eq!(admin_json["role"], "connection_admin");

    let csv_text = report::render_csv(&review).unwrap();
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let role_col = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "role")
        .expect("a role column");
    let roles: Vec<(String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[2].to_owned(), r[role_col].to_owned())
        })
        .collect();
    assert!(roles.contains(&("pm (admin)".into(), "connection_admin".into())));
    assert!(roles.iter().any(|(_, role)| role == "service"));

    let md = report::render_markdown(&review);
    let section = md
        .split("## Connection admin keys")
        .nth(1)
        .expect("a section for admin keys")
        .split("\n## ")
        .next()
        .unwrap();
    assert!(section.contains("pm (admin)"), "{section}");
    assert!(
        md.contains("| 2 (1 admin) |"),
        "the group says it holds one:\n{md}"
    );
    assert!(
        md.contains("pm (admin) (connection admin)"),
        "labelled in the due list:\n{md}"
    );
    let html = report::render_html(&review);
    assert!(html.contains("<h2>Connection admin keys</h2>"));
    assert!(html.contains("<span class=\"admin\">admin</span>"));
}

#[test]
fn attention_by_kind_and_context() {
    // Incomplete is a gentle prompt, never an action.
    let mut r = record("sendgrid", "api_key", "prod");
    r.owner = None;
    assert_eq!(
        only(&r, FindingKind::Incomplete).unwrap().attention,
        Attention::Info
    );

    // Broken, expired, due: action.
    let mut r = record("postmark", "server_token", "prod");
    r.status = KeyStatus::Invalid;
    r.created_at = ago(200);
    r.expires_at = Some(ago(1));
    for kind in [
        FindingKind::Invalid,
        FindingKind::Stale,
        FindingKind::Expired,
    ] {
        assert_eq!(
            only(&r, kind).unwrap().attention,
            Attention::Action,
            "{kind:?}"
        );
    }
    let mut r = record("postmark", "server_token", "prod");
    r.expires_at = Some(now() + Duration::days(3));
    assert_eq!(
        only(&r, FindingKind::Expiring).unwrap().attention,
        Attention::Action
    );

    // Unused: a warning.
    let mut r = record("postmark", "server_token", "prod");
    r.last_used_at = Some(ago(60));
    assert_eq!(
        only(&r, FindingKind::Unused).unwrap().attention,
        Attention::Warning
    );

    // Over-privilege: high = action (write/wildcard for a read purpose), medium = warning.
    let mut high = record("cloudflare", "account_token", "prod");
    high.purpose = "read analytics".into();
    high.scopes = vec![
        "Analytics Read".into(),
        "DNS Write".into(),
        "resource:com.cloudflare.api.account.zone.*".into(),
    ];
    let f = only(&high, FindingKind::OverPrivileged).unwrap();
    assert_eq!(
        (f.severity, f.attention),
        (Severity::High, Attention::Action)
    );
    let mut medium = record("sendgrid", "api_key", "prod");
    medium.purpose = "send email".into();
    medium.scopes = vec!["mail.send".into(), "stats.read".into()];
    let f = only(&medium, FindingKind::OverPrivileged).unwrap();
    assert_eq!(
        (f.severity, f.attention),
        (Severity::Medium, Attention::Warning)
    );

    // Reuse: across environments = action, within one = warning.
    let a = record("postmark", "server_token", "prod");
    let mut b = record("postmark", "server_token", "dev");
    b.fingerprint = a.fingerprint.clone();
    let mut c = record("postmark", "server_token", "prod");
    c.fingerprint = a.fingerprint.clone();
    let found = evaluate(&[a.clone(), b], &FindingPolicy::default(), now(), None);
    assert!(found
        .iter()
        .filter(|f| f.kind == FindingKind::Reused)
        .all(|f| f.attention == Attention::Action));
    let found = evaluate(&[a, c], &FindingPolicy::default(), now(), None);
    assert!(found
        .iter()
        .filter(|f| f.kind == FindingKind::Reused)
        .all(|f| f.attention == Attention::Warning));

    // Orphans: a record without its value = action; a stray keychain entry = warning.
    let r = record("postmark", "server_token", "prod");
    let snapshot = KeychainSnapshot::new(["stray-entry".to_owned()]);
    let found = evaluate(&[r], &FindingPolicy::default(), now(), Some(&snapshot));
    let orphans: Vec<(bool, Attention)> = found
        .iter()
        .filter(|f| f.kind == FindingKind::Orphaned)
        .map(|f| (f.key_id.is_some(), f.attention))
        .collect();
    assert_eq!(
        orphans,
        vec![(true, Attention::Action), (false, Attention::Warning)]
    );
}

#[test]
fn unscoped_providers_are_a_fact_said_once_not_a_finding_per_key() {
    let postman = crate::providers::profile("postman").unwrap();
    let postman_key = postman.kind("api_key").unwrap();
    assert!(unscoped_provider_kind(postman, postman_key));
    // A provider with a narrower kind is not: the global key can be replaced by a token.
    let cloudflare = crate::providers::profile("cloudflare").unwrap();
    assert!(!unscoped_provider_kind(
        cloudflare,
        cloudflare.kind("global_api_key").unwrap()
    ));

    let keys: Vec<KeyRecord> = (0..5)
        .map(|i| {
            let mut r = record(
                "postman",
                "api_key",
                if i % 2 == 0 { "prod" } else { "dev" },
            );
            r.purpose = "run collections in CI".into();
            r
        })
        .chain([record("cloudflare", "global_api_key", "prod")])
        .collect();
    let found = evaluate(&keys, &FindingPolicy::default(), now(), None);
    assert!(
        !found
            .iter()
            .any(|f| f.provider == "postman" && f.kind == FindingKind::OverPrivileged),
        "no over-privileged finding on Postman keys"
    );
    assert!(found
        .iter()
        .any(|f| f.provider == "cloudflare" && f.kind == FindingKind::OverPrivileged));

    let facts = provider_facts(&keys);
    assert_eq!(facts.len(), 1, "{facts:?}");
    assert_eq!((facts[0].provider.as_str(), facts[0].keys), ("postman", 5));
    assert!(facts[0].fact.contains("full access"), "{}", facts[0].fact);

    // Revoked keys do not count; the review carries the facts once, in every format.
    let review = build_review(&keys, &found, &FindingPolicy::default(), now(), &[]);
    assert_eq!(review.provider_facts, facts);
    let md = report::render_markdown(&review);
    assert_eq!(
        md.matches("carries its user's full access").count(),
        1,
        "{md}"
    );
    assert!(report::render_html(&review).contains("Provider facts"));
}

#[test]
fn review_headline_counts_what_needs_action_and_lists_the_rest_quietly() {
    let mut incomplete = record("postmark", "server_token", "prod");
    incomplete.owner = None;
    incomplete.name = "noowner".into();
    let mut stale = record("postmark", "server_token", "prod");
    stale.created_at = ago(120);
    stale.name = "oldtoken".into();
    let keys = vec![incomplete, stale];
    let found = evaluate(&keys, &FindingPolicy::default(), now(), None);
    let review = build_review(&keys, &found, &FindingPolicy::default(), now(), &[]);
    assert_eq!(review.action_count, 1);
    assert_eq!(review.findings.len(), 2);
    assert_eq!(review.findings[0].kind, FindingKind::Stale, "action first");
    let old = review.keys.iter().find(|k| k.name == "oldtoken").unwrap();
    assert_eq!(old.needs_action, vec![FindingKind::Stale]);
    let md = report::render_markdown(&review);
    assert!(
        md.contains("1 finding needs action; 1 more to note"),
        "{md}"
    );
    let action = md.find("## Needs action").unwrap();
    let quiet = md.find("## Also noted").unwrap();
    let stale_at = action + md[action..].find("oldtoken").unwrap();
    let incomplete_at = md.rfind("noowner").unwrap();
    assert!(
        action < stale_at && stale_at < quiet && quiet < incomplete_at,
        "{md}"
    );
}
