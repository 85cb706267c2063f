//! Create, rotate and revoke as the front ends show them: every rotation, plan and outcome with
//! its key's environment and the step it reached, a typed confirmation checked before a revoke,
//! and guided creation shaped the same way for the window and the CLI.

use super::keys::{self, KeyView};
use crate::ids::{KeyId, RotationId};
use crate::inventory::Inventory;
use crate::model::KeyFilter;
use crate::rotation::{
    CreateKeyRequest, EventSink, RecoveryAction, RecoveryKind, RevokeState, RotateOptions,
    RotationError, RotationFilter, RotationFlavour, RotationOutcome, RotationPlan, RotationRecord,
    RotationStep,
};
use crate::{NewKey, Result, Secret};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// One rotation of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RotationView {
    pub id: Uuid,
    pub key_id: Uuid,
    pub key_name: String,
    pub provider: String,
    /// The key's environment ('' when the key is no longer in the inventory).
    pub environment: String,
    pub flavour: RotationFlavour,
    pub state: RotationStep,
    /// How far it got: the step itself, or for a failed / rolled back one the last step known.
    pub last_step: RotationStep,
    pub grace_secs: i64,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub revoke_after: Option<DateTime<Utc>>,
    /// `paste` or `revoke_old` while a guided rotation waits for the user.
    pub waiting_for: Option<&'static str>,
    pub error_code: Option<String>,
    pub error: Option<String>,
    pub note: Option<String>,
}

impl RotationView {
    pub fn new(r: RotationRecord, environment: String) -> RotationView {
        let last_step = match r.step {
            // The journal keeps no "reached" column: a new fingerprint means the new value was
            // stored (created); without one nothing happened beyond planning.
            RotationStep::Failed | RotationStep::RolledBack => {
                if r.new_fingerprint.is_some() {
                    RotationStep::Created
                } else {
                    RotationStep::Planned
                }
            }
            step => step,
        };
        let waiting_for = match (r.waits_for_user(), r.step) {
            (true, RotationStep::Planned) => Some("paste"),
            (true, RotationStep::Promoted) => Some("revoke_old"),
            _ => None,
        };
        RotationView {
            id: r.id,
            key_id: r.key_id,
            key_name: r.key_name,
            provider: r.provider,
            environment,
            flavour: r.flavour,
            state: r.step,
            last_step,
            grace_secs: r.grace_secs,
            started_at: r.created_at,
            updated_at: r.updated_at,
            revoke_after: r.revoke_after,
            waiting_for,
            error_code: r.error_code,
            error: r.error_message,
            note: r.note,
        }
    }
}

/// What rotating one key would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RotationPlanView {
    pub key_id: Uuid,
    pub key_name: String,
    pub provider: String,
    pub environment: String,
    pub flavour: RotationFlavour,
    pub grace_secs: i64,
    pub scopes: Vec<String>,
    pub widened: Vec<String>,
    pub dashboard_url: String,
    pub notes: Vec<String>,
    pub blocked: Option<String>,
    /// Keyward does not hold the value in use: the row needs the user's acceptance of
    /// `value_loss` (given back in `RotateOptions::accept_value_loss`).
    pub value_unknown: bool,
    pub value_loss: Option<String>,
    /// `grace_secs` is the environment's default (Settings), not the user's choice.
    pub grace_is_default: bool,
}

impl RotationPlanView {
    pub fn new(p: RotationPlan, environment: String) -> RotationPlanView {
        RotationPlanView {
            key_id: p.key_id,
            key_name: p.key_name,
            provider: p.provider,
            environment,
            flavour: p.flavour,
            grace_secs: p.grace_secs,
            scopes: p.scopes,
            widened: p.widened,
            dashboard_url: p.dashboard_url,
            notes: p.notes,
            blocked: p.blocked,
            value_unknown: p.value_unknown,
            value_loss: p.value_loss,
            grace_is_default: p.grace_is_default,
        }
    }
}

/// How one key's rotation ended in this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RotationOutcomeView {
    pub key_id: Uuid,
    pub rotation: Option<RotationView>,
    pub error_code: Option<String>,
    pub message: String,
    /// The provider made a new value that the user may see once (the window issues a one-time
    /// token for it; the CLI never holds it after the run).
    #[serde(skip)]
    pub new_value: bool,
}

/// What start-up did with an unfinished rotation, or with an old key whose grace ended.
pub type RecoveryView = RecoveryAction;

/// A due revocation that ran, as a recovery (`None` when it journaled nothing).
fn due_revocation(o: RotationOutcome) -> Option<RecoveryView> {
    let r = o.rotation?;
    Some(RecoveryView {
        rotation_id: r.id,
        key_id: o.key_id,
        key_name: o.key_name,
        action: if o.error_code.is_none() {
            RecoveryKind::OldKeyRevoked
        } else {
            RecoveryKind::Stopped
        },
        step: r.step,
        detail: o.message,
    })
}

/// A revoke's end: the key (kept as history), and whether the provider confirmed it dead.
#[derive(Debug, Clone, Serialize)]
pub struct RevokeView {
    pub key: KeyView,
    /// The provider answered 401 before Keyward marked the key revoked.
    pub confirmed_dead: bool,
    pub message: String,
}

/// A new key, through a connection's API or made in the dashboard and pasted (`guided`).
#[derive(Debug, Clone, Default)]
pub struct CreateRequest {
    pub guided: bool,
    /// A connection's id or name: the one that creates the key, or (guided) the one that
    /// links and verifies it.
    pub connection: Option<String>,
    pub provider: String,
    pub kind: String,
    /// `None` or empty: the provider's naming (API creation), "<purpose> (<environment>)"
    /// (guided).
    pub name: Option<String>,
    pub environment: String,
    /// A purpose id of the provider's catalogue, or free text.
    pub purpose: String,
    pub scopes: Vec<String>,
    /// Who answers for the key; empty: the default owner setting, if any.
    pub owner: Option<String>,
}

/// The key made, and the scopes it has beyond its purpose's least privilege.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedView {
    pub key: KeyView,
    pub widened_scopes: Vec<String>,
}

/// [`create`]'s answer: the view, and the value the provider made (API creation only) for the
/// front end to show once or drop. Deliberately not `Serialize`.
pub struct Created {
    pub view: CreatedView,
    pub value: Option<Secret>,
}

/// Which keys to rotate, and how.
#[derive(Debug, Clone, Default)]
pub struct RotateRequest {
    pub ids: Vec<KeyId>,
    pub options: RotateOptions,
}

/// Each key's environment, for journal rows and plans (they do not carry it).
async fn environments(inv: &Inventory) -> Result<HashMap<Uuid, String>> {
    let keys = inv.list(&KeyFilter::default()).await?;
    Ok(keys.iter().map(|k| (k.id, k.environment.clone())).collect())
}

/// One key's environment ('' once the key is gone).
async fn environment_of(inv: &Inventory, id: Uuid) -> Result<String> {
    match inv.get(id).await {
        Ok(key) => Ok(key.environment),
        Err(crate::Error::NotFound(_)) => Ok(String::new()),
        Err(e) => Err(e),
    }
}

fn env_in(envs: &HashMap<Uuid, String>, id: Uuid) -> String {
    envs.get(&id).cloned().unwrap_or_default()
}

/// Whether a rotation left a new value, made by the provider, that the user may see once.
fn has_new_value(r: &RotationRecord) -> bool {
    r.flavour != RotationFlavour::Guided
        && matches!(
            r.step,
            RotationStep::Promoted | RotationStep::OldRevoked | RotationStep::Done
        )
}

/// Creates a key. Through a connection's API the value goes to the keychain and comes back in
/// [`Created::value`]; guided, `pasted` is verified (with the connection, if any) before it is
/// saved. The owner defaults to the owner setting, a catalogue purpose id becomes its label.
pub async fn create(
    inv: &Inventory,
    req: CreateRequest,
    pasted: Option<Secret>,
) -> Result<Created> {
    let owner = match req.owner.filter(|o| !o.trim().is_empty()) {
        Some(o) => Some(o),
        None => inv.default_owner().await?,
    };
    let name = req.name.filter(|n| !n.trim().is_empty());
    if !req.guided {
        let connection = req
            .connection
            .filter(|c| !c.trim().is_empty())
            .ok_or_else(|| {
                crate::Error::invalid("connection", "pick the connection that creates the key")
            })?;
        let request = CreateKeyRequest {
            connection,
            environment: req.environment,
            purpose: req.purpose,
            scopes: (!req.scopes.is_empty()).then_some(req.scopes),
            name,
            owner,
            tags: Vec::new(),
        };
        let plan = inv.key_create_plan(&request).await?;
        let (key, value) = inv.key_create(request).await?;
        return Ok(Created {
            view: CreatedView {
                key: keys::view(inv, key).await,
                widened_scopes: plan.widened,
            },
            value: Some(value),
        });
    }
    let secret =
        pasted.ok_or_else(|| crate::Error::invalid("secret", "paste the new key's value"))?;
    let connection_id = match req.connection.filter(|c| !c.trim().is_empty()) {
        Some(c) => Some(inv.connection(&c).await?.id),
        None => None,
    };
    let name = name.unwrap_or_else(|| format!("{} ({})", req.purpose, req.environment));
    let widened_scopes = crate::rotation::widened_scopes(
        &req.scopes,
        &crate::rotation::purpose_least_scopes(&req.provider, &req.purpose),
    );
    let purpose = crate::providers::profile(&req.provider)
        .and_then(|p| p.purpose(&req.purpose))
        .map_or(req.purpose, |p| p.label.to_owned());
    let new = NewKey {
        provider: Some(req.provider).filter(|p| !p.is_empty()),
        kind: Some(req.kind).filter(|k| !k.is_empty()),
        name,
        environment: req.environment,
        purpose,
        scopes: req.scopes,
        connection_id,
        owner,
        ..NewKey::default()
    };
    let key = inv.key_create_guided(new, secret).await?;
    Ok(Created {
        view: CreatedView {
            key: keys::view(inv, key).await,
            widened_scopes,
        },
        value: None,
    })
}

/// What rotating each key would do (flavour, grace, notes, or why it cannot). Changes nothing.
pub async fn plans(inv: &Inventory, req: &RotateRequest) -> Result<Vec<RotationPlanView>> {
    let ids: Vec<Uuid> = req.ids.iter().map(|id| id.uuid()).collect();
    let plans = inv.rotation_plans(&ids, &req.options).await?;
    let envs = environments(inv).await?;
    Ok(plans
        .into_iter()
        .map(|plan| {
            let env = env_in(&envs, plan.key_id);
            RotationPlanView::new(plan, env)
        })
        .collect())
}

/// Rotates the keys, `concurrency` at a time, every step to `on_event`; one failure never stops
/// the others.
pub async fn rotate(
    inv: &Inventory,
    req: &RotateRequest,
    concurrency: usize,
    on_event: EventSink<'_>,
) -> Result<Vec<RotationOutcomeView>> {
    let ids = req.ids.iter().map(|id| id.uuid()).collect();
    let outcomes = inv
        .rotate_many(ids, &req.options, concurrency, on_event)
        .await?;
    let envs = environments(inv).await?;
    Ok(outcomes
        .into_iter()
        .map(|o| {
            let new_value =
                o.error_code.is_none() && o.rotation.as_ref().is_some_and(has_new_value);
            RotationOutcomeView {
                key_id: o.key_id,
                rotation: o
                    .rotation
                    .map(|r| RotationView::new(r, env_in(&envs, o.key_id))),
                error_code: o.error_code,
                message: o.message,
                new_value,
            }
        })
        .collect())
}

/// Guided rotation: the user pasted the new value; it is stored as pending, verified and made
/// current, then the rotation waits for the old key to be revoked in the dashboard.
pub async fn guided_submit(
    inv: &Inventory,
    id: RotationId,
    value: Secret,
    on_event: EventSink<'_>,
) -> Result<RotationView> {
    let r = inv
        .rotation_guided_submit(id.uuid(), value, on_event)
        .await?;
    let env = environment_of(inv, r.key_id).await?;
    Ok(RotationView::new(r, env))
}

/// Guided rotation: "I revoked the old key"; Keyward checks the old value answers 401.
pub async fn guided_confirm(
    inv: &Inventory,
    id: RotationId,
    on_event: EventSink<'_>,
) -> Result<RotationView> {
    let r = inv
        .rotation_guided_confirm_revoked(id.uuid(), on_event)
        .await?;
    let env = environment_of(inv, r.key_id).await?;
    Ok(RotationView::new(r, env))
}

/// The rotation journal, newest first.
pub async fn journal(inv: &Inventory, filter: &RotationFilter) -> Result<Vec<RotationView>> {
    let rows = inv.rotations(filter).await?;
    let envs = environments(inv).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let env = env_in(&envs, r.key_id);
            RotationView::new(r, env)
        })
        .collect())
}

/// Resumes or rolls back rotations a crash left unfinished and revokes old keys whose grace
/// period ended by `now`; says what it did.
pub async fn recover(
    inv: &Inventory,
    now: DateTime<Utc>,
    on_event: EventSink<'_>,
) -> Result<Vec<RecoveryView>> {
    let report = inv.rotations_recover_at(now).await?;
    let due = inv.revocations_run_due(now, on_event).await?;
    Ok(report
        .actions
        .into_iter()
        .chain(due.into_iter().filter_map(due_revocation))
        .collect())
}

/// Revokes a key once `confirm_name` matches its name: through the API, or (guided) after the
/// user revoked it in the dashboard, which the caller has shown first. Either way Keyward
/// confirms it answers 401 before marking it revoked; the key stays as history.
pub async fn revoke(inv: &Inventory, id: KeyId, confirm_name: &str) -> Result<RevokeView> {
    let key = inv.get(id.uuid()).await?;
    if confirm_name.trim() != key.name.trim() {
        return Err(RotationError::ConfirmMismatch.into());
    }
    let mut outcome = inv.key_revoke(id.uuid()).await?;
    if outcome.state == RevokeState::AwaitingUser {
        outcome = inv.key_revoke_confirm(id.uuid()).await?;
    }
    Ok(RevokeView {
        confirmed_dead: outcome.state == RevokeState::Revoked,
        message: outcome.message,
        key: keys::view(inv, outcome.key).await,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures::{inventory, rotation_record};

    fn record(step: RotationStep, flavour: RotationFlavour, fp: Option<&str>) -> RotationRecord {
        RotationRecord {
            flavour,
            new_fingerprint: fp.map(str::to_owned),
            ..rotation_record(Uuid::new_v4(), step)
        }
    }

    #[test]
    fn a_failed_rotation_shows_the_last_step_it_reached() {
        let created = record(
            RotationStep::Failed,
            RotationFlavour::CreateRevoke,
            Some("fp"),
        );
        assert_eq!(
            RotationView::new(created, String::new()).last_step,
            RotationStep::Created
        );
        let planned = record(
            RotationStep::RolledBack,
            RotationFlavour::CreateRevoke,
            None,
        );
        assert_eq!(
            RotationView::new(planned, String::new()).last_step,
            RotationStep::Planned
        );
    }

    #[test]
    fn a_guided_rotation_says_what_it_waits_for() {
        let paste = record(RotationStep::Planned, RotationFlavour::Guided, None);
        assert_eq!(
            RotationView::new(paste, String::new()).waiting_for,
            Some("paste")
        );
        let revoke = record(RotationStep::Promoted, RotationFlavour::Guided, Some("fp"));
        assert_eq!(
            RotationView::new(revoke, String::new()).waiting_for,
            Some("revoke_old")
        );
        let api = record(
            RotationStep::Promoted,
            RotationFlavour::CreateRevoke,
            Some("fp"),
        );
        assert_eq!(RotationView::new(api, String::new()).waiting_for, None);
    }

    #[test]
    fn only_a_value_the_provider_made_is_offered_once() {
        assert!(has_new_value(&record(
            RotationStep::Done,
            RotationFlavour::CreateRevoke,
            Some("f")
        )));
        assert!(!has_new_value(&record(
            RotationStep::Done,
            RotationFlavour::Guided,
            Some("f")
        )));
        assert!(!has_new_value(&record(
            RotationStep::Planned,
            RotationFlavour::CreateRevoke,
            None
        )));
    }

    #[tokio::test]
    async fn revoke_refuses_a_name_that_does_not_match_and_changes_nothing() {
        let (inv, _vault) = inventory().await;
        let key = inv
            .add(
                NewKey {
                    provider: Some("postmark".into()),
                    kind: Some("server_token".into()),
                    name: "billing mail".into(),
                    environment: "prod".into(),
                    ..NewKey::default()
                },
                Secret::new("canary-value-not-a-key-0001".to_owned()),
            )
            .await
            .unwrap();
        let err = revoke(&inv, KeyId::from(key.id), "billing")
            .await
            .unwrap_err();
        assert_eq!(err.code(), "confirm_mismatch");
        assert_eq!(inv.get(key.id).await.unwrap().status, key.status);
    }

    #[tokio::test]
    async fn guided_creation_without_a_value_or_api_creation_without_a_connection_is_refused() {
        let (inv, _vault) = inventory().await;
        let guided = CreateRequest {
            guided: true,
            provider: "postmark".into(),
            environment: "dev".into(),
            ..CreateRequest::default()
        };
        let err = create(&inv, guided, None).await.err().unwrap();
        assert_eq!(err.code(), "invalid_input");
        let api = CreateRequest {
            provider: "cloudflare".into(),
            environment: "dev".into(),
            ..CreateRequest::default()
        };
        let err = create(&inv, api, None).await.err().unwrap();
        assert_eq!(err.code(), "invalid_input");
        assert!(inv.list(&KeyFilter::default()).await.unwrap().is_empty());
    }
}
