//! The in-memory inventory (issue 14): every key record, loaded once with one bulk read and
//! kept in step by this process's own writes, with indexes for the list's filters, a search
//! index built on the first search, the fingerprint groups the reuse rule needs and each key's
//! findings cached until time or a write changes them.
//!
//! SQLite stays the durable store and every write keeps its transaction: the store notes the
//! keys a committed write changed ([`crate::store::Store::take_written`]) and the catalog
//! re-reads just those rows before its next answer — never the whole table. Another process's
//! change (a `keyward add` in a terminal while the window is open) is not seen by the store;
//! the window's watch reports it and calls [`crate::Inventory::note_foreign_change`], which
//! drops the catalog (the next read loads it again).
//!
//! Lists equal the store's SQL exactly (see `list_keys`): same filters with SQLite's ASCII-only
//! `lower()`/`NOCASE`, same order (environment position, environment, purpose, name), ties
//! (names equal but for case) broken by id.

use crate::findings::{self, Finding, FindingPolicy, KeychainSnapshot};
use crate::model::{KeyFilter, KeyRecord, KeyStatus};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use uuid::Uuid;

/// The position SQL gives a key whose environment has none (`COALESCE(e.position, 1000000)`).
const NO_POSITION: i64 = 1_000_000;

/// Display order: environment position, environment, purpose and name as `COLLATE NOCASE`
/// compares them (ASCII letters folded, bytes otherwise), then id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct SortKey {
    position: i64,
    // Shared with the copy in `order`: cloning a key is three reference counts.
    environment: Arc<str>,
    purpose: Arc<str>,
    name: Arc<str>,
    id: Uuid,
}

/// One key's findings as last evaluated (acknowledgements not applied: they are read fresh).
#[derive(Debug, Clone)]
struct CachedFindings {
    /// Evaluated with a keychain snapshot in which the key's account was (`Some(true)`), was
    /// not (`Some(false)`), or without one (`None`).
    keychain: Option<bool>,
    /// Valid while `now` is before this (`None`: until a write).
    valid_until: Option<DateTime<Utc>>,
    findings: Vec<Finding>,
}

/// A key with its place in the order and, once searched, its search text.
#[derive(Debug)]
struct Entry {
    record: KeyRecord,
    sort: SortKey,
    /// Lower-cased search text ([`search_text`]), once the first search built the index.
    search: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct KeyCatalog {
    records: BTreeMap<Uuid, Entry>,
    order: BTreeSet<SortKey>,
    positions: HashMap<String, i64>,
    by_environment: HashMap<String, HashSet<Uuid>>,
    by_provider: HashMap<String, HashSet<Uuid>>,
    by_status: HashMap<&'static str, HashSet<Uuid>>,
    /// Distinct purposes: the purpose filter is a substring, matched once per purpose.
    by_purpose: HashMap<String, HashSet<Uuid>>,
    by_name: HashMap<String, Vec<Uuid>>,
    /// Unrevoked keys by value fingerprint (the reuse rule).
    by_fingerprint: HashMap<String, BTreeSet<Uuid>>,
    /// Whether the first search built every entry's search text.
    search_built: bool,
    /// The policy (as stored JSON) the cached findings were evaluated under.
    findings_policy: Option<String>,
    findings: HashMap<Uuid, CachedFindings>,
}

fn fold(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// What `list_keys` searches: name, purpose, owner, provider and the tags as stored (JSON),
/// joined by U+001F, lower-cased as SQLite's `lower()` does (ASCII only).
fn search_text(r: &KeyRecord) -> String {
    let tags = serde_json::to_string(&r.tags).unwrap_or_default();
    let mut text =
        String::with_capacity(r.name.len() + r.purpose.len() + r.provider.len() + tags.len() + 24);
    for (i, part) in [
        r.name.as_str(),
        r.purpose.as_str(),
        r.owner.as_deref().unwrap_or(""),
        r.provider.as_str(),
        tags.as_str(),
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            text.push('\u{1f}');
        }
        text.push_str(part);
    }
    text.make_ascii_lowercase();
    text
}

/// The id range an id prefix covers (ids sort as their hex text does), or `None` when the
/// prefix cannot start a canonical id (`find_keys`: ≥ 4 of hex digits and '-').
fn prefix_range(prefix: &str) -> Option<(Uuid, Uuid)> {
    const CANON: &[u8] = b"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    if prefix.len() > CANON.len() {
        return None;
    }
    let mut hex = String::new();
    for (c, want) in prefix.bytes().zip(CANON) {
        match (*want, c) {
            (b'-', b'-') => {}
            (b'x', c) if c.is_ascii_hexdigit() => hex.push(char::from(c)),
            _ => return None,
        }
    }
    let low = format!("{hex:0<32}");
    let high = format!("{hex:f<32}");
    Some((Uuid::parse_str(&low).ok()?, Uuid::parse_str(&high).ok()?))
}

/// Adds to an index, allocating the key only for a new value (most keys share theirs).
fn add_to(index: &mut HashMap<String, HashSet<Uuid>>, at: &str, id: Uuid) {
    match index.get_mut(at) {
        Some(set) => {
            set.insert(id);
        }
        None => {
            index.insert(at.to_owned(), HashSet::from([id]));
        }
    }
}

fn remove_from(index: &mut HashMap<String, HashSet<Uuid>>, at: &str, id: Uuid) {
    if let Some(set) = index.get_mut(at) {
        set.remove(&id);
        if set.is_empty() {
            index.remove(at);
        }
    }
}

impl KeyCatalog {
    /// Loads every key and the environments' order.
    pub(crate) async fn load(store: &Store) -> Result<KeyCatalog, StoreError> {
        // Whatever was noted before this read is in it.
        store.take_written();
        let mut catalog = KeyCatalog::default();
        catalog.load_positions(store).await?;
        for record in store.load_all_keys().await? {
            catalog.insert(record);
        }
        Ok(catalog)
    }

    async fn load_positions(&mut self, store: &Store) -> Result<(), StoreError> {
        self.positions = store
            .environments()
            .await?
            .into_iter()
            .map(|e| (e.name, e.position))
            .collect();
        Ok(())
    }

    /// Applies this process's writes since the last look: re-reads the written keys.
    pub(crate) async fn catch_up(&mut self, store: &Store) -> Result<(), StoreError> {
        let written = store.take_written();
        if written.keys.is_empty() && !written.environments {
            return Ok(());
        }
        let ids: Vec<Uuid> = written.keys.into_iter().collect();
        let fresh = store.keys_by_ids(&ids).await?;
        let new_environment = fresh
            .iter()
            .any(|r| !self.positions.contains_key(&r.environment));
        if written.environments || new_environment {
            self.load_positions(store).await?;
            if written.environments {
                self.resort();
            }
        }
        for id in ids {
            self.remove(id);
        }
        for record in fresh {
            self.insert(record);
        }
        Ok(())
    }

    /// Rebuilds the order after the environments' positions changed.
    fn resort(&mut self) {
        // Reuse findings name the other keys in display order.
        self.findings.clear();
        self.order.clear();
        for entry in self.records.values_mut() {
            entry.sort.position = self
                .positions
                .get(&entry.record.environment)
                .copied()
                .unwrap_or(NO_POSITION);
            self.order.insert(entry.sort.clone());
        }
    }

    fn sort_key(&self, r: &KeyRecord) -> SortKey {
        SortKey {
            position: self
                .positions
                .get(&r.environment)
                .copied()
                .unwrap_or(NO_POSITION),
            environment: Arc::from(r.environment.as_str()),
            purpose: Arc::from(fold(&r.purpose)),
            name: Arc::from(fold(&r.name)),
            id: r.id,
        }
    }

    /// Keys whose findings depend on `r`'s (its fingerprint group).
    fn invalidate_findings_around(&mut self, r: &KeyRecord) {
        self.findings.remove(&r.id);
        if let Some(group) = r
            .fingerprint
            .as_deref()
            .and_then(|fp| self.by_fingerprint.get(fp))
        {
            for id in group {
                self.findings.remove(id);
            }
        }
    }

    fn insert(&mut self, r: KeyRecord) {
        let id = r.id;
        let sort = self.sort_key(&r);
        self.order.insert(sort.clone());
        add_to(&mut self.by_environment, &r.environment, id);
        add_to(&mut self.by_provider, &r.provider, id);
        self.by_status
            .entry(r.status.as_str())
            .or_default()
            .insert(id);
        add_to(&mut self.by_purpose, &r.purpose, id);
        match self.by_name.get_mut(&r.name) {
            Some(ids) => ids.push(id),
            None => {
                self.by_name.insert(r.name.clone(), vec![id]);
            }
        }
        if let (Some(fp), true) = (r.fingerprint.as_deref(), r.status != KeyStatus::Revoked) {
            self.by_fingerprint
                .entry(fp.to_owned())
                .or_default()
                .insert(id);
        }
        self.invalidate_findings_around(&r);
        let search = self.search_built.then(|| search_text(&r));
        self.records.insert(
            id,
            Entry {
                record: r,
                sort,
                search,
            },
        );
    }

    fn remove(&mut self, id: Uuid) {
        let Some(Entry {
            record: r, sort, ..
        }) = self.records.remove(&id)
        else {
            return;
        };
        self.order.remove(&sort);
        remove_from(&mut self.by_environment, &r.environment, id);
        remove_from(&mut self.by_provider, &r.provider, id);
        remove_from(&mut self.by_purpose, &r.purpose, id);
        if let Some(set) = self.by_status.get_mut(r.status.as_str()) {
            set.remove(&id);
        }
        if let Some(ids) = self.by_name.get_mut(&r.name) {
            ids.retain(|i| *i != id);
            if ids.is_empty() {
                self.by_name.remove(&r.name);
            }
        }
        self.invalidate_findings_around(&r);
        if let Some(fp) = r.fingerprint.as_deref() {
            if let Some(group) = self.by_fingerprint.get_mut(fp) {
                group.remove(&id);
                if group.is_empty() {
                    self.by_fingerprint.remove(fp);
                }
            }
        }
    }

    // ---- reads ----

    pub(crate) fn get(&self, id: Uuid) -> Option<&KeyRecord> {
        self.records.get(&id).map(|e| &e.record)
    }

    pub(crate) fn contains(&self, id: Uuid) -> bool {
        self.records.contains_key(&id)
    }

    /// Whether a keychain account is a key's (its id, as the key's entry is named).
    pub(crate) fn contains_account(&self, account: &str) -> bool {
        Uuid::parse_str(account)
            .is_ok_and(|id| self.contains(id) && id.hyphenated().to_string() == account)
    }

    /// Every record in display order.
    pub(crate) fn all(&self) -> impl Iterator<Item = &KeyRecord> {
        self.order.iter().filter_map(|s| self.get(s.id))
    }

    /// As `Store::find_keys`: exact id, id prefix (≥ 4 hex digits or '-'), or exact name;
    /// ordered by environment, then name.
    pub(crate) fn find(&self, reference: &str) -> Vec<KeyRecord> {
        let lowered = reference.to_ascii_lowercase();
        let mut ids: BTreeSet<Uuid> = BTreeSet::new();
        if let Ok(id) = Uuid::parse_str(&lowered) {
            if id.hyphenated().to_string() == lowered && self.contains(id) {
                ids.insert(id);
            }
        }
        let prefix_ok =
            lowered.len() >= 4 && lowered.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        if prefix_ok {
            if let Some((low, high)) = prefix_range(&lowered) {
                ids.extend(self.records.range(low..=high).map(|(id, _)| *id));
            }
        }
        if let Some(named) = self.by_name.get(reference) {
            ids.extend(named.iter().copied());
        }
        let mut found: Vec<&KeyRecord> = ids.iter().filter_map(|id| self.get(*id)).collect();
        found.sort_by(|a, b| {
            a.environment
                .cmp(&b.environment)
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| a.id.cmp(&b.id))
        });
        found.into_iter().cloned().collect()
    }

    /// Whether another key already has this name in this environment.
    pub(crate) fn name_taken(&self, record: &KeyRecord) -> bool {
        self.by_name.get(&record.name).is_some_and(|ids| {
            ids.iter().any(|id| {
                *id != record.id
                    && self
                        .get(*id)
                        .is_some_and(|k| k.environment == record.environment)
            })
        })
    }

    /// As `Store::list_keys`, from memory.
    pub(crate) fn list(&mut self, filter: &KeyFilter) -> Vec<KeyRecord> {
        // The narrowest exact index names the candidates; the rest is checked per key.
        let mut candidates: Option<HashSet<Uuid>> = None;
        let mut narrow = |set: Option<&HashSet<Uuid>>| {
            let set = set.cloned().unwrap_or_default();
            candidates = Some(match candidates.take() {
                None => set,
                Some(c) => c.intersection(&set).copied().collect(),
            });
        };
        if let Some(env) = &filter.environment {
            narrow(self.by_environment.get(env));
        }
        if let Some(provider) = &filter.provider {
            narrow(self.by_provider.get(provider));
        }
        if let Some(status) = filter.status {
            narrow(self.by_status.get(status.as_str()));
        }
        if let Some(purpose) = &filter.purpose {
            let needle = fold(purpose);
            let matched: HashSet<Uuid> = self
                .by_purpose
                .iter()
                .filter(|(p, _)| fold(p).contains(&needle))
                .flat_map(|(_, ids)| ids.iter().copied())
                .collect();
            narrow(Some(&matched));
        }
        let text = filter.text.as_deref().map(fold);
        if text.is_some() && !self.search_built {
            for entry in self.records.values_mut() {
                entry.search = Some(search_text(&entry.record));
            }
            self.search_built = true;
        }
        let searched = |e: &Entry| match (&text, &e.search) {
            (Some(needle), Some(t)) => t.contains(needle.as_str()),
            (Some(_), None) => false,
            (None, _) => true,
        };
        let mut picked: Vec<&Entry> = match (candidates, &text) {
            (Some(ids), _) => ids
                .iter()
                .filter_map(|id| self.records.get(id))
                .filter(|e| searched(e))
                .collect(),
            // A search alone: one pass over the entries' texts, then sort what matched.
            (None, Some(_)) => self.records.values().filter(|e| searched(e)).collect(),
            (None, None) => {
                return self
                    .order
                    .iter()
                    .filter_map(|s| self.get(s.id).cloned())
                    .collect()
            }
        };
        picked.sort_by(|a, b| a.sort.cmp(&b.sort));
        picked.into_iter().map(|e| e.record.clone()).collect()
    }

    /// The unrevoked keys sharing `r`'s value (itself included when unrevoked), in display
    /// order (the reuse finding names them in it).
    fn same_value(&self, r: &KeyRecord) -> Vec<&KeyRecord> {
        let mut group: Vec<&Entry> = r
            .fingerprint
            .as_deref()
            .and_then(|fp| self.by_fingerprint.get(fp))
            .map(|ids| ids.iter().filter_map(|id| self.records.get(id)).collect())
            .unwrap_or_default();
        group.sort_by(|a, b| a.sort.cmp(&b.sort));
        group.into_iter().map(|e| &e.record).collect()
    }

    /// The findings of the keys `ids` (in that order; acknowledgements not applied), from
    /// the cache where still valid. `policy_json` identifies the policy: another one drops
    /// every cached evaluation.
    pub(crate) fn findings_of(
        &mut self,
        ids: &[Uuid],
        policy: &FindingPolicy,
        policy_json: &str,
        now: DateTime<Utc>,
        keychain: Option<&KeychainSnapshot>,
    ) -> Vec<Finding> {
        if self.findings_policy.as_deref() != Some(policy_json) {
            self.findings.clear();
            self.findings_policy = Some(policy_json.to_owned());
        }
        let mut out = Vec::new();
        let mut fresh: Vec<(Uuid, CachedFindings)> = Vec::new();
        {
            let mut purposes = findings::Purposes::new();
            for id in ids {
                let Some(r) = self.get(*id) else { continue };
                let mut account = Uuid::encode_buffer();
                let account = id.hyphenated().encode_lower(&mut account);
                let in_keychain = keychain.map(|k| k.accounts.contains(&*account));
                if let Some(cached) = self.findings.get(id) {
                    if cached.keychain == in_keychain && cached.valid_until.is_none_or(|v| now < v)
                    {
                        out.extend(cached.findings.iter().cloned());
                        continue;
                    }
                }
                let same_value = self.same_value(r);
                let found =
                    findings::evaluate_key(r, &same_value, policy, now, keychain, &mut purposes);
                out.extend(found.iter().cloned());
                fresh.push((
                    *id,
                    CachedFindings {
                        keychain: in_keychain,
                        valid_until: findings::findings_valid_until(r, policy, now),
                        findings: found,
                    },
                ));
            }
        }
        self.findings.extend(fresh);
        out
    }

    /// Every finding: each key's in display order, then keychain entries without a record.
    pub(crate) fn all_findings(
        &mut self,
        policy: &FindingPolicy,
        policy_json: &str,
        now: DateTime<Utc>,
        keychain: Option<&KeychainSnapshot>,
    ) -> Vec<Finding> {
        let ids: Vec<Uuid> = self.order.iter().map(|s| s.id).collect();
        let mut out = self.findings_of(&ids, policy, policy_json, now, keychain);
        if let Some(snapshot) = keychain {
            out.extend(findings::orphaned_entries(snapshot, |account| {
                self.contains_account(account)
            }));
        }
        out
    }
}
