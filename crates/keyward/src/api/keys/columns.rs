//! `keys_stream`'s chunks in columns (issue 14: memory at 10,000 keys); decoded by
//! `ui/src/lib/rowcolumns.ts`.

use super::{FindingRowView, KeyRowView, KeysChunk};
use serde::Serialize;
use std::collections::HashMap;

/// The chunk's JSON, in columns. As objects, every row repeated its field names and its
/// provider, kind, environment, purpose, owner, states, tags and findings; the window's JSON
/// parser made a string, array or object for each repeat, and under the wiping allocators
/// (glibc's `malloc`) the web process kept that peak resident. Here each repeated value is
/// sent once per chunk:
///
/// - `values`: the distinct strings of the coded columns (provider, kind, environment,
///   purpose, owner, status, verify_outcome, role, state, and the tags), in order of first use;
/// - `findings`: the distinct finding rows; `finding_lists` / `tag_lists`: the distinct lists,
///   as indexes into `findings` / `values`;
/// - `columns`: one array per row field, in the row's field order. id, name, the dates,
///   masked_hint and verify_detail hold the values; the coded ones their index (`null` stays
///   `null`); `tags` and `findings` an index into `tag_lists` / `finding_lists`.
///
/// Row `i` is `{field: columns[field][i]}` with the codes looked up: exactly the
/// [`KeyRowView`] `keys[i]` serializes to (a test in `inventory/page.rs` decodes it).
impl Serialize for KeysChunk {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let coded = Coded::of(&self.keys);
        let mut chunk = s.serialize_struct("KeysChunk", 7)?;
        chunk.serialize_field("total", &self.total)?;
        chunk.serialize_field("offset", &self.offset)?;
        chunk.serialize_field("values", &coded.values.items)?;
        chunk.serialize_field("findings", &coded.findings.items)?;
        chunk.serialize_field("finding_lists", &coded.finding_lists.items)?;
        chunk.serialize_field("tag_lists", &coded.tag_lists.items)?;
        chunk.serialize_field(
            "columns",
            &Columns {
                rows: &self.keys,
                codes: &coded.rows,
            },
        )?;
        chunk.end()
    }
}

/// Distinct items in order of first use, each with its index.
struct Distinct<T> {
    items: Vec<T>,
    index: HashMap<T, u32>,
}

impl<T: Clone + Eq + std::hash::Hash> Distinct<T> {
    fn new() -> Self {
        Distinct {
            items: Vec::new(),
            index: HashMap::new(),
        }
    }

    fn code(&mut self, item: T) -> u32 {
        if let Some(&i) = self.index.get(&item) {
            return i;
        }
        // A chunk holds at most CHUNK keys' values: far below u32::MAX.
        let i = u32::try_from(self.items.len()).unwrap_or(u32::MAX);
        self.items.push(item.clone());
        self.index.insert(item, i);
        i
    }
}

/// One row's coded fields.
struct RowCodes {
    provider: u32,
    kind: u32,
    environment: u32,
    purpose: u32,
    owner: Option<u32>,
    tags: u32,
    status: u32,
    verify_outcome: Option<u32>,
    role: u32,
    findings: u32,
    state: u32,
}

/// A chunk's dictionaries and every row's codes.
struct Coded<'a> {
    values: Distinct<&'a str>,
    findings: Distinct<&'a FindingRowView>,
    finding_lists: Distinct<Vec<u32>>,
    tag_lists: Distinct<Vec<u32>>,
    rows: Vec<RowCodes>,
}

impl<'a> Coded<'a> {
    fn of(keys: &'a [KeyRowView]) -> Coded<'a> {
        let mut c = Coded {
            values: Distinct::new(),
            findings: Distinct::new(),
            finding_lists: Distinct::new(),
            tag_lists: Distinct::new(),
            rows: Vec::with_capacity(keys.len()),
        };
        for row in keys {
            let k = &*row.key;
            // In the row's field order, so `values` is in order of first use field by field
            // (rowcolumns.ts's encoder for the demo follows the same order).
            let provider = c.values.code(&k.provider);
            let kind = c.values.code(&k.kind);
            let environment = c.values.code(&k.environment);
            let purpose = c.values.code(&k.purpose);
            let owner = k.owner.as_deref().map(|o| c.values.code(o));
            let tag_codes: Vec<u32> = k.tags.iter().map(|t| c.values.code(t)).collect();
            let tags = c.tag_lists.code(tag_codes);
            let status = c.values.code(k.status.as_str());
            let verify_outcome = k.verify_outcome.map(|v| c.values.code(v.as_str()));
            let role = c.values.code(k.role.as_str());
            let finding_codes: Vec<u32> = row.findings.iter().map(|f| c.findings.code(f)).collect();
            let findings = c.finding_lists.code(finding_codes);
            let state = c.values.code(row.state.as_str());
            c.rows.push(RowCodes {
                provider,
                kind,
                environment,
                purpose,
                owner,
                tags,
                status,
                verify_outcome,
                role,
                findings,
                state,
            });
        }
        c
    }
}

/// One column: `pick` of each row, as a JSON array.
struct Column<'a, R, F>(&'a [R], F);

/// A [`Column`]; its bound lets `pick` return a borrow of the row.
fn column<'a, R, T: Serialize, F: Fn(&'a R) -> T>(rows: &'a [R], pick: F) -> Column<'a, R, F> {
    Column(rows, pick)
}

impl<'a, R, T: Serialize, F: Fn(&'a R) -> T> Serialize for Column<'a, R, F> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(&self.1))
    }
}

/// The `columns` object: the row's fields in the order a row serializes them.
struct Columns<'a> {
    rows: &'a [KeyRowView],
    codes: &'a [RowCodes],
}

impl Serialize for Columns<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let (rows, codes) = (self.rows, self.codes);
        let mut c = s.serialize_struct("KeyColumns", 19)?;
        c.serialize_field("id", &column(rows, |r| r.key.id))?;
        c.serialize_field("provider", &column(codes, |r| r.provider))?;
        c.serialize_field("kind", &column(codes, |r| r.kind))?;
        c.serialize_field("name", &column(rows, |r| &r.key.name))?;
        c.serialize_field("environment", &column(codes, |r| r.environment))?;
        c.serialize_field("purpose", &column(codes, |r| r.purpose))?;
        c.serialize_field("owner", &column(codes, |r| r.owner))?;
        c.serialize_field("tags", &column(codes, |r| r.tags))?;
        c.serialize_field("created_at", &column(rows, |r| r.key.created_at))?;
        c.serialize_field("last_rotated_at", &column(rows, |r| r.key.last_rotated_at))?;
        c.serialize_field(
            "last_verified_at",
            &column(rows, |r| r.key.last_verified_at),
        )?;
        c.serialize_field("expires_at", &column(rows, |r| r.key.expires_at))?;
        c.serialize_field("status", &column(codes, |r| r.status))?;
        c.serialize_field("masked_hint", &column(rows, |r| &r.key.masked_hint))?;
        c.serialize_field("verify_outcome", &column(codes, |r| r.verify_outcome))?;
        c.serialize_field("verify_detail", &column(rows, |r| &r.key.verify_detail))?;
        c.serialize_field("role", &column(codes, |r| r.role))?;
        c.serialize_field("findings", &column(codes, |r| r.findings))?;
        c.serialize_field("state", &column(codes, |r| r.state))?;
        c.end()
    }
}
