//! The rotation engine: the journal's state machine driven against the providers and the
//! keychain. Every step is committed to the journal before the next side effect; each step
//! can run again after a crash (keychain writes are checked by fingerprint first, provider
//! writes by listing keys by the idempotency token or verifying the old value first).

use super::gate::RateGate;
use super::journal::RotationJournal;
use super::lease::{self, Heartbeat};
use super::plan::{api_managed, choose_flavour, keeps_permissions, new_key_scopes, widened_scopes};
use super::remote::{self, KeyApi};
use super::safety;
use super::test_hooks::pause_after;
use super::{
    pending_account, previous_account, RotateOptions, RotationError, RotationEvent,
    RotationEventKind, RotationFilter, RotationFlavour, RotationOutcome, RotationRecord,
    RotationStep,
};
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::inventory::{on_vault, Inventory, NewKey};
use crate::model::{AuditAction, KeyRecord, KeyStatus};
use crate::providers::http::Http;
use crate::providers::{
    self, ClientError, NewRemoteValue, Verification, VerifyOutcome, VerifyTarget,
};
use crate::secret::Secret;
use crate::store::NewAuditEvent;
use chrono::Utc;
use futures_util::stream::{self, StreamExt};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use uuid::Uuid;

/// A live-progress callback (window wizard, CLI progress line).
pub type EventSink<'a> = &'a (dyn Fn(&RotationEvent) + Send + Sync);

/// Attempts of one provider write when it is rate limited (each after checking the
/// provider's state, never blindly).
pub(super) const WRITE_ATTEMPTS: u32 = 6;
/// Longest wait honoured from a `Retry-After` on the write path.
pub(super) const MAX_WRITE_WAIT: Duration = Duration::from_secs(60);
/// Overrides the provider HTTP timeout (seconds) for slow links; tests use it too.
pub const HTTP_TIMEOUT_ENV: &str = "KEYWARD_HTTP_TIMEOUT_SECS";
/// Overrides how long a revoked key may keep working before it is called alive.
pub const REVOKE_PROPAGATION_ENV: &str = "KEYWARD_REVOKE_PROPAGATION_SECS";

pub(super) fn http() -> Result<Http> {
    let total = std::env::var(HTTP_TIMEOUT_ENV)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_secs(20));
    Ok(Http::with_timeouts(
        total.min(Duration::from_secs(5)),
        total,
    )?)
}

/// Errors after which a provider write may or may not have happened.
pub(super) fn ambiguous(e: &ClientError) -> bool {
    matches!(
        e,
        ClientError::Server { .. }
            | ClientError::Timeout
            | ClientError::Transport(_)
            | ClientError::Malformed(_)
    )
}

pub(super) fn new_token() -> String {
    Uuid::new_v4().simple().to_string()[..10].to_owned()
}

pub(super) fn last4(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// How long a deleted key of this provider may go on working (a documented propagation
/// delay); `KEYWARD_REVOKE_PROPAGATION_SECS` overrides it.
pub(super) fn revocation_propagation(key: &KeyRecord) -> Duration {
    if let Some(secs) = std::env::var(REVOKE_PROPAGATION_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Duration::from_secs(secs);
    }
    providers::get(&key.provider).map_or(Duration::ZERO, |p| p.revocation_propagation())
}

/// Asks `look` whether a deleted key is dead, again and again with backoff for up to `bound`
/// while it still answers (`Some(false)`): a provider with a propagation delay (SendGrid) is
/// never called alive after one look. `on_wait` runs once, before the first wait.
pub(super) async fn poll_until_dead<F, Fut>(
    bound: Duration,
    mut look: F,
    on_wait: impl FnOnce(Duration),
) -> Result<Option<bool>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<bool>>>,
{
    let started = std::time::Instant::now();
    let mut wait = Duration::from_millis(250);
    let mut on_wait = Some(on_wait);
    loop {
        let dead = look().await?;
        if dead != Some(false) || started.elapsed() >= bound {
            return Ok(dead);
        }
        if let Some(f) = on_wait.take() {
            f(bound);
        }
        tokio::time::sleep(wait.min(bound.saturating_sub(started.elapsed()))).await;
        wait = (wait * 2).min(Duration::from_secs(10));
    }
}

pub(super) fn dashboard_url(key: &KeyRecord) -> String {
    providers::profile(&key.provider)
        .map(|p| {
            p.kind(&key.kind)
                .map(|k| k.dashboard_url)
                .filter(|u| !u.is_empty())
                .unwrap_or(p.dashboard_url)
                .to_owned()
        })
        .unwrap_or_default()
}

/// What one rotation needs from the inventory: the key, its connection and admin key.
pub(super) struct Ctx {
    pub(super) key: KeyRecord,
    pub(super) connection: Option<Connection>,
    pub(super) admin: Option<Secret>,
}

impl Ctx {
    pub(super) fn api<'a>(&'a self, http: &'a Http) -> Result<KeyApi<'a>> {
        let (Some(connection), Some(admin)) = (&self.connection, &self.admin) else {
            return Err(RotationError::Unsupported(no_connection(&self.key)).into());
        };
        Ok(KeyApi::new(http, connection, admin, &self.key.kind)?)
    }
}

/// Why a key cannot be rotated through an API, in words for any front end (no command names).
pub(super) fn no_connection(key: &KeyRecord) -> String {
    format!(
        "'{}' is not linked to a connection with an admin key, so Keyward cannot ask the provider to replace it; link it to a connection first",
        key.name
    )
}

/// Start of the note a native roll leaves when the provider reports the rolled key disabled or
/// expired: the roll happened (the old value is dead), the new value is kept, and the key's
/// status says why it does not work yet.
pub(super) const ROLLED_UNUSABLE: &str =
    "the provider rolled the value (the old one no longer works) and reports the key";

/// One run of the engine (a single rotation, a bulk run, or start-up recovery).
pub(super) struct Driver<'a> {
    pub(super) inv: &'a Inventory,
    pub(super) journal: RotationJournal,
    pub(super) http: Http,
    pub(super) gate: &'a RateGate,
    pub(super) on_event: EventSink<'a>,
    pub(super) done: &'a AtomicUsize,
    pub(super) total: usize,
}

impl Driver<'_> {
    pub(super) fn emit(
        &self,
        rec: &RotationRecord,
        kind: RotationEventKind,
        message: impl Into<String>,
    ) {
        (self.on_event)(&RotationEvent {
            rotation_id: rec.id,
            key_id: rec.key_id,
            key_name: rec.key_name.clone(),
            flavour: rec.flavour,
            step: rec.step,
            kind,
            message: message.into(),
            done: self.done.load(Ordering::Relaxed),
            total: self.total,
        });
    }

    pub(super) fn event(
        &self,
        action: AuditAction,
        key: &KeyRecord,
        detail: String,
    ) -> NewAuditEvent {
        self.inv.audit(action, Some(key), detail)
    }

    /// Commits the move to `to` (with the key update and audit events, atomically), then
    /// reports it and honours a test pause point.
    pub(super) async fn advance(
        &self,
        rec: &mut RotationRecord,
        to: RotationStep,
        key: Option<&KeyRecord>,
        events: &[NewAuditEvent],
    ) -> Result<()> {
        let from = rec.step;
        let before = rec.clone();
        let now = Utc::now();
        rec.step = to;
        rec.error_code = None;
        rec.error_message = None;
        rec.next_attempt_at = None;
        rec.updated_at = now;
        if to.is_terminal() {
            rec.finished_at = Some(now);
        }
        if let Err(e) = self.journal.save(rec, from, key, events).await {
            *rec = before;
            return Err(e.into());
        }
        tracing::info!(rotation = %rec.id, key_id = %rec.key_id, step = to.as_str(), "rotation step");
        self.emit(rec, RotationEventKind::Step, step_message(rec));
        pause_after(to.as_str());
        Ok(())
    }

    /// Records why the rotation stopped (it stays at its step, resumable) and returns the error.
    pub(super) async fn stop(&self, rec: &mut RotationRecord, err: Error) -> Error {
        rec.attempts += 1;
        rec.error_code = Some(err.code().to_owned());
        rec.error_message = Some(err.to_string().chars().take(500).collect());
        rec.updated_at = Utc::now();
        if let Err(e) = self.journal.save(rec, rec.step, None, &[]).await {
            tracing::warn!(rotation = %rec.id, error = %e, "could not record a rotation's error");
        }
        tracing::warn!(rotation = %rec.id, step = rec.step.as_str(), code = err.code(), "rotation stopped");
        self.emit(rec, RotationEventKind::Stopped, err.to_string());
        err
    }

    pub(super) async fn ctx(&self, key_id: Uuid) -> Result<Ctx> {
        let key = self.inv.get(key_id).await?;
        let connections = self.inv.connections().await?;
        // A connection's admin key rotates through its own connection.
        let connection = match key.connection_id {
            Some(id) => connections.into_iter().find(|c| c.id == id),
            None => connections
                .into_iter()
                .find(|c| c.admin_key_id == Some(key.id)),
        };
        let admin = match connection.as_ref().and_then(|c| c.admin_key_id) {
            Some(admin_id) => {
                let account = admin_id.to_string();
                on_vault(&self.inv.vault, move |v| v.get(&account)).await?
            }
            None => None,
        };
        Ok(Ctx {
            key,
            connection,
            admin,
        })
    }

    pub(super) async fn vault_get(&self, account: String) -> Result<Option<Secret>> {
        on_vault(&self.inv.vault, move |v| v.get(&account)).await
    }

    pub(super) async fn vault_set(&self, account: String, value: &Secret) -> Result<()> {
        let value = value.clone();
        on_vault(&self.inv.vault, move |v| v.set(&account, &value)).await
    }

    pub(super) async fn vault_delete(&self, account: String) -> Result<()> {
        on_vault(&self.inv.vault, move |v| v.delete(&account)).await
    }

    pub(super) async fn fingerprint(&self, value: &Secret) -> Result<String> {
        Ok(self.inv.fingerprinter().await?.fingerprint(value))
    }

    /// Asks the provider whether `value` works as the key `ctx.key` (`remote_id`: which
    /// remote key it should be). PostHog project secret keys have no verify call: the
    /// connection's list must show that id with this value's mask.
    pub(super) async fn verify_value(
        &self,
        ctx: &Ctx,
        remote_id: Option<&str>,
        value: &Secret,
    ) -> Result<Verification> {
        let key = &ctx.key;
        // Reads wait out a rate limit another rotation of this run ran into, too.
        self.gate.wait(&key.provider).await;
        if ctx.connection.is_some() && ctx.admin.is_some() {
            if let Some(v) = ctx.api(&self.http)?.verify_managed(remote_id, value).await {
                return Ok(v?);
            }
        }
        let custom = self.inv.custom_providers().await?;
        let spec = custom.iter().find(|c| c.id == key.provider);
        let target = VerifyTarget::for_key(key, ctx.connection.as_ref(), spec);
        Ok(providers::verify(&self.http, &target, value).await?)
    }

    /// Whether a native roll already happened at the provider (its answer lost): the old
    /// value no longer works, or PostHog shows another value / a later roll.
    pub(super) async fn check_rolled(&self, rec: &RotationRecord, ctx: &Ctx) -> Result<bool> {
        let old = self.vault_get(ctx.key.id.to_string()).await?;
        if let Some(old_remote) = rec.old_remote_id.as_deref() {
            let old_tail = match &old {
                // EXPOSE: the last four characters, compared with the provider's mask.
                Some(v) => last4(v.expose()),
                None => last4(&ctx.key.masked_hint),
            };
            let api = ctx.api(&self.http)?;
            if let Some(rolled) = api
                .rolled_since(old_remote, rec.created_at, &old_tail)
                .await
            {
                return Ok(rolled?);
            }
        }
        let Some(old) = old else {
            return Err(RotationError::Unsupported(
                "the old value is not in the keychain, so Keyward cannot tell whether the roll happened".into(),
            )
            .into());
        };
        let v = self
            .verify_value(ctx, rec.old_remote_id.as_deref(), &old)
            .await?;
        Ok(v.outcome != VerifyOutcome::Valid)
    }

    /// Deletes every remote key carrying this rotation's token except `keep`; returns how many.
    pub(super) async fn revoke_orphans(
        &self,
        rec: &mut RotationRecord,
        ctx: &Ctx,
        keep: Option<&str>,
    ) -> Result<usize> {
        let api = ctx.api(&self.http)?;
        let orphans = api.find_by_token(&rec.token).await?;
        let mut n = 0;
        for o in orphans.iter().filter(|o| Some(o.id.as_str()) != keep) {
            api.delete(&o.id).await?;
            n += 1;
            tracing::info!(rotation = %rec.id, remote_id = %o.id, "orphaned remote key revoked");
        }
        if n > 0 {
            rec.note = Some(format!(
                "revoked {n} remote key{} created by an interrupted attempt (named with token {})",
                if n == 1 { "" } else { "s" },
                rec.token
            ));
        }
        Ok(n)
    }

    /// The provider write of `planned`: roll, or create the new remote key. A 429 is waited
    /// out (shared gate) and the provider's state is checked before the write is tried again;
    /// an answer that may have been lost is reconciled the same way.
    pub(super) async fn remote_write(
        &self,
        rec: &mut RotationRecord,
        ctx: &Ctx,
    ) -> Result<NewRemoteValue> {
        let api = ctx.api(&self.http)?;
        let provider = ctx.key.provider.clone();
        let old_remote = rec.old_remote_id.clone().ok_or_else(|| {
            RotationError::Unsupported(format!(
                "the provider's id of key '{}' is unknown: run `keyward verify` or `keyward sync` first",
                ctx.key.name
            ))
        })?;
        let name = rec
            .remote_name
            .clone()
            .unwrap_or_else(|| remote::remote_name(&ctx.key.name, &rec.token));
        let mut last = None;
        for _ in 0..WRITE_ATTEMPTS {
            self.gate.wait(&provider).await;
            let result = match rec.flavour {
                RotationFlavour::NativeRoll => api.roll(&old_remote).await,
                _ => {
                    api.create_replacement(&name, &rec.scopes, &old_remote)
                        .await
                }
            };
            let err = match result {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            match &err {
                ClientError::RateLimited { retry_after } => {
                    let wait = retry_after
                        .unwrap_or(Duration::from_secs(1))
                        .min(MAX_WRITE_WAIT);
                    self.gate.hold(&provider, wait);
                    self.emit(
                        rec,
                        RotationEventKind::Waiting,
                        format!(
                            "rate limited; waiting {} s, then checking before trying again",
                            wait.as_secs_f32().ceil()
                        ),
                    );
                    self.gate.wait(&provider).await;
                    // A 429 should mean "not done"; check anyway before writing again.
                    if rec.flavour != RotationFlavour::NativeRoll {
                        self.revoke_orphans(rec, ctx, None).await?;
                    }
                    // A second roll after an unnoticed one is harmless: the value we keep is
                    // the last one, and the old value is dead either way.
                }
                e if ambiguous(e) => {
                    if rec.flavour == RotationFlavour::NativeRoll {
                        match self.check_rolled(rec, ctx).await {
                            Ok(true) => {
                                rec.note = Some(
                                    "the provider's answer to the roll was lost; rolled again to get a value to keep".into(),
                                );
                                tracing::warn!(rotation = %rec.id, "roll answer lost; rolling again");
                            }
                            Ok(false) => return Err(err.into()),
                            Err(check) => {
                                tracing::warn!(rotation = %rec.id, error = %check, "cannot tell whether the roll happened");
                                return Err(err.into());
                            }
                        }
                    } else {
                        if let Err(check) = self.revoke_orphans(rec, ctx, None).await {
                            tracing::warn!(rotation = %rec.id, error = %check, "cannot check for an orphaned key now; recovery will");
                        }
                        return Err(err.into());
                    }
                }
                _ => return Err(err.into()),
            }
            last = Some(err);
        }
        Err(last
            .unwrap_or(ClientError::RateLimited { retry_after: None })
            .into())
    }

    /// `planned` → `created` for API flavours.
    pub(super) async fn create_new(&self, rec: &mut RotationRecord, ctx: &Ctx) -> Result<()> {
        let new = self.remote_write(rec, ctx).await?;
        pause_after("remote_created");
        // The only copy of the new value is in memory: keychain first, nothing in between.
        self.vault_set(pending_account(ctx.key.id), &new.value)
            .await?;
        pause_after("pending_stored");
        rec.new_fingerprint = Some(self.fingerprint(&new.value).await?);
        rec.new_remote_id = Some(new.remote_id);
        if rec.scopes.is_empty() && !new.scopes.is_empty() {
            rec.scopes = new.scopes;
        }
        self.advance(rec, RotationStep::Created, None, &[]).await
    }

    /// `created` → `verified`: the new value works with the expected privilege.
    pub(super) async fn verify_new(&self, rec: &mut RotationRecord, ctx: &Ctx) -> Result<()> {
        let Some(new) = self.vault_get(pending_account(ctx.key.id)).await? else {
            return Err(Error::SecretMissing(format!(
                "{} (pending value)",
                ctx.key.name
            )));
        };
        let remote = rec.new_remote_id.clone().or(rec.old_remote_id.clone());
        let v = match self.verify_value(ctx, remote.as_deref(), &new).await {
            Ok(v) => v,
            Err(Error::Client(ClientError::Unsupported(why)))
                if rec.flavour == RotationFlavour::Guided =>
            {
                rec.note = Some(format!("the new value could not be verified: {why}"));
                Verification::valid("not verifiable")
            }
            Err(e) => return Err(e),
        };
        drop(new);
        if rec.flavour == RotationFlavour::NativeRoll
            && matches!(v.outcome, VerifyOutcome::Disabled | VerifyOutcome::Expired)
        {
            // The provider knows the new value as this key's and says the key itself is
            // disabled (or expired): the roll happened and the old value is dead, so the new
            // value is the one to keep. Calling it "not verified, the old key stays current"
            // would be false.
            rec.note = Some(format!(
                "{ROLLED_UNUSABLE} {}: the new value works only once the key is enabled there again",
                v.outcome.as_str()
            ));
            return self.advance(rec, RotationStep::Verified, None, &[]).await;
        }
        if v.outcome != VerifyOutcome::Valid {
            return Err(RotationError::NewKeyInvalid(format!(
                "{} ({})",
                v.outcome.as_str(),
                v.detail
            ))
            .into());
        }
        if let Some(granted) = &v.scopes {
            let missing: Vec<&String> =
                rec.scopes.iter().filter(|s| !granted.contains(s)).collect();
            if !missing.is_empty() {
                return Err(RotationError::NewKeyInvalid(format!(
                    "it lacks the scopes {}",
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .into());
            }
            rec.scopes = granted.clone();
        }
        self.advance(rec, RotationStep::Verified, None, &[]).await
    }

    /// `verified` → `promoted`: the new value becomes current, the old one previous. Each
    /// keychain write is checked by fingerprint first, so running this again after a crash
    /// never overwrites the old value with the new one.
    pub(super) async fn promote(&self, rec: &mut RotationRecord, ctx: &Ctx) -> Result<()> {
        let key_id = ctx.key.id;
        let pending = self.vault_get(pending_account(key_id)).await?;
        let current = self.vault_get(key_id.to_string()).await?;
        let current_fp = match &current {
            Some(c) => Some(self.fingerprint(c).await?),
            None => None,
        };
        let new_fp = rec.new_fingerprint.clone();
        let already = current_fp.is_some() && current_fp == new_fp;
        let mut masked_hint = ctx.key.masked_hint.clone();
        if !already {
            let Some(new) = &pending else {
                return Err(Error::SecretMissing(format!(
                    "{} (pending value)",
                    ctx.key.name
                )));
            };
            if let Some(old) = &current {
                self.vault_set(previous_account(key_id), old).await?;
            }
            self.vault_set(key_id.to_string(), new).await?;
        }
        let value_for_hint = match &pending {
            Some(p) => Some(p.clone()),
            None => current.clone(),
        };
        if let Some(v) = &value_for_hint {
            // EXPOSE: the hint shows at most the last four characters.
            masked_hint = providers::masked_hint(v.expose());
        }
        if pending.is_some() {
            self.vault_delete(pending_account(key_id)).await?;
        }
        let now = Utc::now();
        let mut key = self.inv.get(key_id).await?;
        key.fingerprint = new_fp;
        key.masked_hint = masked_hint;
        if let Some(r) = &rec.new_remote_id {
            key.remote_id = Some(r.clone());
        }
        if !rec.scopes.is_empty() {
            key.scopes = rec.scopes.clone();
        }
        key.last_rotated_at = Some(now);
        key.last_verified_at = Some(now);
        match rec
            .note
            .as_deref()
            .filter(|n| n.starts_with(ROLLED_UNUSABLE))
        {
            Some(n) => {
                key.verify_outcome = Some(if n.contains("expired") {
                    VerifyOutcome::Expired
                } else {
                    VerifyOutcome::Disabled
                });
                key.verify_detail = Some(n.to_owned());
            }
            None => {
                key.verify_outcome = Some(VerifyOutcome::Valid);
                key.verify_detail = Some("verified during rotation".into());
            }
        }
        if key.status == KeyStatus::Invalid || key.status == KeyStatus::Pending {
            key.status = KeyStatus::Active;
        }
        key.updated_at = now;
        rec.revoke_after = match rec.flavour {
            RotationFlavour::CreateRevoke => {
                Some(now + chrono::Duration::seconds(rec.grace_secs.max(0)))
            }
            _ => None,
        };
        let detail = match rec.flavour {
            RotationFlavour::NativeRoll => {
                "rotated (native roll): new value current; the old value died with the roll"
                    .to_owned()
            }
            RotationFlavour::CreateRevoke => format!(
                "rotated (create + revoke): new value current; the old key is revoked {}",
                if rec.grace_secs > 0 {
                    format!("after a grace period of {} s", rec.grace_secs)
                } else {
                    "now".into()
                }
            ),
            RotationFlavour::Guided => {
                "rotated (guided): new value current; revoke the old one in the dashboard".into()
            }
        };
        let event = self.event(AuditAction::Rotated, &key, detail);
        self.advance(rec, RotationStep::Promoted, Some(&key), &[event])
            .await
    }

    /// Whether the old value is dead at the provider. `None` when it cannot be told.
    pub(super) async fn old_is_dead(
        &self,
        rec: &RotationRecord,
        ctx: &Ctx,
    ) -> Result<Option<bool>> {
        let old = self.vault_get(previous_account(ctx.key.id)).await?;
        let api_key = api_managed(&ctx.key);
        match (old, rec.flavour) {
            (Some(old), _) => match self
                .verify_value(ctx, rec.old_remote_id.as_deref(), &old)
                .await
            {
                Ok(v) => Ok(Some(v.outcome != VerifyOutcome::Valid)),
                Err(Error::Client(ClientError::Unsupported(_))) => Ok(None),
                Err(e) => Err(e),
            },
            (None, RotationFlavour::CreateRevoke) if api_key => {
                let api = ctx.api(&self.http)?;
                let listed = api.list().await?;
                Ok(Some(!listed.iter().any(|k| {
                    Some(k.id.as_str()) == rec.old_remote_id.as_deref()
                })))
            }
            (None, RotationFlavour::NativeRoll) => Ok(Some(true)),
            _ => Ok(None),
        }
    }

    /// [`Driver::old_is_dead`], polled for as long as the provider documents that a deleted
    /// key may keep working (see [`poll_until_dead`]).
    pub(super) async fn old_is_dead_within(
        &self,
        rec: &RotationRecord,
        ctx: &Ctx,
    ) -> Result<Option<bool>> {
        poll_until_dead(revocation_propagation(&ctx.key), || self.old_is_dead(rec, ctx), |bound| {
            self.emit(
                rec,
                RotationEventKind::Waiting,
                format!(
                    "the old key was deleted and still answers; {} documents a propagation delay, checking again for up to {} s",
                    providers::profile(&ctx.key.provider).map_or("the provider", |p| p.display_name),
                    bound.as_secs()
                ),
            );
        })
        .await
    }

    /// `promoted` → `old_revoked` (API flavours; guided goes through `confirm_revoked`).
    pub(super) async fn revoke_old(&self, rec: &mut RotationRecord, ctx: &Ctx) -> Result<()> {
        if rec.flavour == RotationFlavour::CreateRevoke {
            let api = ctx.api(&self.http)?;
            let old = rec.old_remote_id.clone().ok_or_else(|| {
                RotationError::Unsupported("the old key's remote id is unknown".into())
            })?;
            let provider = ctx.key.provider.clone();
            let mut attempt = 0;
            loop {
                self.gate.wait(&provider).await;
                match api.delete(&old).await {
                    Ok(()) => break,
                    // Deleting is idempotent (404 counts as done), so a retry is safe.
                    Err(ClientError::RateLimited { retry_after })
                        if attempt + 1 < WRITE_ATTEMPTS =>
                    {
                        let wait = retry_after
                            .unwrap_or(Duration::from_secs(1))
                            .min(MAX_WRITE_WAIT);
                        self.gate.hold(&provider, wait);
                        self.emit(
                            rec,
                            RotationEventKind::Waiting,
                            format!("rate limited; waiting {} s", wait.as_secs_f32().ceil()),
                        );
                        attempt += 1;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            pause_after("remote_revoked");
        }
        match self.old_is_dead_within(rec, ctx).await? {
            Some(true) => {}
            Some(false) => {
                return Err(RotationError::OldKeyStillValid {
                    dashboard: dashboard_url(&ctx.key),
                }
                .into())
            }
            None => {
                rec.note = Some("the provider cannot confirm that the old value is dead".into());
            }
        }
        let key = self.inv.get(ctx.key.id).await?;
        let event = self.event(
            AuditAction::Revoked,
            &key,
            format!(
                "old value revoked ({}) and confirmed dead",
                rec.flavour.as_str()
            ),
        );
        self.advance(rec, RotationStep::OldRevoked, None, &[event])
            .await
    }

    /// `old_revoked` → `done`: the previous value leaves the keychain.
    pub(super) async fn finish(&self, rec: &mut RotationRecord, ctx: &Ctx) -> Result<()> {
        self.vault_delete(previous_account(ctx.key.id)).await?;
        self.vault_delete(pending_account(ctx.key.id)).await?;
        self.advance(rec, RotationStep::Done, None, &[]).await
    }

    /// Drives a rotation as far as it can go now (done, promoted in grace, or waiting for the
    /// user). Errors leave it at its step with the error recorded.
    pub(super) async fn drive(&self, rec: &mut RotationRecord) -> Result<()> {
        let ctx = match self.ctx(rec.key_id).await {
            Ok(c) => c,
            Err(e) => return Err(self.stop(rec, e).await),
        };
        loop {
            let outcome = match rec.step {
                RotationStep::Planned if rec.flavour == RotationFlavour::Guided => break,
                RotationStep::Planned => self.create_new(rec, &ctx).await,
                RotationStep::Created => match self.verify_new(rec, &ctx).await {
                    Err(Error::Rotation(RotationError::NewKeyInvalid(why))) => {
                        return Err(self.reject_new(rec, &ctx, why).await);
                    }
                    other => other,
                },
                RotationStep::Verified => self.promote(rec, &ctx).await,
                RotationStep::Promoted => match rec.flavour {
                    RotationFlavour::Guided => break,
                    RotationFlavour::CreateRevoke
                        if rec.revoke_after.is_some_and(|t| t > Utc::now()) =>
                    {
                        break
                    }
                    _ => self.revoke_old(rec, &ctx).await,
                },
                RotationStep::OldRevoked => self.finish(rec, &ctx).await,
                RotationStep::Done | RotationStep::Failed | RotationStep::RolledBack => break,
            };
            if let Err(e) = outcome {
                return Err(self.stop(rec, e).await);
            }
        }
        self.emit(rec, RotationEventKind::Finished, step_message(rec));
        Ok(())
    }

    /// A new value that does not verify: create + revoke rolls back (the new remote key is
    /// deleted); guided goes back to waiting for a paste; a native roll cannot go back (the
    /// old value is dead) and stays at `created`, flagged.
    pub(super) async fn reject_new(
        &self,
        rec: &mut RotationRecord,
        ctx: &Ctx,
        why: String,
    ) -> Error {
        let err = Error::Rotation(RotationError::NewKeyInvalid(why.clone()));
        match rec.flavour {
            RotationFlavour::CreateRevoke => {
                let cleanup = async {
                    let api = ctx.api(&self.http)?;
                    if let Some(id) = &rec.new_remote_id {
                        api.delete(id).await?;
                    }
                    self.vault_delete(pending_account(ctx.key.id)).await
                };
                if let Err(e) = cleanup.await {
                    return self.stop(rec, e).await;
                }
                rec.note = Some(format!("the new key did not verify ({why}); it was revoked and the old key stays current"));
                if let Err(e) = self.advance(rec, RotationStep::RolledBack, None, &[]).await {
                    return e;
                }
                self.emit(rec, RotationEventKind::Stopped, err.to_string());
                err
            }
            RotationFlavour::Guided => {
                if let Err(e) = self.vault_delete(pending_account(ctx.key.id)).await {
                    return self.stop(rec, e).await;
                }
                rec.new_fingerprint = None;
                if let Err(e) = self.advance(rec, RotationStep::Planned, None, &[]).await {
                    return e;
                }
                self.emit(rec, RotationEventKind::Stopped, err.to_string());
                err
            }
            // The roll happened: the old value is dead whatever the new one does.
            RotationFlavour::NativeRoll => {
                self.stop(rec, RotationError::RolledNewKeyInvalid(why).into())
                    .await
            }
        }
    }
}

/// One sentence about where a rotation stands.
pub(crate) fn step_message(rec: &RotationRecord) -> String {
    match rec.step {
        RotationStep::Planned if rec.flavour == RotationFlavour::Guided => {
            "waiting for the new value from the provider's dashboard".into()
        }
        RotationStep::Planned => "planned".into(),
        RotationStep::Created => "new value stored in the keychain as pending".into(),
        RotationStep::Verified => "new value verified at the provider".into(),
        RotationStep::Promoted => match rec.flavour {
            RotationFlavour::Guided => {
                "new value is current; revoke the old one in the dashboard, then confirm".into()
            }
            _ => match rec.revoke_after {
                Some(t) if t > Utc::now() => format!(
                    "a new key was created at the provider and is current; the old key keeps working until {}, then it is deleted there",
                    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
                _ => "new value is current".into(),
            },
        },
        RotationStep::OldRevoked => "old value revoked and confirmed dead".into(),
        RotationStep::Done => match rec.flavour {
            RotationFlavour::NativeRoll => {
                "done: rolled at the provider; the new value is current and the old one no longer works".into()
            }
            RotationFlavour::CreateRevoke => {
                "done: a new key was created at the provider and is current; the old key was deleted there and no longer works".into()
            }
            RotationFlavour::Guided => {
                "done: the new value is current; the provider refuses the old one".into()
            }
        },
        RotationStep::Failed => "failed; needs you".into(),
        RotationStep::RolledBack => "rolled back; the old key stays current".into(),
    }
}

/// What a finished attempt tells the user: where the rotation stands, and what the engine or
/// the provider added (a disabled key, an orphan revoked).
pub(crate) fn outcome_message(rec: &RotationRecord) -> String {
    match &rec.note {
        Some(n) if !n.is_empty() => format!("{}; {n}", step_message(rec)),
        _ => step_message(rec),
    }
}

pub(super) fn no_events(_: &RotationEvent) {}

impl Inventory {
    pub(super) fn journal(&self) -> RotationJournal {
        RotationJournal::new(self.store())
    }

    pub(super) fn driver<'a>(
        &'a self,
        gate: &'a RateGate,
        on_event: EventSink<'a>,
        done: &'a AtomicUsize,
        total: usize,
    ) -> Result<Driver<'a>> {
        Ok(Driver {
            inv: self,
            journal: self.journal(),
            http: http()?,
            gate,
            on_event,
            done,
            total,
        })
    }

    pub(super) async fn lease(&self, id: Uuid) -> Result<(RotationRecord, Heartbeat)> {
        let now = Utc::now();
        let rec = self
            .journal()
            .acquire_lease(
                id,
                lease::this_process(),
                lease::until(now),
                now,
                lease::owner_dead,
            )
            .await?;
        Ok((rec, Heartbeat::start(self.journal(), id)))
    }

    pub(super) async fn release(&self, id: Uuid) {
        if let Err(e) = self
            .journal()
            .release_lease(id, lease::this_process())
            .await
        {
            tracing::warn!(rotation = %id, error = %e, "could not release a rotation lease");
        }
    }

    /// Drives an existing rotation under its lease.
    pub(super) async fn drive_leased(
        &self,
        id: Uuid,
        driver: &Driver<'_>,
    ) -> Result<RotationRecord> {
        let (mut rec, hb) = self.lease(id).await?;
        let out = driver.drive(&mut rec).await;
        drop(hb);
        self.release(id).await;
        out.map(|()| rec)
    }

    /// Rotates one key through the API (native roll or create + revoke) as far as it can go
    /// now: done, or promoted with the old key in its grace period. A guided key gets a
    /// guided rotation started (waiting for the pasted value). An unfinished rotation of the
    /// key is resumed instead of starting a new one. (Front ends rotate through `rotate_many`,
    /// which shares rate limits across keys; this one drives the unit tests.)
    #[cfg(test)]
    pub(crate) async fn rotate(
        &self,
        key_id: Uuid,
        opts: &RotateOptions,
        on_event: EventSink<'_>,
    ) -> Result<RotationRecord> {
        let gate = RateGate::default();
        let done = AtomicUsize::new(0);
        let driver = self.driver(&gate, on_event, &done, 1)?;
        self.rotate_with(key_id, opts, &driver).await
    }

    pub(super) async fn rotate_with(
        &self,
        key_id: Uuid,
        opts: &RotateOptions,
        driver: &Driver<'_>,
    ) -> Result<RotationRecord> {
        if let Some(open) = self.journal().open_for_key(key_id).await? {
            if open.waits_for_user() {
                return Err(RotationError::WrongStep {
                    step: open.step.as_str().into(),
                    wanted: if open.step == RotationStep::Planned {
                        "rotate again: paste the new value (`keyward rotate --paste KEY`)".into()
                    } else {
                        "rotate again: revoke the old key in the dashboard and confirm (`keyward rotate --confirm-revoked KEY`)".into()
                    },
                }
                .into());
            }
            return self.drive_leased(open.id, driver).await;
        }
        let key = self.get(key_id).await?;
        let opts = &safety::options_for(&key, opts, &self.rotation_grace_defaults().await?);
        let flavour = choose_flavour(&key, opts)?;
        if flavour == RotationFlavour::Guided {
            return self.rotation_guided_start(key_id).await;
        }
        safety::check_accepted(&key, flavour, opts)?;
        let rec = self.plan_record(&key, flavour, opts, driver).await?;
        let id = rec.id;
        let hb = Heartbeat::start(self.journal(), id);
        let mut rec = rec;
        let out = driver.drive(&mut rec).await;
        drop(hb);
        self.release(id).await;
        out.map(|()| rec)
    }

    /// Journals a new API rotation (`planned`, lease ours). Learns the old key's remote id
    /// and scopes from the provider first when the inventory lacks them.
    pub(super) async fn plan_record(
        &self,
        key: &KeyRecord,
        flavour: RotationFlavour,
        opts: &RotateOptions,
        driver: &Driver<'_>,
    ) -> Result<RotationRecord> {
        self.require_keychain().await?;
        let ctx = driver.ctx(key.id).await?;
        ctx.api(&driver.http)?;
        let mut key = key.clone();
        let needs_learning = key.remote_id.is_none()
            || (flavour == RotationFlavour::CreateRevoke
                && !keeps_permissions(&key)
                && key.scopes.is_empty()
                && opts.scopes.is_none()
                && !opts.narrow);
        if needs_learning && key.fingerprint.is_some() {
            if let Some(old) = driver.vault_get(key.id.to_string()).await? {
                let v = driver.verify_value(&ctx, None, &old).await?;
                if key.remote_id.is_none() {
                    key.remote_id = v.remote_id.clone();
                }
                if key.scopes.is_empty() {
                    key.scopes = v.scopes.clone().unwrap_or_default();
                }
            }
        }
        if key.remote_id.is_none() {
            return Err(RotationError::Unsupported(format!(
                "the provider's id of key '{}' is unknown: run `keyward sync` for its connection first",
                key.name
            ))
            .into());
        }
        let (scopes, proposed) = if flavour == RotationFlavour::CreateRevoke {
            new_key_scopes(&key, opts)?
        } else {
            (Vec::new(), Vec::new())
        };
        if flavour == RotationFlavour::CreateRevoke && scopes.is_empty() && !keeps_permissions(&key)
        {
            return Err(Error::invalid(
                "scopes",
                "the old key's scopes are unknown: run `keyward verify` on it, or give --scopes / --narrow",
            ));
        }
        let now = Utc::now();
        let token = new_token();
        let rec = RotationRecord {
            id: Uuid::new_v4(),
            key_id: key.id,
            key_name: key.name.clone(),
            provider: key.provider.clone(),
            flavour,
            step: RotationStep::Planned,
            remote_name: (flavour == RotationFlavour::CreateRevoke)
                .then(|| remote::remote_name(&truncate(&key.name, 24), &token)),
            token,
            old_remote_id: key.remote_id.clone(),
            new_remote_id: None,
            old_fingerprint: key.fingerprint.clone(),
            new_fingerprint: None,
            scopes: scopes.clone(),
            grace_secs: if flavour == RotationFlavour::CreateRevoke {
                opts.grace
                    .map_or(0, |g| g.as_secs().min(i64::MAX as u64) as i64)
            } else {
                0
            },
            revoke_after: None,
            attempts: 0,
            error_code: None,
            error_message: None,
            note: None,
            lease_owner: Some(lease::this_process().to_owned()),
            lease_until: Some(lease::until(now)),
            created_at: now,
            updated_at: now,
            finished_at: None,
            next_attempt_at: None,
        };
        let widened = widened_scopes(&scopes, &proposed);
        let mut detail = format!("rotation started ({})", flavour.as_str());
        if !widened.is_empty() {
            detail.push_str(&format!(
                "; scopes widened beyond the purpose's least privilege: {}",
                widened.join(", ")
            ));
        }
        let event = self.audit(AuditAction::Rotated, Some(&key), detail);
        self.journal().insert(&rec, Some(&event)).await?;
        driver.emit(&rec, RotationEventKind::Step, "planned");
        pause_after("planned");
        Ok(rec)
    }

    /// Rotates many keys with bounded concurrency; one failure never stops the others. Rate
    /// limits are shared across the run (a 429 pauses every write to that provider for its
    /// `Retry-After`). Returns one outcome per key, in completion order.
    pub async fn rotate_many(
        &self,
        key_ids: Vec<Uuid>,
        opts: &RotateOptions,
        concurrency: usize,
        on_event: EventSink<'_>,
    ) -> Result<Vec<RotationOutcome>> {
        let gate = RateGate::default();
        self.rotate_many_gated(key_ids, opts, concurrency, on_event, &gate)
            .await
    }

    /// [`Inventory::rotate_many`] with a caller's gate (benchmarks read its 429 count).
    pub async fn rotate_many_gated(
        &self,
        key_ids: Vec<Uuid>,
        opts: &RotateOptions,
        concurrency: usize,
        on_event: EventSink<'_>,
        gate: &RateGate,
    ) -> Result<Vec<RotationOutcome>> {
        let key_ids = safety::unique(key_ids);
        let total = key_ids.len();
        let done = AtomicUsize::new(0);
        let driver = self.driver(gate, on_event, &done, total)?;
        let driver = &driver;
        let refused = &self.batch_refusals(&key_ids).await?;
        let outcomes = stream::iter(key_ids)
            .map(|id| async move {
                if let Some(why) = refused.get(&id) {
                    driver.done.fetch_add(1, Ordering::Relaxed);
                    let e = RotationError::AdminInBatch(why.clone());
                    return RotationOutcome {
                        key_id: id,
                        key_name: self.get(id).await.map(|k| k.name).unwrap_or_default(),
                        rotation: None,
                        error_code: Some(e.code().to_owned()),
                        message: e.to_string(),
                    };
                }
                let result = self.rotate_with(id, opts, driver).await;
                driver.done.fetch_add(1, Ordering::Relaxed);
                let name = match &result {
                    Ok(r) => r.key_name.clone(),
                    Err(_) => self.get(id).await.map(|k| k.name).unwrap_or_default(),
                };
                let rotation = match &result {
                    Ok(r) => Some(r.clone()),
                    Err(_) => self
                        .journal()
                        .list(&RotationFilter {
                            key_id: Some(id),
                            open_only: false,
                            limit: Some(1),
                        })
                        .await
                        .ok()
                        .and_then(|mut v| v.pop()),
                };
                match result {
                    Ok(r) => RotationOutcome {
                        key_id: id,
                        key_name: name,
                        message: outcome_message(&r),
                        rotation,
                        error_code: None,
                    },
                    Err(e) => RotationOutcome {
                        key_id: id,
                        key_name: name,
                        rotation,
                        error_code: Some(e.code().to_owned()),
                        message: e.to_string(),
                    },
                }
            })
            .buffer_unordered(concurrency.clamp(1, 64))
            .collect::<Vec<_>>()
            .await;
        Ok(outcomes)
    }

    /// The keys of a batch that may not rotate in it (a connection's admin key beside keys it
    /// serves), with why. Keys that cannot be read are left to the rotation to report.
    pub(super) async fn batch_refusals(
        &self,
        key_ids: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, String>> {
        let mut keys = Vec::with_capacity(key_ids.len());
        for id in key_ids {
            if let Ok(k) = self.get(*id).await {
                keys.push(k);
            }
        }
        let connections = self.connections().await?;
        Ok(keys
            .iter()
            .filter_map(|k| safety::batch_refusal(k, &keys, &connections).map(|why| (k.id, why)))
            .collect())
    }

    /// Abandons a rotation before its new value is promoted: the new remote key is revoked,
    /// the pending value deleted, the old key stays current. A native roll that already
    /// happened cannot be undone (the old value is dead).
    pub async fn rotation_abort(&self, rotation_id: Uuid) -> Result<RotationRecord> {
        let gate = RateGate::default();
        let done = AtomicUsize::new(0);
        let driver = self.driver(&gate, &no_events, &done, 1)?;
        let (mut rec, hb) = self.lease(rotation_id).await?;
        let result = async {
            let allowed = match rec.flavour {
                RotationFlavour::NativeRoll => rec.step == RotationStep::Planned,
                _ => rec.step < RotationStep::Promoted,
            };
            if !allowed {
                return Err(RotationError::WrongStep {
                    step: rec.step.as_str().into(),
                    wanted: "abort (only before the new value is promoted, and never after a roll)"
                        .into(),
                }
                .into());
            }
            let ctx = driver.ctx(rec.key_id).await?;
            if rec.flavour == RotationFlavour::CreateRevoke {
                if let Some(id) = rec.new_remote_id.clone() {
                    ctx.api(&driver.http)?.delete(&id).await?;
                }
                driver.revoke_orphans(&mut rec, &ctx, None).await?;
            }
            driver.vault_delete(pending_account(rec.key_id)).await?;
            rec.note = Some("aborted by the user; the old key stays current".into());
            driver
                .advance(&mut rec, RotationStep::RolledBack, None, &[])
                .await
        }
        .await;
        drop(hb);
        self.release(rotation_id).await;
        result.map(|()| rec)
    }

    /// Starts a guided rotation (dashboard-only providers): journaled `planned`, waiting for
    /// the user to paste the new value ([`Inventory::rotation_guided_submit`]).
    pub async fn rotation_guided_start(&self, key_id: Uuid) -> Result<RotationRecord> {
        let key = self.get(key_id).await?;
        if key.status == KeyStatus::Revoked {
            return Err(RotationError::AlreadyRevoked.into());
        }
        if let Some(open) = self.journal().open_for_key(key_id).await? {
            if open.flavour == RotationFlavour::Guided {
                return Ok(open);
            }
            return Err(RotationError::InProgress {
                key: key.name,
                step: open.step.as_str().into(),
            }
            .into());
        }
        let now = Utc::now();
        let rec = RotationRecord {
            id: Uuid::new_v4(),
            key_id,
            key_name: key.name.clone(),
            provider: key.provider.clone(),
            flavour: RotationFlavour::Guided,
            step: RotationStep::Planned,
            token: new_token(),
            remote_name: None,
            old_remote_id: key.remote_id.clone(),
            new_remote_id: None,
            old_fingerprint: key.fingerprint.clone(),
            new_fingerprint: None,
            scopes: Vec::new(),
            grace_secs: 0,
            revoke_after: None,
            attempts: 0,
            error_code: None,
            error_message: None,
            note: None,
            lease_owner: None,
            lease_until: None,
            created_at: now,
            updated_at: now,
            finished_at: None,
            next_attempt_at: None,
        };
        let event = self.audit(
            AuditAction::Rotated,
            Some(&key),
            format!(
                "guided rotation started: create the new key at {}",
                dashboard_url(&key)
            ),
        );
        self.journal().insert(&rec, Some(&event)).await?;
        pause_after("planned");
        Ok(rec)
    }

    /// Guided: the user pasted the new value. Keychain (pending) → verified → promoted; then
    /// the rotation waits for the user to revoke the old key in the dashboard.
    pub async fn rotation_guided_submit(
        &self,
        rotation_id: Uuid,
        secret: Secret,
        on_event: EventSink<'_>,
    ) -> Result<RotationRecord> {
        let gate = RateGate::default();
        let done = AtomicUsize::new(0);
        let driver = self.driver(&gate, on_event, &done, 1)?;
        let (mut rec, hb) = self.lease(rotation_id).await?;
        let result = async {
            if rec.flavour != RotationFlavour::Guided || rec.step != RotationStep::Planned {
                return Err(RotationError::WrongStep {
                    step: rec.step.as_str().into(),
                    wanted: "take a pasted value (guided rotations waiting for one)".into(),
                }
                .into());
            }
            self.require_keychain().await?;
            let key = self.get(rec.key_id).await?;
            check_value(&key, &secret, &self.custom_providers().await?)?;
            let fp = driver.fingerprint(&secret).await?;
            if key.fingerprint.as_deref() == Some(fp.as_str()) {
                return Err(Error::invalid(
                    "secret",
                    "that is the current value; create a new key in the dashboard and paste that one",
                ));
            }
            driver.vault_set(pending_account(rec.key_id), &secret).await?;
            drop(secret);
            pause_after("pending_stored");
            rec.new_fingerprint = Some(fp);
            driver.advance(&mut rec, RotationStep::Created, None, &[]).await?;
            driver.drive(&mut rec).await
        }
        .await;
        drop(hb);
        self.release(rotation_id).await;
        result.map(|()| rec)
    }

    /// Guided: the user says the old key is revoked in the dashboard. Keyward checks that the
    /// old value now answers 401 before it forgets it; if it still works, nothing changes.
    pub async fn rotation_guided_confirm_revoked(
        &self,
        rotation_id: Uuid,
        on_event: EventSink<'_>,
    ) -> Result<RotationRecord> {
        let gate = RateGate::default();
        let done = AtomicUsize::new(0);
        let driver = self.driver(&gate, on_event, &done, 1)?;
        let (mut rec, hb) = self.lease(rotation_id).await?;
        let result = async {
            if rec.flavour != RotationFlavour::Guided || rec.step != RotationStep::Promoted {
                return Err(RotationError::WrongStep {
                    step: rec.step.as_str().into(),
                    wanted: "confirm the old key's revocation (guided rotations whose new value is current)".into(),
                }
                .into());
            }
            let ctx = driver.ctx(rec.key_id).await?;
            if let Err(e) = driver.revoke_old(&mut rec, &ctx).await {
                return Err(driver.stop(&mut rec, e).await);
            }
            driver.drive(&mut rec).await
        }
        .await;
        drop(hb);
        self.release(rotation_id).await;
        result.map(|()| rec)
    }

    #[cfg(test)]
    pub(crate) async fn rotation(&self, rotation_id: Uuid) -> Result<RotationRecord> {
        self.journal()
            .get(rotation_id)
            .await?
            .ok_or_else(|| RotationError::NotFound(rotation_id.to_string()).into())
    }

    /// The journal, newest first.
    pub async fn rotations(&self, filter: &RotationFilter) -> Result<Vec<RotationRecord>> {
        Ok(self.journal().list(filter).await?)
    }

    // ---- create ----

    // ---- revoke ----
}

pub(super) fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// A format check of a pasted value against the key's provider and kind.
pub(super) fn check_value(
    key: &KeyRecord,
    secret: &Secret,
    custom: &[crate::providers::CustomProviderSpec],
) -> Result<()> {
    let new = NewKey {
        provider: Some(key.provider.clone()),
        kind: Some(key.kind.clone()),
        name: key.name.clone(),
        environment: key.environment.clone(),
        ..NewKey::default()
    };
    crate::inventory::prepare_record(new, secret, custom, None, Utc::now()).map(|_| ())
}

pub(super) fn placeholder_record() -> KeyRecord {
    let now = Utc::now();
    KeyRecord {
        id: Uuid::new_v4(),
        provider: String::new(),
        kind: String::new(),
        name: String::new(),
        environment: String::new(),
        purpose: String::new(),
        owner: None,
        tags: Vec::new(),
        scopes: Vec::new(),
        remote_id: None,
        env_var: String::new(),
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
