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
use std::sync::{Arc, Weak};
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
    /// Exactly as long as the key's findings: one of these lives per key, and a `Vec` from
    /// `evaluate_key(..).into_iter().map(Arc::new).collect()` would keep the evaluation's whole
    /// buffer (collected in place: ~1.7 KB a key, 17 MB at 10,000 keys, measured with heaptrack).
    findings: Box<[Arc<Finding>]>,
}

/// Every finding in the findings list's order ([`findings::list_order`]), as last assembled:
/// valid until a write, a policy change, another keychain listing or `valid_until`.
#[derive(Debug)]
struct SortedFindings {
    /// The listing it was built with: a `Weak` keeps the allocation (no other listing can
    /// take its address) and is cut off when the listing is edited in place.
    keychain: Option<Weak<KeychainSnapshot>>,
    /// The earliest of the keys' own `valid_until`.
    valid_until: Option<DateTime<Utc>>,
    findings: Vec<Arc<Finding>>,
}

impl SortedFindings {
    fn still_valid(&self, now: DateTime<Utc>, keychain: Option<&Arc<KeychainSnapshot>>) -> bool {
        let same_listing = match (&self.keychain, keychain) {
            (None, None) => true,
            (Some(was), Some(is)) => was.upgrade().is_some_and(|was| Arc::ptr_eq(&was, is)),
            _ => false,
        };
        same_listing && self.valid_until.is_none_or(|v| now < v)
    }
}

/// A key with its place in the order and, once searched, its search text.
#[derive(Debug)]
struct Entry {
    /// Shared with the answers: a list hands out reference counts, not copies.
    record: Arc<KeyRecord>,
    sort: SortKey,
    /// Lower-cased search text ([`search_text`]), once the first search built the index.
    search: Option<Arc<str>>,
}

/// One key in display order with small codes for the exact filters, so a filter is one scan
/// of a vector instead of set intersections and a sort.
#[derive(Debug)]
struct Row {
    /// Where the row goes when a write puts it back (a binary search, not a rebuild).
    sort: SortKey,
    record: Arc<KeyRecord>,
    /// The entry's search text, once the first search built them.
    search: Option<Arc<str>>,
    environment: u32,
    provider: u32,
    purpose: u32,
    status: KeyStatus,
}

/// Every key in display order, patched on the first list after a write (the written keys'
/// rows taken out and put back in place), and the search text of all of them in one buffer
/// once a search asked for it (rebuilt from the rows after a write).
#[derive(Debug, Default)]
struct Rows {
    rows: Vec<Row>,
    environments: HashMap<String, u32>,
    providers: HashMap<String, u32>,
    purpose_codes: HashMap<String, u32>,
    /// Distinct purposes by code: the purpose filter is a substring, matched once per purpose.
    purposes: Vec<String>,
    search: Option<SearchText>,
}

impl Rows {
    fn row(&mut self, e: &Entry) -> Row {
        let r = &e.record;
        let purpose = match self.purpose_codes.get(&r.purpose) {
            Some(code) => *code,
            None => {
                let code = u32::try_from(self.purposes.len()).unwrap_or(u32::MAX);
                self.purposes.push(r.purpose.clone());
                self.purpose_codes.insert(r.purpose.clone(), code);
                code
            }
        };
        Row {
            sort: e.sort.clone(),
            record: Arc::clone(r),
            search: e.search.clone(),
            environment: code_of(&mut self.environments, &r.environment),
            provider: code_of(&mut self.providers, &r.provider),
            purpose,
            status: r.status,
        }
    }
}

/// More written keys than this since the last list: rebuild the rows instead of patching.
const PATCH_LIMIT: usize = 64;

/// The rows' search texts back to back: row `i`'s is `text[starts[i]..starts[i + 1]]`.
/// One `memmem` scan finds the matches in display order.
#[derive(Debug, Default)]
struct SearchText {
    text: Vec<u8>,
    starts: Vec<usize>,
}

impl SearchText {
    /// The rows whose text contains `needle` (already lower-cased), in display order.
    fn matches(&self, needle: &str) -> Vec<usize> {
        let rows = self.starts.len().saturating_sub(1);
        if needle.is_empty() {
            return (0..rows).collect();
        }
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        let mut out = Vec::new();
        let mut from = 0;
        while let Some(found) = finder.find(&self.text[from..]) {
            let at = from + found;
            // The row the match starts in; a match running into the next row is no match,
            // and neither is any later one starting in this row.
            let row = self.starts.partition_point(|s| *s <= at) - 1;
            let end = self.starts[row + 1];
            if at + needle.len() <= end {
                out.push(row);
            }
            from = end;
        }
        out
    }
}

#[derive(Debug, Default)]
pub(crate) struct KeyCatalog {
    records: BTreeMap<Uuid, Entry>,
    order: BTreeSet<SortKey>,
    positions: HashMap<String, i64>,
    /// The display order with filter codes, once listed.
    rows: Option<Rows>,
    /// Keys written since the rows were last brought up to date (their rows are stale).
    stale_rows: Vec<Uuid>,
    by_name: HashMap<String, Vec<Uuid>>,
    /// Unrevoked keys by value fingerprint (the reuse rule).
    by_fingerprint: HashMap<String, BTreeSet<Uuid>>,
    /// Whether the first search built every entry's search text.
    search_built: bool,
    /// The policy (as stored JSON) the cached findings were evaluated under.
    findings_policy: Option<String>,
    findings: HashMap<Uuid, CachedFindings>,
    /// The findings list over every key, once asked for.
    sorted_findings: Option<SortedFindings>,
    /// Keys whose findings changed since the sorted list was brought up to date.
    stale_findings: Vec<Uuid>,
    /// Whether a key was added or removed since then (keychain entries without a record may
    /// have changed).
    keys_came_or_went: bool,
    /// The sort keys' environments and folded purposes, one copy of each: they repeat across
    /// thousands of keys (issue 14: memory at 10,000 keys). Never pruned: a removed key's
    /// text stays, which costs only the distinct values seen.
    sort_texts: HashSet<Arc<str>>,
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

/// The code of `value`, a new one for a value not seen yet (most keys share theirs).
fn code_of(codes: &mut HashMap<String, u32>, value: &str) -> u32 {
    if let Some(code) = codes.get(value) {
        return *code;
    }
    let code = u32::try_from(codes.len()).unwrap_or(u32::MAX);
    codes.insert(value.to_owned(), code);
    code
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
        let existed: Vec<bool> = ids.iter().map(|id| self.contains(*id)).collect();
        for id in &ids {
            self.remove(*id);
        }
        for record in fresh {
            self.insert(record);
        }
        if ids
            .iter()
            .zip(existed)
            .any(|(id, existed)| self.contains(*id) != existed)
        {
            self.keys_came_or_went = true;
        }
        Ok(())
    }

    /// Rebuilds the order after the environments' positions changed.
    fn resort(&mut self) {
        // Reuse findings name the other keys in display order.
        self.findings.clear();
        self.sorted_findings = None;
        self.rows = None;
        self.stale_rows.clear();
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

    fn sort_key(&mut self, r: &KeyRecord) -> SortKey {
        SortKey {
            position: self
                .positions
                .get(&r.environment)
                .copied()
                .unwrap_or(NO_POSITION),
            environment: self.sort_text(&r.environment),
            purpose: self.sort_text(&fold(&r.purpose)),
            name: Arc::from(fold(&r.name)),
            id: r.id,
        }
    }

    /// The one shared copy of `text` ([`Self::sort_texts`]).
    fn sort_text(&mut self, text: &str) -> Arc<str> {
        if let Some(shared) = self.sort_texts.get(text) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = Arc::from(text);
        self.sort_texts.insert(Arc::clone(&shared));
        shared
    }

    /// Keys whose findings depend on `r`'s (its fingerprint group).
    fn invalidate_findings_around(&mut self, r: &KeyRecord) {
        self.findings.remove(&r.id);
        let mut stale = vec![r.id];
        if let Some(group) = r
            .fingerprint
            .as_deref()
            .and_then(|fp| self.by_fingerprint.get(fp))
        {
            for id in group {
                self.findings.remove(id);
                stale.push(*id);
            }
        }
        // The sorted list is patched for these keys on its next use (rebuilt after many).
        if self.sorted_findings.is_some() {
            if self.stale_findings.len() + stale.len() <= PATCH_LIMIT {
                self.stale_findings.extend(stale);
            } else {
                self.sorted_findings = None;
                self.stale_findings.clear();
            }
        }
    }

    fn insert(&mut self, r: KeyRecord) {
        let id = r.id;
        let sort = self.sort_key(&r);
        self.order.insert(sort.clone());
        self.note_stale_row(id);
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
        let search = self.search_built.then(|| Arc::from(search_text(&r)));
        self.records.insert(
            id,
            Entry {
                record: Arc::new(r),
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
        self.note_stale_row(id);
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
        self.records.get(&id).map(|e| &*e.record)
    }

    pub(crate) fn contains(&self, id: Uuid) -> bool {
        self.records.contains_key(&id)
    }

    /// Whether a keychain account is a key's (its id, as the key's entry is named).
    pub(crate) fn contains_account(&self, account: &str) -> bool {
        Uuid::parse_str(account).is_ok_and(|id| {
            let mut text = Uuid::encode_buffer();
            self.contains(id) && *id.hyphenated().encode_lower(&mut text) == *account
        })
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

    fn note_stale_row(&mut self, id: Uuid) {
        if self.rows.is_some() {
            if self.stale_rows.len() < PATCH_LIMIT {
                self.stale_rows.push(id);
            } else {
                self.rows = None;
                self.stale_rows.clear();
            }
        }
    }

    /// The rows in display order with their codes, patched after a write (rebuilt after
    /// many).
    fn rows(&mut self) -> &mut Rows {
        let records = &self.records;
        if let Some(rows) = self.rows.as_mut() {
            if !self.stale_rows.is_empty() {
                let stale = std::mem::take(&mut self.stale_rows);
                rows.rows.retain(|row| !stale.contains(&row.record.id));
                let mut seen = Vec::with_capacity(stale.len());
                for id in stale {
                    if seen.contains(&id) {
                        continue;
                    }
                    seen.push(id);
                    if let Some(entry) = records.get(&id) {
                        let row = rows.row(entry);
                        let at = rows.rows.partition_point(|r| r.sort < row.sort);
                        rows.rows.insert(at, row);
                    }
                }
                rows.search = None;
            }
        }
        self.stale_rows.clear();
        self.rows.get_or_insert_with(|| {
            let mut rows = Rows::default();
            let mut built = Vec::with_capacity(records.len());
            for entry in self.order.iter().filter_map(|s| records.get(&s.id)) {
                built.push(rows.row(entry));
            }
            rows.rows = built;
            rows
        })
    }

    /// Every entry's search text and the rows' buffer of them, on the first search.
    fn build_search(&mut self) {
        if !self.search_built {
            for entry in self.records.values_mut() {
                entry.search = Some(Arc::from(search_text(&entry.record)));
            }
            self.search_built = true;
            // The rows carry the texts: built again with them.
            self.rows = None;
            self.stale_rows.clear();
        }
        let rows = self.rows();
        if rows.search.is_some() {
            return;
        }
        // About 64 bytes a key (name, purpose, owner, provider, tags): one growth at most.
        let mut text = Vec::with_capacity(rows.rows.len() * 64);
        let mut starts = Vec::with_capacity(rows.rows.len() + 1);
        for row in &rows.rows {
            starts.push(text.len());
            if let Some(search) = row.search.as_deref() {
                text.extend_from_slice(search.as_bytes());
            }
        }
        starts.push(text.len());
        rows.search = Some(SearchText { text, starts });
    }

    /// As `Store::list_keys`, from memory: one scan of the display order (or of the search
    /// buffer's matches), so no sort and no copy of a record.
    pub(crate) fn list(&mut self, filter: &KeyFilter) -> Vec<Arc<KeyRecord>> {
        let text = filter.text.as_deref().map(fold);
        if text.is_some() {
            self.build_search();
        }
        let rows = self.rows();
        // A value no key has matches nothing: `u32::MAX` is no code.
        let environment = filter
            .environment
            .as_ref()
            .map(|e| rows.environments.get(e).copied().unwrap_or(u32::MAX));
        let provider = filter
            .provider
            .as_ref()
            .map(|p| rows.providers.get(p).copied().unwrap_or(u32::MAX));
        let purposes: Option<Vec<bool>> = filter.purpose.as_deref().map(|purpose| {
            let needle = fold(purpose);
            rows.purposes
                .iter()
                .map(|p| fold(p).contains(&needle))
                .collect()
        });
        let status = filter.status;
        let wanted = |row: &Row| {
            environment.is_none_or(|c| row.environment == c)
                && provider.is_none_or(|c| row.provider == c)
                && status.is_none_or(|s| row.status == s)
                && purposes.as_ref().is_none_or(|p| {
                    usize::try_from(row.purpose)
                        .ok()
                        .and_then(|c| p.get(c))
                        .copied()
                        .unwrap_or(false)
                })
        };
        match (&text, &rows.search) {
            (Some(needle), Some(search)) => search
                .matches(needle)
                .into_iter()
                .filter_map(|i| rows.rows.get(i))
                .filter(|row| wanted(row))
                .map(|row| Arc::clone(&row.record))
                .collect(),
            _ => rows
                .rows
                .iter()
                .filter(|row| wanted(row))
                .map(|row| Arc::clone(&row.record))
                .collect(),
        }
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
        group.into_iter().map(|e| &*e.record).collect()
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
    ) -> Vec<Arc<Finding>> {
        self.findings_valid_until(ids, policy, policy_json, now, keychain)
            .0
    }

    /// [`Self::findings_of`] and until when they all hold (the earliest key's `valid_until`).
    fn findings_valid_until(
        &mut self,
        ids: &[Uuid],
        policy: &FindingPolicy,
        policy_json: &str,
        now: DateTime<Utc>,
        keychain: Option<&KeychainSnapshot>,
    ) -> (Vec<Arc<Finding>>, Option<DateTime<Utc>>) {
        if self.findings_policy.as_deref() != Some(policy_json) {
            self.findings.clear();
            self.sorted_findings = None;
            self.findings_policy = Some(policy_json.to_owned());
        }
        let mut out = Vec::new();
        let mut valid_until: Option<DateTime<Utc>> = None;
        let mut earliest = |until: Option<DateTime<Utc>>| {
            if let Some(until) = until {
                valid_until = Some(valid_until.map_or(until, |v| v.min(until)));
            }
        };
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
                        earliest(cached.valid_until);
                        continue;
                    }
                }
                let same_value = self.same_value(r);
                let evaluated =
                    findings::evaluate_key(r, &same_value, policy, now, keychain, &mut purposes);
                let mut found = Vec::with_capacity(evaluated.len());
                found.extend(evaluated.into_iter().map(Arc::new));
                let found = found.into_boxed_slice();
                out.extend(found.iter().cloned());
                let until = findings::findings_valid_until(r, policy, now);
                earliest(until);
                fresh.push((
                    *id,
                    CachedFindings {
                        keychain: in_keychain,
                        valid_until: until,
                        findings: found,
                    },
                ));
            }
        }
        self.findings.extend(fresh);
        (out, valid_until)
    }

    /// Every finding in the findings list's order (acknowledgements not applied): kept whole
    /// between writes, so a warm answer over 100,000 keys copies reference counts only.
    pub(crate) fn sorted_findings(
        &mut self,
        policy: &FindingPolicy,
        policy_json: &str,
        now: DateTime<Utc>,
        keychain: Option<&Arc<KeychainSnapshot>>,
    ) -> Vec<Arc<Finding>> {
        let usable = self.findings_policy.as_deref() == Some(policy_json)
            && self
                .sorted_findings
                .as_ref()
                .is_some_and(|sorted| sorted.still_valid(now, keychain));
        if usable {
            self.patch_sorted_findings(policy, policy_json, now, keychain);
            if let Some(sorted) = &self.sorted_findings {
                return sorted.findings.clone();
            }
        }
        self.stale_findings.clear();
        self.keys_came_or_went = false;
        let ids: Vec<Uuid> = self.order.iter().map(|s| s.id).collect();
        let (mut found, valid_until) =
            self.findings_valid_until(&ids, policy, policy_json, now, keychain.map(|k| &**k));
        if let Some(snapshot) = keychain {
            found.extend(
                findings::orphaned_entries(snapshot, |account| self.contains_account(account))
                    .into_iter()
                    .map(Arc::new),
            );
        }
        found.sort_by(|a, b| findings::list_order(a, b));
        self.sorted_findings = Some(SortedFindings {
            keychain: keychain.map(Arc::downgrade),
            valid_until,
            findings: found.clone(),
        });
        found
    }

    /// Brings the sorted list up to date after writes: the written keys' findings taken out
    /// and their fresh ones put in place (binary search by the list's order; no two keys'
    /// findings compare equal, as names are unique within an environment), and the keychain
    /// entries without a record found again when keys came or went.
    fn patch_sorted_findings(
        &mut self,
        policy: &FindingPolicy,
        policy_json: &str,
        now: DateTime<Utc>,
        keychain: Option<&Arc<KeychainSnapshot>>,
    ) {
        if self.stale_findings.is_empty() && !self.keys_came_or_went {
            return;
        }
        let mut stale = std::mem::take(&mut self.stale_findings);
        stale.sort_unstable();
        stale.dedup();
        let orphans_too = std::mem::take(&mut self.keys_came_or_went);
        let Some(mut sorted) = self.sorted_findings.take() else {
            return;
        };
        sorted.findings.retain(|f| match f.key_id {
            Some(id) => stale.binary_search(&id).is_err(),
            None => !orphans_too,
        });
        let (fresh, valid_until) =
            self.findings_valid_until(&stale, policy, policy_json, now, keychain.map(|k| &**k));
        let mut put = |f: Arc<Finding>| {
            let at = sorted
                .findings
                .partition_point(|g| findings::list_order(g, &f) != std::cmp::Ordering::Greater);
            sorted.findings.insert(at, f);
        };
        for f in fresh {
            put(f);
        }
        if let (true, Some(snapshot)) = (orphans_too, keychain) {
            for f in findings::orphaned_entries(snapshot, |account| self.contains_account(account))
            {
                put(Arc::new(f));
            }
        }
        if let Some(until) = valid_until {
            sorted.valid_until = Some(sorted.valid_until.map_or(until, |v| v.min(until)));
        }
        self.sorted_findings = Some(sorted);
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
        let mut out: Vec<Finding> = self
            .findings_of(&ids, policy, policy_json, now, keychain)
            .iter()
            .map(|f| Finding::clone(f))
            .collect();
        if let Some(snapshot) = keychain {
            out.extend(findings::orphaned_entries(snapshot, |account| {
                self.contains_account(account)
            }));
        }
        out
    }
}
