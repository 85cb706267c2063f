//! Pins the IPC contract: one sample of every DTO the window receives is serialized here and
//! compared with `ui/src/lib/ipc-samples.json`, whose keys `ui/tests/ipc-contract.test.ts`
//! checks against the TypeScript types. A field added or renamed on one side fails a test.
//! Regenerate after an intended change: `KEYWARD_UPDATE_IPC_SAMPLES=1 cargo test --test ipc_contract`.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use chrono::{TimeZone, Utc};
use keyward::import::{ImportFormat, LineError};
use keyward::providers::{Confidence, Detection};
use keyward::vault::KeychainStatus;
use keyward::{AuditEvent, Environment, KeyRecord, KeyStatus};
use keyward_desktop::dto::*;
use keyward_desktop::error::AppError;
use keyward_desktop::findings_dto::*;
use serde_json::{json, Value};
use uuid::Uuid;

fn sample_key() -> KeyDto {
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).single().unwrap();
    KeyDto::from(KeyRecord {
        id: Uuid::nil(),
        provider: "postmark".into(),
        kind: "server_token".into(),
        name: "transactional".into(),
        environment: "prod".into(),
        purpose: "send transactional email".into(),
        owner: Some("alice".into()),
        tags: vec!["email".into()],
        scopes: vec![],
        remote_id: None,
        env_var: "POSTMARK_TRANSACTIONAL".into(),
        created_at: at,
        last_rotated_at: Some(at),
        last_used_at: None,
        last_verified_at: None,
        expires_at: None,
        status: KeyStatus::Active,
        fingerprint: Some("00".repeat(32)),
        masked_hint: "…89ab".into(),
        updated_at: at,
        connection_id: None,
        verify_outcome: None,
        verify_detail: None,
        usage: None,
        region: None,
        role: keyward::KeyRole::Service,
    })
}

fn samples() -> Value {
    let key = sample_key();
    let at = key.key.created_at;
    let audit = AuditEvent {
        id: 1,
        at,
        actor: "alice".into(),
        action: "created".into(),
        key_id: Some(Uuid::nil()),
        key_name: Some("transactional".into()),
        detail: "added".into(),
    };
    let detection = DetectionDto {
        detection: Detection {
            provider: "postmark".into(),
            kind: "server_token".into(),
            confidence: Confidence::Medium,
            needs_confirmation: true,
            alternatives: vec!["account_token".into()],
            reason: "A UUID".into(),
        },
        masked_hint: "…89ab".into(),
    };
    let preview = ImportPreviewDto {
        format: ImportFormat::Env,
        rows: vec![ImportRowDto {
            line: 1,
            name: "A".into(),
            provider: "custom".into(),
            kind: "api_key".into(),
            environment: "dev".into(),
            purpose: String::new(),
            masked_hint: "…abcd".into(),
            env_var: "A".into(),
            created_at: at,
            last_rotated_at: None,
            warning: Some("this does not look like a Custom API key; stored anyway".into()),
            suggested: false,
            reason: "a log level, not a key".into(),
        }],
        errors: vec![LineError {
            line: 2,
            message: "expected NAME=value".into(),
        }],
    };
    let profile = keyward::providers::profile("posthog").unwrap();
    let provider = ProviderDto::built_in(profile);
    let settings = SettingsDto {
        clipboard_timeout_secs: 30,
        environments: vec![Environment {
            name: "dev".into(),
            position: 0,
        }],
        data_dir: "/data".into(),
        default_owner: Some("platform-team".into()),
    };
    let verify_result = keyward::inventory::VerifyResult {
        id: Uuid::nil(),
        name: "transactional".into(),
        environment: "prod".into(),
        provider: "postmark".into(),
        outcome: keyward::inventory::VerifyResultOutcome::Valid,
        code: None,
        detail: "server token of 'Main'".into(),
    };
    let (finding, policy, review) = findings_samples(at);
    // issue 14: a list row's findings are their codes (the text comes with the full key)
    let mut with_finding = sample_key();
    with_finding.findings = vec![finding.clone()];
    let row: KeyRowDto = with_finding.into();
    let first_load = keyward_desktop::first_load::FirstLoadDto {
        page: KeysPageDto {
            total: 1,
            offset: 0,
            keys: vec![sample_key().into()],
        },
        providers: vec![provider.clone()],
        settings: settings.clone(),
        ui_font: Some("Cantarell".into()),
    };
    let mut samples = json!({
        "key": key.clone(),
        "key_added": KeyAddedDto { key: key.clone(), warning: Some("this does not look like a Postmark Server API token; stored anyway".into()) },
        "finding": finding,
        "audit_event": audit,
        "key_detail": KeyDetailDto { key: sample_key(), audit: vec![], secret_present: Some(true) },
        "detection": detection,
        "copy": CopyDto { timeout_secs: 30, clears_at: at.to_rfc3339() },
        "import_preview": preview,
        "import_row": preview.rows[0],
        "import_line_error": preview.errors[0],
        "import_result": ImportResultDto { imported: 1, keys: vec![] },
        "provider": provider,
        "kind": provider.kinds[0],
        "purpose": provider.purposes[0],
        "environment": settings.environments[0],
        "settings": settings,
        "keychain_status": KeychainStatus::ok("Secret Service".into()),
        "connection": keyward::connection::Connection {
            id: Uuid::nil(),
            name: "pm".into(),
            provider: "postmark".into(),
            base_url: "https://api.postmarkapp.com".into(),
            admin_key_id: Some(Uuid::nil()),
            options: keyward::connection::ConnectionOptions {
                project_id: Some("1".into()),
                account_id: None,
                probe_path: None,
            },
            created_at: at,
        },
        "verify_result": verify_result.clone(),
        "verify_progress": VerifyProgressDto { done: 1, total: 2, result: verify_result },
        "remote_key": keyward::inventory::RemoteKey {
            remote_id: "42".into(),
            name: "transactional".into(),
            kind: "server_token".into(),
            scopes: vec![],
            masked_hint: "…89ab".into(),
            has_value: true,
            known_key_id: None,
            environment: "staging".into(),
            value: None,
            status: None,
            last_used_at: None,
            expires_at: None,
            created_at: None,
        },
        "link_candidate": keyward::inventory::LinkCandidate {
            remote_id: "42".into(),
            name: "transactional".into(),
            kind: "server_token".into(),
            masked_hint: "…89ab".into(),
            matches: true,
        },
        "sync_result": SyncResultDto { imported: vec![sample_key()], refreshed: vec![] },
        "app_error": AppError { code: "not_found", message: "no key matches 'x'".into() },
        // findings + team review (issue 6)
        "acknowledgement": finding.acknowledged,
        "policy": policy,
        "environment_policy": policy.default,
        "review": review,
        "review_group": review.groups[0],
        "review_item": review.overdue[0],
        "rotation_point": review.rotations[0],
        "provider_fact": ProviderDto::built_in(keyward::providers::profile("postman").unwrap()).facts[0],
        "review_provider_fact": review.provider_facts[0],
        "bulk_acknowledged": BulkAcknowledgedDto { acknowledged: 3, until: Some(at) },
        "review_export": ReviewExportDto { path: "/tmp/review.csv".into(), bytes: 120 },
        "picked_file": PickedFileDto { handle: "0123456789abcdef0123456789abcdef".into(), name: ".env".into() },
        "inventory_changed": InventoryChangedDto { change: 1 },
        // issue 14: the window's first page
        "keys_page": KeysPageDto { total: 1, offset: 0, keys: vec![sample_key().into()] },
        // issue 14: the whole list in chunks (keys_stream)
        "keys_chunk": KeysChunkDto { total: 1, offset: 0, keys: vec![row.clone()] },
        // issue 14: the compact list row and its findings
        "key_row": row.clone(),
        "finding_row": row.findings[0],
    });
    // issue 14: the first paint's answers, sent with the document (json! is at its recursion limit)
    samples["first_load"] = serde_json::to_value(first_load).unwrap();
    samples
}

/// Samples of create / rotate / revoke (issue 5), merged into the others.
fn lifecycle_samples() -> Value {
    use keyward::rotation::{
        RecoveryAction, RotationEvent, RotationEventKind, RotationFlavour, RotationOutcome,
        RotationPlan, RotationRecord, RotationStep,
    };
    use keyward_desktop::lifecycle_dto::*;
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).single().unwrap();
    let record = RotationRecord {
        id: Uuid::nil(),
        key_id: Uuid::nil(),
        key_name: "transactional".into(),
        provider: "sendgrid".into(),
        flavour: RotationFlavour::CreateRevoke,
        step: RotationStep::Promoted,
        token: "tok".into(),
        remote_name: Some("transactional [kw-tok]".into()),
        old_remote_id: Some("old".into()),
        new_remote_id: Some("new".into()),
        old_fingerprint: Some("00".repeat(32)),
        new_fingerprint: Some("11".repeat(32)),
        scopes: vec!["mail.send".into()],
        grace_secs: 86_400,
        revoke_after: Some(at),
        attempts: 0,
        error_code: None,
        error_message: None,
        note: None,
        lease_owner: None,
        lease_until: None,
        created_at: at,
        updated_at: at,
        finished_at: None,
        next_attempt_at: None,
    };
    let rotation = RotationDto::new(record.clone(), "prod".into());
    let plan = RotationPlan {
        key_id: Uuid::nil(),
        key_name: "transactional".into(),
        provider: "sendgrid".into(),
        kind: "api_key".into(),
        flavour: RotationFlavour::CreateRevoke,
        steps: vec![RotationStep::Planned],
        grace_secs: 0,
        scopes: vec!["mail.send".into()],
        proposed_scopes: vec!["mail.send".into()],
        widened: vec![],
        dashboard_url: "https://app.sendgrid.com/settings/api_keys".into(),
        notes: vec!["a new key is created".into()],
        blocked: None,
        open_rotation: None,
        value_unknown: true,
        value_loss: Some("whatever uses it stops working now".into()),
        grace_is_default: true,
    };
    let event = RotationEvent {
        rotation_id: Uuid::nil(),
        key_id: Uuid::nil(),
        key_name: "transactional".into(),
        flavour: RotationFlavour::NativeRoll,
        step: RotationStep::Created,
        kind: RotationEventKind::Step,
        message: "created".into(),
        done: 0,
        total: 1,
    };
    let outcome = RotationOutcome {
        key_id: Uuid::nil(),
        key_name: "transactional".into(),
        rotation: Some(record),
        error_code: None,
        message: "promoted".into(),
    };
    let profile = keyward::providers::profile("posthog").unwrap();
    let provider = ProviderDto::built_in(profile);
    json!({
        "operations": provider.kinds[0].operations,
        "rotation": rotation,
        "rotation_plan": RotationPlanDto::new(plan, "prod".into()),
        "grace_defaults": keyward_desktop::lifecycle_dto::GraceDefaultsDto::from(keyward::rotation::GraceDefaults::default()),
        "rotation_event": RotationEventDto::from(&event),
        "rotation_outcome": RotationOutcomeDto {
            outcome: RotationOutcomeView {
                key_id: outcome.key_id,
                rotation: outcome.rotation.map(|r| RotationDto::new(r, "prod".into())),
                error_code: outcome.error_code,
                message: outcome.message,
                new_value: true,
            },
            reveal_token: Some("t".into()),
        },
        "created_key": CreatedKeyDto {
            created: CreatedView { key: sample_key(), widened_scopes: vec![] },
            reveal_token: None,
        },
        "reveal": RevealDto { value: "shown-once".into() },
        "revoke_result": RevokeResultDto { key: sample_key(), confirmed_dead: true, message: "revoked".into() },
        "recovery": RecoveryDto::from(RecoveryAction {
            rotation_id: Uuid::nil(),
            key_id: Uuid::nil(),
            key_name: "transactional".into(),
            action: keyward::rotation::RecoveryKind::Resumed,
            step: RotationStep::Done,
            detail: "finished".into(),
        }),
    })
}

/// Samples of the findings DTOs (issue 6).
fn findings_samples(at: chrono::DateTime<Utc>) -> (FindingDto, PolicyDto, ReviewDto) {
    let postman = keyward::providers::profile("postman").unwrap();
    let finding = FindingDto {
        code: "over_privileged",
        severity: "high",
        attention: "action",
        message: "an account token can manage every server".into(),
        advice: "create a server token, then retire this one".into(),
        action: "narrow",
        excess_scopes: vec!["account-wide".into()],
        acknowledged: Some(AcknowledgementDto {
            reason: "migration in January".into(),
            until: at,
            at,
            actor: "alice".into(),
        }),
    };
    let policy = PolicyDto::new(&keyward::findings::FindingPolicy::default(), true);
    let due = keyward::findings::DueItem {
        key_id: Uuid::nil(),
        name: "transactional".into(),
        environment: "prod".into(),
        provider: "postmark".into(),
        owner: Some("alice".into()),
        due_at: at,
        days_left: -3,
        cause: "rotation".into(),
    };
    let review = ReviewDto {
        generated_at: at,
        total: 1,
        groups: vec![ReviewGroupDto {
            environment: "prod".into(),
            provider: "postmark".into(),
            total: 1,
            by_status: [("active", 1)].into_iter().collect(),
            overdue: 1,
            due_soon: 0,
        }],
        overdue: vec![due],
        due_soon: vec![],
        rotations: vec![RotationPointDto {
            period: "2026-01-05".into(),
            rotations: 2,
        }],
        finding_counts: [("stale", 1)].into_iter().collect(),
        keychain_checked: true,
        action_count: 1,
        quiet_count: 0,
        provider_facts: vec![keyward::findings::ProviderFact {
            keys: 3,
            ..keyward::findings::unscoped_fact(postman, postman.kind("api_key").unwrap())
        }],
    };
    (finding, policy, review)
}

/// Samples of the team (issue 15): the team crate's own types go to the page as they are.
fn team_samples() -> Value {
    use keyward_team::*;
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).single().unwrap();
    let sharing = Sharing {
        environments: Some(vec!["prod".into()]),
        hints: false,
    };
    let status = TeamStatus {
        url: "postgres://alice@db.example.com:5432/keyward".into(),
        member: "alice".into(),
        schema_version: 1,
        queued: 2,
        last_sync_at: Some(at),
        last_error: None,
        sharing: sharing.clone(),
    };
    let finding = TeamFinding {
        kind: "stale".into(),
        attention: "action".into(),
        severity: "high".into(),
        reason: "not rotated for 120 days".into(),
    };
    let row = TeamKeyRow {
        member: "alice".into(),
        key_id: Uuid::nil(),
        provider: "postmark".into(),
        kind: "server_token".into(),
        name: "transactional".into(),
        environment: "prod".into(),
        purpose: "send transactional email".into(),
        owner: Some("alice".into()),
        tags: vec!["email".into()],
        scopes: vec![],
        status: "active".into(),
        state: "active".into(),
        created_at: at,
        updated_at: at,
        last_rotated_at: Some(at),
        next_rotation_due: Some(at),
        expires_at: None,
        rotation: None,
        findings: vec![finding.clone()],
        hint: None,
    };
    let week = WeekCount {
        week_start: at.date_naive(),
        rotations: 3,
        revocations: 1,
    };
    let member = MemberSummary {
        member: "alice".into(),
        keys: 1,
        overdue: 0,
        needs_action: 1,
        last_published_at: Some(at),
    };
    json!({
        "team_sharing": sharing,
        "team_status": status,
        "team_sync_report": SyncReport { published: 1, pulled: 2, as_of: at },
        "team_keys": TeamKeys { as_of: Some(at), rows: vec![row.clone()] },
        "team_key_row": row.clone(),
        "team_finding": finding,
        "team_review": TeamReview {
            as_of: Some(at),
            keys: vec![row],
            overdue: vec![Uuid::nil()],
            due_soon: vec![],
            rotations_per_week: vec![week.clone()],
            members: vec![member.clone()],
        },
        "team_week_count": week,
        "team_member_summary": member,
        "team_event": TeamEvent {
            member: "alice".into(),
            key_id: Uuid::nil(),
            key_name: "transactional".into(),
            action: "rotated".into(),
            at,
        },
        "team_changed": keyward_desktop::team_dto::TeamChangedDto { change: 1 },
    })
}

#[test]
fn ipc_samples_match_the_ui_copy() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/ui/src/lib/ipc-samples.json");
    let mut all = samples();
    if let (Some(map), Value::Object(more)) = (all.as_object_mut(), lifecycle_samples()) {
        map.extend(more);
    }
    if let (Some(map), Value::Object(more)) = (all.as_object_mut(), team_samples()) {
        map.extend(more);
    }
    let fresh = serde_json::to_string_pretty(&all).unwrap() + "\n";
    if std::env::var_os("KEYWARD_UPDATE_IPC_SAMPLES").is_some() {
        std::fs::write(path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(
        committed, fresh,
        "the IPC DTOs changed: run `KEYWARD_UPDATE_IPC_SAMPLES=1 cargo test --test ipc_contract`, then update ui/src/lib/types.ts until `npm test --prefix ui` passes"
    );
}

/// Issue 14: the list's rows (`keys_page`, `keys_stream`) carry only what the list renders,
/// sorts, filters, searches and groups by; the detail's fields come with `key_get`/`key_show`.
#[test]
fn list_rows_carry_no_detail_fields() {
    let all = samples();
    // The chunk sends its rows in columns, one per row field: the same field names.
    let columns = all["keys_chunk"]["columns"].as_object().unwrap();
    let page_row = all["keys_page"]["keys"][0].as_object().unwrap();
    assert_eq!(
        columns.keys().collect::<Vec<_>>(),
        page_row.keys().collect::<Vec<_>>(),
        "keys_chunk: a column per row field, in the row's order"
    );
    for (sample, row) in [("keys_page", page_row), ("keys_chunk", columns)] {
        for detail in [
            "scopes",
            "remote_id",
            "env_var",
            "fingerprint",
            "updated_at",
            "connection_id",
            "usage",
            "region",
            "last_used_at",
        ] {
            assert!(
                !row.contains_key(detail),
                "{sample}: a row carries {detail}"
            );
        }
        for shown in [
            "id",
            "name",
            "provider",
            "kind",
            "environment",
            "purpose",
            "tags",
            "masked_hint",
            "state",
            "findings",
        ] {
            assert!(row.contains_key(shown), "{sample}: a row lacks {shown}");
        }
    }
}
