//! Creating a key through a connection (or guided, verified before saving) and revoking one
//! (through the API, confirmed dead, or guided).

use super::engine::{
    dashboard_url, http, no_events, placeholder_record, poll_until_dead, revocation_propagation,
    truncate, Ctx,
};
use super::gate::RateGate;
use super::plan::api_managed;
use super::remote::KeyApi;
use super::test_hooks::pause_after;
use super::{CreateKeyRequest, RevokeMode, RevokeOutcome, RevokeState, RotationError};
use crate::error::{Error, Result};
use crate::inventory::{on_vault, Inventory, NewKey};
use crate::model::{AuditAction, KeyRecord, KeyStatus};
use crate::providers::{ClientError, VerifyOutcome};
use crate::secret::Secret;
use chrono::Utc;
use std::sync::atomic::AtomicUsize;
use uuid::Uuid;

impl Inventory {
    /// Creates a key through a connection's API with the least privilege its purpose needs
    /// (or the scopes given; widening is recorded). The new value goes to the keychain before
    /// the record. Returned once, for an explicit reveal/copy; never stored elsewhere.
    pub(crate) async fn key_create(&self, req: CreateKeyRequest) -> Result<(KeyRecord, Secret)> {
        let plan = self.key_create_plan(&req).await?;
        self.require_keychain().await?;
        let c = self.connection(&req.connection).await?;
        let probe = KeyRecord {
            name: plan.name.clone(),
            environment: plan.environment.clone(),
            ..placeholder_record()
        };
        self.ensure_name_free(&probe).await?;
        let admin_id = c.admin_key_id.ok_or_else(|| {
            Error::invalid(
                "connection",
                format!("'{}' has no admin key to create keys with", c.name),
            )
        })?;
        let account = admin_id.to_string();
        let admin = on_vault(&self.vault, move |v| v.get(&account))
            .await?
            .ok_or_else(|| Error::SecretMissing(format!("{} (admin)", c.name)))?;
        let http = http()?;
        let api = KeyApi::new(&http, &c, &admin, &plan.kind)?;
        let remote_label = truncate(&plan.name, 40);
        let created = api.create(&remote_label, &plan.scopes).await?;
        pause_after("remote_created");
        let new = NewKey {
            provider: Some(plan.provider.clone()),
            kind: Some(plan.kind.clone()),
            name: plan.name.clone(),
            environment: plan.environment.clone(),
            purpose: plan.purpose.clone(),
            owner: req.owner.clone(),
            tags: req.tags.clone(),
            scopes: if created.scopes.is_empty() {
                plan.scopes.clone()
            } else {
                created.scopes.clone()
            },
            remote_id: Some(created.remote_id.clone()),
            connection_id: Some(c.id),
            ..NewKey::default()
        };
        let secret = created.value.clone();
        let record = match self.add(new, created.value).await {
            Ok(r) => r,
            Err(e) => {
                // Nothing of ours holds the new key: take it back at the provider.
                if let Err(undo) = api.delete(&created.remote_id).await {
                    tracing::warn!(error = %undo, "could not revoke a created key whose record failed");
                }
                return Err(e);
            }
        };
        let mut detail = format!(
            "created through connection '{}' with scopes {}",
            c.name,
            plan.scopes.join(", ")
        );
        if !plan.widened.is_empty() {
            detail.push_str(&format!(
                "; widened beyond the purpose's least privilege ({}): {}",
                if plan.proposed_scopes.is_empty() {
                    "none known".to_owned()
                } else {
                    plan.proposed_scopes.join(", ")
                },
                plan.widened.join(", ")
            ));
        }
        self.store()
            .append_audit(&self.audit(AuditAction::Created, Some(&record), detail))
            .await?;
        Ok((record, secret))
    }

    /// Guided creation (dashboard-only providers): the user created the key in the dashboard
    /// and pasted it; Keyward verifies it before saving anything.
    pub(crate) async fn key_create_guided(&self, new: NewKey, secret: Secret) -> Result<KeyRecord> {
        let custom = self.custom_providers().await?;
        let probe =
            crate::inventory::prepare_record(new.clone(), &secret, &custom, None, Utc::now())?;
        let connection = match new.connection_id {
            Some(id) => self.connections().await?.into_iter().find(|c| c.id == id),
            None => None,
        };
        let gate = RateGate::default();
        let done = AtomicUsize::new(0);
        let driver = self.driver(&gate, &no_events, &done, 1)?;
        let ctx = Ctx {
            key: probe,
            connection,
            admin: None,
        };
        let v = driver.verify_value(&ctx, None, &secret).await?;
        if v.outcome != VerifyOutcome::Valid {
            return Err(RotationError::NewKeyInvalid(format!(
                "{} ({})",
                v.outcome.as_str(),
                v.detail
            ))
            .into());
        }
        let mut new = new;
        if new.remote_id.is_none() {
            new.remote_id = v.remote_id.clone();
        }
        if new.scopes.is_empty() {
            new.scopes = v.scopes.clone().unwrap_or_default();
        }
        let record = self.add(new, secret).await?;
        let mut updated = record.clone();
        updated.last_verified_at = Some(Utc::now());
        updated.verify_outcome = Some(VerifyOutcome::Valid);
        updated.verify_detail = Some(v.detail.chars().take(300).collect());
        let event = self.audit(
            AuditAction::Verified,
            Some(&updated),
            "verified before saving (guided creation)",
        );
        self.store().update_key(&updated, &event).await?;
        Ok(updated)
    }

    /// Revokes a key: through the API where the provider has one (then confirms it answers
    /// 401 before marking it revoked and deleting its value), else guided (`awaiting_user`:
    /// revoke it in the dashboard, then [`Inventory::key_revoke_confirm`]).
    pub async fn key_revoke(&self, key_id: Uuid) -> Result<RevokeOutcome> {
        let key = self.get(key_id).await?;
        if key.status == KeyStatus::Revoked {
            return Err(RotationError::AlreadyRevoked.into());
        }
        if let Some(open) = self.journal().open_for_key(key_id).await? {
            return Err(RotationError::InProgress {
                key: key.name,
                step: open.step.as_str().into(),
            }
            .into());
        }
        let gate = RateGate::default();
        let done = AtomicUsize::new(0);
        let driver = self.driver(&gate, &no_events, &done, 1)?;
        let ctx = driver.ctx(key_id).await?;
        let by_api = api_managed(&key) && ctx.connection.is_some() && ctx.admin.is_some();
        if !by_api {
            let url = dashboard_url(&key);
            return Ok(RevokeOutcome {
                message: format!(
                    "revoke '{}' in the provider's dashboard ({url}), then confirm: Keyward checks that it answers 401",
                    key.name
                ),
                key,
                mode: RevokeMode::Guided,
                state: RevokeState::AwaitingUser,
                dashboard_url: Some(url),
            });
        }
        let mut remote_id = key.remote_id.clone();
        let current = driver.vault_get(key_id.to_string()).await?;
        if remote_id.is_none() {
            if let Some(v) = &current {
                remote_id = driver.verify_value(&ctx, None, v).await?.remote_id;
            }
        }
        let remote_id = remote_id.ok_or_else(|| {
            RotationError::Unsupported(format!(
                "the provider's id of key '{}' is unknown: run `keyward sync` for its connection first",
                key.name
            ))
        })?;
        ctx.api(&driver.http)?.delete(&remote_id).await?;
        pause_after("remote_revoked");
        let look = || async {
            Ok(Some(match &current {
                Some(v) => {
                    driver
                        .verify_value(&ctx, Some(&remote_id), v)
                        .await?
                        .outcome
                        != VerifyOutcome::Valid
                }
                None => !ctx
                    .api(&driver.http)?
                    .list()
                    .await?
                    .iter()
                    .any(|k| k.id == remote_id),
            }))
        };
        let dead = poll_until_dead(revocation_propagation(&key), look, |bound| {
            tracing::info!(key_id = %key.id, secs = bound.as_secs(), "deleted key still answers; polling through the provider's propagation delay");
        })
        .await?;
        if dead != Some(true) {
            return Err(RotationError::OldKeyStillValid {
                dashboard: dashboard_url(&key),
            }
            .into());
        }
        let record = self
            .mark_revoked(key, "revoked through the API and confirmed dead")
            .await?;
        Ok(RevokeOutcome {
            key: record,
            mode: RevokeMode::Api,
            state: RevokeState::Revoked,
            dashboard_url: None,
            message:
                "revoked at the provider, confirmed dead (401), value deleted from the keychain"
                    .into(),
        })
    }

    /// Guided revocation: the user revoked the key in the dashboard; Keyward confirms that it
    /// answers 401 before marking it revoked and deleting its value.
    pub async fn key_revoke_confirm(&self, key_id: Uuid) -> Result<RevokeOutcome> {
        let key = self.get(key_id).await?;
        if key.status == KeyStatus::Revoked {
            return Err(RotationError::AlreadyRevoked.into());
        }
        let gate = RateGate::default();
        let done = AtomicUsize::new(0);
        let driver = self.driver(&gate, &no_events, &done, 1)?;
        let ctx = driver.ctx(key_id).await?;
        let current = driver.vault_get(key_id.to_string()).await?;
        let mut note = "revoked in the dashboard and confirmed dead (401)";
        if let Some(v) = &current {
            match driver.verify_value(&ctx, key.remote_id.as_deref(), v).await {
                Ok(ver) if ver.outcome == VerifyOutcome::Valid => {
                    return Err(RotationError::OldKeyStillValid {
                        dashboard: dashboard_url(&key),
                    }
                    .into())
                }
                Ok(_) => {}
                Err(Error::Client(ClientError::Unsupported(_))) => {
                    note = "revoked in the dashboard (the provider cannot confirm it)";
                }
                Err(e) => return Err(e),
            }
        }
        let record = self.mark_revoked(key, note).await?;
        Ok(RevokeOutcome {
            key: record,
            mode: RevokeMode::Guided,
            state: RevokeState::Revoked,
            dashboard_url: None,
            message: note.into(),
        })
    }

    /// Marks a key revoked (history: the record stays) and deletes its value.
    async fn mark_revoked(&self, mut key: KeyRecord, detail: &str) -> Result<KeyRecord> {
        let now = Utc::now();
        key.status = KeyStatus::Revoked;
        key.verify_outcome = Some(VerifyOutcome::Invalid);
        key.verify_detail = Some(detail.to_owned());
        key.last_verified_at = Some(now);
        key.updated_at = now;
        let event = self.audit(AuditAction::Revoked, Some(&key), detail);
        self.store().update_key(&key, &event).await?;
        let account = key.id.to_string();
        on_vault(&self.vault, move |v| v.delete(&account)).await?;
        Ok(key)
    }
}
