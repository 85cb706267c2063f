//! Findings and acknowledgements as the front ends show them on a key.

use super::keys::{self, KeyView};
use crate::findings::{Acknowledgement, Finding, FindingKind};
use crate::ids::KeyId;
use crate::inventory::{AcknowledgeRequest, Inventory};
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
            acknowledged: f.acknowledgement.map(AcknowledgementView::from),
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
