//! What a rotation or a create will do, computed once: the flavour, the scopes of a new key
//! and how far they widen the purpose's least privilege.

use super::engine::dashboard_url;
use super::{
    CreateKeyRequest, CreatePlan, RotateOptions, RotationError, RotationFlavour, RotationPlan,
    RotationStep,
};
use crate::error::{Error, Result};
use crate::inventory::Inventory;
use crate::model::VerifyOutcome;
use crate::model::{KeyRecord, KeyStatus};
use crate::providers::{self, OpMode};
use uuid::Uuid;

/// Provider + kind that Keyward creates, rolls and revokes through the API.
pub(super) fn api_managed(key: &KeyRecord) -> bool {
    providers::api_managed(&key.provider, &key.kind)
}

/// The kind `key_create` makes through a provider's API.
pub(super) fn created_kind(provider: &str) -> Option<&'static str> {
    providers::profile(provider).and_then(|p| p.created_kind)
}

/// Whether a replacement keeps the old key's permissions without naming them as scopes.
pub(super) fn keeps_permissions(key: &KeyRecord) -> bool {
    providers::get(&key.provider).is_some_and(|p| p.replacement_keeps_permissions())
}

/// Picks the flavour for a key: native roll where the provider rolls in place (unless
/// overlap or other scopes are asked for and it can also create + revoke), create + revoke
/// where it can create and delete, guided where the dashboard is the only way.
pub(crate) fn choose_flavour(
    key: &KeyRecord,
    opts: &RotateOptions,
) -> std::result::Result<RotationFlavour, RotationError> {
    if key.status == KeyStatus::Revoked {
        return Err(RotationError::AlreadyRevoked);
    }
    let Some(profile) = providers::profile(&key.provider) else {
        return Ok(RotationFlavour::Guided); // custom providers: dashboard only
    };
    let Some(kind) = profile.kind(&key.kind) else {
        return Ok(RotationFlavour::Guided);
    };
    let ops = kind.operations;
    if api_managed(key) {
        let wants_new_key =
            opts.grace.is_some_and(|g| !g.is_zero()) || opts.narrow || opts.scopes.is_some();
        let can_create_revoke = ops.create == OpMode::Api && ops.revoke == OpMode::Api;
        if ops.roll == OpMode::Api && !(wants_new_key && can_create_revoke) {
            return Ok(RotationFlavour::NativeRoll);
        }
        if can_create_revoke {
            return Ok(RotationFlavour::CreateRevoke);
        }
    }
    if matches!(ops.roll, OpMode::Manual) || matches!(ops.create, OpMode::Manual) {
        return Ok(RotationFlavour::Guided);
    }
    Err(RotationError::Unsupported(format!(
        "Keyward cannot rotate {} {} keys: {}",
        profile.display_name,
        kind.display_name,
        if ops.roll == OpMode::Api {
            "the provider's roll call for this kind is not supported by Keyward yet"
        } else {
            "the provider offers no way to replace them"
        }
    )))
}

/// The least privilege a purpose needs (by purpose id or label), if the catalogue knows it.
/// The scopes beyond a purpose's least privilege (`proposed`); none when the purpose has no
/// known least privilege. The one place a widening is computed (plans, records, the window's
/// guided create).
pub fn widened_scopes(scopes: &[String], proposed: &[String]) -> Vec<String> {
    if proposed.is_empty() {
        return Vec::new();
    }
    scopes
        .iter()
        .filter(|s| !proposed.contains(s))
        .cloned()
        .collect()
}

/// A purpose's least-privilege scopes, by the purpose's id or label in the provider's
/// catalogue (empty when it is not there).
pub fn purpose_least_scopes(provider_id: &str, purpose: &str) -> Vec<String> {
    purpose_scopes(provider_id, purpose)
        .map(|(_, s)| s)
        .unwrap_or_default()
}

pub(super) fn purpose_scopes(provider_id: &str, purpose: &str) -> Option<(String, Vec<String>)> {
    let profile = providers::profile(provider_id)?;
    let p = purpose.trim();
    profile
        .purposes
        .iter()
        .find(|x| x.id.eq_ignore_ascii_case(p) || x.label.eq_ignore_ascii_case(p))
        .map(|x| {
            (
                x.label.to_owned(),
                x.scopes.iter().map(|s| (*s).to_owned()).collect(),
            )
        })
}

pub(super) fn steps_of(flavour: RotationFlavour) -> Vec<RotationStep> {
    let _ = flavour;
    vec![
        RotationStep::Planned,
        RotationStep::Created,
        RotationStep::Verified,
        RotationStep::Promoted,
        RotationStep::OldRevoked,
        RotationStep::Done,
    ]
}

/// The scopes a create + revoke gives the new key, and the purpose's least privilege.
pub(super) fn new_key_scopes(
    key: &KeyRecord,
    opts: &RotateOptions,
) -> Result<(Vec<String>, Vec<String>)> {
    let proposed = purpose_scopes(&key.provider, &key.purpose)
        .map(|(_, s)| s)
        .unwrap_or_default();
    let scopes = match (&opts.scopes, opts.narrow) {
        (Some(s), _) => crate::inventory::validate_scopes(s.clone())?,
        (None, true) => {
            if proposed.is_empty() {
                return Err(Error::invalid(
                    "purpose",
                    format!(
                        "'{}' is not a purpose in the provider's catalogue, so no least privilege is known: give --scopes",
                        key.purpose
                    ),
                ));
            }
            proposed.clone()
        }
        // A provider that copies the old key's permissions keeps them as they are.
        (None, false) if keeps_permissions(key) => Vec::new(),
        (None, false) => key.scopes.clone(),
    };
    Ok((scopes, proposed))
}

impl Inventory {
    /// What rotating the keys together would do, key by key (see [`Inventory::rotation_plan`]);
    /// a connection's admin key next to keys it serves is blocked, with why. Changes nothing.
    pub async fn rotation_plans(
        &self,
        key_ids: &[Uuid],
        opts: &RotateOptions,
    ) -> Result<Vec<RotationPlan>> {
        let ids = super::safety::unique(key_ids.to_vec());
        let refused = self.batch_refusals(&ids).await?;
        let mut plans = Vec::with_capacity(ids.len());
        for id in ids {
            let mut plan = self.rotation_plan(id, opts).await?;
            if let Some(why) = refused.get(&id) {
                if plan.blocked.is_none() {
                    plan.blocked = Some(why.clone());
                }
            }
            plans.push(plan);
        }
        Ok(plans)
    }

    /// What rotating `key_id` would do: flavour, steps, grace, scopes, notes. Changes nothing.
    pub async fn rotation_plan(&self, key_id: Uuid, opts: &RotateOptions) -> Result<RotationPlan> {
        let key = self.get(key_id).await?;
        let grace_is_default = opts.grace.is_none();
        let opts = &super::safety::options_for(&key, opts, &self.rotation_grace_defaults().await?);
        let open = self.journal().open_for_key(key_id).await?;
        let dashboard = dashboard_url(&key);
        let mut plan = RotationPlan {
            key_id,
            key_name: key.name.clone(),
            provider: key.provider.clone(),
            kind: key.kind.clone(),
            flavour: RotationFlavour::Guided,
            steps: Vec::new(),
            grace_secs: 0,
            scopes: Vec::new(),
            proposed_scopes: Vec::new(),
            widened: Vec::new(),
            dashboard_url: dashboard,
            notes: Vec::new(),
            blocked: None,
            open_rotation: open.as_ref().map(|r| r.id),
            value_unknown: false,
            value_loss: None,
            grace_is_default,
        };
        match choose_flavour(&key, opts) {
            Ok(f) => plan.flavour = f,
            Err(e) => {
                plan.blocked = Some(e.to_string());
                return Ok(plan);
            }
        }
        plan.steps = steps_of(plan.flavour);
        match plan.flavour {
            RotationFlavour::NativeRoll => {
                plan.notes.push("the provider rolls the value in place: the old value stops working at once (no grace period)".into());
                if !grace_is_default && opts.grace.is_some_and(|g| !g.is_zero()) {
                    plan.notes
                        .push("a grace period cannot apply to a native roll".into());
                }
                plan.scopes = key.scopes.clone();
            }
            RotationFlavour::CreateRevoke => {
                plan.grace_secs = opts.grace.map_or(0, |g| g.as_secs() as i64);
                let (scopes, proposed) = new_key_scopes(&key, opts)?;
                plan.widened = widened_scopes(&scopes, &proposed);
                plan.scopes = scopes;
                plan.proposed_scopes = proposed;
                plan.notes.push(format!(
                    "a new key is created, verified and made current; the old key is revoked {}",
                    if plan.grace_secs > 0 {
                        format!("after {} s", plan.grace_secs)
                    } else {
                        "right after".into()
                    }
                ));
            }
            RotationFlavour::Guided => {
                plan.notes.push(format!(
                    "create a new key in the provider's dashboard ({}), paste it; Keyward verifies it and makes it current; then revoke the old key there and confirm",
                    plan.dashboard_url
                ));
            }
        }
        let administered = self
            .connections()
            .await?
            .iter()
            .any(|c| c.admin_key_id == Some(key.id));
        if plan.flavour != RotationFlavour::Guided && key.connection_id.is_none() && !administered {
            plan.blocked = Some(super::engine::no_connection(&key));
        }
        if open.is_none() && super::safety::kills_unknown_value(&key, plan.flavour) {
            plan.value_unknown = true;
            plan.value_loss = Some(super::safety::value_loss_note(&key, plan.grace_secs));
        }
        if let Some(o @ (VerifyOutcome::Disabled | VerifyOutcome::Expired)) = key.verify_outcome {
            plan.notes.push(format!(
                "the provider last reported this key {}: a new value will not work until the key is enabled there",
                o.as_str()
            ));
        }
        if let Some(o) = &open {
            plan.notes.push(format!(
                "an unfinished rotation ({}) exists; rotating resumes it",
                o.step.as_str()
            ));
        }
        Ok(plan)
    }

    /// What `key_create` would do: provider, kind, the least privilege the purpose needs, what
    /// will be granted, and what is beyond the purpose (widening).
    pub async fn key_create_plan(&self, req: &CreateKeyRequest) -> Result<CreatePlan> {
        let c = self.connection(&req.connection).await?;
        let kind = created_kind(&c.provider).ok_or_else(|| {
            RotationError::Unsupported(format!(
                "{} keys are created in its dashboard: use guided creation (`keyward add` after creating it there)",
                c.provider
            ))
        })?;
        let environment = crate::inventory::validate_environment(&req.environment)?;
        let (purpose, proposed) = match purpose_scopes(&c.provider, &req.purpose) {
            Some((label, scopes)) => (label, scopes),
            None => (req.purpose.trim().to_owned(), Vec::new()),
        };
        let purpose = crate::inventory::validate_text(
            "purpose",
            &purpose,
            crate::inventory::MAX_PURPOSE_LEN,
            true,
        )?;
        let scopes = match &req.scopes {
            Some(s) => crate::inventory::validate_scopes(s.clone())?,
            None => proposed.clone(),
        };
        if scopes.is_empty() {
            return Err(Error::invalid(
                "scopes",
                "the purpose is not in the provider's catalogue, so no least privilege is known: give the scopes (--scopes)",
            ));
        }
        let widened = widened_scopes(&scopes, &proposed);
        let name = match &req.name {
            Some(n) => {
                crate::inventory::validate_text("name", n, crate::inventory::MAX_NAME_LEN, true)?
            }
            None => format!("{purpose} ({environment})"),
        };
        Ok(CreatePlan {
            connection: c.name,
            provider: c.provider,
            kind: kind.to_owned(),
            name,
            environment,
            purpose,
            proposed_scopes: proposed,
            scopes,
            widened,
        })
    }
}
