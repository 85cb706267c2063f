//! Review exports: JSON, CSV (one row per key), Markdown and a self-contained HTML page
//! (inline CSS, no scripts, no remote content). Every value is escaped for its format: maud
//! escapes everything interpolated into HTML; Markdown escapes its punctuation and `<`/`>`;
//! CSV cells that a spreadsheet would run as a formula are prefixed with `'`.
//! Reports hold metadata only — a review never contains a secret.

use super::{Finding, FindingsError, Review, ReviewKey};
use chrono::{DateTime, Utc};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    Markdown,
    Json,
    Csv,
    Html,
}

impl ReportFormat {
    pub const ALL: [ReportFormat; 4] = [
        ReportFormat::Markdown,
        ReportFormat::Json,
        ReportFormat::Csv,
        ReportFormat::Html,
    ];

    /// `md`/`markdown`, `json`, `csv`, `html`.
    pub fn parse(s: &str) -> Result<ReportFormat, FindingsError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "md" | "markdown" => Ok(ReportFormat::Markdown),
            "json" => Ok(ReportFormat::Json),
            "csv" => Ok(ReportFormat::Csv),
            "html" | "htm" => Ok(ReportFormat::Html),
            _ => Err(FindingsError::UnknownFormat {
                given: super::shown(s),
            }),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Markdown => "md",
            ReportFormat::Json => "json",
            ReportFormat::Csv => "csv",
            ReportFormat::Html => "html",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            ReportFormat::Markdown => "text/markdown",
            ReportFormat::Json => "application/json",
            ReportFormat::Csv => "text/csv",
            ReportFormat::Html => "text/html",
        }
    }
}

/// The review in `format`.
pub fn render(review: &Review, format: ReportFormat) -> Result<String, FindingsError> {
    match format {
        ReportFormat::Json => render_json(review),
        ReportFormat::Csv => render_csv(review),
        ReportFormat::Markdown => Ok(render_markdown(review)),
        ReportFormat::Html => Ok(render_html(review)),
    }
}

pub fn render_json(review: &Review) -> Result<String, FindingsError> {
    serde_json::to_string_pretty(review).map_err(|e| FindingsError::Render(e.to_string()))
}

fn day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

fn opt_day(at: Option<DateTime<Utc>>) -> String {
    at.map(day).unwrap_or_default()
}

fn kinds(k: &[super::FindingKind]) -> String {
    k.iter().map(|k| k.label()).collect::<Vec<_>>().join(";")
}

/// A cell a spreadsheet would evaluate (`=`, `+`, `-`, `@`, tab, CR) is made plain text.
fn csv_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

pub const CSV_COLUMNS: &[&str] = &[
    "environment",
    "provider",
    "name",
    "kind",
    "owner",
    "purpose",
    "status",
    "created_at",
    "last_rotated_at",
    "expires_at",
    "due_at",
    "rotation_state",
    "findings",
    "acknowledged",
    "worst_severity",
    "key_id",
    "role",
];

/// One row per key (the header is [`CSV_COLUMNS`]); finding kinds separated by `;`.
pub fn render_csv(review: &Review) -> Result<String, FindingsError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| FindingsError::Render(e.to_string());
    w.write_record(CSV_COLUMNS).map_err(err)?;
    for k in &review.keys {
        let row: Vec<String> = key_row(k);
        w.write_record(row.iter().map(|c| csv_cell(c)))
            .map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| FindingsError::Render(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| FindingsError::Render(e.to_string()))
}

fn key_row(k: &ReviewKey) -> Vec<String> {
    vec![
        k.environment.clone(),
        k.provider.clone(),
        k.name.clone(),
        k.kind.clone(),
        k.owner.clone().unwrap_or_default(),
        k.purpose.clone(),
        k.status.as_str().to_owned(),
        day(k.created_at),
        opt_day(k.last_rotated_at),
        opt_day(k.expires_at),
        day(k.due_at),
        k.rotation_state.as_str().to_owned(),
        kinds(&k.findings),
        kinds(&k.acknowledged),
        k.worst_severity
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        k.key_id.to_string(),
        k.role.as_str().to_owned(),
    ]
}

/// Escapes text for a Markdown table cell or inline text: punctuation Markdown acts on there
/// gets a backslash, `<`/`>`/`&` become entities (renderers pass raw HTML through).
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // Inside a table cell (never at a line start) these are all Markdown can act on:
            // emphasis, code, links/images (`[`), strike-through, and the cell separator.
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn finding_subject(f: &Finding) -> String {
    if f.key_id.is_some() {
        format!("{} ({})", f.key_name, f.environment)
    } else {
        format!(
            "keychain entry {}",
            f.keychain_account.as_deref().unwrap_or("")
        )
    }
}

pub fn render_markdown(review: &Review) -> String {
    let mut o = String::new();
    let line = |o: &mut String, s: String| {
        o.push_str(&s);
        o.push('\n');
    };
    line(&mut o, "# Keyward rotation review".into());
    line(&mut o, String::new());
    line(
        &mut o,
        format!(
            "Generated {}{}. {} keys: {} ok, {} due soon, {} overdue. {} finding{} need{} action; {} more to note, {} acknowledged.",
            review.generated_at.format("%Y-%m-%d %H:%M UTC"),
            review
                .environment
                .as_deref()
                .map(|e| format!(" for environment {}", md(e)))
                .unwrap_or_default(),
            review.key_count,
            review.ok,
            review.due_soon_count,
            review.overdue_count,
            review.action_count,
            if review.action_count == 1 { "" } else { "s" },
            if review.action_count == 1 { "s" } else { "" },
            review.findings.len() - review.action_count,
            review.acknowledged.len()
        ),
    );
    if !review.keychain_checked {
        line(
            &mut o,
            "\nThe keychain could not be listed, so orphaned entries were not checked.".into(),
        );
    }
    line(&mut o, "\n## By environment and provider\n".into());
    line(
        &mut o,
        "| environment | provider | keys | status | ok | due soon | overdue | findings |".into(),
    );
    line(&mut o, "|---|---|---:|---|---:|---:|---:|---:|".into());
    for g in &review.groups {
        let status = g
            .by_status
            .iter()
            .map(|s| format!("{} {}", s.status.as_str(), s.count))
            .collect::<Vec<_>>()
            .join(", ");
        line(
            &mut o,
            format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                md(&g.environment),
                md(&g.provider),
                group_keys(g),
                status,
                g.ok,
                g.due_soon,
                g.overdue,
                g.findings
            ),
        );
    }
    line(&mut o, format!("\n## {ADMIN_TITLE}\n"));
    line(&mut o, format!("{ADMIN_NOTE}\n"));
    if review.admin_keys().next().is_none() {
        line(&mut o, "None.".into());
    } else {
        line(
            &mut o,
            "| key | environment | provider | owner | rotation | due | open findings |".into(),
        );
        line(&mut o, "|---|---|---|---|---|---|---|".into());
        for k in review.admin_keys() {
            line(
                &mut o,
                format!(
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    md(&k.name),
                    md(&k.environment),
                    md(&k.provider),
                    md(k.owner.as_deref().unwrap_or("—")),
                    k.rotation_state.as_str(),
                    day(k.due_at),
                    kinds(&k.findings)
                ),
            );
        }
    }
    let admins = review.admin_key_ids();
    for (title, items) in [("Overdue", &review.overdue), ("Due soon", &review.due_soon)] {
        line(&mut o, format!("\n## {title}\n"));
        if items.is_empty() {
            line(&mut o, "None.".into());
            continue;
        }
        line(
            &mut o,
            "| key | environment | provider | owner | due | days | for |".into(),
        );
        line(&mut o, "|---|---|---|---|---|---:|---|".into());
        for d in items.iter() {
            line(
                &mut o,
                format!(
                    "| {}{} | {} | {} | {} | {} | {} | {} |",
                    md(&d.name),
                    admin_mark(&admins, d.key_id),
                    md(&d.environment),
                    md(&d.provider),
                    md(d.owner.as_deref().unwrap_or("—")),
                    day(d.due_at),
                    d.days_left,
                    d.cause
                ),
            );
        }
    }
    line(&mut o, "\n## Rotations per week\n".into());
    line(&mut o, "| week of | rotations |".into());
    line(&mut o, "|---|---:|".into());
    for t in &review.trend {
        line(&mut o, format!("| {} | {} |", t.week_start, t.rotations));
    }
    let (action, quiet) = review.split_by_attention();
    line(&mut o, format!("\n## {ACTION_TITLE}\n"));
    if action.is_empty() {
        line(&mut o, "None.".into());
    } else {
        findings_table_md(&mut o, &action);
    }
    if !quiet.is_empty() {
        line(&mut o, format!("\n## {QUIET_TITLE}\n"));
        line(&mut o, format!("{QUIET_NOTE}\n"));
        findings_table_md(&mut o, &quiet);
    }
    if !review.provider_facts.is_empty() {
        line(&mut o, format!("\n## {FACTS_TITLE}\n"));
        line(&mut o, format!("{FACTS_NOTE}\n"));
        line(
            &mut o,
            "| provider | kind | keys | fact | what you can do |".into(),
        );
        line(&mut o, "|---|---|---:|---|---|".into());
        for p in &review.provider_facts {
            line(
                &mut o,
                format!(
                    "| {} | {} | {} | {} | {} |",
                    md(&p.provider_name),
                    md(&p.key_kind_name),
                    p.keys,
                    md(&p.fact),
                    md(&p.advice)
                ),
            );
        }
    }
    if !review.acknowledged.is_empty() {
        line(&mut o, "\n## Acknowledged\n".into());
        line(&mut o, "| finding | key | reason | by | until |".into());
        line(&mut o, "|---|---|---|---|---|".into());
        for f in &review.acknowledged {
            if let Some(a) = &f.acknowledgement {
                line(
                    &mut o,
                    format!(
                        "| {} | {} | {} | {} | {} |",
                        f.kind.label(),
                        md(&finding_subject(f)),
                        md(&a.reason),
                        md(&a.acknowledged_by),
                        day(a.until)
                    ),
                );
            }
        }
    }
    o
}

const ACTION_TITLE: &str = "Needs action";
const QUIET_TITLE: &str = "Also noted";
const QUIET_NOTE: &str = "Worth a look when there is time (warning), or a gentle prompt (info); nothing here is broken or due.";
const FACTS_TITLE: &str = "Provider facts";
const FACTS_NOTE: &str =
    "True of every key of these kinds and not something a key's owner can change, so said once here instead of on each key.";

fn findings_table_md(o: &mut String, findings: &[&Finding]) {
    o.push_str(
        "| severity | finding | key | owner | why | what to do |\n|---|---|---|---|---|---|\n",
    );
    for f in findings {
        o.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            if f.attention == super::Attention::Action {
                f.severity.as_str()
            } else {
                f.attention.as_str()
            },
            f.kind.label(),
            md(&finding_subject(f)),
            md(f.owner.as_deref().unwrap_or("—")),
            md(&with_scopes(f)),
            md(&f.fix)
        ));
    }
}

const ADMIN_TITLE: &str = "Connection admin keys";
const ADMIN_NOTE: &str = "Admin credentials of providers' management APIs: each can create, roll and delete other keys. \
`keyward run` passes them only when named (`--with`).";

/// " (connection admin)" after an admin key's name in the due lists.
fn admin_mark(admins: &HashSet<uuid::Uuid>, key_id: uuid::Uuid) -> &'static str {
    if admins.contains(&key_id) {
        " (connection admin)"
    } else {
        ""
    }
}

/// "3", or "3 (1 admin)" when the group holds connection admin keys.
fn group_keys(g: &super::ReviewGroup) -> String {
    if g.admin_keys == 0 {
        g.keys.to_string()
    } else {
        format!("{} ({} admin)", g.keys, g.admin_keys)
    }
}

fn with_scopes(f: &Finding) -> String {
    if f.excess_scopes.is_empty() {
        f.reason.clone()
    } else {
        format!("{} Excess: {}.", f.reason, f.excess_scopes.join(", "))
    }
}

const STYLE: &str = "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d232b;background:#fff}\
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #dde2e8;padding-bottom:.3rem}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eceff3;vertical-align:top}\
th{background:#f5f7fa;font-weight:600}td.n,th.n{text-align:right}.muted{color:#5f6b7a}\
.sev{display:inline-block;border-radius:.6rem;padding:0 .5rem;font-size:.8rem;font-weight:600}\
.sev-critical{background:#7a0916;color:#fff}.sev-high{background:#d6333f;color:#fff}.sev-medium{background:#f1a33b;color:#1d232b}\
.sev-low{background:#dbe7f5;color:#1d232b}.sev-info{background:#eceff3;color:#1d232b}.sev-warning{background:#fdf0d5;color:#1d232b}\
.summary{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}.summary div{background:#f5f7fa;border-radius:.5rem;padding:.6rem 1rem}\
.summary b{display:block;font-size:1.4rem}.admin{display:inline-block;margin-left:.4rem;border-radius:.6rem;padding:0 .45rem;font-size:.75rem;font-weight:600;background:#5b2a86;color:#fff}.bar{fill:#3b6fd4}.axis{fill:#5f6b7a;font-size:10px}\
@media print{body{margin:0}}";

/// A self-contained HTML page: inline CSS and SVG, no scripts, no external resources.
pub fn render_html(review: &Review) -> String {
    let (action, quiet) = review.split_by_attention();
    let admins = review.admin_key_ids();
    let page: Markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // No script, no remote content, even if the file is opened from a web server.
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:";
                title { "Keyward rotation review " (day(review.generated_at)) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { "Keyward rotation review" }
                p.muted {
                    "Generated " (review.generated_at.format("%Y-%m-%d %H:%M UTC"))
                    @if let Some(env) = &review.environment { " for environment " strong { (env) } }
                    @if !review.keychain_checked { ". The keychain could not be listed, so orphaned entries were not checked." }
                }
                div.summary {
                    div { b { (review.key_count) } "keys" }
                    div { b { (review.ok) } "ok" }
                    div { b { (review.due_soon_count) } "due soon" }
                    div { b { (review.overdue_count) } "overdue" }
                    div data-testid="review-needs-action" { b { (review.action_count) } "need action" }
                div { b { (review.findings.len() - review.action_count) } "more to note" }
                    div { b { (review.acknowledged.len()) } "acknowledged" }
                }
                h2 { "By environment and provider" }
                table {
                    thead { tr { th { "Environment" } th { "Provider" } th.n { "Keys" } th { "Status" } th.n { "OK" } th.n { "Due soon" } th.n { "Overdue" } th.n { "Findings" } } }
                    tbody {
                        @for g in &review.groups {
                            tr {
                                td { (g.environment) } td { (g.provider) } td.n { (group_keys(g)) }
                                td { @for (i, s) in g.by_status.iter().enumerate() { @if i > 0 { ", " } (s.status.as_str()) " " (s.count) } }
                                td.n { (g.ok) } td.n { (g.due_soon) } td.n { (g.overdue) } td.n { (g.findings) }
                            }
                        }
                    }
                }
                h2 { (ADMIN_TITLE) }
                p.muted { (ADMIN_NOTE) }
                @if review.admin_keys().next().is_none() { p.muted { "None." } } @else {
                    table {
                        thead { tr { th { "Key" } th { "Environment" } th { "Provider" } th { "Owner" } th { "Rotation" } th { "Due" } th { "Open findings" } } }
                        tbody {
                            @for k in review.admin_keys() {
                                tr {
                                    td { (k.name) span.admin { "admin" } } td { (k.environment) } td { (k.provider) }
                                    td { (k.owner.as_deref().unwrap_or("—")) } td { (k.rotation_state.as_str()) } td { (day(k.due_at)) } td { (kinds(&k.findings)) }
                                }
                            }
                        }
                    }
                }
                @for (title, items) in [("Overdue", &review.overdue), ("Due soon", &review.due_soon)] {
                    h2 { (title) }
                    @if items.is_empty() { p.muted { "None." } } @else {
                        table {
                            thead { tr { th { "Key" } th { "Environment" } th { "Provider" } th { "Owner" } th { "Due" } th.n { "Days" } th { "For" } } }
                            tbody {
                                @for d in items.iter() {
                                    tr {
                                        td { (d.name) @if admins.contains(&d.key_id) { span.admin { "admin" } } } td { (d.environment) } td { (d.provider) }
                                        td { (d.owner.as_deref().unwrap_or("—")) } td { (day(d.due_at)) } td.n { (d.days_left) } td { (d.cause) }
                                    }
                                }
                            }
                        }
                    }
                }
                h2 { "Rotations per week" }
                (trend_svg(review))
                @if !review.recent_rotations.is_empty() {
                    table {
                        thead { tr { th { "Rotated" } th { "Key" } th { "Environment" } th { "Provider" } } }
                        tbody { @for r in &review.recent_rotations { tr { td { (day(r.at)) } td { (r.name) } td { (r.environment) } td { (r.provider) } } } }
                    }
                }
                h2 { (ACTION_TITLE) }
                @if action.is_empty() { p.muted { "None." } } @else { (findings_table_html(&action)) }
                @if !quiet.is_empty() {
                    h2 { (QUIET_TITLE) }
                    p.muted { (QUIET_NOTE) }
                    (findings_table_html(&quiet))
                }
                @if !review.provider_facts.is_empty() {
                    h2 { (FACTS_TITLE) }
                    p.muted { (FACTS_NOTE) }
                    table {
                        thead { tr { th { "Provider" } th { "Kind" } th.n { "Keys" } th { "Fact" } th { "What you can do" } } }
                        tbody { @for p in &review.provider_facts { tr { td { (p.provider_name) } td { (p.key_kind_name) } td.n { (p.keys) } td { (p.fact) } td { (p.advice) } } } }
                    }
                }
                @if !review.acknowledged.is_empty() {
                    h2 { "Acknowledged" }
                    table {
                        thead { tr { th { "Finding" } th { "Key" } th { "Reason" } th { "By" } th { "Until" } } }
                        tbody {
                            @for f in &review.acknowledged {
                                @if let Some(a) = &f.acknowledgement {
                                    tr { td { (f.kind.label()) } td { (finding_subject(f)) } td { (a.reason) } td { (a.acknowledged_by) } td { (day(a.until)) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page.into_string()
}

fn findings_table_html(findings: &[&Finding]) -> Markup {
    html! {
        table {
            thead { tr { th { "Severity" } th { "Finding" } th { "Key" } th { "Owner" } th { "Why" } th { "What to do" } } }
            tbody {
                @for f in findings {
                    @let tag = if f.attention == super::Attention::Action { f.severity.as_str() } else { f.attention.as_str() };
                    tr {
                        td { span class={ "sev sev-" (tag) } { (tag) } }
                        td { (f.kind.label()) }
                        td { (finding_subject(f)) }
                        td { (f.owner.as_deref().unwrap_or("—")) }
                        td { (f.reason) @if !f.excess_scopes.is_empty() { br; span.muted { "Excess: " (f.excess_scopes.join(", ")) } } }
                        td { (f.fix) }
                    }
                }
            }
        }
    }
}

/// Bar chart of rotations per week as inline SVG (numbers only, nothing user-supplied).
fn trend_svg(review: &Review) -> Markup {
    let max = review
        .trend
        .iter()
        .map(|t| t.rotations)
        .max()
        .unwrap_or(0)
        .max(1);
    let bar_w = 40usize;
    let height = 120usize;
    let width = bar_w * review.trend.len().max(1);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(width) height=(height + 30) role="img" aria-label="Rotations per week" {
            @for (i, t) in review.trend.iter().enumerate() {
                @let h = t.rotations * height / max;
                rect.bar x=(i * bar_w + 6) y=(height - h) width=(bar_w - 12) height=(h) {
                    title { (t.week_start) ": " (t.rotations) }
                }
                text.axis x=(i * bar_w + bar_w / 2) y=(height + 12) text-anchor="middle" { (t.rotations) }
                text.axis x=(i * bar_w + bar_w / 2) y=(height + 26) text-anchor="middle" { (t.week_start.format("%m-%d")) }
            }
        }
    }
}
