//! `keyward findings …` and `keyward review`: what needs attention, acknowledgements, the
//! policy, and the team review (with `--fail-on` for CI gates: exit code 4).

use crate::output::clean;
use clap::{Args, Subcommand, ValueEnum};
use keyward::findings::{
    EnvironmentPolicy, Finding, FindingKind, FindingPolicy, ReportFormat, Severity,
};
use keyward::import::parse_date;
use keyward::inventory::{AcknowledgeRequest, BulkAcknowledgeRequest, FindingQuery, ReviewQuery};
use keyward::{Error, Inventory};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code of `keyward review --fail-on …` when a listed finding is open.
pub const EXIT_FINDINGS: u8 = 4;

#[derive(Clone, Copy, Debug, Default, ValueEnum, PartialEq, Eq)]
pub enum FindingsFormat {
    #[default]
    Table,
    Json,
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct FindingsArgs {
    #[command(subcommand)]
    pub command: Option<FindingsCommand>,
    /// Only this environment's keys.
    #[arg(long = "env", short = 'e')]
    pub environment: Option<String>,
    /// Only these kinds, comma-separated (stale,unused,expiring,expired,invalid,
    /// over-privileged,client-exposed,reused,orphaned,incomplete).
    #[arg(long)]
    pub kind: Option<String>,
    /// Only this key (id, id prefix or unique name).
    #[arg(long)]
    pub key: Option<String>,
    /// Include acknowledged findings (marked as such).
    #[arg(long)]
    pub all: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: FindingsFormat,
}

#[derive(Subcommand)]
pub enum FindingsCommand {
    /// Acknowledge a finding: it stays hidden (and passes --fail-on) until the date.
    /// One key: `ack KEY KIND`. In bulk: `ack --kind KIND [--provider P] [--env E]`
    /// acknowledges that kind's open findings on every matching key.
    Ack {
        /// Key id, id prefix or unique name (or an orphaned keychain entry's account).
        #[arg(required_unless_present = "bulk_kind", conflicts_with = "bulk_kind")]
        key: Option<String>,
        /// Finding kind, e.g. over-privileged.
        #[arg(required_unless_present = "bulk_kind")]
        kind: Option<String>,
        /// Bulk: this finding kind on every key that matches --provider and --env.
        #[arg(long = "kind", id = "bulk_kind", value_name = "KIND")]
        bulk_kind: Option<String>,
        /// Bulk: only keys of this provider (e.g. postman).
        #[arg(long, requires = "bulk_kind")]
        provider: Option<String>,
        /// Bulk: only keys in this environment.
        #[arg(long = "env", short = 'e', requires = "bulk_kind")]
        environment: Option<String>,
        /// Why this is acceptable for now (recorded in the audit log).
        #[arg(long)]
        reason: String,
        /// Until when (YYYY-MM-DD or RFC 3339; default 90 days, at most a year).
        #[arg(long)]
        until: Option<String>,
    },
    /// Withdraw an acknowledgement.
    Unack { key: String, kind: String },
    /// Show the policy, or change one environment's thresholds (without --env: the default
    /// for environments that have none of their own).
    Policy {
        #[arg(long = "env", short = 'e')]
        environment: Option<String>,
        /// Days before a key is due for rotation.
        #[arg(long)]
        max_age: Option<u32>,
        /// Days without use before a key counts as unused.
        #[arg(long)]
        unused: Option<u32>,
        /// Days before expiry (and before a rotation is due) to warn.
        #[arg(long)]
        expiring: Option<u32>,
        /// Go back to the built-in defaults.
        #[arg(long, conflicts_with_all = ["max_age", "unused", "expiring", "environment"])]
        reset: bool,
        #[arg(long, value_enum, default_value_t)]
        format: FindingsFormat,
    },
}

#[derive(Args)]
pub struct ReviewArgs {
    /// Only this environment.
    #[arg(long = "env", short = 'e')]
    pub environment: Option<String>,
    /// md, json, csv or html.
    #[arg(long, default_value = "md")]
    pub format: String,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Exit with code 4 when an open (unacknowledged) finding of these kinds exists,
    /// comma-separated, e.g. stale,expired,over-privileged,invalid. A listed kind fails
    /// whatever its attention (a gentle "incomplete" prompt too); `action` fails on any
    /// finding that needs action (the review's headline). Provider facts (Postman keys'
    /// full access) are no findings and never fail.
    #[arg(long)]
    pub fail_on: Option<String>,
    /// Review the team's keys (every member's, each carrying its member) instead of yours.
    #[arg(long)]
    pub team: bool,
}

pub async fn findings(inv: &Inventory, a: FindingsArgs) -> anyhow::Result<ExitCode> {
    match a.command {
        Some(FindingsCommand::Ack {
            key,
            kind,
            bulk_kind,
            provider,
            environment,
            reason,
            until,
        }) => match (key, kind, bulk_kind) {
            (Some(key), Some(kind), None) => acknowledge(inv, &key, &kind, reason, until).await,
            (None, None, Some(kind)) => {
                acknowledge_bulk(inv, &kind, provider, environment, reason, until).await
            }
            _ => Err(Error::invalid(
                "ack",
                "give KEY KIND for one key, or --kind KIND (with --provider / --env) for many",
            )
            .into()),
        },
        Some(FindingsCommand::Unack { key, kind }) => {
            let kind = FindingKind::parse_list(&kind).map_err(Error::from)?;
            let [kind] = kind.as_slice() else {
                return Err(Error::invalid("kind", "give exactly one finding kind").into());
            };
            let subject = subject(inv, &key).await?;
            if inv.unacknowledge_finding(&subject, *kind).await? {
                println!(
                    "Withdrew the acknowledgement; the {} finding shows again.",
                    kind.label()
                );
            } else {
                println!(
                    "There was no acknowledgement of a {} finding for that key.",
                    kind.label()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(FindingsCommand::Policy {
            environment,
            max_age,
            unused,
            expiring,
            reset,
            format,
        }) => policy(inv, environment, max_age, unused, expiring, reset, format).await,
        None => list(inv, a).await,
    }
}

/// A key reference → its id; anything that is no key is passed on as a keychain account.
async fn subject(inv: &Inventory, reference: &str) -> anyhow::Result<String> {
    match inv.resolve(reference).await {
        Ok(key) => Ok(key.id.to_string()),
        Err(Error::NotFound(_)) => Ok(reference.trim().to_owned()),
        Err(e) => Err(e.into()),
    }
}

fn parse_until(until: Option<String>) -> Result<Option<chrono::DateTime<chrono::Utc>>, Error> {
    until
        .map(|u| {
            parse_date(&u).map_err(|reason| Error::InvalidInput {
                field: "until",
                reason,
            })
        })
        .transpose()
}

/// The one finding kind an acknowledgement names.
fn one_kind(kind: &str) -> anyhow::Result<FindingKind> {
    let kinds = FindingKind::parse_list(kind).map_err(Error::from)?;
    match kinds.as_slice() {
        [kind] => Ok(*kind),
        _ => Err(Error::invalid("kind", "give exactly one finding kind").into()),
    }
}

async fn acknowledge_bulk(
    inv: &Inventory,
    kind: &str,
    provider: Option<String>,
    environment: Option<String>,
    reason: String,
    until: Option<String>,
) -> anyhow::Result<ExitCode> {
    let kind = &one_kind(kind)?;
    let scope = match (&provider, &environment) {
        (Some(p), Some(e)) => format!(" on {} keys in {}", clean(p, 32), clean(e, 32)),
        (Some(p), None) => format!(" on {} keys", clean(p, 32)),
        (None, Some(e)) => format!(" on keys in {}", clean(e, 32)),
        (None, None) => String::new(),
    };
    let acks = inv
        .acknowledge_findings(BulkAcknowledgeRequest {
            kind: *kind,
            provider,
            environment,
            reason,
            until: parse_until(until)?,
        })
        .await?;
    match acks.first() {
        None => println!(
            "No open {} finding{scope}: nothing acknowledged.",
            kind.label()
        ),
        Some(first) => println!(
            "Acknowledged {} {} finding{}{scope} until {}.",
            acks.len(),
            kind.label(),
            if acks.len() == 1 { "" } else { "s" },
            first.until.format("%Y-%m-%d")
        ),
    }
    Ok(ExitCode::SUCCESS)
}

async fn acknowledge(
    inv: &Inventory,
    key: &str,
    kind: &str,
    reason: String,
    until: Option<String>,
) -> anyhow::Result<ExitCode> {
    let kind = &one_kind(kind)?;
    let until = parse_until(until)?;
    let ack = inv
        .acknowledge_finding(AcknowledgeRequest {
            subject: subject(inv, key).await?,
            kind: *kind,
            reason,
            until,
        })
        .await?;
    println!(
        "Acknowledged the {} finding until {}.",
        ack.kind.label(),
        ack.until.format("%Y-%m-%d")
    );
    Ok(ExitCode::SUCCESS)
}

async fn list(inv: &Inventory, a: FindingsArgs) -> anyhow::Result<ExitCode> {
    let kinds = match &a.kind {
        Some(k) => FindingKind::parse_list(k).map_err(Error::from)?,
        None => Vec::new(),
    };
    let key_id = match &a.key {
        Some(k) => Some(inv.resolve(k).await?.id),
        None => None,
    };
    let list = inv
        .findings(&FindingQuery {
            environment: a.environment,
            kinds,
            key_id,
            include_acknowledged: a.all,
        })
        .await?;
    match a.format {
        FindingsFormat::Json => {
            println!("{}", serde_json::to_string_pretty(&list)?);
        }
        FindingsFormat::Table => {
            print!("{}", finding_table(&list.findings));
            if list.acknowledged_hidden > 0 {
                println!(
                    "{} acknowledged finding{} not shown (--all shows them).",
                    list.acknowledged_hidden,
                    if list.acknowledged_hidden == 1 {
                        ""
                    } else {
                        "s"
                    }
                );
            }
            if !list.keychain_checked {
                println!("The keychain could not be listed: orphaned entries were not checked.");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn severity_tag(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Info => "INFO",
    }
}

/// One block per finding: a headline, then why and what to do.
pub fn finding_table<F: std::borrow::Borrow<Finding>>(findings: &[F]) -> String {
    if findings.is_empty() {
        return "No findings: every key is within policy.\n".into();
    }
    let mut out = String::new();
    for f in findings {
        let f = f.borrow();
        let subject = match f.key_id {
            Some(_) => format!(
                "{} ({}, {}/{})",
                clean(&f.key_name, 60),
                clean(&f.environment, 32),
                clean(&f.provider, 24),
                clean(&f.key_kind, 24)
            ),
            None => format!(
                "keychain entry {}",
                clean(f.keychain_account.as_deref().unwrap_or(""), 64)
            ),
        };
        let _ = writeln!(
            out,
            "{:<8}  {:<15}  {subject}{}",
            severity_tag(f.severity),
            f.kind.label(),
            f.owner
                .as_deref()
                .map(|o| format!("  owner: {}", clean(o, 40)))
                .unwrap_or_default()
        );
        let _ = writeln!(out, "          why: {}", clean(&f.reason, 400));
        if !f.excess_scopes.is_empty() {
            let excess: Vec<String> = f.excess_scopes.iter().map(|s| clean(s, 80)).collect();
            let _ = writeln!(out, "          excess: {}", excess.join(", "));
        }
        let _ = writeln!(out, "          fix: {}", clean(&f.fix, 400));
        if let Some(a) = &f.acknowledgement {
            let _ = writeln!(
                out,
                "          acknowledged by {} until {}: {}",
                clean(&a.acknowledged_by, 40),
                a.until.format("%Y-%m-%d"),
                clean(&a.reason, 200)
            );
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
async fn policy(
    inv: &Inventory,
    environment: Option<String>,
    max_age: Option<u32>,
    unused: Option<u32>,
    expiring: Option<u32>,
    reset: bool,
    format: FindingsFormat,
) -> anyhow::Result<ExitCode> {
    let mut policy = inv.finding_policy().await?;
    if reset {
        policy = inv.set_finding_policy(FindingPolicy::default()).await?;
    } else if max_age.is_some() || unused.is_some() || expiring.is_some() {
        let current = match &environment {
            Some(env) => policy.for_environment(env),
            None => policy.default,
        };
        let updated = EnvironmentPolicy {
            max_age_days: max_age.unwrap_or(current.max_age_days),
            unused_days: unused.unwrap_or(current.unused_days),
            expiring_days: expiring.unwrap_or(current.expiring_days),
        };
        match environment {
            Some(env) => {
                policy.environments.insert(env.trim().to_owned(), updated);
            }
            None => policy.default = updated,
        }
        policy = inv.set_finding_policy(policy).await?;
    } else if environment.is_some() {
        return Err(Error::invalid(
            "policy",
            "give --max-age, --unused or --expiring to change it",
        )
        .into());
    }
    match format {
        FindingsFormat::Json => println!("{}", serde_json::to_string_pretty(&policy)?),
        FindingsFormat::Table => {
            println!(
                "{:<16} {:>8} {:>8} {:>9}",
                "ENVIRONMENT", "MAX AGE", "UNUSED", "EXPIRING"
            );
            for (env, p) in &policy.environments {
                println!(
                    "{:<16} {:>6} d {:>6} d {:>7} d",
                    clean(env, 16),
                    p.max_age_days,
                    p.unused_days,
                    p.expiring_days
                );
            }
            let p = policy.default;
            println!(
                "{:<16} {:>6} d {:>6} d {:>7} d",
                "(other)", p.max_age_days, p.unused_days, p.expiring_days
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn review(inv: &Inventory, a: ReviewArgs) -> anyhow::Result<ExitCode> {
    if a.team {
        return crate::team_cmd::review(
            inv,
            &a.format,
            a.output.as_deref(),
            a.fail_on.as_deref(),
            a.environment,
        )
        .await;
    }
    let format = ReportFormat::parse(&a.format).map_err(Error::from)?;
    // Parse --fail-on before any work, so a typo fails fast instead of passing a CI gate.
    let (fail_on, fail_on_action) = parse_fail_on(a.fail_on.as_deref())?;
    let review = inv
        .review(&ReviewQuery {
            environment: a.environment,
        })
        .await?;
    let text = keyward::findings::render(&review, format).map_err(Error::from)?;
    match &a.output {
        Some(path) => {
            std::fs::write(path, text.as_bytes()).map_err(|e| {
                Error::invalid(
                    "output",
                    format!(
                        "cannot write {}: {e}",
                        clean(&path.display().to_string(), 200)
                    ),
                )
            })?;
            eprintln!(
                "Wrote the review ({} keys; {} finding{} need{} action, {} more to note) to {}.",
                review.key_count,
                review.action_count,
                if review.action_count == 1 { "" } else { "s" },
                if review.action_count == 1 { "s" } else { "" },
                review.findings.len() - review.action_count,
                clean(&path.display().to_string(), 200)
            );
        }
        None => {
            print!("{text}");
            if !text.ends_with('\n') {
                println!();
            }
        }
    }
    let action_hit = fail_on_action && review.action_count > 0;
    if review.has_open(&fail_on) || action_hit {
        let mut hits: Vec<&str> = fail_on
            .iter()
            .filter(|k| review.findings.iter().any(|f| f.kind == **k))
            .map(|k| k.label())
            .collect();
        if action_hit {
            hits.push("action");
        }
        eprintln!(
            "review: open findings of a kind listed in --fail-on: {}",
            hits.join(", ")
        );
        return Ok(ExitCode::from(EXIT_FINDINGS));
    }
    Ok(ExitCode::SUCCESS)
}

/// `--fail-on kind,kind,action`: the finding kinds, and whether `action` (any finding that needs
/// action) was named. Shared by the local and the team review; `None` gates on nothing.
pub fn parse_fail_on(list: Option<&str>) -> Result<(Vec<FindingKind>, bool), Error> {
    let Some(list) = list else {
        return Ok((Vec::new(), false));
    };
    let mut on_action = false;
    let kinds: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|k| {
            let action = k.eq_ignore_ascii_case("action");
            on_action |= action;
            !action
        })
        .collect();
    let kinds = FindingKind::parse_list(&kinds.join(","))?;
    if kinds.is_empty() && !on_action {
        return Err(Error::invalid("fail-on", "name at least one finding kind"));
    }
    Ok((kinds, on_action))
}
