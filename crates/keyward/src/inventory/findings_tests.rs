//! The inventory's findings methods on an in-memory store and vault: policy persistence and
//! validation, acknowledgements (subjects, limits, audit), review scoping, orphans.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::findings::{EnvironmentPolicy, FindingKind, FindingPolicy, ReportFormat};
use crate::vault::Vault;
use chrono::Duration;

use crate::test_fixtures::inventory;

async fn add(inv: &Inventory, name: &str, env: &str, value: &str) -> KeyRecord {
    inv.add(
        NewKey {
            provider: Some("postmark".into()),
            kind: Some("server_token".into()),
            name: name.into(),
            environment: env.into(),
            purpose: "send transactional email".into(),
            owner: Some("ana".into()),
            created_at: Some(Utc::now() - Duration::days(100)),
            ..NewKey::default()
        },
        Secret::new(value.to_owned()),
    )
    .await
    .unwrap()
}

const V1: &str = "0b7e6a5c-1d2f-4a3b-9c8d-7e6f5a4b3c2d";
const V2: &str = "1c8f7b6d-2e3a-4b4c-8d9e-8f7a6b5c4d3e";

#[tokio::test]
async fn policy_round_trips_and_refuses_bad_values() {
    let (inv, _) = inventory().await;
    assert_eq!(
        inv.finding_policy().await.unwrap(),
        FindingPolicy::default()
    );
    let mut p = FindingPolicy::default();
    p.environments
        .insert(" qa ".into(), EnvironmentPolicy::new(30, 10, 7));
    let saved = inv.set_finding_policy(p).await.unwrap();
    assert!(saved.environments.contains_key("qa"), "names are trimmed");
    assert_eq!(inv.finding_policy().await.unwrap(), saved);
    let mut bad = saved.clone();
    bad.environments
        .insert("<b>x</b>".into(), EnvironmentPolicy::new(30, 10, 7));
    assert_eq!(
        inv.set_finding_policy(bad).await.unwrap_err().code(),
        "invalid_input"
    );
    let mut bad = saved.clone();
    bad.default.max_age_days = 0;
    assert_eq!(
        inv.set_finding_policy(bad).await.unwrap_err().code(),
        "invalid_input"
    );
    assert_eq!(
        inv.finding_policy().await.unwrap(),
        saved,
        "a refused policy changes nothing"
    );
}

#[tokio::test]
async fn acknowledgements_need_a_known_subject_a_reason_and_a_near_future_end() {
    let (inv, vault) = inventory().await;
    let key = add(&inv, "t", "prod", V1).await;
    let req = |subject: String, reason: &str, until| AcknowledgeRequest {
        subject,
        kind: FindingKind::Stale,
        reason: reason.into(),
        until,
    };
    let id = key.id.to_string();
    let code = |r: Result<_>| {
        r.map(|_: crate::findings::Acknowledgement| ())
            .unwrap_err()
            .code()
    };
    assert_eq!(
        code(inv.acknowledge_finding(req(id.clone(), "", None)).await),
        "invalid_input"
    );
    assert_eq!(
        code(
            inv.acknowledge_finding(req(id.clone(), "x", Some(Utc::now() - Duration::days(1))))
                .await
        ),
        "invalid_input"
    );
    assert_eq!(
        code(
            inv.acknowledge_finding(req(id.clone(), "x", Some(Utc::now() + Duration::days(400))))
                .await
        ),
        "invalid_input"
    );
    assert_eq!(
        code(
            inv.acknowledge_finding(req(Uuid::new_v4().to_string(), "x", None))
                .await
        ),
        "not_found"
    );
    let ack = inv
        .acknowledge_finding(req(id.to_uppercase(), "known", None))
        .await
        .unwrap();
    assert_eq!(ack.subject, id, "normalized to the key's id");
    let days = (ack.until - Utc::now()).num_days();
    assert!((89..=90).contains(&days), "default 90 days, got {days}");
    let listed = inv.findings(&FindingQuery::default()).await.unwrap();
    assert!(listed.findings.iter().all(|f| f.kind != FindingKind::Stale));
    assert_eq!(listed.acknowledged_hidden, 1);

    // A keychain entry without a record can be acknowledged by its account.
    vault
        .set("stray-account", &Secret::new("x".into()))
        .unwrap();
    // Another program wrote it: the window's watch would say so (else the listing is taken
    // again once it is 30 s old).
    inv.note_foreign_change();
    let list = inv.findings(&FindingQuery::default()).await.unwrap();
    assert!(list.keychain_checked);
    assert!(list
        .findings
        .iter()
        .any(|f| f.keychain_account.as_deref() == Some("stray-account")));
    inv.acknowledge_finding(AcknowledgeRequest {
        subject: "stray-account".into(),
        kind: FindingKind::Orphaned,
        reason: "belongs to another tool".into(),
        until: None,
    })
    .await
    .unwrap();
    assert!(inv
        .findings(&FindingQuery::default())
        .await
        .unwrap()
        .findings
        .iter()
        .all(|f| f.keychain_account.is_none()));

    // Over records the caller already listed (the window's key list): the same findings.
    let summary = |v: Vec<crate::findings::Finding>| {
        let mut v: Vec<_> = v
            .iter()
            .map(|f| {
                (
                    f.key_id,
                    f.kind,
                    f.keychain_account.clone(),
                    f.is_acknowledged(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let everything = FindingQuery {
        include_acknowledged: true,
        ..FindingQuery::default()
    };
    let listed: Vec<crate::findings::Finding> = inv
        .findings(&everything)
        .await
        .unwrap()
        .findings
        .iter()
        .map(|f| crate::findings::Finding::clone(f))
        .collect();
    let records = inv.list(&crate::KeyFilter::default()).await.unwrap();
    let over = inv.findings_over(&records).await.unwrap();
    assert!(!over.is_empty());
    assert_eq!(summary(over), summary(listed));

    assert!(inv
        .unacknowledge_finding(&id, FindingKind::Stale)
        .await
        .unwrap());
    assert!(!inv
        .unacknowledge_finding(&id, FindingKind::Stale)
        .await
        .unwrap());
    let actions: Vec<String> = inv
        .store()
        .list_audit(Some(key.id), 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&"finding_acknowledged".to_owned()));
    assert!(actions.contains(&"finding_unacknowledged".to_owned()));
}

#[tokio::test]
async fn review_is_scoped_to_an_environment_but_reuse_spans_them() {
    let (inv, _) = inventory().await;
    add(&inv, "a", "prod", V1).await;
    add(&inv, "a", "dev", V1).await;
    add(&inv, "b", "dev", V2).await;
    let dev = inv
        .review(&ReviewQuery {
            environment: Some("dev".into()),
        })
        .await
        .unwrap();
    assert_eq!(dev.key_count, 2);
    assert!(dev.keys.iter().all(|k| k.environment == "dev"));
    assert!(
        dev.findings.iter().any(|f| f.kind == FindingKind::Reused),
        "the dev copy is reused with prod even in a dev-only review"
    );
    assert!(dev.keychain_checked);
    let html = inv
        .review_report(&ReviewQuery::default(), ReportFormat::Html)
        .await
        .unwrap();
    for value in [V1, V2] {
        assert!(!html.contains(value), "no secret in a report");
    }
}

#[tokio::test]
async fn bulk_acknowledgement_covers_open_findings_of_one_kind_in_scope() {
    let (inv, _) = inventory().await;
    // Stale (100 days in prod, 90 allowed), in prod and dev (dev allows 365: not stale).
    let a = add(&inv, "a", "prod", V1).await;
    let b = add(&inv, "b", "prod", V2).await;
    add(&inv, "c", "dev", "2d9a8c7e-3f4b-4c5d-9eaf-9a8b7c6d5e4f").await;
    let req = |provider: Option<&str>, environment: Option<&str>| BulkAcknowledgeRequest {
        kind: FindingKind::Stale,
        provider: provider.map(str::to_owned),
        environment: environment.map(str::to_owned),
        reason: "migration".into(),
        until: None,
    };
    // Another provider: nothing.
    assert!(inv
        .acknowledge_findings(req(Some("sendgrid"), None))
        .await
        .unwrap()
        .is_empty());
    let done = inv
        .acknowledge_findings(req(Some("postmark"), Some("prod")))
        .await
        .unwrap();
    let mut subjects: Vec<String> = done.iter().map(|a| a.subject.clone()).collect();
    subjects.sort();
    let mut expected = vec![a.id.to_string(), b.id.to_string()];
    expected.sort();
    assert_eq!(subjects, expected);
    let open = inv
        .findings(&FindingQuery {
            kinds: vec![FindingKind::Stale],
            ..FindingQuery::default()
        })
        .await
        .unwrap();
    assert!(open.findings.is_empty(), "{:?}", open.findings);
    // Already acknowledged ones are not counted again; the reason is validated.
    assert!(inv
        .acknowledge_findings(req(None, None))
        .await
        .unwrap()
        .is_empty());
    let blank = BulkAcknowledgeRequest {
        reason: " ".into(),
        ..req(None, None)
    };
    assert_eq!(
        inv.acknowledge_findings(blank).await.unwrap_err().code(),
        "invalid_input"
    );
    let audit = inv.audit_trail(None, 100).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "finding_acknowledged" && e.detail.contains("in bulk"))
            .count(),
        2
    );
}

#[tokio::test]
async fn default_owner_round_trips_and_clears() {
    let (inv, _) = inventory().await;
    assert_eq!(inv.default_owner().await.unwrap(), None);
    inv.set_default_owner(Some(" platform ".into()))
        .await
        .unwrap();
    assert_eq!(
        inv.default_owner().await.unwrap().as_deref(),
        Some("platform")
    );
    inv.set_default_owner(Some("  ".into())).await.unwrap();
    assert_eq!(inv.default_owner().await.unwrap(), None);
}
