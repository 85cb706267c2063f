//! The core's one entry point: every front end (CLI, desktop window) calls these functions.
//! Order of writes keeps the keychain and the inventory consistent: a secret is written to
//! the keychain before its record, and removed from the keychain before its record.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::fingerprint::Fingerprinter;
use crate::import::{self, ImportOptions, ImportPlan};
use crate::model::{
    AuditAction, AuditEvent, Environment, KeyFilter, KeyRecord, KeyRole, KeyStatus, KeyUsage,
};
use crate::providers::{self, CustomProviderSpec, Detection, ProviderError};
use crate::secret::Secret;
use crate::store::{NewAuditEvent, Store};
use crate::vault::{is_reserved_account, KeychainState, KeychainStatus, Vault, VaultError};
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use uuid::Uuid;

pub const MAX_NAME_LEN: usize = 256;
pub const MAX_PURPOSE_LEN: usize = 1000;
pub const MAX_SECRET_LEN: usize = 16 * 1024;
pub const MAX_TAGS: usize = 32;
/// The longest env var name Keyward generates.
const MAX_ENV_VAR_LEN: usize = 128;
const SETTING_CLIPBOARD_TIMEOUT: &str = "clipboard_timeout_secs";
/// Who answers for keys Keyward files without one (synced keys, connections' admin keys).
const SETTING_DEFAULT_OWNER: &str = "default_owner";

/// What the user says about a key being added. `provider`/`kind` `None` = detect.
#[derive(Debug, Clone, Default)]
pub struct NewKey {
    pub provider: Option<String>,
    pub kind: Option<String>,
    pub name: String,
    pub environment: String,
    pub purpose: String,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    pub scopes: Vec<String>,
    pub env_var: Option<String>,
    pub remote_id: Option<String>,
    /// For keys that existed before Keyward; default now.
    pub created_at: Option<DateTime<Utc>>,
    pub last_rotated_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The connection whose API serves this key (`--connection NAME`).
    pub connection_id: Option<Uuid>,
    /// Where the key is used (`--usage web`); `None` = not stated.
    pub usage: Option<KeyUsage>,
    /// One of the provider's hosted regions (`eu`), for a key without a connection.
    pub region: Option<String>,
    /// `ConnectionAdmin` only for the admin key `connect` stores.
    pub role: KeyRole,
}

/// A change to a key's metadata; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct KeyPatch {
    pub name: Option<String>,
    pub environment: Option<String>,
    pub purpose: Option<String>,
    pub owner: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
    pub env_var: Option<String>,
    pub usage: Option<Option<KeyUsage>>,
}

/// A key with its trail, for detail views.
#[derive(Debug, Clone, Serialize)]
pub struct KeyDetail {
    pub key: KeyRecord,
    pub audit: Vec<AuditEvent>,
    /// Whether the keychain holds the value; `None` when the keychain cannot be asked
    /// (locked, unavailable) — never reported as missing then.
    pub secret_present: Option<bool>,
    /// The one state shown for the key (see [`crate::KeyState::of`]).
    pub state: crate::KeyState,
}

/// How a secret leaves the keychain (recorded in the audit trail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretUse {
    Copy,
    Reveal,
    Run,
}

/// `keyward doctor`: the health of everything Keyward depends on.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    pub version: String,
    pub data_dir: String,
    pub database: String,
    pub schema_version: i64,
    pub sqlite_version: String,
    pub keychain: KeychainStatus,
    pub key_count: i64,
    /// Records whose secret is not in the keychain (tracked-without-secret keys excluded).
    pub missing_secrets: Vec<KeyRef>,
    /// Keychain accounts under Keyward's service with no record.
    pub orphaned_entries: Vec<String>,
    /// Whether the consistency check could run (needs the keychain).
    pub consistency_checked: bool,
}

/// What `keyward run` hands its child, and what it leaves out.
#[derive(Debug)]
pub struct RunEnvironment {
    /// (variable name, value) of each key passed.
    pub vars: Vec<(String, Secret)>,
    /// Connection admin keys of the environment that were not named, so not passed (nor read).
    pub withheld: Vec<KeyRecord>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KeyRef {
    pub id: Uuid,
    pub name: String,
    pub environment: String,
}

pub struct Inventory {
    store: Store,
    pub(crate) vault: Arc<dyn Vault>,
    config: Config,
    pub(crate) actor: String,
    keychain: RwLock<KeychainStatus>,
    /// Whether `keychain` holds a probe's outcome; false after [`Inventory::open_unchecked`]
    /// until the first probe (nothing trusts the keychain before then).
    keychain_checked: AtomicBool,
    fingerprinter: tokio::sync::OnceCell<Arc<Fingerprinter>>,
    /// Every key in memory (`None` until the first read that needs it).
    catalog: tokio::sync::Mutex<Option<KeyCatalog>>,
    /// Set by [`Inventory::note_foreign_change`]: the catalog is reloaded on the next read.
    foreign_change: AtomicBool,
    /// Set with it: the keychain is listed again on the next use of the listing.
    foreign_keychain_change: AtomicBool,
    /// The keychain's accounts, kept current by the vault wrapper on our own writes.
    keychain_accounts: Arc<KeychainAccounts>,
}

/// Runs a blocking vault call off the async runtime.
pub(crate) async fn on_vault<T, F>(vault: &Arc<dyn Vault>, f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&dyn Vault) -> std::result::Result<T, VaultError> + Send + 'static,
{
    let vault = Arc::clone(vault);
    tokio::task::spawn_blocking(move || f(vault.as_ref()))
        .await
        .map_err(|e| Error::Internal(format!("keychain task failed: {e}")))?
        .map_err(Error::from)
}

impl Inventory {
    /// Opens the inventory in `config.data_dir` and checks the keychain (a failing keychain
    /// is recorded, not fatal: metadata stays readable, writes are refused).
    pub async fn open(config: Config, vault: Arc<dyn Vault>) -> Result<Inventory> {
        config.ensure_dirs()?;
        let store = Store::open(&config.database_path()).await?;
        Ok(Inventory::with_store(store, vault, config).await)
    }

    /// Opens the inventory without touching the keychain (the window's start-up: the list
    /// needs only metadata). The keychain is probed by the first [`Self::refresh_keychain_status`]
    /// or write; until then findings skip the keychain's checks.
    pub async fn open_unchecked(config: Config, vault: Arc<dyn Vault>) -> Result<Inventory> {
        config.ensure_dirs()?;
        let store = Store::open(&config.database_path()).await?;
        Ok(Inventory::with_store_unchecked(store, vault, config))
    }

    pub async fn with_store(store: Store, vault: Arc<dyn Vault>, config: Config) -> Inventory {
        let inventory = Inventory::with_store_unchecked(store, vault, config);
        inventory.refresh_keychain_status().await;
        inventory
    }

    pub fn with_store_unchecked(store: Store, vault: Arc<dyn Vault>, config: Config) -> Inventory {
        let backend = vault.describe();
        let keychain_accounts = Arc::new(KeychainAccounts::default());
        let vault: Arc<dyn Vault> =
            Arc::new(SnapshotVault::new(vault, Arc::clone(&keychain_accounts)));
        Inventory {
            store,
            vault,
            config,
            actor: whoami::username(),
            keychain: RwLock::new(KeychainStatus::ok(backend)),
            keychain_checked: AtomicBool::new(false),
            fingerprinter: tokio::sync::OnceCell::new(),
            catalog: tokio::sync::Mutex::new(None),
            foreign_change: AtomicBool::new(false),
            foreign_keychain_change: AtomicBool::new(false),
            keychain_accounts,
        }
    }

    /// Whether the keychain has been probed since the inventory was opened.
    pub fn keychain_checked(&self) -> bool {
        self.keychain_checked.load(Ordering::Acquire)
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub async fn close(&self) {
        self.store.close().await;
    }

    // ---- the in-memory catalog ----

    /// Another process changed the inventory or the keychain (the window's watch saw it): the
    /// next read loads the catalog and lists the keychain afresh. Cheap; call it from anywhere.
    pub fn note_foreign_change(&self) {
        self.foreign_change.store(true, Ordering::SeqCst);
        self.foreign_keychain_change.store(true, Ordering::SeqCst);
    }

    /// The catalog, loaded on first use and caught up with this process's writes.
    pub(crate) async fn catalog(&self) -> Result<tokio::sync::MappedMutexGuard<'_, KeyCatalog>> {
        let mut slot = self.catalog.lock().await;
        if self.foreign_change.swap(false, Ordering::SeqCst) {
            *slot = None;
        }
        match slot.as_mut() {
            Some(catalog) => catalog.catch_up(&self.store).await?,
            None => *slot = Some(KeyCatalog::load(&self.store).await?),
        }
        tokio::sync::MutexGuard::try_map(slot, Option::as_mut)
            .map_err(|_| Error::Internal("the key catalog is not loaded".into()))
    }

    /// The catalog if a read already loaded it: single-key answers use it then, and ask the
    /// store for one row otherwise (a CLI command that shows one key loads nothing more).
    pub(crate) async fn loaded_catalog(
        &self,
    ) -> Result<Option<tokio::sync::MappedMutexGuard<'_, KeyCatalog>>> {
        let loaded = self.catalog.lock().await.is_some();
        if !loaded || self.foreign_change.load(Ordering::SeqCst) {
            return Ok(None);
        }
        Ok(Some(self.catalog().await?))
    }

    // ---- keychain health ----

    pub fn keychain_status(&self) -> KeychainStatus {
        match self.keychain.read() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Round-trips a probe entry through the keychain and records the outcome.
    pub async fn refresh_keychain_status(&self) -> KeychainStatus {
        let backend = self.vault.describe();
        let status = match on_vault(&self.vault, |v| v.health_check()).await {
            Ok(()) => KeychainStatus::ok(backend),
            Err(Error::Vault(e)) => KeychainStatus::from_error(&e, backend),
            Err(e) => KeychainStatus {
                state: KeychainState::Error,
                message: e.to_string(),
                fix: String::new(),
                backend,
            },
        };
        if !status.is_ok() {
            // Listed again once it is back: it may have changed meanwhile.
            self.keychain_accounts.replace(None);
        }
        if let Ok(mut slot) = self.keychain.write() {
            *slot = status.clone();
        }
        self.keychain_checked.store(true, Ordering::Release);
        status
    }

    /// Refuses before any write when the keychain is not usable (re-checks, so unlocking
    /// the keychain while Keyward runs is enough).
    pub(crate) async fn require_keychain(&self) -> Result<()> {
        if !self.keychain_checked() && self.refresh_keychain_status().await.is_ok() {
            return Ok(());
        }
        if self.keychain_status().is_ok() {
            return Ok(());
        }
        on_vault(&self.vault, |v| v.health_check()).await?;
        self.refresh_keychain_status().await;
        Ok(())
    }

    pub(crate) async fn fingerprinter(&self) -> Result<Arc<Fingerprinter>> {
        let f = self
            .fingerprinter
            .get_or_try_init(|| async {
                on_vault(&self.vault, |v| {
                    Fingerprinter::load_or_create(v).map(Arc::new)
                })
                .await
            })
            .await?;
        Ok(Arc::clone(f))
    }

    pub(crate) fn audit(
        &self,
        action: AuditAction,
        key: Option<&KeyRecord>,
        detail: impl Into<String>,
    ) -> NewAuditEvent {
        NewAuditEvent {
            actor: self.actor.clone(),
            action: action.as_str(),
            key_id: key.map(|k| k.id),
            key_name: key.map(|k| k.name.clone()),
            detail: detail.into(),
        }
    }

    // ---- providers ----

    pub async fn custom_providers(&self) -> Result<Vec<CustomProviderSpec>> {
        self.store
            .custom_provider_specs()
            .await?
            .iter()
            .map(|json| {
                serde_json::from_str(json)
                    .map_err(|e| Error::Internal(format!("stored custom provider: {e}")))
            })
            .collect()
    }

    pub async fn add_custom_provider(
        &self,
        spec: CustomProviderSpec,
    ) -> Result<CustomProviderSpec> {
        spec.validate()?;
        if self
            .custom_providers()
            .await?
            .iter()
            .any(|c| c.id == spec.id)
        {
            return Err(Error::invalid(
                "provider",
                format!("a provider with id '{}' already exists", spec.id),
            ));
        }
        let json = serde_json::to_string(&spec).map_err(|e| Error::Internal(e.to_string()))?;
        let event = self.audit(
            AuditAction::ProviderAdded,
            None,
            format!("custom provider '{}'", spec.id),
        );
        self.store
            .insert_custom_provider(&spec.id, &json, &event)
            .await?;
        Ok(spec)
    }

    /// Suggests provider and kind for a pasted value.
    pub async fn detect(&self, value: &Secret) -> Result<Detection> {
        let custom = self.custom_providers().await?;
        // EXPOSE: detection reads the value's shape; the result never contains it.
        Ok(providers::detect(value.expose(), &custom))
    }

    // ---- keys ----

    /// Adds a key: keychain first, then the record (with its audit event). If the record
    /// cannot be written the keychain entry is removed again.
    pub async fn add(&self, new: NewKey, secret: Secret) -> Result<KeyRecord> {
        let custom = self.custom_providers().await?;
        // Validate before touching the keychain, so bad input costs nothing.
        let mut record = prepare_record(new, &secret, &custom, None, Utc::now())?;
        self.require_keychain().await?;
        record.fingerprint = Some(self.fingerprinter().await?.fingerprint(&secret));
        self.ensure_name_free(&record).await?;
        let event = self.audit(
            AuditAction::Created,
            Some(&record),
            format!(
                "added {} {} key in {}",
                record.provider, record.kind, record.environment
            ),
        );
        let account = record.id.to_string();
        if let Err(e) = on_vault(&self.vault, move |v| v.set(&account, &secret)).await {
            // A write the keychain did not confirm in time may still land after we gave up:
            // take it back, so a failed add leaves no entry behind.
            self.forget_secrets(&[record.id]).await;
            return Err(e);
        }
        if let Err(e) = self
            .store
            .insert_keys(std::slice::from_ref(&record), &[event])
            .await
        {
            self.forget_secrets(&[record.id]).await;
            return Err(e.into());
        }
        tracing::info!(key_id = %record.id, provider = %record.provider, "key added");
        Ok(record)
    }

    pub(crate) async fn ensure_name_free(&self, record: &KeyRecord) -> Result<()> {
        let clash = match self.loaded_catalog().await? {
            Some(catalog) => catalog.name_taken(record),
            None => self
                .store
                .find_keys(&record.name)
                .await?
                .into_iter()
                .any(|k| {
                    k.name == record.name
                        && k.environment == record.environment
                        && k.id != record.id
                }),
        };
        if clash {
            return Err(Error::Store(crate::store::StoreError::DuplicateName {
                environment: record.environment.clone(),
                name: record.name.clone(),
            }));
        }
        Ok(())
    }

    /// Best-effort removal of keychain entries written by a step that then failed.
    pub(crate) async fn forget_secrets(&self, ids: &[Uuid]) {
        let accounts: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        let outcome = on_vault(&self.vault, move |v| {
            for account in &accounts {
                v.delete(account)?;
            }
            Ok(())
        })
        .await;
        if let Err(e) = outcome {
            tracing::warn!(error = %e, "could not roll back keychain entries; `keyward doctor` will report them");
        }
    }

    /// The keys `filter` selects, in display order. Shared with the in-memory inventory
    /// (`Arc`): a list of 100,000 keys is reference counts, not copies.
    pub async fn list(&self, filter: &KeyFilter) -> Result<Vec<Arc<KeyRecord>>> {
        Ok(self.catalog().await?.list(filter))
    }

    /// Finds one key by id, id prefix or unique name.
    pub async fn resolve(&self, reference: &str) -> Result<KeyRecord> {
        let reference = reference.trim();
        if reference.is_empty() {
            return Err(Error::invalid("key", "give a key id, id prefix or name"));
        }
        let mut found = match self.loaded_catalog().await? {
            Some(catalog) => catalog.find(reference),
            None => self.store.find_keys(reference).await?,
        };
        // An exact id or an exact name beats a prefix match.
        if let Some(pos) = found
            .iter()
            .position(|k| k.id.to_string() == reference.to_ascii_lowercase())
        {
            return Ok(found.swap_remove(pos));
        }
        match found.len() {
            0 => Err(Error::NotFound(reference.to_owned())),
            1 => Ok(found.swap_remove(0)),
            n => Err(Error::Ambiguous {
                reference: reference.to_owned(),
                count: n,
                candidates: found
                    .iter()
                    .take(5)
                    .map(|k| {
                        format!(
                            "{} in {} ({})",
                            k.name,
                            k.environment,
                            &k.id.to_string()[..8]
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    pub async fn get(&self, id: Uuid) -> Result<KeyRecord> {
        let found = match self.loaded_catalog().await? {
            Some(catalog) => catalog.get(id).cloned(),
            None => self.store.get_key(id).await?,
        };
        found.ok_or_else(|| Error::NotFound(id.to_string()))
    }

    pub async fn show(&self, id: Uuid) -> Result<KeyDetail> {
        let key = self.get(id).await?;
        let audit = self.store.list_audit(Some(id), 200).await?;
        let account = id.to_string();
        let secret_present = on_vault(&self.vault, move |v| v.get(&account))
            .await
            .ok()
            .map(|found| found.is_some());
        Ok(KeyDetail {
            state: key.state(Utc::now()),
            key,
            audit,
            secret_present,
        })
    }

    pub async fn update(&self, id: Uuid, patch: KeyPatch) -> Result<KeyRecord> {
        let mut key = self.get(id).await?;
        let mut changed = Vec::new();
        if let Some(name) = patch.name {
            key.name = validate_text("name", &name, MAX_NAME_LEN, true)?;
            changed.push("name");
        }
        if let Some(env) = patch.environment {
            key.environment = validate_environment(&env)?;
            changed.push("environment");
        }
        if let Some(purpose) = patch.purpose {
            key.purpose = validate_text("purpose", &purpose, MAX_PURPOSE_LEN, false)?;
            changed.push("purpose");
        }
        if let Some(owner) = patch.owner {
            key.owner = validate_owner(owner)?;
            changed.push("owner");
        }
        if let Some(tags) = patch.tags {
            key.tags = validate_tags(tags)?;
            changed.push("tags");
        }
        if let Some(scopes) = patch.scopes {
            key.scopes = validate_scopes(scopes)?;
            changed.push("scopes");
        }
        if let Some(var) = patch.env_var {
            key.env_var = validate_env_var(&var)?;
            changed.push("env_var");
        }
        if let Some(usage) = patch.usage {
            key.usage = usage;
            changed.push("usage");
        }
        if changed.is_empty() {
            return Ok(key);
        }
        key.updated_at = Utc::now();
        self.ensure_name_free(&key).await?;
        let event = self.audit(
            AuditAction::Updated,
            Some(&key),
            format!("changed {}", changed.join(", ")),
        );
        self.store.update_key(&key, &event).await?;
        Ok(key)
    }

    /// Removes a key: its secret from the keychain first (a failure there changes nothing),
    /// then the record. The audit trail keeps the key's name.
    pub async fn remove(&self, id: Uuid) -> Result<KeyRecord> {
        let key = self.get(id).await?;
        self.require_keychain().await?;
        let account = id.to_string();
        on_vault(&self.vault, move |v| v.delete(&account)).await?;
        let event = self.audit(
            AuditAction::Removed,
            Some(&key),
            format!(
                "removed {} {} key from {}",
                key.provider, key.kind, key.environment
            ),
        );
        self.store.delete_key(id, &event).await?;
        tracing::info!(key_id = %id, "key removed");
        Ok(key)
    }

    /// Reads a key's secret from the keychain. The caller records the use with
    /// [`Inventory::record_use`] once the value has actually been handed over.
    pub async fn secret(&self, id: Uuid) -> Result<(KeyRecord, Secret)> {
        let key = self.get(id).await?;
        let account = id.to_string();
        let secret = on_vault(&self.vault, move |v| v.get(&account))
            .await?
            .ok_or_else(|| Error::SecretMissing(key.name.clone()))?;
        Ok((key, secret))
    }

    /// Appends the audit event for a secret that left the keychain.
    pub async fn record_use(&self, key: &KeyRecord, usage: SecretUse) -> Result<()> {
        let (action, detail) = match usage {
            SecretUse::Copy => (AuditAction::Copied, "copied to the clipboard"),
            SecretUse::Reveal => (AuditAction::Revealed, "revealed"),
            SecretUse::Run => (
                AuditAction::Revealed,
                "passed to a command by `keyward run`",
            ),
        };
        self.store
            .append_audit(&self.audit(action, Some(key), detail))
            .await?;
        Ok(())
    }

    /// Environment variables for `keyward run`: every active key of the environment that has a
    /// value, except connection admin keys, which are passed only when `with` names them (by
    /// name, id or id prefix): an admin token handed to any program could mint or delete keys.
    /// Admin keys left out are not read from the keychain at all.
    pub async fn env_vars(&self, environment: &str, with: &[String]) -> Result<RunEnvironment> {
        let keys = self
            .list(&KeyFilter {
                environment: Some(environment.to_owned()),
                ..KeyFilter::default()
            })
            .await?;
        let keys: Vec<KeyRecord> = keys
            .into_iter()
            .filter(|k| matches!(k.status, KeyStatus::Active | KeyStatus::Grace))
            // Keys tracked without their value (listed by a provider) have nothing to pass.
            .filter(|k| k.fingerprint.is_some())
            .map(Arc::unwrap_or_clone)
            .collect();
        if keys.is_empty() {
            return Err(Error::NotFound(format!(
                "active keys in environment '{environment}'"
            )));
        }
        let mut named = std::collections::BTreeSet::new();
        for reference in with {
            named.insert(named_key(&keys, reference, environment)?);
        }
        let (keys, withheld): (Vec<KeyRecord>, Vec<KeyRecord>) = keys
            .into_iter()
            .partition(|k| k.role == KeyRole::Service || named.contains(&k.id));
        let mut seen: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
        for k in &keys {
            if let Some(other) = seen.insert(&k.env_var, &k.name) {
                return Err(Error::invalid(
                    "env_var",
                    format!(
                        "keys '{other}' and '{}' both map to {}; give one another variable name",
                        k.name, k.env_var
                    ),
                ));
            }
        }
        let mut vars = Vec::with_capacity(keys.len());
        for k in &keys {
            let (key, secret) = self.secret(k.id).await?;
            vars.push((key.env_var.clone(), secret));
        }
        // Recorded once every value was read: the command gets all of them or none.
        for k in &keys {
            self.record_use(k, SecretUse::Run).await?;
        }
        Ok(RunEnvironment { vars, withheld })
    }

    pub async fn audit_trail(&self, key: Option<Uuid>, limit: i64) -> Result<Vec<AuditEvent>> {
        Ok(self.store.list_audit(key, limit).await?)
    }

    // ---- changes made elsewhere ----

    /// Watches for changes other processes make to this inventory (the window follows
    /// `keyward add` in a terminal); this process's own writes are not reported.
    pub async fn watch_changes(&self) -> Result<crate::store::watch::ChangeWatch> {
        Ok(self.store.watch().await?)
    }

    // ---- import ----

    /// Parses an import file into a plan; nothing is written.
    pub async fn import_plan(
        &self,
        file_name: &str,
        contents: &str,
        options: &ImportOptions,
    ) -> Result<ImportPlan> {
        let custom = self.custom_providers().await?;
        let mut plan = import::parse(file_name, contents, options, &custom, Utc::now())?;
        // Names already in the inventory are errors too: the plan must apply whole.
        // One read of the inventory, not one query per row (imports run to 10,000 rows).
        let taken: std::collections::HashSet<(String, String)> = self
            .list(&KeyFilter::default())
            .await?
            .iter()
            .map(|k| (k.environment.clone(), k.name.clone()))
            .collect();
        for row in &plan.rows {
            let key = (row.record.environment.clone(), row.record.name.clone());
            if taken.contains(&key) {
                plan.errors.push(import::LineError {
                    line: row.line,
                    message: format!(
                        "a key named '{}' already exists in '{}'",
                        row.record.name, row.record.environment
                    ),
                });
            }
        }
        plan.errors.sort_by_key(|e| e.line);
        Ok(plan)
    }

    /// Applies a plan with no errors: all secrets to the keychain, then all records in one
    /// transaction. Any failure rolls back what was written.
    pub async fn import_commit(&self, plan: ImportPlan, source: &str) -> Result<Vec<KeyRecord>> {
        if !plan.errors.is_empty() {
            return Err(Error::Import(plan.errors));
        }
        if plan.rows.is_empty() {
            return Err(Error::invalid(
                "import",
                "nothing to import: no key of the file is chosen",
            ));
        }
        self.require_keychain().await?;
        let fingerprinter = self.fingerprinter().await?;
        let mut records = Vec::with_capacity(plan.rows.len());
        let mut secrets = Vec::with_capacity(plan.rows.len());
        for row in plan.rows {
            let mut record = row.record;
            record.fingerprint = Some(fingerprinter.fingerprint(&row.secret));
            records.push(record);
            secrets.push((row.line, row.secret));
        }
        let ids: Vec<Uuid> = records.iter().map(|r| r.id).collect();
        let accounts: Vec<(String, Secret)> = ids
            .iter()
            .map(Uuid::to_string)
            .zip(secrets.into_iter().map(|(_, s)| s))
            .collect();
        let written = on_vault(&self.vault, move |v| {
            for (account, secret) in &accounts {
                v.set(account, secret)?;
            }
            Ok(())
        })
        .await;
        if let Err(e) = written {
            self.forget_secrets(&ids).await;
            return Err(e);
        }
        let events: Vec<NewAuditEvent> = records
            .iter()
            .map(|r| {
                self.audit(
                    AuditAction::Imported,
                    Some(r),
                    format!("imported from {source}"),
                )
            })
            .collect();
        if let Err(e) = self.store.insert_keys(&records, &events).await {
            self.forget_secrets(&ids).await;
            return Err(e.into());
        }
        tracing::info!(count = records.len(), "keys imported");
        Ok(records)
    }

    // ---- environments and settings ----

    pub async fn environments(&self) -> Result<Vec<Environment>> {
        Ok(self.store.environments().await?)
    }

    pub async fn set_environments(&self, names: Vec<String>) -> Result<Vec<Environment>> {
        let mut clean: Vec<String> = Vec::with_capacity(names.len());
        for n in names {
            let n = validate_environment(&n)?;
            if clean.contains(&n) {
                return Err(Error::invalid(
                    "environments",
                    format!("'{n}' is listed twice"),
                ));
            }
            clean.push(n);
        }
        if clean.is_empty() {
            return Err(Error::invalid(
                "environments",
                "keep at least one environment",
            ));
        }
        let event = self.audit(
            AuditAction::SettingsChanged,
            None,
            format!("environments: {}", clean.join(", ")),
        );
        self.store.set_environments(&clean, &event).await?;
        self.environments().await
    }

    pub async fn clipboard_timeout(&self) -> Result<Duration> {
        let secs = self
            .store
            .setting(SETTING_CLIPBOARD_TIMEOUT)
            .await?
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(crate::clipboard::DEFAULT_TIMEOUT.as_secs());
        Ok(Duration::from_secs(secs))
    }

    pub(crate) async fn set_clipboard_timeout(&self, secs: u64) -> Result<()> {
        if !(5..=600).contains(&secs) {
            return Err(Error::invalid(
                "clipboard timeout",
                "choose between 5 and 600 seconds",
            ));
        }
        let event = self.audit(
            AuditAction::SettingsChanged,
            None,
            format!("clipboard timeout: {secs} s"),
        );
        self.store
            .set_setting(SETTING_CLIPBOARD_TIMEOUT, &secs.to_string(), &event)
            .await?;
        Ok(())
    }

    /// The owner given to keys Keyward files itself when none is known (empty: none).
    pub(crate) async fn default_owner(&self) -> Result<Option<String>> {
        Ok(self
            .store
            .setting(SETTING_DEFAULT_OWNER)
            .await?
            .filter(|o| !o.trim().is_empty()))
    }

    /// Sets (or, with `None` / blank, clears) the default owner.
    pub async fn set_default_owner(&self, owner: Option<String>) -> Result<Option<String>> {
        let owner = validate_owner(owner)?;
        let event = self.audit(
            AuditAction::SettingsChanged,
            None,
            match &owner {
                Some(o) => format!("default owner: {o}"),
                None => "default owner cleared".to_owned(),
            },
        );
        self.store
            .set_setting(
                SETTING_DEFAULT_OWNER,
                owner.as_deref().unwrap_or(""),
                &event,
            )
            .await?;
        Ok(owner)
    }

    // ---- doctor ----

    pub async fn doctor(&self) -> Result<DoctorReport> {
        let keychain = self.refresh_keychain_status().await;
        let keys = self.list(&KeyFilter::default()).await?;
        let mut missing_secrets = Vec::new();
        let mut orphaned_entries = Vec::new();
        let mut consistency_checked = false;
        if keychain.is_ok() {
            let listed = on_vault(&self.vault, |v| v.accounts()).await?;
            consistency_checked = true;
            // Keys tracked without a secret (imported from a provider's list) have no fingerprint.
            let with_secret = keys.iter().filter(|k| k.fingerprint.is_some());
            match listed {
                Some(accounts) => {
                    let set: std::collections::HashSet<&str> =
                        accounts.iter().map(String::as_str).collect();
                    let ids: std::collections::HashSet<String> =
                        keys.iter().map(|k| k.id.to_string()).collect();
                    missing_secrets.extend(
                        with_secret
                            .filter(|k| !set.contains(k.id.to_string().as_str()))
                            .map(|k| key_ref(k)),
                    );
                    orphaned_entries.extend(
                        accounts
                            .iter()
                            .filter(|a| !is_reserved_account(a) && !ids.contains(*a))
                            // A rotation's pending/previous value belongs to its key.
                            .filter(|a| {
                                !crate::rotation::rotation_account_owner(a)
                                    .is_some_and(|k| ids.contains(&k.to_string()))
                            })
                            .cloned(),
                    );
                }
                None => {
                    for k in with_secret {
                        let account = k.id.to_string();
                        if on_vault(&self.vault, move |v| v.get(&account))
                            .await?
                            .is_none()
                        {
                            missing_secrets.push(key_ref(k));
                        }
                    }
                }
            }
        }
        Ok(DoctorReport {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            data_dir: self.config.data_dir.display().to_string(),
            database: self.config.database_path().display().to_string(),
            schema_version: self.store.schema_version().await?,
            sqlite_version: self.store.sqlite_version().await?,
            keychain,
            key_count: keys.len() as i64,
            missing_secrets,
            orphaned_entries,
            consistency_checked,
        })
    }
}

fn key_ref(k: &KeyRecord) -> KeyRef {
    KeyRef {
        id: k.id,
        name: k.name.clone(),
        environment: k.environment.clone(),
    }
}

// ---- validation (shared by add, update and import) ----

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

pub(crate) fn validate_text(
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<String> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    let len = v.chars().count();
    if len > max {
        return Err(Error::invalid(
            field,
            format!("is {len} characters long; at most {max} are allowed"),
        ));
    }
    if has_control(v) {
        return Err(Error::invalid(
            field,
            "contains control characters (line breaks, tabs, escape codes)",
        ));
    }
    Ok(v.to_owned())
}

pub(crate) fn validate_environment(value: &str) -> Result<String> {
    let v = validate_text("environment", value, 64, true)?;
    if !v
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(Error::invalid(
            "environment",
            "use letters, digits, '-', '_' or '.' (e.g. prod, staging, eu-dev)",
        ));
    }
    Ok(v)
}

fn validate_owner(owner: Option<String>) -> Result<Option<String>> {
    match owner {
        None => Ok(None),
        Some(o) if o.trim().is_empty() => Ok(None),
        Some(o) => validate_text("owner", &o, MAX_NAME_LEN, true).map(Some),
    }
}

pub(crate) fn validate_tags(tags: Vec<String>) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = validate_text("tag", &t, 64, false)?;
        if t.is_empty() {
            continue;
        }
        if t.contains(',') {
            return Err(Error::invalid("tag", "a tag cannot contain ','"));
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.len() > MAX_TAGS {
        return Err(Error::invalid(
            "tags",
            format!("{} tags; at most {MAX_TAGS}", out.len()),
        ));
    }
    Ok(out)
}

pub(crate) fn validate_scopes(scopes: Vec<String>) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for s in scopes {
        let s = s.trim().to_owned();
        if s.is_empty() {
            continue;
        }
        // Spaces are allowed: Cloudflare's permission groups are names ("API Tokens Write").
        if s.len() > 128 || s.chars().any(|c| c.is_control() || c == ',' || c == ';') {
            return Err(Error::invalid(
                "scope",
                "a scope is up to 128 characters, without ',', ';' or control characters",
            ));
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(out)
}

pub(crate) fn validate_env_var(value: &str) -> Result<String> {
    let v = value.trim();
    let ok = !v.is_empty()
        && v.len() <= 128
        && v.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        return Err(Error::invalid(
            "env_var",
            "use letters, digits and '_', not starting with a digit (e.g. POSTMARK_TOKEN)",
        ));
    }
    Ok(v.to_owned())
}

fn validate_secret(secret: &Secret) -> Result<()> {
    if secret.is_empty() {
        return Err(Error::invalid("secret", "the key value is empty"));
    }
    if secret.len() > MAX_SECRET_LEN {
        return Err(Error::invalid(
            "secret",
            format!(
                "the key value is {} bytes; at most {MAX_SECRET_LEN}",
                secret.len()
            ),
        ));
    }
    // EXPOSE: checking the value's characters; nothing of it is kept.
    if secret.expose().chars().any(|c| c == '\n' || c == '\r') {
        return Err(Error::invalid(
            "secret",
            "the key value contains a line break (more than one line was pasted?)",
        ));
    }
    // EXPOSE: as above.
    if secret.expose().chars().any(char::is_control) {
        return Err(Error::invalid(
            "secret",
            "the key value contains control characters",
        ));
    }
    Ok(())
}

/// Default variable name for `keyward run`: the name itself when it already is one
/// (`POSTMARK_TOKEN`), else `<PROVIDER>_<NAME>` in upper snake case.
/// The one key among `keys` (an environment's) that `reference` names: exact name, id, or id
/// prefix (4+ characters).
fn named_key(keys: &[KeyRecord], reference: &str, environment: &str) -> Result<Uuid> {
    let reference = reference.trim();
    let lowered = reference.to_ascii_lowercase();
    let by_id_or_name = |k: &&KeyRecord| {
        let id = k.id.to_string();
        k.name == reference || id == lowered || (lowered.len() >= 4 && id.starts_with(&lowered))
    };
    let found: Vec<&KeyRecord> = match keys.iter().find(|k| k.name == reference) {
        // An exact name beats an id prefix that happens to match too.
        Some(exact) => vec![exact],
        None => keys.iter().filter(by_id_or_name).collect(),
    };
    match found.as_slice() {
        [one] => Ok(one.id),
        [] => Err(Error::invalid(
            "with",
            format!(
                "'{reference}' names no active key with a value in environment '{environment}'"
            ),
        )),
        many => Err(Error::Ambiguous {
            reference: reference.to_owned(),
            count: many.len(),
            candidates: many
                .iter()
                .take(5)
                .map(|k| format!("{} ({})", k.name, &k.id.to_string()[..8]))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

pub fn default_env_var(env_prefix: &str, name: &str) -> String {
    let is_var = !name.is_empty()
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if is_var && name.len() <= MAX_ENV_VAR_LEN {
        return name.to_owned();
    }
    let mut body = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            body.push(c.to_ascii_uppercase());
        } else if !body.ends_with('_') {
            body.push('_');
        }
    }
    let body = body.trim_matches('_');
    let prefix = env_prefix.trim_matches('_').to_ascii_uppercase();
    let mut var = if body.is_empty() {
        format!("{prefix}_KEY")
    } else if body.starts_with(&prefix) {
        body.to_owned()
    } else {
        format!("{prefix}_{body}")
    };
    if var.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        var.insert(0, '_');
    }
    if var.len() > MAX_ENV_VAR_LEN {
        // Cut between words (at a '_'), never inside one: a half word reads as a typo. A first
        // word longer than the limit is the one case cut inside (ASCII only: bytes are chars).
        let cut = var[..=MAX_ENV_VAR_LEN]
            .rfind('_')
            .filter(|&at| at > prefix.len())
            .unwrap_or(MAX_ENV_VAR_LEN);
        var.truncate(cut);
        let kept = var.trim_end_matches('_').len();
        var.truncate(kept);
    }
    var
}

/// Builds a validated record. `fingerprinter` is `None` for a dry run.
pub(crate) fn prepare_record(
    new: NewKey,
    secret: &Secret,
    custom: &[CustomProviderSpec],
    fingerprinter: Option<&Fingerprinter>,
    now: DateTime<Utc>,
) -> Result<KeyRecord> {
    validate_secret(secret)?;
    let name = validate_text("name", &new.name, MAX_NAME_LEN, true)?;
    let environment = validate_environment(&new.environment)?;
    let purpose = validate_text("purpose", &new.purpose, MAX_PURPOSE_LEN, false)?;
    let owner = validate_owner(new.owner)?;
    let tags = validate_tags(new.tags)?;
    let scopes = validate_scopes(new.scopes)?;

    // EXPOSE: detection and format checks read the value's shape; errors never quote it.
    let value = secret.expose();
    let (provider_id, kind_id, env_prefix) = match new.provider.as_deref().map(str::trim) {
        Some(p) if !p.is_empty() => {
            let p = p.to_ascii_lowercase();
            if let Some(profile) = providers::profile(&p) {
                let kind = match new.kind.as_deref().map(str::trim) {
                    Some(k) if !k.is_empty() => k.to_ascii_lowercase(),
                    _ => {
                        let d = providers::detect(value, custom);
                        if d.provider == profile.id {
                            d.kind
                        } else {
                            profile
                                .kinds
                                .first()
                                .map(|k| k.id.to_owned())
                                .unwrap_or_default()
                        }
                    }
                };
                let kind_profile =
                    profile
                        .kind(&kind)
                        .ok_or_else(|| ProviderError::UnknownKind {
                            provider: profile.id.to_owned(),
                            kind: kind.clone(),
                        })?;
                // Refuses only what cannot be a key; an unusual format is a warning
                // (`providers::format_warning`), never a refusal.
                providers::check_format(profile, kind_profile, value)?;
                (
                    profile.id.to_owned(),
                    kind_profile.id.to_owned(),
                    profile.env_prefix.to_owned(),
                )
            } else if let Some(spec) = custom.iter().find(|c| c.id == p) {
                let kind = new
                    .kind
                    .as_deref()
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .unwrap_or("api_key");
                if kind != "api_key" {
                    return Err(ProviderError::UnknownKind {
                        provider: spec.id.clone(),
                        kind: kind.to_owned(),
                    }
                    .into());
                }
                (
                    spec.id.clone(),
                    "api_key".to_owned(),
                    spec.id.to_ascii_uppercase().replace('-', "_"),
                )
            } else {
                return Err(ProviderError::UnknownProvider(p).into());
            }
        }
        _ => {
            let d = providers::detect(value, custom);
            let prefix = providers::profile(&d.provider)
                .map(|p| p.env_prefix.to_owned())
                .unwrap_or_else(|| d.provider.to_ascii_uppercase().replace('-', "_"));
            if let Some(kind) = new.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
                if let Some(profile) = providers::profile(&d.provider) {
                    let kind_profile =
                        profile
                            .kind(kind)
                            .ok_or_else(|| ProviderError::UnknownKind {
                                provider: profile.id.to_owned(),
                                kind: kind.to_owned(),
                            })?;
                    (d.provider, kind_profile.id.to_owned(), prefix)
                } else {
                    (d.provider, kind.to_owned(), prefix)
                }
            } else {
                (d.provider, d.kind, prefix)
            }
        }
    };

    let region = match new
        .region
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        None => None,
        Some(r) => Some(region_of(&provider_id, r)?.id.to_owned()),
    };

    let env_var = match new.env_var {
        Some(v) if !v.trim().is_empty() => validate_env_var(&v)?,
        _ => default_env_var(&env_prefix, &name),
    };
    let created_at = new.created_at.unwrap_or(now);
    let skew = ChronoDuration::minutes(5);
    if created_at > now + skew {
        return Err(Error::invalid("created_at", "lies in the future"));
    }
    if let Some(rotated) = new.last_rotated_at {
        if rotated > now + skew {
            return Err(Error::invalid("last_rotated_at", "lies in the future"));
        }
        if rotated < created_at {
            return Err(Error::invalid(
                "last_rotated_at",
                "is before the key was created",
            ));
        }
    }
    Ok(KeyRecord {
        id: Uuid::new_v4(),
        provider: provider_id,
        kind: kind_id,
        name,
        environment,
        purpose,
        owner,
        tags,
        scopes,
        remote_id: new.remote_id,
        env_var,
        created_at,
        last_rotated_at: new.last_rotated_at,
        last_used_at: None,
        last_verified_at: None,
        expires_at: new.expires_at,
        status: KeyStatus::Active,
        fingerprint: fingerprinter.map(|f| f.fingerprint(secret)),
        masked_hint: providers::masked_hint(value),
        updated_at: now,
        connection_id: new.connection_id,
        verify_outcome: None,
        verify_detail: None,
        usage: new.usage,
        region,
        role: new.role,
    })
}

mod catalog;
mod findings;
mod keychain_accounts;
mod page;
mod remote;
mod team;
use catalog::KeyCatalog;
pub use findings::{
    AcknowledgeRequest, BulkAcknowledgeRequest, FindingList, FindingQuery, ReviewQuery,
};
use keychain_accounts::{KeychainAccounts, SnapshotVault};
pub use remote::{
    propose_environment, LinkCandidate, NewConnection, RemoteKey, VerifyResult, VerifyResultOutcome,
};

#[cfg(test)]
mod catalog_tests;
#[cfg(test)]
mod findings_tests;
#[cfg(test)]
mod tests;

/// The region `name` names for `provider` (by id or alias), or an error that lists the
/// provider's regions. Shared by keys and connections.
pub(crate) fn region_of(provider: &str, name: &str) -> Result<&'static providers::Region> {
    let profile = providers::profile(provider);
    let Some(profile) = profile.filter(|p| !p.regions.is_empty()) else {
        let who = profile.map_or("this provider", |p| p.display_name);
        return Err(Error::invalid(
            "region",
            format!("{who} has one global API and no regions"),
        ));
    };
    let found = profile.region(name).ok_or_else(|| {
        Error::invalid(
            "region",
            format!(
                "{}'s regions are {}",
                profile.display_name,
                profile
                    .regions
                    .iter()
                    .map(|x| x.id)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    Ok(found)
}
