//! Unit tests of the journal state machine (in-memory store and vault). The provider side is
//! covered end to end against provider-sim in keyward-cli/tests/rotation.rs.

use super::plan::choose_flavour;
use super::*;
use crate::inventory::{Inventory, NewKey};
use crate::model::{KeyRecord, KeyStatus};
use crate::providers::{CustomProviderSpec, Presentation};
use crate::secret::Secret;
use crate::vault::Vault;
use chrono::Utc;

use crate::test_fixtures::{inventory, rotation_record as record};

#[tokio::test]
async fn steps_advance_only_from_the_step_last_seen() {
    let (inv, _) = inventory().await;
    let journal = RotationJournal::new(inv.store());
    let mut rec = record(Uuid::new_v4(), RotationStep::Planned);
    journal.insert(&rec, None).await.unwrap();

    rec.step = RotationStep::Created;
    rec.new_remote_id = Some("new".into());
    journal
        .save(&rec, RotationStep::Planned, None, &[])
        .await
        .unwrap();
    let stored = journal.get(rec.id).await.unwrap().unwrap();
    assert_eq!(stored.step, RotationStep::Created);
    assert_eq!(stored.new_remote_id.as_deref(), Some("new"));

    // A second writer that still believes it is at `planned` loses.
    let mut stale = rec.clone();
    stale.step = RotationStep::RolledBack;
    let err = journal
        .save(&stale, RotationStep::Planned, None, &[])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            journal::JournalError::Rotation(RotationError::WrongStep { .. })
        ),
        "{err:?}"
    );
    assert_eq!(
        journal.get(rec.id).await.unwrap().unwrap().step,
        RotationStep::Created,
        "the stale write changed nothing"
    );
}

#[tokio::test]
async fn one_unfinished_rotation_per_key_and_the_open_list_is_cheap() {
    let (inv, _) = inventory().await;
    let journal = RotationJournal::new(inv.store());
    assert!(journal.open().await.unwrap().is_empty());
    let key = Uuid::new_v4();
    let first = record(key, RotationStep::Planned);
    journal.insert(&first, None).await.unwrap();
    let err = journal
        .insert(&record(key, RotationStep::Planned), None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            journal::JournalError::Rotation(RotationError::InProgress { .. })
        ),
        "{err:?}"
    );
    // Once the first is finished, a new one may start.
    let mut done = first.clone();
    done.step = RotationStep::Done;
    journal
        .save(&done, RotationStep::Planned, None, &[])
        .await
        .unwrap();
    journal
        .insert(&record(key, RotationStep::Planned), None)
        .await
        .unwrap();
    assert_eq!(journal.open().await.unwrap().len(), 1);
    assert_eq!(
        journal
            .list(&RotationFilter {
                key_id: Some(key),
                ..RotationFilter::default()
            })
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn a_live_lease_of_another_process_is_respected_an_expired_or_dead_one_is_not() {
    let (inv, _) = inventory().await;
    let journal = RotationJournal::new(inv.store());
    let rec = record(Uuid::new_v4(), RotationStep::Created);
    journal.insert(&rec, None).await.unwrap();
    let now = Utc::now();
    let later = now + chrono::Duration::seconds(60);
    journal
        .acquire_lease(rec.id, "other:1:a", later, now, |_| false)
        .await
        .unwrap();
    let err = journal
        .acquire_lease(rec.id, "me:2:b", later, now, |_| false)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            journal::JournalError::Rotation(RotationError::Leased { .. })
        ),
        "{err:?}"
    );
    // Its holder is gone: free at once.
    let got = journal
        .acquire_lease(rec.id, "me:2:b", later, now, |o| o == "other:1:a")
        .await
        .unwrap();
    assert_eq!(got.lease_owner.as_deref(), Some("me:2:b"));
    // Expired: free for anyone.
    let after = later + chrono::Duration::seconds(1);
    journal
        .acquire_lease(
            rec.id,
            "third:3:c",
            after + chrono::Duration::seconds(60),
            after,
            |_| false,
        )
        .await
        .unwrap();
    // A write under someone else's lease is refused.
    let mut mine = got.clone();
    mine.step = RotationStep::Verified;
    assert!(journal
        .save(&mine, RotationStep::Created, None, &[])
        .await
        .is_err());
    assert!(!lease::owner_dead(
        "elsewhere-host-that-is-not-this-one:1:x"
    ));
    assert!(!lease::owner_dead(lease::this_process()));
}

fn key(provider: &str, kind: &str) -> KeyRecord {
    let now = Utc::now();
    KeyRecord {
        id: Uuid::new_v4(),
        provider: provider.into(),
        kind: kind.into(),
        name: "k".into(),
        environment: "prod".into(),
        purpose: String::new(),
        owner: None,
        tags: vec![],
        scopes: vec![],
        remote_id: None,
        env_var: "K".into(),
        created_at: now,
        last_rotated_at: None,
        last_used_at: None,
        last_verified_at: None,
        expires_at: None,
        status: KeyStatus::Active,
        fingerprint: None,
        masked_hint: String::new(),
        updated_at: now,
        connection_id: None,
        verify_outcome: None,
        verify_detail: None,
        usage: None,
        region: None,
        role: crate::model::KeyRole::Service,
    }
}

#[test]
fn each_provider_kind_gets_its_flavour() {
    use RotationFlavour::*;
    let plain = RotateOptions::default();
    let overlap = RotateOptions {
        grace: Some(std::time::Duration::from_secs(3600)),
        ..RotateOptions::default()
    };
    let cases = [
        ("posthog", "project_secret", &plain, Some(NativeRoll)),
        ("posthog", "project_secret", &overlap, Some(CreateRevoke)),
        ("cloudflare", "user_token", &plain, Some(NativeRoll)),
        ("cloudflare", "user_token", &overlap, Some(CreateRevoke)),
        ("sendgrid", "api_key", &plain, Some(CreateRevoke)),
        ("postmon", "project_key", &plain, Some(Guided)),
        ("postmark", "server_token", &plain, Some(Guided)),
        ("postman", "api_key", &plain, Some(Guided)),
        ("posthog", "personal", &plain, Some(Guided)),
        ("postnomic", "blog_key", &plain, Some(Guided)),
        ("acme-custom", "api_key", &plain, Some(Guided)),
        ("posthog", "project_key", &plain, None),
    ];
    for (provider, kind, opts, want) in cases {
        let got = choose_flavour(&key(provider, kind), opts).ok();
        assert_eq!(got, want, "{provider}/{kind}");
    }
    let mut revoked = key("sendgrid", "api_key");
    revoked.status = KeyStatus::Revoked;
    assert!(matches!(
        choose_flavour(&revoked, &plain),
        Err(RotationError::AlreadyRevoked)
    ));
}

#[test]
fn step_and_flavour_names_round_trip() {
    for s in RotationStep::ALL {
        assert_eq!(RotationStep::parse(s.as_str()), Some(s));
    }
    assert!(RotationStep::Done.is_terminal() && RotationStep::RolledBack.is_terminal());
    assert!(!RotationStep::Promoted.is_terminal());
    let id = Uuid::new_v4();
    assert_eq!(rotation_account_owner(&pending_account(id)), Some(id));
    assert_eq!(rotation_account_owner(&previous_account(id)), Some(id));
    assert_eq!(rotation_account_owner(&id.to_string()), None);
}

const OLD: &str = "acme_old_canary_Zx81Qw";
const NEW: &str = "acme_new_canary_Pt55Lm";

async fn custom_key(inv: &Inventory) -> KeyRecord {
    inv.add_custom_provider(CustomProviderSpec {
        id: "acme".into(),
        display_name: "Acme".into(),
        presentation: Presentation::Header,
        presentation_name: "X-Api-Key".into(),
        prefix: Some("acme_".into()),
        verify_url: None,
        dashboard_url: Some("https://acme.example/keys".into()),
    })
    .await
    .unwrap();
    inv.add(
        NewKey {
            provider: Some("acme".into()),
            name: "acme prod".into(),
            environment: "prod".into(),
            ..NewKey::default()
        },
        Secret::new(OLD.into()),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn guided_rotation_walks_every_step_and_keeps_exactly_one_current_value() {
    let (inv, vault) = inventory().await;
    let key = custom_key(&inv).await;
    let events = std::sync::Mutex::new(Vec::new());
    let sink = |e: &RotationEvent| events.lock().unwrap().push((e.kind, e.step));

    let rec = inv.rotation_guided_start(key.id).await.unwrap();
    assert_eq!(rec.step, RotationStep::Planned);
    assert!(rec.waits_for_user());
    // Starting again returns the same rotation; an API rotate refuses while it waits.
    assert_eq!(inv.rotation_guided_start(key.id).await.unwrap().id, rec.id);
    let err = inv
        .rotate(key.id, &RotateOptions::default(), &sink)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "rotation_wrong_step");

    // Pasting the current value is refused, nothing stored.
    let err = inv
        .rotation_guided_submit(rec.id, Secret::new(OLD.into()), &sink)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert!(vault.get(&pending_account(key.id)).unwrap().is_none());

    let rec = inv
        .rotation_guided_submit(rec.id, Secret::new(NEW.into()), &sink)
        .await
        .unwrap();
    assert_eq!(rec.step, RotationStep::Promoted);
    assert_eq!(
        vault.get(&key.id.to_string()).unwrap().unwrap().expose(),
        NEW
    );
    assert_eq!(
        vault
            .get(&previous_account(key.id))
            .unwrap()
            .unwrap()
            .expose(),
        OLD
    );
    assert!(vault.get(&pending_account(key.id)).unwrap().is_none());
    let promoted = inv.get(key.id).await.unwrap();
    assert_ne!(promoted.fingerprint, key.fingerprint);
    assert!(promoted.last_rotated_at.is_some());

    let rec = inv
        .rotation_guided_confirm_revoked(rec.id, &sink)
        .await
        .unwrap();
    assert_eq!(rec.step, RotationStep::Done);
    assert!(
        rec.note.as_deref().unwrap_or("").contains("cannot confirm"),
        "a provider without a verify URL cannot confirm: say so ({:?})",
        rec.note
    );
    assert!(vault.get(&previous_account(key.id)).unwrap().is_none());
    assert_eq!(
        vault.get(&key.id.to_string()).unwrap().unwrap().expose(),
        NEW
    );

    let steps: Vec<RotationStep> = events
        .lock()
        .unwrap()
        .iter()
        .filter(|(k, _)| *k == RotationEventKind::Step)
        .map(|(_, s)| *s)
        .collect();
    assert_eq!(
        steps,
        vec![
            RotationStep::Created,
            RotationStep::Verified,
            RotationStep::Promoted,
            RotationStep::OldRevoked,
            RotationStep::Done
        ]
    );
    // Nothing of either value in the journal or the audit trail.
    let journal =
        serde_json::to_string(&inv.rotations(&RotationFilter::default()).await.unwrap()).unwrap();
    let audit = format!("{:?}", inv.audit_trail(Some(key.id), 100).await.unwrap());
    for text in [&journal, &audit] {
        assert!(!text.contains(OLD) && !text.contains(NEW), "{text}");
    }
    assert!(audit.contains("rotated"));
}

#[tokio::test]
async fn promote_after_a_crash_between_keychain_writes_never_loses_the_old_value() {
    // Simulates a crash after `.previous` and the current value were written but before the
    // journal reached `promoted`: running the step again must not copy the new value over
    // the old one.
    let (inv, vault) = inventory().await;
    let key = custom_key(&inv).await;
    let rec = inv.rotation_guided_start(key.id).await.unwrap();
    let sink = |_: &RotationEvent| {};
    // Drive to `verified` by hand: pending stored, journal at verified.
    vault
        .set(&pending_account(key.id), &Secret::new(NEW.into()))
        .unwrap();
    let fp = inv
        .fingerprinter()
        .await
        .unwrap()
        .fingerprint(&Secret::new(NEW.into()));
    let journal = RotationJournal::new(inv.store());
    let mut r = journal.get(rec.id).await.unwrap().unwrap();
    r.step = RotationStep::Verified;
    r.new_fingerprint = Some(fp);
    journal
        .save(&r, RotationStep::Planned, None, &[])
        .await
        .unwrap();
    // The "crashed" promote had already done both keychain writes.
    vault
        .set(&previous_account(key.id), &Secret::new(OLD.into()))
        .unwrap();
    vault
        .set(&key.id.to_string(), &Secret::new(NEW.into()))
        .unwrap();

    let report = inv.rotations_recover().await.unwrap();
    assert_eq!(report.actions.len(), 1, "{report:?}");
    assert_eq!(report.actions[0].action, RecoveryKind::Resumed);
    let r = inv.rotation(rec.id).await.unwrap();
    assert_eq!(
        r.step,
        RotationStep::Promoted,
        "guided: waits for the user now"
    );
    assert_eq!(
        vault
            .get(&previous_account(key.id))
            .unwrap()
            .unwrap()
            .expose(),
        OLD
    );
    assert_eq!(
        vault.get(&key.id.to_string()).unwrap().unwrap().expose(),
        NEW
    );
    assert!(vault.get(&pending_account(key.id)).unwrap().is_none());
    // Recovery leaves a rotation that waits for the user alone.
    let report = inv.rotations_recover().await.unwrap();
    assert!(
        report.actions.is_empty() && report.waiting == 1,
        "{report:?}"
    );
    let _ = sink;
}

#[tokio::test]
async fn guided_revocation_and_rotation_refuse_revoked_keys() {
    let (inv, vault) = inventory().await;
    let key = custom_key(&inv).await;
    let out = inv.key_revoke(key.id).await.unwrap();
    assert_eq!(out.state, RevokeState::AwaitingUser);
    assert_eq!(
        inv.get(key.id).await.unwrap().status,
        KeyStatus::Active,
        "nothing changes before the confirmation"
    );
    let out = inv.key_revoke_confirm(key.id).await.unwrap();
    assert_eq!(out.state, RevokeState::Revoked);
    assert_eq!(out.key.status, KeyStatus::Revoked, "kept as history");
    assert!(
        vault.get(&key.id.to_string()).unwrap().is_none(),
        "value deleted"
    );
    assert_eq!(
        inv.key_revoke(key.id).await.unwrap_err().code(),
        "already_revoked"
    );
    assert_eq!(
        inv.rotation_guided_start(key.id).await.unwrap_err().code(),
        "already_revoked"
    );
}

#[tokio::test]
async fn recovery_of_a_stuck_rotation_backs_off_and_the_schedule_persists() {
    let (inv, _) = inventory().await;
    let key = custom_key(&inv).await;
    let journal = RotationJournal::new(inv.store());
    // At `created` with no pending value in the keychain: every attempt stops.
    let rec = record(key.id, RotationStep::Created);
    journal.insert(&rec, None).await.unwrap();
    let secs = chrono::Duration::seconds;
    let now = Utc::now();

    let first = inv.rotations_recover_at(now).await.unwrap();
    assert_eq!(first.actions.len(), 1, "{first:?}");
    assert_eq!(first.actions[0].action, RecoveryKind::Stopped);
    let stored = journal.get(rec.id).await.unwrap().unwrap();
    assert_eq!(stored.attempts, 1);
    assert_eq!(
        stored.next_attempt_at.map(|t| t.timestamp()),
        Some((now + secs(30)).timestamp())
    );

    // Every start before then leaves it alone, and says nothing.
    for later in [0, 1, 29] {
        let r = inv.rotations_recover_at(now + secs(later)).await.unwrap();
        assert!(r.actions.is_empty(), "{r:?}");
        assert_eq!(r.backing_off, 1);
    }
    assert_eq!(journal.get(rec.id).await.unwrap().unwrap().attempts, 1);

    // Then it tries once more and waits twice as long.
    let at = now + secs(31);
    let again = inv.rotations_recover_at(at).await.unwrap();
    assert_eq!(again.actions.len(), 1);
    let stored = journal.get(rec.id).await.unwrap().unwrap();
    assert_eq!(stored.attempts, 2);
    assert_eq!(
        stored.next_attempt_at.map(|t| t.timestamp()),
        Some((at + secs(60)).timestamp())
    );
    assert!(inv
        .rotations_recover_at(at + secs(59))
        .await
        .unwrap()
        .actions
        .is_empty());
}
