//! What a member publishes: one [`TeamKeyRow`] per shared key, built from the local inventory
//! and its review (status, rotation state, open findings), and which of them changed since the
//! last publish.

use crate::error::Result;
use crate::{Sharing, TeamFinding, TeamKeyRow};
use keyward::inventory::ReviewQuery;
use keyward::{Inventory, KeyFilter, KeyStatus};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use uuid::Uuid;

/// Whether `environment` is shared.
pub fn shares(sharing: &Sharing, environment: &str) -> bool {
    sharing
        .environments
        .as_ref()
        .is_none_or(|envs| envs.iter().any(|e| e == environment))
}

/// The rows this member shares now, by key id.
pub async fn current_rows(
    inv: &Inventory,
    member: &str,
    sharing: &Sharing,
) -> Result<HashMap<Uuid, TeamKeyRow>> {
    let records = inv.list(&KeyFilter::default()).await?;
    let review = inv.review(&ReviewQuery::default()).await?;
    let reviewed: HashMap<Uuid, &keyward::findings::review::ReviewKey> =
        review.keys.iter().map(|k| (k.key_id, k)).collect();
    let mut findings: HashMap<Uuid, Vec<TeamFinding>> = HashMap::new();
    for f in &review.findings {
        if let Some(id) = f.key_id {
            findings.entry(id).or_default().push(TeamFinding {
                kind: f.kind.as_str().to_string(),
                attention: f.attention.as_str().to_string(),
                severity: f.severity.as_str().to_string(),
                reason: f.reason.clone(),
            });
        }
    }
    let rotations = inv.store().open_rotation_steps().await?;
    let mut rows = HashMap::new();
    for r in records.into_iter().map(std::sync::Arc::unwrap_or_clone) {
        if !shares(sharing, &r.environment) {
            continue;
        }
        let rk = reviewed.get(&r.id);
        let row = TeamKeyRow {
            member: member.to_string(),
            key_id: r.id,
            provider: r.provider,
            kind: r.kind,
            name: r.name,
            environment: r.environment,
            purpose: r.purpose,
            owner: r.owner,
            tags: r.tags,
            scopes: r.scopes,
            status: r.status.as_str().to_string(),
            state: rk
                .map(|k| k.rotation_state.as_str().to_string())
                .unwrap_or_default(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            last_rotated_at: r.last_rotated_at,
            next_rotation_due: match (r.status, rk) {
                (KeyStatus::Revoked, _) | (_, None) => None,
                (_, Some(k)) => Some(k.due_at),
            },
            expires_at: r.expires_at,
            rotation: rotations.get(&r.id).cloned(),
            findings: findings.remove(&r.id).unwrap_or_default(),
            // Never a fingerprint; the masked hint only when the member says so.
            hint: sharing.hints.then_some(r.masked_hint),
        };
        rows.insert(r.id, row);
    }
    Ok(rows)
}

/// A digest of a row as published (to republish only what changed).
pub fn digest(row: &TeamKeyRow) -> String {
    let json = serde_json::to_vec(row).unwrap_or_default();
    hex::encode(Sha256::digest(&json))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sharing_filters_environments() {
        let all = Sharing::default();
        assert!(shares(&all, "prod"));
        let some = Sharing {
            environments: Some(vec!["dev".into(), "staging".into()]),
            hints: false,
        };
        assert!(shares(&some, "dev"));
        assert!(!shares(&some, "prod"));
        let none = Sharing {
            environments: Some(vec![]),
            hints: false,
        };
        assert!(!shares(&none, "dev"));
    }
}
