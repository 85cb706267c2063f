//! What makes a bulk rotation safe by construction, decided once in the core for every front
//! end: a connection's admin key never rotates in a batch with the keys it manages, a key whose
//! value Keyward does not hold rotates only after the user accepts that the value in use stops
//! working, the grace period defaults per environment (never "revoke at once" for prod), and
//! start-up recovery backs off per rotation.

use super::{RotateOptions, RotationError, RotationFlavour};
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::inventory::Inventory;
use crate::model::{AuditAction, KeyRecord};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;
use uuid::Uuid;

const SETTING_ROTATION_GRACE: &str = "rotation_grace";
/// Longest grace period a default may set (the CLI's `--grace` has the same bound).
pub const MAX_GRACE_SECS: u64 = 90 * 86_400;
const HOUR: u64 = 3600;

/// The grace period a rotation gets when the user does not choose one, per environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraceDefaults {
    /// Seconds the old key keeps working after the new one is current, by environment name.
    pub environments: BTreeMap<String, u64>,
    /// For environments without an entry: as careful as prod, so an unknown name never
    /// revokes a key in use at once.
    pub default_secs: u64,
}

impl Default for GraceDefaults {
    /// prod 24 h (a deploy cycle to roll the new value out), staging 1 h, dev none.
    fn default() -> Self {
        GraceDefaults {
            environments: BTreeMap::from([
                ("prod".to_owned(), 24 * HOUR),
                ("staging".to_owned(), HOUR),
                ("dev".to_owned(), 0),
            ]),
            default_secs: 24 * HOUR,
        }
    }
}

impl GraceDefaults {
    /// The default for `environment` (exact name first, then case-insensitive).
    pub fn for_environment(&self, environment: &str) -> Duration {
        let secs = self
            .environments
            .get(environment)
            .or_else(|| {
                self.environments
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(environment))
                    .map(|(_, s)| s)
            })
            .copied()
            .unwrap_or(self.default_secs);
        Duration::from_secs(secs)
    }

    fn validate(&self) -> Result<()> {
        let all = std::iter::once(self.default_secs).chain(self.environments.values().copied());
        for secs in all {
            if secs > MAX_GRACE_SECS {
                return Err(Error::invalid("grace", "at most 90 days"));
            }
        }
        Ok(())
    }
}

/// The options one key of a batch rotates with: the caller's grace, else its environment's.
pub(crate) fn options_for(
    key: &KeyRecord,
    opts: &RotateOptions,
    defaults: &GraceDefaults,
) -> RotateOptions {
    let mut o = opts.clone();
    if o.grace.is_none() {
        o.grace = Some(defaults.for_environment(&key.environment));
    }
    o
}

/// The connection whose admin key `key` is, if it is one.
pub(crate) fn administered<'a>(
    key: &KeyRecord,
    connections: &'a [Connection],
) -> Option<&'a Connection> {
    connections.iter().find(|c| c.admin_key_id == Some(key.id))
}

/// Why `key` may not rotate in a batch with `batch`: it is the admin key of a connection that
/// serves other keys of the batch. Rolling it mid-run would cut off every other rotation of
/// that connection (their next call gets 401), so it rotates on its own, after them.
pub(crate) fn batch_refusal(
    key: &KeyRecord,
    batch: &[KeyRecord],
    connections: &[Connection],
) -> Option<String> {
    let c = administered(key, connections)?;
    let managed = batch
        .iter()
        .filter(|k| k.id != key.id && k.connection_id == Some(c.id))
        .count();
    (managed > 0).then(|| {
        format!(
            "this is the admin key of the connection '{}', which the other {} key{} of this batch rotate{} through; rotate it on its own after them",
            c.name,
            managed,
            if managed == 1 { "" } else { "s" },
            if managed == 1 { "s" } else { "" },
        )
    })
}

/// Whether rotating `key` this way kills a value Keyward does not hold: the provider replaces
/// it (roll, or create + revoke), and whatever uses the old value stops working.
pub(crate) fn kills_unknown_value(key: &KeyRecord, flavour: RotationFlavour) -> bool {
    key.fingerprint.is_none() && flavour != RotationFlavour::Guided
}

/// The sentence the user accepts, per key, before such a rotation.
pub(crate) fn value_loss_note(key: &KeyRecord, grace_secs: i64) -> String {
    if grace_secs > 0 {
        format!(
            "Keyward does not hold the value of '{}' that is in use: whatever uses it stops working when the grace period ends, unless it gets the new value by then",
            key.name
        )
    } else {
        format!(
            "Keyward does not hold the value of '{}' that is in use: whatever uses it stops working now",
            key.name
        )
    }
}

/// Refuses a value-less key the user has not accepted.
pub(crate) fn check_accepted(
    key: &KeyRecord,
    flavour: RotationFlavour,
    opts: &RotateOptions,
) -> std::result::Result<(), RotationError> {
    if kills_unknown_value(key, flavour) && !opts.accept_value_loss.contains(&key.id) {
        return Err(RotationError::NeedsAcceptance(key.name.clone()));
    }
    Ok(())
}

/// How long start-up recovery leaves a rotation alone after its `attempts`-th failed try:
/// 30 s, doubling per failure, at most 6 h. Persisted in the journal (`next_attempt_at`), so a
/// loop of short CLI calls tries a stuck rotation once, not on every call.
pub fn recovery_backoff(attempts: i64) -> Duration {
    let exp = attempts.clamp(1, 16) - 1;
    Duration::from_secs(30u64.saturating_mul(1u64 << exp)).min(Duration::from_secs(6 * HOUR))
}

/// The keys of a batch, deduplicated in order.
pub(crate) fn unique(ids: Vec<Uuid>) -> Vec<Uuid> {
    let mut seen = HashSet::new();
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

impl Inventory {
    /// The grace periods rotations get by default, per environment.
    pub(crate) async fn rotation_grace_defaults(&self) -> Result<GraceDefaults> {
        match self.store().setting(SETTING_ROTATION_GRACE).await? {
            None => Ok(GraceDefaults::default()),
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| Error::Internal(format!("stored rotation grace defaults: {e}"))),
        }
    }

    pub(crate) async fn set_rotation_grace_defaults(
        &self,
        defaults: GraceDefaults,
    ) -> Result<GraceDefaults> {
        let mut defaults = defaults;
        defaults.environments = defaults
            .environments
            .into_iter()
            .map(|(env, s)| Ok((crate::inventory::validate_environment(&env)?, s)))
            .collect::<Result<_>>()?;
        defaults.validate()?;
        let json = serde_json::to_string(&defaults).map_err(|e| Error::Internal(e.to_string()))?;
        let summary = defaults
            .environments
            .iter()
            .map(|(env, s)| format!("{env}: {s} s"))
            .chain(std::iter::once(format!(
                "other: {} s",
                defaults.default_secs
            )))
            .collect::<Vec<_>>()
            .join(", ");
        let event = self.audit(
            AuditAction::SettingsChanged,
            None,
            format!("rotation grace defaults: {summary}"),
        );
        self.store()
            .set_setting(SETTING_ROTATION_GRACE, &json, &event)
            .await?;
        Ok(defaults)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::connection::ConnectionOptions;
    use crate::rotation::engine::placeholder_record;

    fn key(name: &str, connection: Option<Uuid>) -> KeyRecord {
        let mut k = placeholder_record();
        k.name = name.into();
        k.provider = "cloudflare".into();
        k.kind = "user_token".into();
        k.environment = "prod".into();
        k.connection_id = connection;
        k.fingerprint = Some("fp".into());
        k
    }

    fn connection(name: &str, admin: Option<Uuid>) -> Connection {
        Connection {
            id: Uuid::new_v4(),
            name: name.into(),
            provider: "cloudflare".into(),
            base_url: "https://api.cloudflare.com/client/v4".into(),
            admin_key_id: admin,
            options: ConnectionOptions::default(),
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn an_admin_key_never_rotates_in_a_batch_with_the_keys_it_serves() {
        let admin = key("cf (admin)", None);
        let cf = connection("cf", Some(admin.id));
        let other = connection("other", None);
        let dns = key("dns", Some(cf.id));
        let zone = key("zone", Some(cf.id));
        let elsewhere = key("elsewhere", Some(other.id));
        let conns = [cf.clone(), other];

        let batch = [admin.clone(), dns.clone(), zone.clone()];
        let why = batch_refusal(&admin, &batch, &conns).unwrap();
        assert!(why.contains("admin key of the connection 'cf'"), "{why}");
        assert!(why.contains("other 2 keys"), "{why}");
        assert!(why.contains("on its own"), "{why}");
        // The keys it serves are not refused; they rotate with the admin key they know.
        assert_eq!(batch_refusal(&dns, &batch, &conns), None);
        assert_eq!(batch_refusal(&zone, &batch, &conns), None);

        // Alone, or with keys of another connection, it may rotate.
        assert_eq!(
            batch_refusal(&admin, std::slice::from_ref(&admin), &conns),
            None
        );
        assert_eq!(
            batch_refusal(&admin, &[admin.clone(), elsewhere.clone()], &conns),
            None
        );
        // A key that only looks like an admin key (no connection names it) is not refused.
        let mut orphan_admin = key("old admin", None);
        orphan_admin.role = crate::model::KeyRole::ConnectionAdmin;
        assert_eq!(
            batch_refusal(&orphan_admin, &[orphan_admin.clone(), dns.clone()], &conns),
            None
        );
    }

    #[test]
    fn a_key_without_its_value_needs_acceptance_per_key() {
        let mut tracked = key("tracked", None);
        tracked.fingerprint = None;
        let held = key("held", None);
        assert!(kills_unknown_value(&tracked, RotationFlavour::NativeRoll));
        assert!(kills_unknown_value(&tracked, RotationFlavour::CreateRevoke));
        assert!(!kills_unknown_value(&tracked, RotationFlavour::Guided));
        assert!(!kills_unknown_value(&held, RotationFlavour::NativeRoll));

        let mut opts = RotateOptions::default();
        let err = check_accepted(&tracked, RotationFlavour::NativeRoll, &opts).unwrap_err();
        assert_eq!(err.code(), "rotation_needs_acceptance");
        assert!(err.to_string().contains("'tracked'"));
        // Accepting another key does not count for this one.
        opts.accept_value_loss.push(held.id);
        assert!(check_accepted(&tracked, RotationFlavour::NativeRoll, &opts).is_err());
        opts.accept_value_loss.push(tracked.id);
        assert!(check_accepted(&tracked, RotationFlavour::NativeRoll, &opts).is_ok());
        assert!(check_accepted(
            &held,
            RotationFlavour::NativeRoll,
            &RotateOptions::default()
        )
        .is_ok());

        assert!(value_loss_note(&tracked, 0).ends_with("stops working now"));
        assert!(value_loss_note(&tracked, 3600).contains("when the grace period ends"));
    }

    #[test]
    fn grace_defaults_per_environment_never_revoke_prod_at_once() {
        let d = GraceDefaults::default();
        assert_eq!(d.for_environment("prod"), Duration::from_secs(86_400));
        assert_eq!(d.for_environment("PROD"), Duration::from_secs(86_400));
        assert_eq!(d.for_environment("staging"), Duration::from_secs(3600));
        assert_eq!(d.for_environment("dev"), Duration::ZERO);
        // An environment without its own line is treated as carefully as prod.
        assert_eq!(d.for_environment("qa"), Duration::from_secs(86_400));

        let k = key("k", None);
        let resolved = options_for(&k, &RotateOptions::default(), &d);
        assert_eq!(resolved.grace, Some(Duration::from_secs(86_400)));
        // The caller's choice wins, "none" included.
        let none = RotateOptions {
            grace: Some(Duration::ZERO),
            ..RotateOptions::default()
        };
        assert_eq!(options_for(&k, &none, &d).grace, Some(Duration::ZERO));

        let bad = GraceDefaults {
            default_secs: MAX_GRACE_SECS + 1,
            ..GraceDefaults::default()
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn recovery_backs_off_exponentially_up_to_six_hours() {
        let secs: Vec<u64> = (0..=12).map(|a| recovery_backoff(a).as_secs()).collect();
        assert_eq!(
            secs,
            [30, 30, 60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 21600, 21600]
        );
        assert_eq!(recovery_backoff(i64::MAX), Duration::from_secs(21_600));
    }

    #[tokio::test]
    async fn grace_defaults_are_a_setting() {
        let inv = crate::test_fixtures::inventory().await.0;
        assert_eq!(
            inv.rotation_grace_defaults().await.unwrap(),
            GraceDefaults::default()
        );
        let mut d = GraceDefaults::default();
        d.environments.insert("prod".into(), 7200);
        d.environments.insert("qa".into(), 0);
        inv.set_rotation_grace_defaults(d.clone()).await.unwrap();
        assert_eq!(inv.rotation_grace_defaults().await.unwrap(), d);
        let mut bad = d.clone();
        bad.environments.insert("prod".into(), MAX_GRACE_SECS + 1);
        assert!(inv.set_rotation_grace_defaults(bad).await.is_err());
        assert_eq!(inv.rotation_grace_defaults().await.unwrap(), d);
    }
}
