//! The inventory's side of provider APIs: connections, verification, sync (import from a
//! provider's list). A key's stored state changes only on a definite answer from the provider.

use super::{on_vault, Inventory, NewKey};
use crate::connection::{Connection, ConnectionOptions};
use crate::error::{Error, Result};
use crate::model::{AuditAction, KeyFilter, KeyRecord, KeyRole, KeyStatus};
use crate::providers::http::{check_base_url, check_probe_path, Http};
use crate::providers::{self, ClientError, Verification, VerifyOutcome, VerifyTarget};
use crate::secret::Secret;
use crate::store::NewAuditEvent;
use chrono::Utc;
use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// What `connect` needs.
pub struct NewConnection {
    pub provider: String,
    pub name: String,
    pub base_url: Option<String>,
    /// One of the provider's hosted regions (`eu`), instead of a base URL.
    pub region: Option<String>,
    pub options: ConnectionOptions,
    /// Environment the admin key is filed under.
    pub environment: String,
    /// Verify the admin key before saving (default): a definite "invalid" saves nothing.
    pub test: bool,
}

/// How one key of a bulk verification ended: the provider's answer, or why there was none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifyResultOutcome {
    Valid,
    Invalid,
    Expired,
    Disabled,
    /// The provider could not be asked or did not answer usably (`code` says why); nothing
    /// about the key changed.
    Error,
    /// The provider has no API to verify this kind of key.
    Skipped,
}

impl VerifyResultOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyResultOutcome::Valid => "valid",
            VerifyResultOutcome::Invalid => "invalid",
            VerifyResultOutcome::Expired => "expired",
            VerifyResultOutcome::Disabled => "disabled",
            VerifyResultOutcome::Error => "error",
            VerifyResultOutcome::Skipped => "skipped",
        }
    }
}

impl std::fmt::Display for VerifyResultOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `pad`, so that width and alignment (`{:<8}`) apply.
        f.pad(self.as_str())
    }
}

impl From<VerifyOutcome> for VerifyResultOutcome {
    fn from(o: VerifyOutcome) -> VerifyResultOutcome {
        match o {
            VerifyOutcome::Valid => VerifyResultOutcome::Valid,
            VerifyOutcome::Invalid => VerifyResultOutcome::Invalid,
            VerifyOutcome::Expired => VerifyResultOutcome::Expired,
            VerifyOutcome::Disabled => VerifyResultOutcome::Disabled,
        }
    }
}

/// One key's outcome in a bulk verification.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyResult {
    pub id: Uuid,
    pub name: String,
    pub environment: String,
    pub provider: String,
    pub outcome: VerifyResultOutcome,
    pub code: Option<String>,
    pub detail: String,
}

/// A key the provider lists, as `sync` would import it.
#[derive(Debug, Clone, Serialize)]
pub struct RemoteKey {
    pub remote_id: String,
    pub name: String,
    pub kind: String,
    pub scopes: Vec<String>,
    pub masked_hint: String,
    /// Whether the provider handed over the value (Postmark server tokens) or only metadata.
    pub has_value: bool,
    /// Already in the inventory (same provider and remote id): refreshed, not duplicated.
    pub known_key_id: Option<Uuid>,
    /// Where the window proposes to file it: from the name ("Acme Staging" -> staging),
    /// else the connection's environment (its admin key's).
    pub environment: String,
    #[serde(skip)]
    pub value: Option<Secret>,
    /// What the provider's list says of the key (Cloudflare: disabled, expired).
    #[serde(skip)]
    pub status: Option<VerifyOutcome>,
    #[serde(skip)]
    pub last_used_at: Option<chrono::DateTime<Utc>>,
    #[serde(skip)]
    pub expires_at: Option<chrono::DateTime<Utc>>,
    #[serde(skip)]
    pub created_at: Option<chrono::DateTime<Utc>>,
}

/// A key a connection lists, offered for linking a tracked key to it.
#[derive(Debug, Clone, Serialize)]
pub struct LinkCandidate {
    pub remote_id: String,
    pub name: String,
    pub kind: String,
    pub masked_hint: String,
    /// Looks like the key being linked (same value, or same kind and last characters).
    pub matches: bool,
}

fn check_linkable(key: &KeyRecord, c: &Connection) -> Result<()> {
    if key.provider != c.provider {
        return Err(Error::invalid(
            "connection",
            format!(
                "'{}' serves {} keys, and this is a {} key",
                c.name, c.provider, key.provider
            ),
        ));
    }
    if key.status == KeyStatus::Revoked {
        return Err(Error::invalid(
            "key",
            "a revoked key stays as history; it cannot be linked",
        ));
    }
    Ok(())
}

/// The last characters of a masked hint (`phx_…abcd` -> `abcd`), where it shows some.
fn hint_tail(hint: &str) -> Option<&str> {
    let tail = hint.rsplit('…').next()?;
    (hint.contains('…') && tail.len() >= 4).then_some(tail)
}

struct VerifySetup {
    http: Http,
    connections: Vec<Connection>,
    custom: Vec<crate::providers::CustomProviderSpec>,
}

/// The environment a remote key's name points to: staging/stage/stg, dev/development/test,
/// prod/production/live (whole words, any case). An environment the inventory already has
/// under one of those names is used as spelled there; `None`: the name does not say.
pub fn propose_environment(name: &str, known: &[String]) -> Option<String> {
    const CLASSES: [(&str, &[&str]); 3] = [
        ("staging", &["staging", "stage", "stg"]),
        ("dev", &["dev", "development", "test", "testing"]),
        ("prod", &["prod", "production", "live"]),
    ];
    let words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let (canonical, aliases) = CLASSES
        .iter()
        .find(|(_, aliases)| words.iter().any(|w| aliases.contains(&w.as_str())))?;
    let existing = aliases.iter().find_map(|alias| {
        known
            .iter()
            .find(|k| k.eq_ignore_ascii_case(alias))
            .cloned()
    });
    Some(existing.unwrap_or_else(|| (*canonical).to_owned()))
}

fn validate_connection_name(name: &str) -> Result<String> {
    let n = super::validate_text("connection name", name, 64, true)?;
    if !n
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(Error::invalid(
            "connection name",
            "use letters, digits, '-', '_' or '.'",
        ));
    }
    Ok(n)
}

impl Inventory {
    fn http(&self) -> Result<Http> {
        Ok(Http::new()?)
    }

    pub async fn connections(&self) -> Result<Vec<Connection>> {
        Ok(self.store().connections().await?)
    }

    pub async fn connection(&self, name: &str) -> Result<Connection> {
        self.connections()
            .await?
            .into_iter()
            .find(|c| c.name == name || c.id.to_string() == name)
            .ok_or_else(|| Error::NotFound(format!("connection '{name}'")))
    }

    /// Adds a connection, with its admin key (added to the inventory first) when given.
    pub async fn connect(&self, new: NewConnection, admin: Option<Secret>) -> Result<Connection> {
        let name = validate_connection_name(&new.name)?;
        let provider_id = new.provider.trim().to_ascii_lowercase();
        let profile = providers::profile(&provider_id)
            .ok_or_else(|| providers::ProviderError::UnknownProvider(provider_id.clone()))?;
        let region = match new
            .region
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            Some(r) => Some(super::region_of(&provider_id, r)?),
            None => None,
        };
        let chosen_base = new
            .base_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty());
        if chosen_base.is_some() && region.is_some() {
            return Err(Error::invalid(
                "region",
                "give a region or a base URL, not both",
            ));
        }
        // A 401 proves an admin key invalid only where its region is known.
        let base_url_chosen =
            chosen_base.is_some() || region.is_some() || profile.regions.is_empty();
        let base_url = match chosen_base.or(region.map(|r| r.base_url)) {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => profile.default_base_url.map(str::to_owned).ok_or_else(|| {
                Error::invalid(
                    "base URL",
                    format!(
                        "{} has no public API base URL: give --base-url",
                        profile.display_name
                    ),
                )
            })?,
        };
        check_base_url(&base_url)?;
        // Checked here, not only in the window: the CLI and IPC reach this too.
        if let Some(p) = &new.options.probe_path {
            check_probe_path(p)?;
        }
        if let Some(p) = &new.options.project_id {
            if p.is_empty()
                || !p
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(Error::invalid(
                    "project",
                    "a project id is letters, digits, '-' or '_'",
                ));
            }
        }
        if self.connections().await?.iter().any(|c| c.name == name) {
            return Err(Error::Store(crate::store::StoreError::DuplicateConnection(
                name,
            )));
        }
        let id = Uuid::new_v4();
        let mut admin_remote_id = None;
        let admin_key_id = match admin {
            None => None,
            Some(secret) => {
                let kind = profile.admin_kind.map(str::to_owned);
                if new.test {
                    let target = VerifyTarget {
                        provider: profile.id,
                        kind: kind.as_deref().unwrap_or("api_key"),
                        base_url: Some(&base_url),
                        base_url_chosen,
                        options: &new.options,
                        custom: None,
                    };
                    let v = providers::verify(&self.http()?, &target, &secret).await?;
                    admin_remote_id = v.remote_id.clone();
                    if v.outcome != VerifyOutcome::Valid {
                        return Err(ClientError::Unauthorized(format!(
                            "the admin key is {}: {}",
                            v.outcome.as_str(),
                            v.detail
                        ))
                        .into());
                    }
                }
                let key = self
                    .add(
                        NewKey {
                            provider: Some(profile.id.to_owned()),
                            kind,
                            name: format!("{name} (admin)"),
                            environment: new.environment.clone(),
                            purpose: format!(
                                "manage {} keys through the API",
                                profile.display_name
                            ),
                            owner: self.default_owner().await?,
                            remote_id: admin_remote_id.clone(),
                            role: KeyRole::ConnectionAdmin,
                            ..NewKey::default()
                        },
                        secret,
                    )
                    .await?;
                Some(key.id)
            }
        };
        let connection = Connection {
            id,
            name: name.clone(),
            provider: profile.id.to_owned(),
            base_url,
            admin_key_id,
            options: new.options,
            created_at: Utc::now(),
        };
        let event = NewAuditEvent {
            actor: self.actor.clone(),
            action: AuditAction::ProviderAdded.as_str(),
            key_id: admin_key_id,
            key_name: None,
            detail: format!(
                "connection '{name}' to {} at {}",
                profile.id, connection.base_url
            ),
        };
        if let Err(e) = self.store().insert_connection(&connection, &event).await {
            // Undo in reverse order: the admin key (record, then keychain entry) goes again,
            // so a failed connect leaves nothing behind.
            if let Some(admin) = admin_key_id {
                self.undo_admin_key(admin, &name).await;
            }
            return Err(e.into());
        }
        Ok(connection)
    }

    /// Takes back the admin key a failed connect had stored. Best effort: what cannot be
    /// removed is logged, and `doctor` reports it.
    async fn undo_admin_key(&self, id: Uuid, connection: &str) {
        let Ok(key) = self.get(id).await else {
            return;
        };
        let event = self.audit(
            AuditAction::Removed,
            Some(&key),
            format!("connection '{connection}' could not be saved; its admin key was taken back"),
        );
        if let Err(e) = self.store().delete_key(id, &event).await {
            tracing::warn!(error = %e, key_id = %id, "could not take back a failed connection's admin key");
            return;
        }
        self.forget_secrets(&[id]).await;
    }

    /// The keys a connection lists that `id` could be linked to: the provider's list minus
    /// the keys already tracked, each marked when it looks like this key (same value, or the
    /// same last characters and kind).
    pub async fn link_candidates(&self, id: Uuid, connection: &str) -> Result<Vec<LinkCandidate>> {
        let key = self.get(id).await?;
        let c = self.connection(connection).await?;
        check_linkable(&key, &c)?;
        let (_, remote) = self.sync_preview(connection).await?;
        let fingerprinter = if remote.iter().any(|r| r.value.is_some()) {
            Some(self.fingerprinter().await?)
        } else {
            None
        };
        Ok(remote
            .into_iter()
            .filter(|r| r.known_key_id.is_none() || r.known_key_id == Some(id))
            .map(|r| {
                let same_value = match (&r.value, &fingerprinter, &key.fingerprint) {
                    (Some(v), Some(f), Some(fp)) => f.fingerprint(v) == *fp,
                    _ => false,
                };
                let same_tail = r.value.is_none()
                    && r.kind == key.kind
                    && hint_tail(&r.masked_hint)
                        .is_some_and(|t| hint_tail(&key.masked_hint) == Some(t));
                LinkCandidate {
                    remote_id: r.remote_id,
                    name: r.name,
                    kind: r.kind,
                    masked_hint: r.masked_hint,
                    matches: same_value || same_tail || r.known_key_id == Some(id),
                }
            })
            .collect())
    }

    /// Links a key added by hand to a connection: its API calls go through the connection,
    /// and `remote_id` (one the connection lists) ties it to the provider's record. Without
    /// `remote_id`, the one listed key that matches it is taken; none or several: refused.
    pub async fn link(
        &self,
        id: Uuid,
        connection: &str,
        remote_id: Option<&str>,
    ) -> Result<KeyRecord> {
        let candidates = self.link_candidates(id, connection).await?;
        let chosen = match remote_id.map(str::trim).filter(|r| !r.is_empty()) {
            Some(rid) => candidates
                .iter()
                .find(|c| c.remote_id == rid)
                .ok_or_else(|| {
                    Error::invalid(
                        "remote key",
                        "the connection does not list that key, or it is already tracked",
                    )
                })?,
            None => {
                let matching: Vec<&LinkCandidate> =
                    candidates.iter().filter(|c| c.matches).collect();
                match matching.as_slice() {
                    [one] => *one,
                    [] => {
                        return Err(Error::invalid(
                            "remote key",
                            "no key the connection lists matches this one; choose it from the list",
                        ))
                    }
                    _ => return Err(Error::invalid(
                        "remote key",
                        "several keys the connection lists match this one; choose it from the list",
                    )),
                }
            }
        };
        let c = self.connection(connection).await?;
        let mut key = self.get(id).await?;
        key.connection_id = Some(c.id);
        key.remote_id = Some(chosen.remote_id.clone());
        key.updated_at = Utc::now();
        let event = self.audit(
            AuditAction::Updated,
            Some(&key),
            format!(
                "linked to connection '{}' (remote key {})",
                c.name, chosen.remote_id
            ),
        );
        self.store().update_key(&key, &event).await?;
        Ok(key)
    }

    /// Undoes [`Inventory::link`]: the key no longer goes through a connection nor names
    /// the provider's record. A connection's own admin key stays linked (remove the
    /// connection instead).
    pub async fn unlink(&self, id: Uuid) -> Result<KeyRecord> {
        let mut key = self.get(id).await?;
        let Some(cid) = key.connection_id else {
            return Err(Error::invalid(
                "key",
                "this key is not linked to a connection",
            ));
        };
        let connection = self.connections().await?.into_iter().find(|c| c.id == cid);
        if connection
            .as_ref()
            .is_some_and(|c| c.admin_key_id == Some(id))
        {
            return Err(Error::invalid(
                "key",
                "this is the connection's own admin key; remove the connection instead",
            ));
        }
        key.connection_id = None;
        key.remote_id = None;
        key.updated_at = Utc::now();
        let name = connection
            .map(|c| c.name)
            .unwrap_or_else(|| "a removed connection".into());
        let event = self.audit(
            AuditAction::Updated,
            Some(&key),
            format!("unlinked from connection '{name}'"),
        );
        self.store().update_key(&key, &event).await?;
        Ok(key)
    }

    /// Verifies a connection's admin key (the window's "Test").
    pub(crate) async fn test_connection(&self, name: &str) -> Result<VerifyResult> {
        let c = self.connection(name).await?;
        let admin = c.admin_key_id.ok_or_else(|| {
            Error::invalid(
                "connection",
                format!("'{}' has no admin key to test", c.name),
            )
        })?;
        let mut results = self.verify_many(vec![admin], 1, |_, _, _| {}).await?;
        results
            .pop()
            .ok_or_else(|| Error::Internal("no verification result".into()))
    }

    pub(crate) async fn remove_connection(&self, name: &str) -> Result<Connection> {
        let c = self.connection(name).await?;
        let event = NewAuditEvent {
            actor: self.actor.clone(),
            action: AuditAction::SettingsChanged.as_str(),
            key_id: None,
            key_name: None,
            detail: format!("removed connection '{}'", c.name),
        };
        self.store().delete_connection(c.id, &event).await?;
        Ok(c)
    }

    /// What every verification needs, read once per batch rather than once per key.
    async fn verify_setup(&self) -> Result<VerifySetup> {
        Ok(VerifySetup {
            http: self.http()?,
            connections: self.connections().await?,
            custom: self.custom_providers().await?,
        })
    }

    /// Asks the provider about one key and records a definite answer.
    pub async fn verify(&self, id: Uuid) -> Result<(KeyRecord, Verification)> {
        self.verify_with(&self.verify_setup().await?, id).await
    }

    async fn verify_with(
        &self,
        setup: &VerifySetup,
        id: Uuid,
    ) -> Result<(KeyRecord, Verification)> {
        let key = self.get(id).await?;
        if key.fingerprint.is_none() {
            return Err(ClientError::Unsupported(
                "this key is tracked without its value; nothing to verify with".into(),
            )
            .into());
        }
        let connection = key
            .connection_id
            .and_then(|id| setup.connections.iter().find(|c| c.id == id));
        let spec = setup.custom.iter().find(|c| c.id == key.provider);
        let target = VerifyTarget::for_key(&key, connection, spec);
        let account = id.to_string();
        let secret = on_vault(&self.vault, move |v| v.get(&account))
            .await?
            .ok_or_else(|| Error::SecretMissing(key.name.clone()))?;
        let verification = match self
            .verify_managed(setup, &key, connection, &secret)
            .await?
        {
            Some(v) => v,
            None => providers::verify(&setup.http, &target, &secret).await?,
        };
        drop(secret);
        let updated = self.record_verification(key, &verification).await?;
        Ok((updated, verification))
    }

    /// Verification through the key's connection, where the provider's only evidence is
    /// there (PostHog `phs_`: the project's list, or local evaluation); `None`: verify the
    /// usual way.
    async fn verify_managed(
        &self,
        setup: &VerifySetup,
        key: &KeyRecord,
        connection: Option<&Connection>,
        secret: &Secret,
    ) -> Result<Option<Verification>> {
        let (Some(c), Some(provider)) = (connection, providers::get(&key.provider)) else {
            return Ok(None);
        };
        let (Some(admin_id), Some(kind)) = (c.admin_key_id, provider.profile().kind(&key.kind))
        else {
            return Ok(None);
        };
        // The admin key is read from the keychain only where the provider uses it: `verify
        // --all` over connected keys must not cost a second keychain read per key.
        if !provider.verifies_through_connection(kind) {
            return Ok(None);
        }
        let account = admin_id.to_string();
        let Some(admin) = on_vault(&self.vault, move |v| v.get(&account)).await? else {
            return Ok(None);
        };
        let admin = providers::Admin {
            at: providers::Endpoint {
                http: &setup.http,
                base_url: &c.base_url,
                options: &c.options,
                region_guessed: false,
            },
            key: &admin,
        };
        match provider
            .verify_managed(&admin, kind, key.remote_id.as_deref(), secret)
            .await
        {
            Some(v) => Ok(Some(v?)),
            None => Ok(None),
        }
    }

    async fn record_verification(&self, mut key: KeyRecord, v: &Verification) -> Result<KeyRecord> {
        let now = Utc::now();
        key.last_verified_at = Some(now);
        key.verify_outcome = Some(v.outcome);
        key.verify_detail = Some(v.detail.chars().take(300).collect());
        // Revoked is history: an answer about a revoked key is recorded, the status stays.
        key.status = match (key.status, v.outcome) {
            (KeyStatus::Revoked, _) => KeyStatus::Revoked,
            (KeyStatus::Invalid, VerifyOutcome::Valid) => KeyStatus::Active,
            (status, VerifyOutcome::Valid) => status,
            _ => KeyStatus::Invalid,
        };
        if let Some(scopes) = &v.scopes {
            key.scopes = scopes.clone();
        }
        if let Some(kind) = &v.kind {
            key.kind = kind.clone();
        }
        key.expires_at = v.expires_at.or(key.expires_at);
        key.last_used_at = v.last_used_at.or(key.last_used_at);
        if let Some(rolled) = v.last_rotated_at {
            if key.last_rotated_at.is_none_or(|r| rolled > r) {
                key.last_rotated_at = Some(rolled);
            }
        }
        if key.remote_id.is_none() {
            key.remote_id = v.remote_id.clone();
        }
        key.updated_at = now;
        let event = self.audit(
            AuditAction::Verified,
            Some(&key),
            format!(
                "{}: {}",
                v.outcome.as_str(),
                key.verify_detail.as_deref().unwrap_or("")
            ),
        );
        self.store().update_key(&key, &event).await?;
        Ok(key)
    }

    /// Verifies many keys with bounded concurrency; one failure does not stop the others.
    /// `progress` is called after each key with (done, total, result).
    pub async fn verify_many(
        &self,
        ids: Vec<Uuid>,
        concurrency: usize,
        progress: impl Fn(usize, usize, &VerifyResult),
    ) -> Result<Vec<VerifyResult>> {
        let setup = self.verify_setup().await?;
        let total = ids.len();
        let mut done = 0usize;
        let mut out = Vec::with_capacity(total);
        let mut results = stream::iter(ids)
            .map(|id| {
                let setup = &setup;
                // Everything a result needs is read inside the future: awaiting the database in
                // the loop below would stall the stream while in-flight futures hold the pool.
                async move {
                    let result = self.verify_with(setup, id).await;
                    let key = match &result {
                        Ok(_) => None,
                        Err(_) => self.get(id).await.ok(),
                    };
                    (id, key, result)
                }
            })
            .buffer_unordered(concurrency.clamp(1, 32));
        while let Some((id, key, result)) = results.next().await {
            let r = match result {
                Ok((key, v)) => VerifyResult {
                    id,
                    name: key.name,
                    environment: key.environment,
                    provider: key.provider,
                    outcome: v.outcome.into(),
                    code: None,
                    detail: v.detail,
                },
                Err(e) => {
                    let skipped = matches!(e, Error::Client(ClientError::Unsupported(_)));
                    VerifyResult {
                        id,
                        name: key.as_ref().map(|k| k.name.clone()).unwrap_or_default(),
                        environment: key
                            .as_ref()
                            .map(|k| k.environment.clone())
                            .unwrap_or_default(),
                        provider: key.as_ref().map(|k| k.provider.clone()).unwrap_or_default(),
                        outcome: if skipped {
                            VerifyResultOutcome::Skipped
                        } else {
                            VerifyResultOutcome::Error
                        },
                        code: Some(e.code().to_owned()),
                        detail: e.to_string(),
                    }
                }
            };
            done += 1;
            progress(done, total, &r);
            out.push(r);
        }
        Ok(out)
    }

    /// Every key that is not revoked.
    pub async fn verifiable_ids(&self) -> Result<Vec<Uuid>> {
        Ok(self
            .list(&KeyFilter::default())
            .await?
            .into_iter()
            .filter(|k| k.status != KeyStatus::Revoked)
            .map(|k| k.id)
            .collect())
    }

    /// What the provider lists through a connection; nothing is written.
    pub async fn sync_preview(&self, connection: &str) -> Result<(Connection, Vec<RemoteKey>)> {
        let c = self.connection(connection).await?;
        let admin_id = c.admin_key_id.ok_or_else(|| {
            Error::invalid(
                "connection",
                format!("'{}' has no admin key to list keys with", c.name),
            )
        })?;
        let account = admin_id.to_string();
        let admin = on_vault(&self.vault, move |v| v.get(&account))
            .await?
            .ok_or_else(|| Error::SecretMissing(format!("{} (admin)", c.name)))?;
        let http = self.http()?;
        let admin = providers::Admin {
            at: providers::Endpoint {
                http: &http,
                base_url: &c.base_url,
                options: &c.options,
                region_guessed: false,
            },
            key: &admin,
        };
        let provider = providers::require(&c.provider)?;
        if let Some(why) = provider.missing_option(&c.options) {
            return Err(Error::invalid("connection", why));
        }
        let listed = provider.list(&admin).await?;
        let mut remote: Vec<RemoteKey> = listed
            .into_iter()
            .map(|k| RemoteKey {
                remote_id: k.id,
                name: k.name,
                kind: k.kind,
                scopes: k.scopes,
                masked_hint: match &k.value {
                    // EXPOSE: the hint shows at most the last four characters.
                    Some(v) => providers::masked_hint(v.expose()),
                    None if !k.mask.is_empty() => k.mask,
                    None => "…".into(),
                },
                has_value: k.value.is_some(),
                known_key_id: None,
                environment: String::new(),
                value: k.value,
                status: k.status,
                last_used_at: k.last_used_at,
                expires_at: k.expires_at,
                created_at: k.created_at,
            })
            .collect();
        let existing = self
            .list(&KeyFilter {
                provider: Some(c.provider.clone()),
                ..KeyFilter::default()
            })
            .await?;
        // A listed value (Postmark) is matched by fingerprint first: a key added by value is
        // the same key, whatever place the provider lists it at now.
        let fingerprinter = if remote.iter().any(|r| r.value.is_some()) {
            Some(self.fingerprinter().await?)
        } else {
            None
        };
        for r in &mut remote {
            let by_value = match (&r.value, &fingerprinter) {
                (Some(v), Some(f)) => {
                    let fp = f.fingerprint(v);
                    existing
                        .iter()
                        .find(|k| k.fingerprint.as_deref() == Some(fp.as_str()))
                        .map(|k| k.id)
                }
                _ => None,
            };
            r.known_key_id = by_value.or_else(|| {
                existing
                    .iter()
                    .find(|k| {
                        k.remote_id.as_deref() == Some(r.remote_id.as_str())
                            // A record with another value is another key of the same id.
                            && (r.value.is_none() || k.fingerprint.is_none())
                    })
                    .map(|k| k.id)
            });
        }
        // The admin key lists itself (PostHog/Cloudflare): never import it twice.
        remote.retain(|r| r.known_key_id.is_none() || r.known_key_id != c.admin_key_id);
        let home = self.get(admin_id).await?.environment;
        let known: Vec<String> = self
            .environments()
            .await?
            .into_iter()
            .map(|e| e.name)
            .collect();
        for r in &mut remote {
            r.environment = propose_environment(&r.name, &known).unwrap_or_else(|| home.clone());
        }
        Ok((c, remote))
    }

    /// Imports new keys from a provider's list (values into the keychain where the provider
    /// gave them) and refreshes the metadata of known ones. `only` limits it to remote ids.
    pub async fn sync_commit(
        &self,
        connection: &str,
        environment: &str,
        only: Option<&[String]>,
    ) -> Result<(Vec<KeyRecord>, Vec<KeyRecord>)> {
        self.sync_commit_per_row(connection, environment, only, &BTreeMap::new())
            .await
    }

    /// [`Inventory::sync_commit`] with each new key's environment chosen per remote id
    /// (the window's preview); a key without a choice goes to `environment`.
    pub async fn sync_commit_per_row(
        &self,
        connection: &str,
        environment: &str,
        only: Option<&[String]>,
        environments: &BTreeMap<String, String>,
    ) -> Result<(Vec<KeyRecord>, Vec<KeyRecord>)> {
        let environment = super::validate_environment(environment)?;
        let mut chosen = BTreeMap::new();
        for (remote_id, env) in environments {
            chosen.insert(remote_id.as_str(), super::validate_environment(env)?);
        }
        let (c, remote) = self.sync_preview(connection).await?;
        let wanted = |r: &RemoteKey| only.is_none_or(|ids| ids.contains(&r.remote_id));
        let mut imported = Vec::new();
        let mut refreshed = Vec::new();
        let purpose = format!("synced from {}", c.name);
        // Who answers for what a connection lists: its admin key's owner, else the default
        // owner, so synced keys are not filed without one (issue 16).
        let admin_owner = match c.admin_key_id {
            Some(id) => self.get(id).await.ok().and_then(|k| k.owner),
            None => None,
        };
        let owner = match admin_owner {
            Some(o) => Some(o),
            None => self.default_owner().await?,
        };
        for r in remote.into_iter().filter(wanted) {
            if let Some(id) = r.known_key_id {
                let mut key = self.get(id).await?;
                key.scopes = if r.scopes.is_empty() {
                    key.scopes
                } else {
                    r.scopes.clone()
                };
                key.last_used_at = r.last_used_at.or(key.last_used_at);
                key.expires_at = r.expires_at.or(key.expires_at);
                if let Some(status) = r.status {
                    key.verify_outcome = Some(status);
                }
                key.updated_at = Utc::now();
                let event = self.audit(
                    AuditAction::Updated,
                    Some(&key),
                    format!("refreshed from connection '{}'", c.name),
                );
                self.store().update_key(&key, &event).await?;
                refreshed.push(key);
                continue;
            }
            let environment = chosen
                .get(r.remote_id.as_str())
                .unwrap_or(&environment)
                .clone();
            let name = self.unique_name(&r.name, &environment).await?;
            let new = NewKey {
                provider: Some(c.provider.clone()),
                kind: Some(r.kind.clone()),
                name,
                environment,
                purpose: purpose.clone(),
                owner: owner.clone(),
                scopes: r.scopes.clone(),
                remote_id: Some(r.remote_id.clone()),
                created_at: r.created_at.filter(|d| *d <= Utc::now()),
                expires_at: r.expires_at,
                ..NewKey::default()
            };
            let mut key = match r.value {
                Some(value) => self.add(new, value).await?,
                None => self.track_without_secret(new, &r.masked_hint).await?,
            };
            let status = r.status.filter(|s| *s != VerifyOutcome::Valid);
            if key.connection_id != Some(c.id) || r.last_used_at.is_some() || status.is_some() {
                key.connection_id = Some(c.id);
                key.last_used_at = r.last_used_at;
                if let Some(status) = status {
                    key.verify_outcome = Some(status);
                }
                let event = self.audit(
                    AuditAction::Imported,
                    Some(&key),
                    format!("imported from connection '{}'", c.name),
                );
                self.store().update_key(&key, &event).await?;
            }
            imported.push(key);
        }
        Ok((imported, refreshed))
    }

    async fn unique_name(&self, base: &str, environment: &str) -> Result<String> {
        let base: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
        let base = if base.trim().is_empty() {
            "key".to_owned()
        } else {
            base.trim().to_owned()
        };
        let taken: Vec<String> = self
            .list(&KeyFilter {
                environment: Some(environment.to_owned()),
                ..KeyFilter::default()
            })
            .await?
            .iter()
            .map(|k| k.name.clone())
            .collect();
        if !taken.contains(&base) {
            return Ok(base);
        }
        (2..10_000)
            .map(|i| format!("{base} ({i})"))
            .find(|n| !taken.contains(n))
            .ok_or_else(|| Error::invalid("name", "too many keys with this name"))
    }

    /// A key whose value the provider never hands out again (listed metadata only).
    async fn track_without_secret(&self, new: NewKey, hint: &str) -> Result<KeyRecord> {
        // Build through the same validation as any key, with a stand-in value that is never stored.
        let custom = self.custom_providers().await?;
        let placeholder = Secret::new(format!("untracked-{}", Uuid::new_v4().simple()));
        let mut provider_less = new.clone();
        let kind = provider_less.kind.take();
        let provider_id = provider_less.provider.take();
        let mut record =
            super::prepare_record(provider_less, &placeholder, &custom, None, Utc::now())?;
        record.provider = provider_id.unwrap_or(record.provider);
        record.kind = kind.unwrap_or(record.kind);
        let prefix = providers::profile(&record.provider)
            .map(|p| p.env_prefix)
            .unwrap_or("KEY");
        record.env_var = new
            .env_var
            .unwrap_or_else(|| super::default_env_var(prefix, &record.name));
        record.masked_hint = hint.chars().filter(|c| !c.is_control()).take(40).collect();
        record.fingerprint = None;
        let event = self.audit(
            AuditAction::Imported,
            Some(&record),
            "tracked without its value (the provider shows values only once)",
        );
        self.store()
            .insert_keys(std::slice::from_ref(&record), &[event])
            .await?;
        Ok(record)
    }
}
