//! The findings policy: thresholds per environment, stored as one JSON setting.

use super::FindingsError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Upper bound for every threshold: ten years is "never" for practical purposes.
pub const MAX_POLICY_DAYS: u32 = 3650;

/// Thresholds for one environment, in whole days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentPolicy {
    /// A key not rotated for this many days is stale (due for rotation).
    pub max_age_days: u32,
    /// A key the provider reports unused for this many days is unused.
    pub unused_days: u32,
    /// A key expiring within this many days is expiring; also the "due soon" window.
    pub expiring_days: u32,
}

impl EnvironmentPolicy {
    pub const fn new(max_age_days: u32, unused_days: u32, expiring_days: u32) -> Self {
        EnvironmentPolicy {
            max_age_days,
            unused_days,
            expiring_days,
        }
    }
}

/// Thresholds per environment; environments not listed get `default`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingPolicy {
    pub environments: BTreeMap<String, EnvironmentPolicy>,
    /// For environments without an entry: as strict as prod, so an unknown name never
    /// loosens the rules.
    pub default: EnvironmentPolicy,
}

pub const PROD_POLICY: EnvironmentPolicy = EnvironmentPolicy::new(90, 30, 14);
pub const STAGING_POLICY: EnvironmentPolicy = EnvironmentPolicy::new(180, 30, 14);
pub const DEV_POLICY: EnvironmentPolicy = EnvironmentPolicy::new(365, 30, 14);

impl Default for FindingPolicy {
    fn default() -> Self {
        FindingPolicy {
            environments: BTreeMap::from([
                ("prod".to_owned(), PROD_POLICY),
                ("staging".to_owned(), STAGING_POLICY),
                ("dev".to_owned(), DEV_POLICY),
            ]),
            default: PROD_POLICY,
        }
    }
}

impl FindingPolicy {
    /// The thresholds for `environment` (exact name first, then case-insensitive).
    pub fn for_environment(&self, environment: &str) -> EnvironmentPolicy {
        self.environments
            .get(environment)
            .or_else(|| {
                self.environments
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(environment))
                    .map(|(_, p)| p)
            })
            .copied()
            .unwrap_or(self.default)
    }

    /// Every threshold between 1 and [`MAX_POLICY_DAYS`] days; environment names non-empty.
    pub fn validate(&self) -> Result<(), FindingsError> {
        let check = |scope: &str, p: &EnvironmentPolicy| -> Result<(), FindingsError> {
            for (field, value) in [
                ("max_age_days", p.max_age_days),
                ("unused_days", p.unused_days),
                ("expiring_days", p.expiring_days),
            ] {
                if value == 0 || value > MAX_POLICY_DAYS {
                    return Err(FindingsError::InvalidPolicy(format!(
                        "{scope}: {field} is {value}; choose between 1 and {MAX_POLICY_DAYS} days"
                    )));
                }
            }
            Ok(())
        };
        check("default", &self.default)?;
        for (name, p) in &self.environments {
            if name.trim().is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
                return Err(FindingsError::InvalidPolicy(
                    "environment names are 1 to 64 characters without control characters".into(),
                ));
            }
            check(name, p)?;
        }
        Ok(())
    }
}
