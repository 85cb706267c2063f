//! Transport types of findings, acknowledgements, the findings policy and the team review
//! (`ui/src/lib/types.ts` mirrors them, pinned by `tests/ipc_contract.rs`). Metadata only:
//! the core's findings and review never hold a secret.

use chrono::{DateTime, Utc};
use keyward::api::findings::{KeyAcknowledgement, PolicyChange, PolicySettings};
use keyward::findings::{
    DueItem, EnvironmentPolicy, FindingPolicy, ProviderFact, Review, ReviewGroup,
};
use keyward::inventory::BulkAcknowledgeRequest;
use keyward::KeyId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Written into `PolicyDto.default.environment`: the line for every other environment.
pub const DEFAULT_ENVIRONMENT: &str = "*";

/// A finding as the window shows it on a key, shaped by the core (`keyward::api::findings`).
pub use keyward::api::findings::{
    AcknowledgementView as AcknowledgementDto, FindingView as FindingDto,
};

#[derive(Debug, Deserialize)]
pub struct AcknowledgeInput {
    pub key_id: String,
    /// A finding kind.
    pub kind: String,
    pub reason: String,
    /// `None`: the core's default (90 days).
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
}

impl AcknowledgeInput {
    /// The page's text parsed into the core's request: the key id, then the finding kind.
    pub fn into_request(self) -> Result<KeyAcknowledgement, crate::error::AppError> {
        Ok(KeyAcknowledgement {
            key: self.key_id.parse::<KeyId>()?,
            kind: crate::findings::finding_kind(&self.kind)?,
            reason: self.reason,
            until: self.until,
        })
    }
}

/// One finding kind on every key of a provider and/or environment (`None`: any).
#[derive(Debug, Deserialize)]
pub struct BulkAcknowledgeInput {
    pub kind: String,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    pub reason: String,
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
}

impl BulkAcknowledgeInput {
    /// The page's text parsed into the core's request (the finding kind).
    pub fn into_request(self) -> Result<BulkAcknowledgeRequest, crate::error::AppError> {
        Ok(BulkAcknowledgeRequest {
            kind: crate::findings::finding_kind(&self.kind)?,
            provider: self.provider,
            environment: self.environment,
            reason: self.reason,
            until: self.until,
        })
    }
}

/// What a bulk acknowledgement did.
pub use keyward::api::findings::BulkAcknowledged as BulkAcknowledgedDto;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentPolicyDto {
    pub environment: String,
    pub max_age_days: u32,
    pub unused_days: u32,
    pub expiring_days: u32,
}

impl EnvironmentPolicyDto {
    fn new(environment: &str, p: &EnvironmentPolicy) -> EnvironmentPolicyDto {
        EnvironmentPolicyDto {
            environment: environment.to_owned(),
            max_age_days: p.max_age_days,
            unused_days: p.unused_days,
            expiring_days: p.expiring_days,
        }
    }

    fn thresholds(&self) -> EnvironmentPolicy {
        EnvironmentPolicy::new(self.max_age_days, self.unused_days, self.expiring_days)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyDto {
    pub default: EnvironmentPolicyDto,
    pub environments: Vec<EnvironmentPolicyDto>,
    /// Desktop notification when keys become due (a window setting, not the core's policy).
    pub notify_due: bool,
}

impl From<PolicySettings> for PolicyDto {
    fn from(settings: PolicySettings) -> PolicyDto {
        PolicyDto::new(&settings.policy, settings.notify_due)
    }
}

impl PolicyDto {
    pub fn new(policy: &FindingPolicy, notify_due: bool) -> PolicyDto {
        PolicyDto {
            default: EnvironmentPolicyDto::new(DEFAULT_ENVIRONMENT, &policy.default),
            environments: policy
                .environments
                .iter()
                .map(|(env, p)| EnvironmentPolicyDto::new(env, p))
                .collect(),
            notify_due,
        }
    }
}

/// `None` leaves a part as it is; `environments` replaces the whole list.
#[derive(Debug, Default, Deserialize)]
pub struct PolicyPatch {
    #[serde(default)]
    pub default: Option<EnvironmentPolicyDto>,
    #[serde(default)]
    pub environments: Option<Vec<EnvironmentPolicyDto>>,
    #[serde(default)]
    pub notify_due: Option<bool>,
}

impl From<PolicyPatch> for PolicyChange {
    fn from(patch: PolicyPatch) -> PolicyChange {
        PolicyChange {
            default: patch.default.map(|d| d.thresholds()),
            environments: patch.environments.map(|envs| {
                envs.iter()
                    .map(|e| (e.environment.clone(), e.thresholds()))
                    .collect()
            }),
            notify_due: patch.notify_due,
        }
    }
}

/// Counts for one environment × provider.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewGroupDto {
    pub environment: String,
    pub provider: String,
    pub total: usize,
    pub by_status: BTreeMap<&'static str, usize>,
    pub overdue: usize,
    pub due_soon: usize,
}

impl From<ReviewGroup> for ReviewGroupDto {
    fn from(g: ReviewGroup) -> ReviewGroupDto {
        ReviewGroupDto {
            environment: g.environment,
            provider: g.provider,
            total: g.keys,
            by_status: g
                .by_status
                .iter()
                .map(|s| (s.status.as_str(), s.count))
                .collect(),
            overdue: g.overdue,
            due_soon: g.due_soon,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RotationPointDto {
    /// First day (Monday) of the week.
    pub period: String,
    pub rotations: usize,
}

/// The Review view: what the window shows (the export holds more: every key and finding).
#[derive(Debug, Clone, Serialize)]
pub struct ReviewDto {
    pub generated_at: DateTime<Utc>,
    pub total: usize,
    pub groups: Vec<ReviewGroupDto>,
    pub overdue: Vec<DueItem>,
    pub due_soon: Vec<DueItem>,
    pub rotations: Vec<RotationPointDto>,
    /// Open findings per kind; kinds with none left out.
    pub finding_counts: BTreeMap<&'static str, usize>,
    pub keychain_checked: bool,
    /// Open findings that need action: the review's headline.
    pub action_count: usize,
    /// Open findings shown quietly (warning, info).
    pub quiet_count: usize,
    /// Facts of providers whose keys cannot be narrowed, said once.
    pub provider_facts: Vec<ProviderFact>,
}

impl From<Review> for ReviewDto {
    fn from(r: Review) -> ReviewDto {
        ReviewDto {
            generated_at: r.generated_at,
            total: r.key_count,
            groups: r.groups.into_iter().map(ReviewGroupDto::from).collect(),
            overdue: r.overdue,
            due_soon: r.due_soon,
            rotations: r
                .trend
                .iter()
                .map(|p| RotationPointDto {
                    period: p.week_start.format("%Y-%m-%d").to_string(),
                    rotations: p.rotations,
                })
                .collect(),
            finding_counts: r
                .finding_counts
                .iter()
                .filter(|c| c.open > 0)
                .map(|c| (c.kind.as_str(), c.open))
                .collect(),
            keychain_checked: r.keychain_checked,
            action_count: r.action_count,
            quiet_count: r.findings.len() - r.action_count,
            provider_facts: r.provider_facts,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewExportDto {
    /// Where the file was written.
    pub path: String,
    pub bytes: usize,
}
