//! Recovery at start: every open rotation is resumed, rolled back or flagged, and due
//! revocations run.

use super::engine::{no_events, outcome_message, step_message, Driver, EventSink};
use super::gate::RateGate;
use super::safety::recovery_backoff;
use super::{
    pending_account, RecoveryAction, RecoveryKind, RecoveryReport, RotationError, RotationFlavour,
    RotationOutcome, RotationRecord, RotationStep,
};
use crate::error::{Error, Result};
use crate::inventory::Inventory;
use crate::providers::VerifyOutcome;
use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicUsize, Ordering};

pub(super) fn outcome_text(rec: &RotationRecord, r: Result<()>) -> String {
    match r {
        Ok(()) => step_message(rec),
        Err(e) => format!("stopped at {}: {e}", rec.step.as_str()),
    }
}

impl Driver<'_> {
    /// Start-up recovery of one unfinished rotation whose process is gone.
    async fn recover_one(&self, rec: &mut RotationRecord) -> Result<Option<RecoveryAction>> {
        let ctx = self.ctx(rec.key_id).await?;
        let action = |rec: &RotationRecord, action: RecoveryKind, detail: String| RecoveryAction {
            rotation_id: rec.id,
            key_id: rec.key_id,
            key_name: rec.key_name.clone(),
            action: action.to_owned(),
            step: rec.step,
            detail,
        };
        if rec.step != RotationStep::Planned || rec.flavour == RotationFlavour::Guided {
            let from = rec.step;
            return Ok(Some(match self.drive(rec).await {
                Ok(()) => action(
                    rec,
                    RecoveryKind::Resumed,
                    format!("resumed from {}: {}", from.as_str(), step_message(rec)),
                ),
                Err(e) => action(
                    rec,
                    RecoveryKind::Stopped,
                    format!("resumed from {} but stopped: {e}", from.as_str()),
                ),
            }));
        }
        // Planned: a create or roll may have happened without reaching the journal.
        let pending = self.vault_get(pending_account(ctx.key.id)).await?;
        match rec.flavour {
            RotationFlavour::NativeRoll => {
                if let Some(p) = pending {
                    let v = self
                        .verify_value(&ctx, rec.old_remote_id.as_deref(), &p)
                        .await?;
                    if v.outcome == VerifyOutcome::Valid {
                        rec.new_fingerprint = Some(self.fingerprint(&p).await?);
                        rec.new_remote_id = rec.old_remote_id.clone();
                        rec.note = Some(
                            "the rolled value was in the keychain but not yet journaled; adopted"
                                .into(),
                        );
                        self.advance(rec, RotationStep::Created, None, &[]).await?;
                        let r = self.drive(rec).await;
                        return Ok(Some(action(
                            rec,
                            RecoveryKind::Adopted,
                            outcome_text(rec, r),
                        )));
                    }
                    self.vault_delete(pending_account(ctx.key.id)).await?;
                }
                if self.check_rolled(rec, &ctx).await? {
                    rec.note = Some("the roll happened but its answer was lost; rolled again through the connection and kept that value".into());
                    let r = self.drive(rec).await;
                    let mut a = action(rec, RecoveryKind::RolledAgain, outcome_text(rec, r));
                    if rec.step == RotationStep::Planned {
                        a.action = RecoveryKind::Flagged;
                        a.detail = format!(
                            "the old value of '{}' is dead (rolled) and the new value was lost; Keyward could not roll it again yet: {}",
                            rec.key_name, a.detail
                        );
                    }
                    return Ok(Some(a));
                }
                rec.note =
                    Some("interrupted before the roll; nothing changed at the provider".into());
                self.advance(rec, RotationStep::RolledBack, None, &[])
                    .await?;
                Ok(Some(action(
                    rec,
                    RecoveryKind::RolledBack,
                    "interrupted before the roll; the old key stays current".into(),
                )))
            }
            RotationFlavour::CreateRevoke => {
                let api = ctx.api(&self.http)?;
                let found = api.find_by_token(&rec.token).await?;
                if let (Some(p), [only]) = (&pending, found.as_slice()) {
                    let v = self.verify_value(&ctx, Some(&only.id), p).await?;
                    if v.outcome == VerifyOutcome::Valid {
                        rec.new_fingerprint = Some(self.fingerprint(p).await?);
                        rec.new_remote_id = Some(only.id.clone());
                        rec.note = Some(
                            "the new key was created and stored but not yet journaled; adopted"
                                .into(),
                        );
                        self.advance(rec, RotationStep::Created, None, &[]).await?;
                        let r = self.drive(rec).await;
                        return Ok(Some(action(
                            rec,
                            RecoveryKind::Adopted,
                            outcome_text(rec, r),
                        )));
                    }
                }
                let n = self.revoke_orphans(rec, &ctx, None).await?;
                self.vault_delete(pending_account(ctx.key.id)).await?;
                if n == 0 {
                    rec.note = Some("interrupted before the new key was created; nothing changed at the provider".into());
                }
                self.advance(rec, RotationStep::RolledBack, None, &[])
                    .await?;
                Ok(Some(action(
                    rec,
                    if n > 0 {
                        RecoveryKind::RevokedOrphan
                    } else {
                        RecoveryKind::RolledBack
                    },
                    format!(
                        "{}; the old key stays current",
                        rec.note.clone().unwrap_or_default()
                    ),
                )))
            }
            RotationFlavour::Guided => Ok(None),
        }
    }
}

impl Inventory {
    /// Start-up recovery: every unfinished rotation whose process is gone is resumed (from
    /// `created` on), rolled back (`planned`: orphaned remote keys revoked, or adopted when
    /// their value reached the keychain), or — a roll whose answer was lost — rolled again and
    /// kept. Rotations waiting for the user or for their grace period, and those another live
    /// process drives, are left alone. One query when there is nothing to do.
    ///
    /// Backs off per rotation: one whose recovery failed is left alone until its
    /// `next_attempt_at` ([`recovery_backoff`] after its latest failure, persisted in the
    /// journal), so a loop of short CLI calls tries a stuck rotation once, not on every call.
    pub async fn rotations_recover(&self) -> Result<RecoveryReport> {
        self.rotations_recover_at(Utc::now()).await
    }

    /// [`Inventory::rotations_recover`] as if it were `now` (tests).
    pub(crate) async fn rotations_recover_at(&self, now: DateTime<Utc>) -> Result<RecoveryReport> {
        let open = self.journal().open().await?;
        let mut report = RecoveryReport::default();
        if open.is_empty() {
            return Ok(report);
        }
        let gate = RateGate::default();
        let done = AtomicUsize::new(0);
        let driver = self.driver(&gate, &no_events, &done, open.len())?;
        for candidate in open {
            if candidate.waits_for_user() || candidate.waits_for_grace(now) {
                report.waiting += 1;
                continue;
            }
            if candidate.next_attempt_at.is_some_and(|t| t > now) {
                report.backing_off += 1;
                continue;
            }
            let (mut rec, hb) = match self.lease(candidate.id).await {
                Ok(x) => x,
                Err(Error::Rotation(RotationError::Leased { .. })) => {
                    report.leased_elsewhere += 1;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let result = driver.recover_one(&mut rec).await;
            drop(hb);
            self.release(rec.id).await;
            let action = match result {
                Ok(Some(a)) => a,
                Ok(None) => {
                    report.waiting += 1;
                    continue;
                }
                Err(e) => {
                    let e = driver.stop(&mut rec, e).await;
                    RecoveryAction {
                        rotation_id: rec.id,
                        key_id: rec.key_id,
                        key_name: rec.key_name.clone(),
                        action: RecoveryKind::Stopped,
                        step: rec.step,
                        detail: format!("could not recover yet: {e}"),
                    }
                }
            };
            // Still stuck (it stopped, or was flagged and stays open): try again later, later
            // each time. A rotation that moved on has its hint cleared by the step it took.
            if matches!(action.action, RecoveryKind::Stopped | RecoveryKind::Flagged)
                && !rec.step.is_terminal()
            {
                let attempts = rec.attempts.max(1);
                let next = now
                    + chrono::Duration::from_std(recovery_backoff(attempts))
                        .unwrap_or_else(|_| chrono::Duration::hours(6));
                if let Err(e) = self.journal().set_next_attempt(rec.id, Some(next)).await {
                    tracing::warn!(rotation = %rec.id, error = %e, "could not schedule the next recovery attempt");
                }
            }
            report.actions.push(action);
        }
        Ok(report)
    }

    /// Revokes the old keys whose grace period ended by `now` (create + revoke rotations at
    /// `promoted`). Run at start-up and by `keyward rotations --run-due`.
    pub async fn revocations_run_due(
        &self,
        now: DateTime<Utc>,
        on_event: EventSink<'_>,
    ) -> Result<Vec<RotationOutcome>> {
        let due: Vec<RotationRecord> = self
            .journal()
            .open()
            .await?
            .into_iter()
            .filter(|r| {
                r.flavour == RotationFlavour::CreateRevoke
                    && r.step == RotationStep::Promoted
                    && r.revoke_after.is_some_and(|t| t <= now)
            })
            .collect();
        let gate = RateGate::default();
        let done = AtomicUsize::new(0);
        let driver = self.driver(&gate, on_event, &done, due.len())?;
        let mut out = Vec::new();
        for r in due {
            let result = self.drive_leased(r.id, &driver).await;
            done.fetch_add(1, Ordering::Relaxed);
            out.push(match result {
                Ok(rec) => RotationOutcome {
                    key_id: rec.key_id,
                    key_name: rec.key_name.clone(),
                    message: outcome_message(&rec),
                    rotation: Some(rec),
                    error_code: None,
                },
                Err(e) => RotationOutcome {
                    key_id: r.key_id,
                    key_name: r.key_name.clone(),
                    rotation: self.journal().get(r.id).await.ok().flatten(),
                    error_code: Some(e.code().to_owned()),
                    message: e.to_string(),
                },
            });
        }
        Ok(out)
    }
}
