//! Findings and acknowledgements as the front ends show them on a key.

use super::keys::{self, KeyView};
use super::settings;
use crate::findings::{
    Acknowledgement, EnvironmentPolicy, Finding, FindingKind, FindingPolicy, ReportFormat, Review,
};
use crate::ids::KeyId;
use crate::inventory::{AcknowledgeRequest, BulkAcknowledgeRequest, Inventory, ReviewQuery};
use crate::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A finding on a key.
#[derive(Debug, Clone, Serialize)]
pub struct FindingView {
    /// The finding kind (`stale`, `over_privileged`, …).
    pub code: &'static str,
    pub severity: &'static str,
    /// `action` (a badge in the list), `warning` or `info` (shown quietly in the detail).
    pub attention: &'static str,
    /// Why.
    pub message: String,
    /// What to do.
    pub advice: String,
    /// The fix the core suggests (`rotate`, `narrow`, `revoke`, `edit`, `verify`, `remove`).
    pub action: &'static str,
    pub excess_scopes: Vec<String>,
    pub acknowledged: Option<AcknowledgementView>,
}

impl From<Finding> for FindingView {
    fn from(f: Finding) -> FindingView {
        FindingView {
            code: f.kind.as_str(),
            severity: f.severity.as_str(),
            attention: f.attention.as_str(),
            message: f.reason,
            advice: f.fix,
            action: f.action.as_str(),
            excess_scopes: f.excess_scopes,
            acknowledged: f.acknowledgement.map(|a| AcknowledgementView::from(*a)),
        }
    }
}

impl From<std::sync::Arc<Finding>> for FindingView {
    fn from(f: std::sync::Arc<Finding>) -> FindingView {
        FindingView::from(std::sync::Arc::unwrap_or_clone(f))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AcknowledgementView {
    pub reason: String,
    pub until: DateTime<Utc>,
    pub at: DateTime<Utc>,
    pub actor: String,
}

impl From<Acknowledgement> for AcknowledgementView {
    fn from(a: Acknowledgement) -> AcknowledgementView {
        AcknowledgementView {
            reason: a.reason,
            until: a.until,
            at: a.acknowledged_at,
            actor: a.acknowledged_by,
        }
    }
}

/// One finding kind acknowledged on one key, with a reason and an end date.
#[derive(Debug, Clone)]
pub struct KeyAcknowledgement {
    pub key: KeyId,
    pub kind: FindingKind,
    pub reason: String,
    /// `None`: the core's default (90 days).
    pub until: Option<DateTime<Utc>>,
}

/// Acknowledges (audited) and answers the key with its findings.
pub async fn acknowledge(inv: &Inventory, ack: KeyAcknowledgement) -> Result<KeyView> {
    inv.acknowledge_finding(AcknowledgeRequest {
        subject: ack.key.to_string(),
        kind: ack.kind,
        reason: ack.reason,
        until: ack.until,
    })
    .await?;
    let key = inv.get(ack.key.into()).await?;
    Ok(keys::view(inv, key).await)
}

/// What a bulk acknowledgement did.
#[derive(Debug, Clone, Serialize)]
pub struct BulkAcknowledged {
    pub acknowledged: usize,
    pub until: Option<DateTime<Utc>>,
}

/// One finding kind acknowledged on every matching key at once (audited per key).
pub async fn acknowledge_many(
    inv: &Inventory,
    request: BulkAcknowledgeRequest,
) -> Result<BulkAcknowledged> {
    let acks = inv.acknowledge_findings(request).await?;
    Ok(BulkAcknowledged {
        acknowledged: acks.len(),
        until: acks.first().map(|a| a.until),
    })
}

/// The review of the whole inventory, as the Review view shows it.
pub async fn review(inv: &Inventory) -> Result<Review> {
    inv.review(&ReviewQuery::default()).await
}

/// The rotation review rendered as a report (csv, json, md, html): metadata only.
pub async fn review_report(inv: &Inventory, format: ReportFormat) -> Result<String> {
    inv.review_report(&ReviewQuery::default(), format).await
}

/// The findings policy, and whether the desktop notifies when keys become due.
#[derive(Debug, Clone)]
pub struct PolicySettings {
    pub policy: FindingPolicy,
    pub notify_due: bool,
}

/// A change to the policy: `None` leaves a part as it is; `environments` replaces the list.
#[derive(Debug, Clone, Default)]
pub struct PolicyChange {
    pub default: Option<EnvironmentPolicy>,
    pub environments: Option<Vec<(String, EnvironmentPolicy)>>,
    pub notify_due: Option<bool>,
}

impl PolicyChange {
    /// The policy with this change applied (the inventory validates it when it stores it).
    fn apply(&self, mut policy: FindingPolicy) -> FindingPolicy {
        if let Some(d) = &self.default {
            policy.default = *d;
        }
        if let Some(envs) = &self.environments {
            policy.environments = envs
                .iter()
                .map(|(env, p)| (env.trim().to_owned(), *p))
                .collect();
        }
        policy
    }

    fn touches_policy(&self) -> bool {
        self.default.is_some() || self.environments.is_some()
    }
}

pub async fn policy(inv: &Inventory) -> Result<PolicySettings> {
    Ok(PolicySettings {
        policy: inv.finding_policy().await?,
        notify_due: settings::notify_due(inv).await?,
    })
}

/// Stores the changed policy and switch (each audited), then answers both.
pub async fn update_policy(inv: &Inventory, change: PolicyChange) -> Result<PolicySettings> {
    if change.touches_policy() {
        let current = inv.finding_policy().await?;
        inv.set_finding_policy(change.apply(current)).await?;
    }
    if let Some(on) = change.notify_due {
        settings::set_notify_due(inv, on).await?;
    }
    policy(inv).await
}
