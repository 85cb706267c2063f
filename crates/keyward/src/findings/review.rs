//! The team review: rotation status per environment and provider, what is overdue or due
//! soon (with owners and due dates), the trend of recent rotations, and the findings.
//! A pure function of records, findings, policy, "now" and the rotation history.

use super::{
    provider_facts, rotation_due_at, Attention, Finding, FindingKind, FindingPolicy, ProviderFact,
    Severity,
};
use crate::model::{KeyRecord, KeyRole, KeyStatus};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// Weeks shown in the rotation trend.
pub const TREND_WEEKS: usize = 12;
/// Rotations listed under "recent rotations".
pub const RECENT_ROTATIONS: usize = 10;

/// One rotation of a key (from the audit trail, or a record's last rotation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationEvent {
    pub key_id: Uuid,
    pub at: DateTime<Utc>,
}

/// Where a key stands against its rotation (and expiry) due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RotationState {
    Ok,
    DueSoon,
    Overdue,
    /// Revoked keys: history, not tracked.
    Retired,
}

impl RotationState {
    pub fn as_str(self) -> &'static str {
        match self {
            RotationState::Ok => "ok",
            RotationState::DueSoon => "due_soon",
            RotationState::Overdue => "overdue",
            RotationState::Retired => "retired",
        }
    }
}

/// One key's line in the review (the CSV export has one row per key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewKey {
    pub key_id: Uuid,
    pub name: String,
    pub environment: String,
    pub provider: String,
    pub kind: String,
    /// A connection admin key is reviewed as one, not as an ordinary key of its environment.
    pub role: KeyRole,
    pub owner: Option<String>,
    pub purpose: String,
    pub status: KeyStatus,
    pub created_at: DateTime<Utc>,
    pub last_rotated_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The earlier of the rotation due date and the expiry.
    pub due_at: DateTime<Utc>,
    pub rotation_state: RotationState,
    /// Open (unacknowledged) finding kinds.
    pub findings: Vec<FindingKind>,
    pub acknowledged: Vec<FindingKind>,
    /// Worst severity among open findings.
    pub worst_severity: Option<Severity>,
    /// Open finding kinds that need action (a subset of `findings`).
    pub needs_action: Vec<FindingKind>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCount {
    pub status: KeyStatus,
    pub count: usize,
}

/// Counts for one environment × provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewGroup {
    pub environment: String,
    pub provider: String,
    pub keys: usize,
    /// Of `keys`, how many are connection admin keys.
    pub admin_keys: usize,
    /// Keys by lifecycle status (active, pending, grace, revoked, invalid); zero counts left out.
    pub by_status: Vec<StatusCount>,
    pub ok: usize,
    pub due_soon: usize,
    pub overdue: usize,
    /// Open findings on the group's keys.
    pub findings: usize,
    /// Of `findings`, how many need action ([`Attention::Action`]).
    pub needs_action: usize,
}

/// A key in the overdue or due-soon list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueItem {
    pub key_id: Uuid,
    pub name: String,
    pub environment: String,
    pub provider: String,
    pub owner: Option<String>,
    pub due_at: DateTime<Utc>,
    /// Whole days until due; negative = overdue by that many days.
    pub days_left: i64,
    /// `rotation` or `expiry`: which date this is.
    pub cause: String,
}

/// Rotations in one week (weeks start on Monday, UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub week_start: NaiveDate,
    pub rotations: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationItem {
    pub key_id: Uuid,
    pub name: String,
    pub environment: String,
    pub provider: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCount {
    pub kind: FindingKind,
    pub open: usize,
    pub acknowledged: usize,
}

/// The whole review. Metadata only; safe to share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub generated_at: DateTime<Utc>,
    /// The environment the review is limited to, if any.
    pub environment: Option<String>,
    pub policy: FindingPolicy,
    /// Whether the keychain could be listed (orphan findings need it).
    pub keychain_checked: bool,
    pub key_count: usize,
    pub ok: usize,
    pub due_soon_count: usize,
    pub overdue_count: usize,
    pub groups: Vec<ReviewGroup>,
    /// Most overdue first.
    pub overdue: Vec<DueItem>,
    /// Soonest first.
    pub due_soon: Vec<DueItem>,
    /// The last [`TREND_WEEKS`] weeks, oldest first.
    pub trend: Vec<TrendPoint>,
    /// Newest first.
    pub recent_rotations: Vec<RotationItem>,
    /// Every finding kind, with open and acknowledged counts.
    pub finding_counts: Vec<KindCount>,
    /// Open findings that need action ([`Attention::Action`]): the review's headline.
    pub action_count: usize,
    /// Open findings, those that need action first, then worst first.
    pub findings: Vec<Finding>,
    /// Facts of providers whose keys cannot be narrowed (said once, not on every key).
    pub provider_facts: Vec<ProviderFact>,
    /// Findings covered by a live acknowledgement.
    pub acknowledged: Vec<Finding>,
    pub keys: Vec<ReviewKey>,
}

impl Review {
    /// Whether an open finding of one of `kinds` exists (for `--fail-on`).
    pub fn has_open(&self, kinds: &[FindingKind]) -> bool {
        self.findings.iter().any(|f| kinds.contains(&f.kind))
    }

    /// Open findings that need action, then the rest (shown quietly).
    pub fn split_by_attention(&self) -> (Vec<&Finding>, Vec<&Finding>) {
        self.findings
            .iter()
            .partition(|f| f.attention == Attention::Action)
    }

    /// The connection admin keys, listed apart in every report.
    pub fn admin_keys(&self) -> impl Iterator<Item = &ReviewKey> {
        self.keys
            .iter()
            .filter(|k| k.role == KeyRole::ConnectionAdmin)
    }

    /// The connection admin keys' ids (for labels in the due lists): one pass, so that a
    /// report asks it once, not once per due key (that was quadratic: 5 s at 100,000 keys).
    pub fn admin_key_ids(&self) -> HashSet<Uuid> {
        self.admin_keys().map(|k| k.key_id).collect()
    }
}

/// Per key: open kinds, acknowledged kinds, worst open severity, kinds that need action.
type KeyFindings = (
    Vec<FindingKind>,
    Vec<FindingKind>,
    Option<Severity>,
    Vec<FindingKind>,
);

fn week_start(at: DateTime<Utc>) -> NaiveDate {
    let d = at.date_naive();
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// Builds the review. `findings` are all findings of `records` (acknowledged ones carry
/// their acknowledgement); `rotations` is the rotation history (audit trail), merged with
/// each record's last rotation.
pub fn build_review(
    records: &[KeyRecord],
    findings: &[Finding],
    policy: &FindingPolicy,
    now: DateTime<Utc>,
    rotations: &[RotationEvent],
) -> Review {
    let mut keys = Vec::with_capacity(records.len());
    let mut by_key: BTreeMap<Uuid, KeyFindings> = BTreeMap::new();
    for f in findings {
        if let Some(id) = f.key_id {
            let entry = by_key.entry(id).or_default();
            if f.is_acknowledged() {
                entry.1.push(f.kind);
            } else {
                entry.0.push(f.kind);
                entry.2 = entry.2.max(Some(f.severity));
                if f.attention == Attention::Action {
                    entry.3.push(f.kind);
                }
            }
        }
    }
    // Groups in the records' order (environment position, as listed), then by provider.
    let mut groups: Vec<ReviewGroup> = Vec::new();
    let mut group_index: HashMap<(String, String), usize> = HashMap::new();
    let mut overdue = Vec::new();
    let mut due_soon = Vec::new();
    for r in records {
        let env = policy.for_environment(&r.environment);
        let rotation_due = rotation_due_at(r, policy);
        let (due_at, cause) = match r.expires_at {
            Some(e) if e < rotation_due => (e, "expiry"),
            _ => (rotation_due, "rotation"),
        };
        let state = if r.status == KeyStatus::Revoked {
            RotationState::Retired
        } else if due_at <= now {
            RotationState::Overdue
        } else if due_at - now <= Duration::days(i64::from(env.expiring_days)) {
            RotationState::DueSoon
        } else {
            RotationState::Ok
        };
        let (open, acked, worst, action) = by_key.remove(&r.id).unwrap_or_default();
        let index = *group_index
            .entry((r.environment.clone(), r.provider.clone()))
            .or_insert_with(|| {
                groups.push(ReviewGroup {
                    environment: r.environment.clone(),
                    provider: r.provider.clone(),
                    keys: 0,
                    admin_keys: 0,
                    by_status: Vec::new(),
                    ok: 0,
                    due_soon: 0,
                    overdue: 0,
                    findings: 0,
                    needs_action: 0,
                });
                groups.len() - 1
            });
        let group = &mut groups[index];
        group.keys += 1;
        if r.role == KeyRole::ConnectionAdmin {
            group.admin_keys += 1;
        }
        match group.by_status.iter_mut().find(|s| s.status == r.status) {
            Some(s) => s.count += 1,
            None => group.by_status.push(StatusCount {
                status: r.status,
                count: 1,
            }),
        }
        match state {
            RotationState::Ok => group.ok += 1,
            RotationState::DueSoon => group.due_soon += 1,
            RotationState::Overdue => group.overdue += 1,
            RotationState::Retired => {}
        }
        group.findings += open.len();
        group.needs_action += action.len();
        if matches!(state, RotationState::Overdue | RotationState::DueSoon) {
            let item = DueItem {
                key_id: r.id,
                name: r.name.clone(),
                environment: r.environment.clone(),
                provider: r.provider.clone(),
                owner: r.owner.clone(),
                due_at,
                days_left: if due_at <= now {
                    -(now - due_at).num_days()
                } else {
                    (due_at - now).num_days()
                },
                cause: cause.to_owned(),
            };
            if state == RotationState::Overdue {
                overdue.push(item);
            } else {
                due_soon.push(item);
            }
        }
        keys.push(ReviewKey {
            key_id: r.id,
            name: r.name.clone(),
            environment: r.environment.clone(),
            provider: r.provider.clone(),
            kind: r.kind.clone(),
            role: r.role,
            owner: r.owner.clone(),
            purpose: r.purpose.clone(),
            status: r.status,
            created_at: r.created_at,
            last_rotated_at: r.last_rotated_at,
            expires_at: r.expires_at,
            due_at,
            rotation_state: state,
            findings: open,
            acknowledged: acked,
            worst_severity: worst,
            needs_action: action,
        });
    }
    let env_order: Vec<&str> = {
        let mut seen = Vec::new();
        for r in records {
            if !seen.contains(&r.environment.as_str()) {
                seen.push(r.environment.as_str());
            }
        }
        seen
    };
    groups.sort_by(|a, b| {
        let pos = |e: &str| env_order.iter().position(|x| *x == e);
        pos(&a.environment)
            .cmp(&pos(&b.environment))
            .then_with(|| a.provider.cmp(&b.provider))
    });
    for g in &mut groups {
        g.by_status
            .sort_by_key(|s| KeyStatus::ALL.iter().position(|k| *k == s.status));
    }
    overdue.sort_by(|a, b| a.due_at.cmp(&b.due_at).then_with(|| a.name.cmp(&b.name)));
    due_soon.sort_by(|a, b| a.due_at.cmp(&b.due_at).then_with(|| a.name.cmp(&b.name)));

    // Rotation history: audit events plus each record's last rotation, one per key and day.
    let names: BTreeMap<Uuid, &KeyRecord> = records.iter().map(|r| (r.id, r)).collect();
    let mut seen = HashSet::new();
    let mut history: Vec<RotationItem> = rotations
        .iter()
        .copied()
        .chain(records.iter().filter_map(|r| {
            r.last_rotated_at
                .map(|at| RotationEvent { key_id: r.id, at })
        }))
        .filter(|e| e.at <= now && seen.insert((e.key_id, e.at.date_naive())))
        .filter_map(|e| {
            names.get(&e.key_id).map(|r| RotationItem {
                key_id: r.id,
                name: r.name.clone(),
                environment: r.environment.clone(),
                provider: r.provider.clone(),
                at: e.at,
            })
        })
        .collect();
    history.sort_by_key(|h| std::cmp::Reverse(h.at));
    let this_week = week_start(now);
    let trend: Vec<TrendPoint> = (0..TREND_WEEKS)
        .rev()
        .map(|back| {
            let start = this_week - Duration::weeks(back as i64);
            TrendPoint {
                week_start: start,
                rotations: history.iter().filter(|h| week_start(h.at) == start).count(),
            }
        })
        .collect();
    history.truncate(RECENT_ROTATIONS);

    let (mut acknowledged, mut open): (Vec<Finding>, Vec<Finding>) =
        findings.iter().cloned().partition(Finding::is_acknowledged);
    let order = |a: &Finding, b: &Finding| {
        b.attention
            .cmp(&a.attention)
            .then_with(|| b.severity.cmp(&a.severity))
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.environment.cmp(&b.environment))
            .then_with(|| a.key_name.cmp(&b.key_name))
    };
    open.sort_by(order);
    acknowledged.sort_by(order);
    let finding_counts = FindingKind::ALL
        .into_iter()
        .map(|kind| KindCount {
            kind,
            open: open.iter().filter(|f| f.kind == kind).count(),
            acknowledged: acknowledged.iter().filter(|f| f.kind == kind).count(),
        })
        .collect();
    let count = |s: RotationState| keys.iter().filter(|k| k.rotation_state == s).count();
    Review {
        generated_at: now,
        environment: None,
        policy: policy.clone(),
        keychain_checked: false,
        key_count: keys.len(),
        ok: count(RotationState::Ok),
        due_soon_count: count(RotationState::DueSoon),
        overdue_count: count(RotationState::Overdue),
        groups,
        overdue,
        due_soon,
        trend,
        recent_rotations: history,
        finding_counts,
        action_count: open
            .iter()
            .filter(|f| f.attention == Attention::Action)
            .count(),
        findings: open,
        provider_facts: provider_facts(records),
        acknowledged,
        keys,
    }
}
