//! The window's first page (issue 14): a `LIMIT/OFFSET` query in display order and those
//! keys' findings, without loading the whole catalog. The catalog loads in the background
//! meanwhile ([`Inventory::warm_catalog`]); once it is loaded and idle, findings come from it.

use super::Inventory;
use crate::error::Result;
use crate::findings::{self, Finding};
use crate::model::{KeyRecord, KeyStatus};
use chrono::Utc;
use std::collections::HashMap;
use std::sync::atomic::Ordering;

/// The position `list_keys` gives a key whose environment has none.
const NO_POSITION: i64 = 1_000_000;

impl Inventory {
    /// Keys `offset..offset + limit` in the window's display order
    /// ([`crate::list_order::display_order`]), how many keys there are, and the page's findings
    /// (acknowledged ones included, marked; no keychain-only entries).
    pub(crate) async fn page(
        &self,
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<KeyRecord>, Vec<Finding>)> {
        let total = usize::try_from(self.store.count_keys().await?).unwrap_or(0);
        let records = self.store.key_page(offset, limit).await?;
        let from_catalog = self.catalog_ready();
        let found = if from_catalog {
            self.findings_over(&records).await?
        } else {
            self.page_findings(&records).await?
        };
        // For scripts/bench-desktop.sh and the e2e start-up test.
        tracing::info!(
            "page {offset}+{limit}: findings from the {}",
            if from_catalog { "catalog" } else { "store" }
        );
        Ok((total, records, found))
    }

    /// Loads the catalog now (the window's setup starts this in the background, so that the
    /// whole list and every later answer find it loaded).
    pub async fn warm_catalog(&self) -> Result<()> {
        self.catalog().await.map(drop)
    }

    /// Whether the catalog is loaded, current and not being loaded or used right now.
    fn catalog_ready(&self) -> bool {
        match self.catalog.try_lock() {
            Ok(slot) => slot.is_some() && !self.foreign_change.load(Ordering::SeqCst),
            Err(_) => false,
        }
    }

    /// The findings of `records` from the store alone: the reuse rule from the rows sharing
    /// their fingerprints (one query), as a single key's findings are without the catalog.
    async fn page_findings(&self, records: &[KeyRecord]) -> Result<Vec<Finding>> {
        let now = Utc::now();
        let (policy, _) = self.policy_with_json().await?;
        let snapshot = self.keychain_snapshot(None).await;
        let acks = self.store.acknowledgements().await?;
        let mut fingerprints: Vec<&str> = records
            .iter()
            .filter_map(|r| r.fingerprint.as_deref())
            .collect();
        fingerprints.sort_unstable();
        fingerprints.dedup();
        let sharing = self.store.keys_by_fingerprints(&fingerprints).await?;
        // The reuse finding names the others in the catalog's order (`list_keys`'s).
        let positions: HashMap<String, i64> = self
            .store
            .environments()
            .await?
            .into_iter()
            .map(|e| (e.name, e.position))
            .collect();
        let mut sharing: Vec<&KeyRecord> = sharing
            .iter()
            .filter(|r| r.status != KeyStatus::Revoked)
            .collect();
        sharing.sort_by_cached_key(|r| {
            (
                positions
                    .get(&r.environment)
                    .copied()
                    .unwrap_or(NO_POSITION),
                r.environment.clone(),
                r.purpose.to_ascii_lowercase(),
                r.name.to_ascii_lowercase(),
                r.id,
            )
        });
        let mut by_fingerprint: HashMap<&str, Vec<&KeyRecord>> = HashMap::new();
        for r in sharing {
            if let Some(fp) = r.fingerprint.as_deref() {
                by_fingerprint.entry(fp).or_default().push(r);
            }
        }
        let mut purposes = findings::Purposes::new();
        let mut found = Vec::new();
        for record in records {
            let same_value = record
                .fingerprint
                .as_deref()
                .and_then(|fp| by_fingerprint.get(fp))
                .map_or(&[][..], Vec::as_slice);
            found.extend(findings::evaluate_key(
                record,
                same_value,
                &policy,
                now,
                snapshot.as_deref(),
                &mut purposes,
            ));
        }
        Ok(findings::apply_acknowledgements(found, &acks, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::keys;
    use crate::findings::FindingKind;
    use crate::inventory::AcknowledgeRequest;
    use crate::test_fixtures::inventory;
    use crate::{KeyFilter, NewKey, Secret};

    fn value(i: usize) -> Secret {
        Secret::new(format!("PMAK-{i:024x}-{i:034x}"))
    }

    /// Keys over configured and other environments, purposes with and without digits and
    /// case, the empty purpose, names that sort naturally, a value reused across
    /// environments, an acknowledged finding, some owners and tags.
    async fn seeded() -> Inventory {
        let (inv, _) = inventory().await;
        inv.set_environments(vec!["prod".into(), "staging".into(), "dev".into()])
            .await
            .unwrap();
        let envs = ["dev", "prod", "zeta", "Alpha", "staging", "beta"];
        let purposes = ["", "Billing", "billing 10", "billing 9", "send email"];
        let names = ["key 10", "Key 9", "ab", "Abc", "key 010", "b"];
        let mut n = 0;
        for (e, env) in envs.iter().enumerate() {
            for (p, purpose) in purposes.iter().enumerate() {
                for name in names.iter().skip((e + p) % 3) {
                    n += 1;
                    let new = NewKey {
                        name: format!("{name} {p}"),
                        environment: (*env).into(),
                        purpose: (*purpose).into(),
                        // Some owners and tags, for the chunks' coded columns.
                        owner: (n % 5 == 1).then(|| format!("team {}", n % 3)),
                        tags: match n % 4 {
                            0 => vec!["eu".into(), "billing".into()],
                            1 => vec!["eu".into()],
                            _ => Vec::new(),
                        },
                        ..NewKey::default()
                    };
                    // Every 7th key reuses one value: reuse across environments.
                    let secret = if n % 7 == 0 { value(0) } else { value(n) };
                    inv.add(new, secret).await.unwrap();
                }
            }
        }
        let some = inv.list(&KeyFilter::default()).await.unwrap()[3].id;
        inv.acknowledge_finding(AcknowledgeRequest {
            subject: some.to_string(),
            kind: FindingKind::Incomplete,
            reason: "known".into(),
            until: None,
        })
        .await
        .unwrap();
        inv
    }

    /// Today's whole-list path: every record in display order, findings over the catalog.
    async fn expected(inv: &Inventory, offset: usize, limit: usize) -> serde_json::Value {
        let records = inv.list(&KeyFilter::default()).await.unwrap();
        let environments = inv.environments().await.unwrap();
        let ordered = crate::list_order::display_order(records, &environments);
        let views = keys::all_views(inv, ordered).await;
        let page: Vec<keys::KeyRowView> = views
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(Into::into)
            .collect();
        serde_json::to_value(page).unwrap()
    }

    async fn unload(inv: &Inventory) {
        *inv.catalog.lock().await = None;
    }

    #[tokio::test]
    async fn the_first_page_does_not_load_the_catalog() {
        let inv = seeded().await;
        unload(&inv).await;
        let page = keys::page(&inv, 0, 10).await.unwrap();
        assert_eq!(page.keys.len(), 10);
        assert!(
            inv.catalog.try_lock().unwrap().is_none(),
            "the page was answered from the store, not by loading every key"
        );
        assert_eq!(page.total, inv.store.count_keys().await.unwrap() as usize);
    }

    #[tokio::test]
    async fn pages_from_the_store_equal_the_whole_list_path() {
        let inv = seeded().await;
        let total = inv.store.count_keys().await.unwrap() as usize;
        assert!(total > 100, "{total}");
        for (offset, limit) in [
            (0, 100),
            (0, total),
            (37, 25),
            (total - 5, 100),
            (total, 10),
        ] {
            unload(&inv).await;
            let from_store = keys::page(&inv, offset, limit).await.unwrap();
            assert!(inv.catalog.try_lock().unwrap().is_none());
            let want = expected(&inv, offset, limit).await;
            assert_eq!(from_store.total, total);
            assert_eq!(from_store.offset, offset);
            assert_eq!(
                serde_json::to_value(&from_store.keys).unwrap(),
                want,
                "store path, {offset}+{limit}"
            );
            // The catalog is loaded now (by `expected`): the page takes findings from it.
            assert!(inv.catalog_ready());
            let from_catalog = keys::page(&inv, offset, limit).await.unwrap();
            assert_eq!(
                serde_json::to_value(&from_catalog.keys).unwrap(),
                want,
                "catalog path, {offset}+{limit}"
            );
        }
        let reused = keys::page(&inv, 0, total)
            .await
            .unwrap()
            .keys
            .iter()
            .filter(|k| k.findings.iter().any(|f| f.code == "reused"))
            .count();
        assert!(reused > 5, "the seed reuses values: {reused}");
    }

    /// Issue 14: a list row is the whole key's view less the detail's fields, its findings
    /// reduced to their codes (acknowledged ones marked), and nothing else.
    #[tokio::test]
    async fn a_row_is_the_view_less_the_detail() {
        let inv = seeded().await;
        let records = inv.list(&KeyFilter::default()).await.unwrap();
        let views = serde_json::to_value(keys::all_views(&inv, records).await).unwrap();
        let mut rows = Vec::new();
        keys::chunks(&inv, 1000, |c| {
            rows.extend(c.keys);
            Ok(())
        })
        .await
        .unwrap();
        let rows = serde_json::to_value(rows).unwrap();
        let (rows, views) = (rows.as_array().unwrap(), views.as_array().unwrap());
        assert_eq!(rows.len(), views.len());
        let mut acknowledged = 0;
        for (row, view) in rows.iter().zip(views) {
            let row = row.as_object().unwrap();
            for detail in [
                "scopes",
                "remote_id",
                "env_var",
                "fingerprint",
                "updated_at",
                "connection_id",
                "usage",
                "region",
                "last_used_at",
            ] {
                assert!(!row.contains_key(detail), "a row carries {detail}");
            }
            for (field, value) in row {
                if field != "findings" {
                    assert_eq!(value, &view[field], "{field}");
                }
            }
            let want: Vec<_> = view["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    serde_json::json!({"code": f["code"], "severity": f["severity"], "attention": f["attention"],
                        "action": f["action"], "acknowledged": !f["acknowledged"].is_null()})
                })
                .collect();
            acknowledged += want.iter().filter(|f| f["acknowledged"] == true).count();
            assert_eq!(row["findings"], serde_json::Value::Array(want));
        }
        assert!(acknowledged > 0, "the seed acknowledges a finding");
    }

    #[tokio::test]
    async fn warming_loads_the_catalog_and_a_page_does_not_wait_for_it() {
        let inv = seeded().await;
        unload(&inv).await;
        // While the catalog is being loaded (its lock held), a page is answered from the store.
        let held = inv.catalog.lock().await;
        let page = tokio::time::timeout(std::time::Duration::from_secs(5), keys::page(&inv, 0, 5))
            .await
            .expect("the page does not wait for the catalog")
            .unwrap();
        assert_eq!(page.keys.len(), 5);
        drop(held);
        inv.warm_catalog().await.unwrap();
        assert!(inv.catalog_ready());
    }

    /// Row `i` of a chunk's columns, decoded as `ui/src/lib/rowcolumns.ts` does.
    fn decode_row(chunk: &serde_json::Value, i: usize) -> serde_json::Value {
        let columns = chunk["columns"].as_object().unwrap();
        let value = |code: &serde_json::Value| match code.as_u64() {
            Some(c) => chunk["values"][c as usize].clone(),
            None => serde_json::Value::Null,
        };
        let list = |lists: &str, items: &str, code: &serde_json::Value| {
            let list = chunk[lists][code.as_u64().unwrap() as usize]
                .as_array()
                .unwrap();
            let items: Vec<_> = list
                .iter()
                .map(|j| chunk[items][j.as_u64().unwrap() as usize].clone())
                .collect();
            serde_json::Value::Array(items)
        };
        let mut row = serde_json::Map::new();
        for (field, column) in columns {
            let cell = &column[i];
            let decoded = match field.as_str() {
                "provider" | "kind" | "environment" | "purpose" | "owner" | "status"
                | "verify_outcome" | "role" | "state" => value(cell),
                "tags" => list("tag_lists", "values", cell),
                "findings" => list("finding_lists", "findings", cell),
                _ => cell.clone(),
            };
            row.insert(field.clone(), decoded);
        }
        serde_json::Value::Object(row)
    }

    /// Issue 14: a chunk is sent in columns, each repeated value once; decoded, its rows are
    /// exactly the rows' own JSON, field for field and in the same order.
    #[tokio::test]
    async fn a_chunk_in_columns_decodes_to_its_rows() {
        let inv = seeded().await;
        let mut chunks = Vec::new();
        keys::chunks(&inv, 40, |c| {
            chunks.push(c);
            Ok(())
        })
        .await
        .unwrap();
        let (mut tagged, mut owned, mut found) = (0, 0, 0);
        for c in &chunks {
            let json = serde_json::to_value(c).unwrap();
            let rows = serde_json::to_value(&c.keys).unwrap();
            let (in_columns, as_rows) = (json.to_string().len(), rows.to_string().len());
            assert!(
                in_columns < as_rows,
                "columns {in_columns} bytes, rows {as_rows}"
            );
            let rows = rows.as_array().unwrap();
            assert_eq!(json["columns"]["id"].as_array().unwrap().len(), rows.len());
            for (i, row) in rows.iter().enumerate() {
                let decoded = decode_row(&json, i);
                assert_eq!(&decoded, row, "row {i} of the chunk at {}", c.offset);
                let fields: Vec<_> = decoded.as_object().unwrap().keys().collect();
                let want: Vec<_> = row.as_object().unwrap().keys().collect();
                assert_eq!(fields, want, "the row's field order");
                tagged += usize::from(!row["tags"].as_array().unwrap().is_empty());
                owned += usize::from(!row["owner"].is_null());
                found += usize::from(!row["findings"].as_array().unwrap().is_empty());
            }
            // Each repeated value is sent once.
            let values = json["values"].as_array().unwrap();
            let distinct: std::collections::HashSet<_> =
                values.iter().map(|v| v.to_string()).collect();
            assert_eq!(distinct.len(), values.len(), "values are distinct");
            assert!(
                values.len() < rows.len() * 4,
                "values are shared between rows"
            );
        }
        assert!(
            tagged > 0 && owned > 0 && found > 0,
            "the seed has tags ({tagged}), owners ({owned}) and findings ({found})"
        );
    }

    /// The coded columns send enums as `as_str`: the same words their serde form uses.
    #[test]
    fn coded_enums_are_their_serde_words() {
        use crate::model::{KeyRole, KeyState, KeyStatus};
        use crate::providers::api::VerifyOutcome;
        for s in KeyStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for s in KeyState::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for r in KeyRole::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        for v in [
            VerifyOutcome::Valid,
            VerifyOutcome::Invalid,
            VerifyOutcome::Expired,
            VerifyOutcome::Disabled,
        ] {
            assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
        }
    }

    #[tokio::test]
    async fn the_whole_list_comes_in_chunks_equal_to_the_whole_list() {
        let inv = seeded().await;
        let total = inv.store.count_keys().await.unwrap() as usize;
        let mut chunks = Vec::new();
        let sent = keys::chunks(&inv, 40, |c| {
            chunks.push(c);
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(sent, total);
        assert_eq!(chunks.len(), total.div_ceil(40));
        let mut offset = 0;
        for c in &chunks {
            assert_eq!((c.total, c.offset), (total, offset));
            assert!(c.keys.len() <= 40 && !c.keys.is_empty());
            offset += c.keys.len();
        }
        let streamed: Vec<_> = chunks.into_iter().flat_map(|c| c.keys).collect();
        let records = inv.list(&KeyFilter::default()).await.unwrap();
        let whole: Vec<keys::KeyRowView> = keys::all_views(&inv, records)
            .await
            .into_iter()
            .map(Into::into)
            .collect();
        assert_eq!(
            serde_json::to_value(streamed).unwrap(),
            serde_json::to_value(whole).unwrap()
        );
    }

    #[tokio::test]
    async fn an_empty_inventory_is_one_empty_chunk_and_a_failed_send_stops() {
        let (inv, _) = inventory().await;
        let mut seen = Vec::new();
        let sent = keys::chunks(&inv, 40, |c| {
            seen.push((c.total, c.offset, c.keys.len()));
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!((sent, seen), (0, vec![(0, 0, 0)]));
        let inv = seeded().await;
        let mut calls = 0;
        let failed = keys::chunks(&inv, 40, |_| {
            calls += 1;
            Err(crate::Error::Internal("the window went away".into()))
        })
        .await;
        assert!(failed.is_err());
        assert_eq!(calls, 1, "no chunk after a failed send");
    }
}
