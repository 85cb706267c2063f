//! Import from `.env` and CSV files. Parsing builds a complete plan first; a file with any
//! bad line is reported line by line and nothing is written (see `Inventory::import_commit`).

use crate::inventory::{prepare_record, NewKey};
use crate::model::{KeyRecord, KeyUsage};
use crate::providers::{self, Confidence, CustomProviderSpec};
use crate::secret::Secret;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

mod classify;
pub use classify::{classify, Suggestion};

pub const MAX_IMPORT_BYTES: usize = 4 * 1024 * 1024;
pub const MAX_IMPORT_ROWS: usize = 10_000;

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Environment for every row (`.env`), or for rows without one (CSV).
    pub environment: Option<String>,
    /// Provider for every row without one; `None` = detect from each value.
    pub provider: Option<String>,
    pub purpose: Option<String>,
    /// Leave out `.env` lines whose value matches no known key format (PORT=3000, …).
    pub skip_unrecognized: bool,
    /// Link every imported key to this connection.
    pub connection_id: Option<uuid::Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportFormat {
    Env,
    Csv,
}

/// A problem on one line of the file. Never quotes a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

pub struct ImportRow {
    pub line: usize,
    /// Validated record, without fingerprint until committed.
    pub record: KeyRecord,
    pub secret: Secret,
    /// The value does not look like its provider's keys; it is imported anyway.
    pub warning: Option<String>,
    /// Key or configuration, and why: what the preview ticks and the CLI imports by default.
    pub suggestion: Suggestion,
}

pub struct ImportPlan {
    pub format: ImportFormat,
    pub rows: Vec<ImportRow>,
    pub errors: Vec<LineError>,
    /// Lines left out by `skip_unrecognized`: (line, variable name).
    pub skipped: Vec<(usize, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file is {0} bytes; imports are limited to {MAX_IMPORT_BYTES} bytes")]
    TooLarge(usize),
    #[error("line {0} holds no key of this file (did the file change since the preview?)")]
    NoSuchRow(usize),
}

/// Which rows of a plan to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowChoice {
    /// The rows classified as keys ([`Suggestion::import`]).
    Suggested,
    /// Every row, configuration included.
    All,
    /// These lines (the rows the user ticked in the preview).
    Lines(Vec<usize>),
}

/// A row left out of an import, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    pub line: usize,
    pub name: String,
    pub reason: String,
}

impl ImportPlan {
    /// Keeps only the chosen rows and returns the others. An error on a row left out no longer
    /// blocks the import (`DEBUG` clashing with an existing key does not matter when `DEBUG`
    /// is not imported); errors on lines without a row (malformed lines) still do.
    pub fn select(&mut self, choice: &RowChoice) -> Result<Vec<LeftOut>, crate::Error> {
        let chosen: HashSet<usize> = match choice {
            RowChoice::Suggested => self
                .rows
                .iter()
                .filter(|r| r.suggestion.import)
                .map(|r| r.line)
                .collect(),
            RowChoice::All => self.rows.iter().map(|r| r.line).collect(),
            RowChoice::Lines(lines) => {
                let rows: HashSet<usize> = self.rows.iter().map(|r| r.line).collect();
                if let Some(missing) = lines.iter().find(|l| !rows.contains(l)) {
                    return Err(crate::Error::invalid(
                        "import",
                        ImportError::NoSuchRow(*missing).to_string(),
                    ));
                }
                lines.iter().copied().collect()
            }
        };
        let (kept, dropped): (Vec<ImportRow>, Vec<ImportRow>) = std::mem::take(&mut self.rows)
            .into_iter()
            .partition(|r| chosen.contains(&r.line));
        self.rows = kept;
        let dropped_lines: HashSet<usize> = dropped.iter().map(|r| r.line).collect();
        self.errors.retain(|e| !dropped_lines.contains(&e.line));
        Ok(dropped
            .into_iter()
            .map(|r| LeftOut {
                line: r.line,
                name: r.record.name,
                reason: r.suggestion.reason,
            })
            .collect())
    }
}

/// Reads an import file into zeroizing memory: (file name, text). Refuses files over
/// [`MAX_IMPORT_BYTES`] before reading them.
pub fn read_file(
    path: &std::path::Path,
) -> Result<(String, zeroize::Zeroizing<String>), crate::Error> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| crate::Error::invalid("import", format!("cannot read {shown}: {e}")))?;
    if !meta.is_file() {
        return Err(crate::Error::invalid(
            "import",
            format!("{shown} is not a file"),
        ));
    }
    let size = usize::try_from(meta.len()).unwrap_or(usize::MAX);
    if size > MAX_IMPORT_BYTES {
        return Err(crate::Error::invalid(
            "import",
            ImportError::TooLarge(size).to_string(),
        ));
    }
    let bytes = zeroize::Zeroizing::new(
        std::fs::read(path)
            .map_err(|e| crate::Error::invalid("import", format!("cannot read {shown}: {e}")))?,
    );
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        crate::Error::invalid(
            "import",
            format!("{shown} is not UTF-8 text (byte {})", e.valid_up_to()),
        )
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((name, zeroize::Zeroizing::new(text.to_owned())))
}

/// Format from the file name, else from the content.
pub fn detect_format(file_name: &str, contents: &str) -> ImportFormat {
    let lower = file_name.to_ascii_lowercase();
    let base = lower.rsplit(['/', '\\']).next().unwrap_or(&lower);
    if base.ends_with(".csv") {
        return ImportFormat::Csv;
    }
    if base.starts_with(".env") || base.ends_with(".env") {
        return ImportFormat::Env;
    }
    let first = contents
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    match first {
        Some(l) if l.contains(',') && l.to_ascii_lowercase().contains("secret") => {
            ImportFormat::Csv
        }
        _ => ImportFormat::Env,
    }
}

/// `.env.production` → `prod`, `.env.staging` → `staging`, `.env`/`.env.local`/`.env.development` → `dev`.
pub fn environment_from_file_name(file_name: &str) -> Option<&'static str> {
    let lower = file_name.to_ascii_lowercase();
    let base = lower.rsplit(['/', '\\']).next().unwrap_or(&lower);
    let suffix = base.strip_prefix(".env")?;
    match suffix.trim_start_matches('.') {
        "" | "local" | "dev" | "development" | "development.local" => Some("dev"),
        "staging" | "stage" | "staging.local" => Some("staging"),
        "prod" | "production" | "production.local" => Some("prod"),
        _ => None,
    }
}

/// Dates as RFC 3339 or `YYYY-MM-DD` (midnight UTC).
pub fn parse_date(value: &str) -> Result<DateTime<Utc>, String> {
    let v = value.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(v) {
        return Ok(d.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .ok_or_else(|| format!("'{v}' is not a date (use YYYY-MM-DD or RFC 3339)"))
}

pub fn parse(
    file_name: &str,
    contents: &str,
    options: &ImportOptions,
    custom: &[CustomProviderSpec],
    now: DateTime<Utc>,
) -> Result<ImportPlan, crate::Error> {
    if contents.len() > MAX_IMPORT_BYTES {
        return Err(crate::Error::invalid(
            "import",
            ImportError::TooLarge(contents.len()).to_string(),
        ));
    }
    let contents = contents.strip_prefix('\u{feff}').unwrap_or(contents);
    let format = detect_format(file_name, contents);
    let mut plan = ImportPlan {
        format,
        rows: Vec::new(),
        errors: Vec::new(),
        skipped: Vec::new(),
    };
    match format {
        ImportFormat::Env => parse_env(file_name, contents, options, custom, now, &mut plan),
        ImportFormat::Csv => parse_csv(contents, options, custom, now, &mut plan),
    }
    if plan.rows.len() > MAX_IMPORT_ROWS {
        plan.errors.push(LineError {
            line: 0,
            message: format!(
                "{} keys; import at most {MAX_IMPORT_ROWS} at once",
                plan.rows.len()
            ),
        });
    }
    // Two rows for the same name in one environment would collide on insert.
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for row in &plan.rows {
        let key = (row.record.environment.clone(), row.record.name.clone());
        if let Some(first) = seen.insert(key, row.line) {
            plan.errors.push(LineError {
                line: row.line,
                message: format!(
                    "'{}' in '{}' already appears on line {first}",
                    row.record.name, row.record.environment
                ),
            });
        }
    }
    plan.errors.sort_by_key(|e| e.line);
    Ok(plan)
}

fn parse_env(
    file_name: &str,
    contents: &str,
    options: &ImportOptions,
    custom: &[CustomProviderSpec],
    now: DateTime<Utc>,
    plan: &mut ImportPlan,
) {
    let environment = options
        .environment
        .clone()
        .or_else(|| environment_from_file_name(file_name).map(str::to_owned));
    for (index, raw) in contents.lines().enumerate() {
        let line = index + 1;
        let mut err = |message: String| plan.errors.push(LineError { line, message });
        let text = raw.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let text = text
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(text);
        let Some((name, rest)) = text.split_once('=') else {
            err("expected NAME=value".into());
            continue;
        };
        let name = name.trim();
        if crate::inventory::validate_env_var(name).is_err() {
            // Not quoted back: a malformed line may be a bare secret.
            err("the part before '=' is not a variable name (letters, digits, '_', not starting with a digit)".into());
            continue;
        }
        let value = match env_value(rest) {
            Ok(v) => v,
            Err(message) => {
                err(format!("{name}: {message}"));
                continue;
            }
        };
        let Some(environment) = environment.clone() else {
            err("no environment: pass one (--env) or name the file .env.production / .env.staging / .env".into());
            continue;
        };
        if options.skip_unrecognized && options.provider.is_none() {
            // EXPOSE: detection reads the value's shape only.
            let d = providers::detect(value.expose(), custom);
            if d.provider == "custom" && d.confidence == Confidence::Low {
                plan.skipped.push((line, name.to_owned()));
                continue;
            }
        }
        let new = NewKey {
            provider: options.provider.clone(),
            name: name.to_owned(),
            environment,
            purpose: options.purpose.clone().unwrap_or_default(),
            env_var: Some(name.to_owned()),
            connection_id: options.connection_id,
            ..NewKey::default()
        };
        // EXPOSE: classification reads the value's shape only; its reason never quotes it.
        let suggestion = classify(name, value.expose(), custom);
        match prepare_record(new, &value, custom, None, now) {
            Ok(record) => plan.rows.push(ImportRow {
                line,
                warning: crate::providers::format_warning(&record.provider, &record.kind, &value),
                record,
                secret: value,
                suggestion,
            }),
            Err(e) => err(format!("{name}: {e}")),
        }
    }
}

fn usage_choices() -> String {
    KeyUsage::ALL
        .iter()
        .map(|u| u.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The value part of `NAME=value`: unquoted (a ` #` starts a comment), `'literal'`, or
/// `"with \n escapes"`. Messages never include the value.
fn env_value(rest: &str) -> Result<Secret, String> {
    let rest = rest.trim_start();
    let value = if let Some(body) = rest.strip_prefix('"') {
        let mut out = String::with_capacity(body.len());
        let mut chars = body.chars();
        let mut closed = false;
        while let Some(c) = chars.next() {
            match c {
                '"' => {
                    closed = true;
                    break;
                }
                '\\' => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some(other) => out.push(other),
                    None => break,
                },
                _ => out.push(c),
            }
        }
        let tail: String = chars.collect();
        if !closed {
            zeroize::Zeroize::zeroize(&mut out);
            return Err("unterminated double quote (multi-line values are not supported)".into());
        }
        if !(tail.trim().is_empty() || tail.trim_start().starts_with('#')) {
            zeroize::Zeroize::zeroize(&mut out);
            return Err("unexpected text after the closing quote".into());
        }
        out
    } else if let Some(body) = rest.strip_prefix('\'') {
        let Some(end) = body.find('\'') else {
            return Err("unterminated single quote (multi-line values are not supported)".into());
        };
        let tail = &body[end + 1..];
        if !(tail.trim().is_empty() || tail.trim_start().starts_with('#')) {
            return Err("unexpected text after the closing quote".into());
        }
        body[..end].to_owned()
    } else {
        let end = rest.find(" #").unwrap_or(rest.len());
        rest[..end].trim_end().to_owned()
    };
    let secret = Secret::new(value);
    if secret.is_empty() {
        return Err("empty value".into());
    }
    Ok(secret)
}

fn parse_csv(
    contents: &str,
    options: &ImportOptions,
    custom: &[CustomProviderSpec],
    now: DateTime<Utc>,
    plan: &mut ImportPlan,
) {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(contents.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.to_ascii_lowercase()).collect::<Vec<_>>(),
        Err(e) => {
            plan.errors.push(LineError {
                line: 1,
                message: format!("cannot read the header: {}", csv_reason(&e)),
            });
            return;
        }
    };
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let (Some(c_name), Some(c_secret)) = (col(&["name"]), col(&["secret", "value", "key"])) else {
        plan.errors.push(LineError {
            line: 1,
            message: "the header needs at least the columns name and secret (and usually provider, kind, environment, purpose)".into(),
        });
        return;
    };
    let c_provider = col(&["provider"]);
    let c_kind = col(&["kind"]);
    let c_env = col(&["environment", "env"]);
    let c_purpose = col(&["purpose"]);
    let c_owner = col(&["owner"]);
    let c_tags = col(&["tags"]);
    let c_scopes = col(&["scopes"]);
    let c_var = col(&["env_var", "variable"]);
    let c_created = col(&["created_at", "created"]);
    let c_rotated = col(&["last_rotated_at", "rotated_at", "last_rotated"]);
    let c_expires = col(&["expires_at", "expires"]);
    let c_usage = col(&["usage"]);
    if c_env.is_none() && options.environment.is_none() {
        plan.errors.push(LineError {
            line: 1,
            message: "no environment column: add one or pass --env".into(),
        });
        return;
    }

    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() as usize;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                plan.errors.push(LineError {
                    line: e.position().map_or(line, |p| p.line() as usize),
                    message: csv_reason(&e),
                });
                // A structural error leaves the reader mid-record; stop rather than guess.
                if matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                    continue;
                }
                break;
            }
        }
        let line = record.position().map_or(line, |p| p.line() as usize);
        let field = |c: Option<usize>| {
            c.and_then(|i| record.get(i))
                .map(str::to_owned)
                .filter(|s| !s.is_empty())
        };
        let secret = Secret::new(record.get(c_secret).unwrap_or_default().to_owned());
        let name = field(Some(c_name)).unwrap_or_default();
        let dates = (|| -> Result<_, String> {
            Ok((
                field(c_created).map(|d| parse_date(&d)).transpose()?,
                field(c_rotated).map(|d| parse_date(&d)).transpose()?,
                field(c_expires).map(|d| parse_date(&d)).transpose()?,
            ))
        })();
        let (created_at, last_rotated_at, expires_at) = match dates {
            Ok(d) => d,
            Err(message) => {
                plan.errors.push(LineError { line, message });
                continue;
            }
        };
        let usage = match field(c_usage) {
            None => None,
            Some(u) => match KeyUsage::parse(&u) {
                Some(u) => Some(u),
                None => {
                    plan.errors.push(LineError {
                        line,
                        message: format!("usage must be one of {}", usage_choices()),
                    });
                    continue;
                }
            },
        };
        let split = |s: Option<String>| -> Vec<String> {
            s.map(|s| {
                s.split(';')
                    .map(str::to_owned)
                    .filter(|t| !t.is_empty())
                    .collect()
            })
            .unwrap_or_default()
        };
        let new = NewKey {
            provider: field(c_provider).or_else(|| options.provider.clone()),
            kind: field(c_kind),
            name: name.clone(),
            environment: field(c_env)
                .or_else(|| options.environment.clone())
                .unwrap_or_default(),
            purpose: field(c_purpose)
                .or_else(|| options.purpose.clone())
                .unwrap_or_default(),
            owner: field(c_owner),
            tags: c_tags
                .and_then(|i| record.get(i))
                .map(|s| s.split(';').map(str::to_owned).collect())
                .unwrap_or_default(),
            scopes: split(field(c_scopes)),
            env_var: field(c_var),
            created_at,
            last_rotated_at,
            expires_at,
            connection_id: options.connection_id,
            usage,
            ..NewKey::default()
        };
        match prepare_record(new, &secret, custom, None, now) {
            Ok(rec) => plan.rows.push(ImportRow {
                line,
                warning: crate::providers::format_warning(&rec.provider, &rec.kind, &secret),
                record: rec,
                secret,
                suggestion: Suggestion::listed(),
            }),
            Err(e) => {
                let label: String = name.chars().take(40).filter(|c| !c.is_control()).collect();
                plan.errors.push(LineError {
                    line,
                    message: if label.is_empty() {
                        e.to_string()
                    } else {
                        format!("{label}: {e}")
                    },
                });
            }
        }
    }
    // What is left: `record` and the reader's read buffer still hold the bytes of the last
    // rows read, secret fields included. `StringRecord::clear` would only forget the field
    // bounds and the csv crate has no way to overwrite either buffer, so both are freed
    // unwiped when they drop here. The file's text itself is in a zeroizing buffer and each
    // value was moved into a `Secret` at once.
    drop(record);
}

/// The csv crate's error text can quote field contents; keep only the position and kind.
fn csv_reason(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("expected {expected_len} fields, found {len}")
        }
        csv::ErrorKind::Utf8 { .. } => "the line is not valid UTF-8".into(),
        csv::ErrorKind::Io(_) => "read error".into(),
        _ => "malformed CSV".into(),
    }
}

#[cfg(test)]
mod tests;
