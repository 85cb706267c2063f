//! The review over the pulled copy of the team's keys: filters, overdue / due soon, rotations
//! and revocations per week, per-member counts; and its exports (Markdown, JSON, CSV, HTML),
//! every key carrying its member.

use crate::error::{Result, TeamError};
use crate::{
    MemberSummary, ReportFormat, TeamEvent, TeamFilter, TeamKeyRow, TeamReview, TeamReviewQuery,
    WeekCount,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use keyward::findings::report::md;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use std::collections::{BTreeMap, HashMap};

/// Weeks in the rotations-per-week view.
pub const WEEKS: usize = 12;

pub fn matches(row: &TeamKeyRow, filter: &TeamFilter) -> bool {
    let eq = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
    let search = filter.search.as_deref().map(str::to_lowercase);
    eq(&filter.member, &row.member)
        && filter
            .owner
            .as_deref()
            .is_none_or(|o| row.owner.as_deref() == Some(o))
        && eq(&filter.environment, &row.environment)
        && eq(&filter.provider, &row.provider)
        && search.is_none_or(|s| {
            [&row.name, &row.purpose, &row.provider, &row.member]
                .iter()
                .any(|f| f.to_lowercase().contains(&s))
                || row
                    .owner
                    .as_deref()
                    .is_some_and(|o| o.to_lowercase().contains(&s))
                || row.tags.iter().any(|t| t.to_lowercase().contains(&s))
        })
}

fn is_retired(row: &TeamKeyRow) -> bool {
    row.status == "revoked"
}

/// Overdue now: the due date passed (the published state may be older than today).
pub fn is_overdue(row: &TeamKeyRow, now: DateTime<Utc>) -> bool {
    !is_retired(row)
        && match row.next_rotation_due {
            Some(due) => due <= now,
            None => row.state == "overdue",
        }
}

fn is_due_soon(row: &TeamKeyRow, now: DateTime<Utc>, days: Option<u32>) -> bool {
    if is_retired(row) || is_overdue(row, now) {
        return false;
    }
    match (days, row.next_rotation_due) {
        (Some(d), Some(due)) => due - now <= Duration::days(i64::from(d)),
        // Without a window, the member's own policy decided when they published.
        _ => row.state == "due_soon",
    }
}

fn needs_action(row: &TeamKeyRow) -> bool {
    row.findings.iter().any(|f| f.attention == "action")
}

fn week_start(at: DateTime<Utc>) -> NaiveDate {
    let d = at.date_naive();
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// Builds the review from pulled rows (with when each was published) and events.
pub fn build(
    rows: Vec<(TeamKeyRow, DateTime<Utc>)>,
    events: &[TeamEvent],
    query: &TeamReviewQuery,
    as_of: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> TeamReview {
    let mut members: BTreeMap<String, MemberSummary> = BTreeMap::new();
    let mut keys = Vec::new();
    let mut overdue = Vec::new();
    let mut due_soon = Vec::new();
    for (row, published_at) in rows {
        if !matches(&row, &query.filter) {
            continue;
        }
        let m = members
            .entry(row.member.clone())
            .or_insert_with(|| MemberSummary {
                member: row.member.clone(),
                keys: 0,
                overdue: 0,
                needs_action: 0,
                last_published_at: None,
            });
        m.keys += 1;
        m.last_published_at = m.last_published_at.max(Some(published_at));
        if is_overdue(&row, now) {
            m.overdue += 1;
            overdue.push((row.next_rotation_due, row.key_id));
        } else if is_due_soon(&row, now, query.due_soon_days) {
            due_soon.push((row.next_rotation_due, row.key_id));
        }
        if needs_action(&row) {
            m.needs_action += 1;
        }
        keys.push(row);
    }
    // Grouped by environment and purpose, then member and name.
    keys.sort_by(|a, b| {
        (&a.environment, &a.purpose, &a.member, &a.name).cmp(&(
            &b.environment,
            &b.purpose,
            &b.member,
            &b.name,
        ))
    });
    overdue.sort();
    due_soon.sort();
    let this_week = week_start(now);
    let mut weeks: Vec<WeekCount> = (0..WEEKS)
        .rev()
        .map(|i| WeekCount {
            week_start: this_week - Duration::weeks(i as i64),
            rotations: 0,
            revocations: 0,
        })
        .collect();
    for e in events {
        if query
            .filter
            .member
            .as_deref()
            .is_some_and(|m| m != e.member)
        {
            continue;
        }
        let ws = week_start(e.at);
        if let Some(w) = weeks.iter_mut().find(|w| w.week_start == ws) {
            match e.action.as_str() {
                "rotated" => w.rotations += 1,
                "revoked" => w.revocations += 1,
                _ => {}
            }
        }
    }
    TeamReview {
        as_of,
        keys,
        overdue: overdue.into_iter().map(|(_, id)| id).collect(),
        due_soon: due_soon.into_iter().map(|(_, id)| id).collect(),
        rotations_per_week: weeks,
        members: members.into_values().collect(),
    }
}

/// Whether an open finding of one of `kinds` (e.g. `stale`) is on any key (`--fail-on`).
pub fn has_open(review: &TeamReview, kinds: &[String]) -> bool {
    review
        .keys
        .iter()
        .any(|k| k.findings.iter().any(|f| kinds.contains(&f.kind)))
}

pub fn render(review: &TeamReview, format: ReportFormat) -> Result<String> {
    match format {
        ReportFormat::Json => {
            serde_json::to_string_pretty(review).map_err(|e| TeamError::Render(e.to_string()))
        }
        ReportFormat::Csv => render_csv(review),
        ReportFormat::Markdown => Ok(render_markdown(review)),
        ReportFormat::Html => Ok(render_html(review)),
    }
}

pub const CSV_COLUMNS: &[&str] = &[
    "member",
    "environment",
    "purpose",
    "name",
    "provider",
    "kind",
    "owner",
    "status",
    "state",
    "next_rotation_due",
    "last_rotated_at",
    "expires_at",
    "rotation",
    "findings",
    "tags",
    "hint",
    "key_id",
];

/// A cell a spreadsheet would not run as a formula.
fn csv_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

fn day(at: Option<DateTime<Utc>>) -> String {
    at.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn finding_kinds(row: &TeamKeyRow) -> String {
    row.findings
        .iter()
        .map(|f| f.kind.as_str())
        .collect::<Vec<_>>()
        .join(";")
}

fn render_csv(review: &TeamReview) -> Result<String> {
    let err = |e: csv::Error| TeamError::Render(e.to_string());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_COLUMNS).map_err(err)?;
    for k in &review.keys {
        let cells = [
            k.member.clone(),
            k.environment.clone(),
            k.purpose.clone(),
            k.name.clone(),
            k.provider.clone(),
            k.kind.clone(),
            k.owner.clone().unwrap_or_default(),
            k.status.clone(),
            k.state.clone(),
            day(k.next_rotation_due),
            day(k.last_rotated_at),
            day(k.expires_at),
            k.rotation.clone().unwrap_or_default(),
            finding_kinds(k),
            k.tags.join(";"),
            k.hint.clone().unwrap_or_default(),
            k.key_id.to_string(),
        ];
        w.write_record(cells.iter().map(|c| csv_cell(c)))
            .map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| TeamError::Render(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| TeamError::Render(e.to_string()))
}

fn as_of_text(review: &TeamReview) -> String {
    match review.as_of {
        Some(at) => format!("Team data as of {}", at.format("%Y-%m-%d %H:%M UTC")),
        None => "Team data not synced yet".to_string(),
    }
}

fn render_markdown(review: &TeamReview) -> String {
    let mut o = String::new();
    let mut line = |s: String| {
        o.push_str(&s);
        o.push('\n');
    };
    line("# Keyward team review".into());
    line(String::new());
    line(format!(
        "{}. {} keys of {} members: {} overdue, {} due soon.",
        as_of_text(review),
        review.keys.len(),
        review.members.len(),
        review.overdue.len(),
        review.due_soon.len()
    ));
    line(String::new());
    line("## Members".into());
    line(String::new());
    line("| Member | Keys | Overdue | Need action | Last published |".into());
    line("|---|---:|---:|---:|---|".into());
    for m in &review.members {
        line(format!(
            "| {} | {} | {} | {} | {} |",
            md(&m.member),
            m.keys,
            m.overdue,
            m.needs_action,
            day(m.last_published_at)
        ));
    }
    // One index, not a scan per due key (quadratic in the team's size).
    let mut index = HashMap::new();
    for k in &review.keys {
        index.entry(&k.key_id).or_insert(k);
    }
    let by_id = |id: &uuid::Uuid| index.get(id).copied();
    for (title, ids) in [("Overdue", &review.overdue), ("Due soon", &review.due_soon)] {
        line(String::new());
        line(format!("## {title}"));
        line(String::new());
        if ids.is_empty() {
            line("None.".into());
            continue;
        }
        line("| Member | Key | Environment | Owner | Due |".into());
        line("|---|---|---|---|---|".into());
        for k in ids.iter().filter_map(by_id) {
            line(format!(
                "| {} | {} | {} | {} | {} |",
                md(&k.member),
                md(&k.name),
                md(&k.environment),
                md(k.owner.as_deref().unwrap_or("")),
                day(k.next_rotation_due)
            ));
        }
    }
    line(String::new());
    line("## Rotations per week".into());
    line(String::new());
    line("| Week of | Rotations | Revocations |".into());
    line("|---|---:|---:|".into());
    for w in &review.rotations_per_week {
        line(format!(
            "| {} | {} | {} |",
            w.week_start, w.rotations, w.revocations
        ));
    }
    line(String::new());
    line("## Keys".into());
    line(String::new());
    line(
        "| Member | Environment | Purpose | Key | Provider | Owner | Status | State | Findings |"
            .into(),
    );
    line("|---|---|---|---|---|---|---|---|---|".into());
    for k in &review.keys {
        line(format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            md(&k.member),
            md(&k.environment),
            md(&k.purpose),
            md(&k.name),
            md(&k.provider),
            md(k.owner.as_deref().unwrap_or("")),
            md(&k.status),
            md(&k.state),
            md(&finding_kinds(k).replace(';', ", "))
        ));
    }
    o
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d232b}\
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #d5dbe3;padding:.3rem .6rem;text-align:left}\
th{background:#f5f7fa}td.n,th.n{text-align:right}.muted{color:#5f6b7a}";

fn render_html(review: &TeamReview) -> String {
    // One index, not a scan per due key (quadratic in the team's size).
    let mut index = HashMap::new();
    for k in &review.keys {
        index.entry(&k.key_id).or_insert(k);
    }
    let by_id = |id: &uuid::Uuid| index.get(id).copied();
    let page: Markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'";
                title { "Keyward team review" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { "Keyward team review" }
                p.muted { (as_of_text(review)) ". " (review.keys.len()) " keys of " (review.members.len()) " members." }
                h2 { "Members" }
                table {
                    thead { tr { th { "Member" } th.n { "Keys" } th.n { "Overdue" } th.n { "Need action" } th { "Last published" } } }
                    tbody { @for m in &review.members { tr { td { (m.member) } td.n { (m.keys) } td.n { (m.overdue) } td.n { (m.needs_action) } td { (day(m.last_published_at)) } } } }
                }
                @for (title, ids) in [("Overdue", &review.overdue), ("Due soon", &review.due_soon)] {
                    h2 { (title) }
                    @if ids.is_empty() { p.muted { "None." } } @else {
                        table {
                            thead { tr { th { "Member" } th { "Key" } th { "Environment" } th { "Owner" } th { "Due" } } }
                            tbody { @for k in ids.iter().filter_map(by_id) { tr { td { (k.member) } td { (k.name) } td { (k.environment) } td { (k.owner.as_deref().unwrap_or("")) } td { (day(k.next_rotation_due)) } } } }
                        }
                    }
                }
                h2 { "Rotations per week" }
                table {
                    thead { tr { th { "Week of" } th.n { "Rotations" } th.n { "Revocations" } } }
                    tbody { @for w in &review.rotations_per_week { tr { td { (w.week_start) } td.n { (w.rotations) } td.n { (w.revocations) } } } }
                }
                h2 { "Keys" }
                table {
                    thead { tr { th { "Member" } th { "Environment" } th { "Purpose" } th { "Key" } th { "Provider" } th { "Owner" } th { "Status" } th { "State" } th { "Findings" } } }
                    tbody { @for k in &review.keys { tr { td { (k.member) } td { (k.environment) } td { (k.purpose) } td { (k.name) } td { (k.provider) } td { (k.owner.as_deref().unwrap_or("")) } td { (k.status) } td { (k.state) } td { (finding_kinds(k).replace(';', ", ")) } } } }
                }
            }
        }
    };
    page.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TeamFinding;
    use uuid::Uuid;

    fn row(member: &str, name: &str, due_in_days: i64, now: DateTime<Utc>) -> TeamKeyRow {
        TeamKeyRow {
            member: member.into(),
            key_id: Uuid::new_v4(),
            provider: "postmark".into(),
            kind: "server_token".into(),
            name: name.into(),
            environment: "prod".into(),
            purpose: "mail".into(),
            owner: Some(member.into()),
            tags: vec![],
            scopes: vec![],
            status: "active".into(),
            state: "ok".into(),
            created_at: now,
            updated_at: now,
            last_rotated_at: None,
            next_rotation_due: Some(now + Duration::days(due_in_days)),
            expires_at: None,
            rotation: None,
            findings: vec![],
            hint: None,
        }
    }

    #[test]
    fn the_due_lists_name_each_key_and_its_member_in_every_rendering() {
        let now = Utc::now();
        let mut rows: Vec<(TeamKeyRow, DateTime<Utc>)> = (0..50)
            .map(|i| (row("carol", &format!("fine {i}"), 200, now), now))
            .collect();
        rows.push((row("alice", "late key", -3, now), now));
        rows.push((row("bob", "soon key", 5, now), now));
        let query = TeamReviewQuery {
            due_soon_days: Some(14),
            filter: TeamFilter::default(),
        };
        let review = build(rows, &[], &query, Some(now), now);
        let md = render(&review, ReportFormat::Markdown).unwrap();
        let overdue = &md[md.find("## Overdue").unwrap()..md.find("## Due soon").unwrap()];
        assert!(
            overdue.contains("alice") && overdue.contains("late key"),
            "{overdue}"
        );
        assert!(!overdue.contains("soon key"), "{overdue}");
        let due_soon = &md[md.find("## Due soon").unwrap()..];
        assert!(
            due_soon.contains("bob") && due_soon.contains("soon key"),
            "{due_soon}"
        );
        let html = render(&review, ReportFormat::Html).unwrap();
        assert!(html.contains("late key") && html.contains("soon key"));
    }

    #[test]
    fn overdue_and_due_soon_are_judged_now_and_counted_per_member() {
        let now = Utc::now();
        let mut stale = row("alice", "=cmd|' /C calc'!A0", -3, now);
        stale.findings.push(TeamFinding {
            kind: "stale".into(),
            attention: "action".into(),
            severity: "high".into(),
            reason: "older than 90 days".into(),
        });
        let soon = row("bob", "soon", 5, now);
        let fine = row("bob", "fine", 200, now);
        let events = vec![TeamEvent {
            member: "bob".into(),
            key_id: soon.key_id,
            key_name: "soon".into(),
            action: "rotated".into(),
            at: now,
        }];
        let query = TeamReviewQuery {
            due_soon_days: Some(14),
            filter: TeamFilter::default(),
        };
        let rows = vec![(stale.clone(), now), (soon.clone(), now), (fine, now)];
        let review = build(rows.clone(), &events, &query, Some(now), now);
        assert_eq!(review.overdue, vec![stale.key_id]);
        assert_eq!(review.due_soon, vec![soon.key_id]);
        assert_eq!(review.members.len(), 2);
        assert_eq!(
            (
                review.members[0].keys,
                review.members[0].overdue,
                review.members[0].needs_action
            ),
            (1, 1, 1)
        );
        assert_eq!(
            review.rotations_per_week.last().map(|w| w.rotations),
            Some(1)
        );
        assert!(has_open(&review, &["stale".into()]));
        assert!(!has_open(&review, &["unused".into()]));

        let only_bob = TeamReviewQuery {
            due_soon_days: None,
            filter: TeamFilter {
                member: Some("bob".into()),
                ..TeamFilter::default()
            },
        };
        let review_bob = build(rows, &events, &only_bob, Some(now), now);
        assert_eq!(review_bob.keys.len(), 2);

        // Every export names each key's member; CSV defuses formulas.
        for format in ReportFormat::ALL {
            let out = render(&review, format).expect("render");
            assert!(out.contains("alice") && out.contains("bob"), "{format:?}");
        }
        let csv = render(&review, ReportFormat::Csv).expect("csv");
        assert!(csv.contains("'=cmd"), "{csv}");
        let html = render(&review, ReportFormat::Html).expect("html");
        assert!(!html.contains("<script"));
    }
}
