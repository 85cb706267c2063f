//! `keyward team …` and `keyward review --team` (issue 15): a shared, metadata-only inventory
//! on the team's PostgreSQL. Passwords come from standard input or a hidden prompt, never an
//! argument; URLs carry none.

use crate::commands::print_json;
use crate::findings_cmd::EXIT_FINDINGS;
use crate::output::clean;
use crate::Format;
use clap::{Args, Subcommand};
use keyward::findings::report::ReportFormat;
use keyward::{Error, Inventory, Secret};
use keyward_team::{Sharing, TeamReviewQuery, TeamStatus};
use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::time::Duration;
use zeroize::Zeroizing;

/// How long a command waits for the team's server when it publishes after a change.
pub const PUBLISH_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Subcommand)]
pub enum TeamCommand {
    /// Create or migrate the team schema and the group roles keyward_member and keyward_admin
    /// (run once, as a role that may create them). The password is read from standard input
    /// or a hidden prompt (empty: none).
    Init {
        /// postgres://ADMIN@HOST[:PORT]/DATABASE (no password; TLS required except to loopback).
        url: String,
    },
    /// Join the team as your own database role; the password is read from standard input or
    /// a hidden prompt and kept in the OS keychain.
    Join {
        /// postgres://ROLE@HOST[:PORT]/DATABASE (no password; TLS required except to loopback).
        url: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// The team you are in, what is queued, the last sync.
    Status {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Publish what is queued, then pull the team's keys and events.
    Sync {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Leave the team: your rows are withdrawn, the URL and password forgotten.
    Leave,
    /// Choose what you share: some environments or all, with or without masked hints.
    Share(ShareArgs),
}

#[derive(Args)]
pub struct ShareArgs {
    /// Share only these environments (repeatable, or comma-separated).
    #[arg(long = "env", short = 'e', value_delimiter = ',', num_args = 1.., required_unless_present = "all")]
    pub environments: Vec<String>,
    /// Share every environment.
    #[arg(long, conflicts_with = "environments")]
    pub all: bool,
    /// Also share masked hints (`phx_…abcd`).
    #[arg(long, conflicts_with = "no_hints")]
    pub hints: bool,
    /// Share no masked hints (the default).
    #[arg(long)]
    pub no_hints: bool,
}

/// A password from a hidden prompt on a terminal, else standard input (one line).
fn read_password(prompt: &str) -> anyhow::Result<Secret> {
    if std::io::stdin().is_terminal() {
        return Ok(Secret::new(rpassword::prompt_password(prompt)?));
    }
    const MAX: usize = 4096;
    let mut buf = Zeroizing::new(Vec::with_capacity(MAX + 2));
    std::io::stdin()
        .take(MAX as u64 + 1)
        .read_to_end(&mut buf)?;
    if buf.len() > MAX {
        anyhow::bail!("the password on standard input is longer than {MAX} bytes");
    }
    let text = std::str::from_utf8(&buf)
        .map_err(|_| anyhow::anyhow!("the password on standard input is not UTF-8 text"))?;
    // `echo pw | keyward team join …` ends it with a newline that is not part of it.
    Ok(Secret::new(text.trim_end_matches(['\n', '\r']).to_owned()))
}

fn print_status(s: &TeamStatus) {
    println!("Team:     {}", clean(&s.url, 300));
    println!("Member:   {}", clean(&s.member, 100));
    println!("Schema:   version {}", s.schema_version);
    println!(
        "Sharing:  {}{}",
        match &s.sharing.environments {
            None => "every environment".to_string(),
            Some(envs) if envs.is_empty() => "nothing".to_string(),
            Some(envs) => clean(&envs.join(", "), 300),
        },
        if s.sharing.hints {
            ", with masked hints"
        } else {
            ", no masked hints"
        }
    );
    println!(
        "Queued:   {} change{}",
        s.queued,
        if s.queued == 1 { "" } else { "s" }
    );
    println!(
        "Synced:   {}",
        s.last_sync_at
            .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_else(|| "never".into())
    );
    if let Some(e) = &s.last_error {
        println!("Problem:  {}", clean(e, 500));
    }
}

pub async fn team(inv: &Inventory, command: TeamCommand) -> anyhow::Result<ExitCode> {
    match command {
        TeamCommand::Init { url } => {
            // Check the URL before asking for a password.
            keyward_team::TeamAddress::parse(&url)?;
            let password = read_password("Administrator's password (empty: none): ")?;
            let password = (!password.is_empty()).then_some(password);
            let report = keyward_team::init(&url, password).await?;
            println!(
                "Team schema at version {}{}{}.",
                report.schema_version,
                if report.applied.is_empty() {
                    String::new()
                } else {
                    format!(" ({} migration(s) applied)", report.applied.len())
                },
                if report.roles_created.is_empty() {
                    String::new()
                } else {
                    format!("; created roles {}", report.roles_created.join(", "))
                }
            );
            println!(
                "Add a member with: CREATE ROLE name LOGIN PASSWORD '…' IN ROLE keyward_member;"
            );
        }
        TeamCommand::Join { url, format } => {
            keyward_team::TeamAddress::parse(&url)?;
            let password = read_password("Your team database password: ")?;
            if password.is_empty() {
                return Err(Error::invalid("password", "the password is empty").into());
            }
            let status = keyward_team::join(inv, &url, password).await?;
            match format {
                Format::Json => print_json(&status)?,
                _ => {
                    println!("Joined the team as {}.", clean(&status.member, 100));
                    print_status(&status);
                }
            }
        }
        TeamCommand::Status { format } => {
            let status = keyward_team::status(inv).await?;
            match (format, status) {
                (Format::Json, s) => print_json(&s)?,
                (_, Some(s)) => print_status(&s),
                (_, None) => println!("Not in a team."),
            }
        }
        TeamCommand::Sync { format } => {
            let report = keyward_team::sync(inv).await?;
            match format {
                Format::Json => print_json(&report)?,
                _ => println!(
                    "Published {} change{}; pulled {} key{} of the team (as of {}).",
                    report.published,
                    if report.published == 1 { "" } else { "s" },
                    report.pulled,
                    if report.pulled == 1 { "" } else { "s" },
                    report.as_of.format("%Y-%m-%d %H:%M:%S UTC")
                ),
            }
        }
        TeamCommand::Leave => {
            keyward_team::leave(inv).await?;
            println!("Left the team; its URL, password and copy are forgotten here.");
        }
        TeamCommand::Share(a) => {
            let current = keyward_team::status(inv)
                .await?
                .ok_or(keyward_team::TeamError::NotJoined)?;
            let hints = if a.hints {
                true
            } else if a.no_hints {
                false
            } else {
                current.sharing.hints
            };
            let environments = (!a.all).then_some(a.environments);
            let status = keyward_team::sharing_update(
                inv,
                Sharing {
                    environments,
                    hints,
                },
            )
            .await?;
            // Published now when the server answers; else the queue keeps it.
            let _ = keyward_team::sync(inv).await;
            print_status(&keyward_team::status(inv).await?.unwrap_or(status));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `keyward review --team`: the team's keys (each with its member) from a fresh pull when the
/// server answers, else from the last one (said on standard error).
pub async fn review(
    inv: &Inventory,
    format: &str,
    output: Option<&std::path::Path>,
    fail_on: Option<&str>,
    environment: Option<String>,
) -> anyhow::Result<ExitCode> {
    let format = ReportFormat::parse(format).map_err(Error::from)?;
    let (kinds, on_action) = crate::findings_cmd::parse_fail_on(fail_on)?;
    let kinds: Vec<String> = kinds.iter().map(|k| k.as_str().to_string()).collect();
    if let Err(e) = keyward_team::sync(inv).await {
        if e.code() == "team_not_joined" {
            return Err(e.into());
        }
        eprintln!("warning: the team's data was not refreshed: {e}");
    }
    let review = keyward_team::review(
        inv,
        &TeamReviewQuery {
            due_soon_days: None,
            filter: keyward_team::TeamFilter {
                environment,
                ..Default::default()
            },
        },
    )
    .await?;
    let text = keyward_team::review_render(&review, format)?;
    match output {
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
                "Wrote the team review ({} keys of {} members) to {}.",
                review.keys.len(),
                review.members.len(),
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
    let action_hit = on_action
        && review
            .keys
            .iter()
            .any(|k| k.findings.iter().any(|f| f.attention == "action"));
    if keyward_team::has_open(&review, &kinds) || action_hit {
        let mut hits: Vec<String> = kinds
            .iter()
            .filter(|k| keyward_team::has_open(&review, std::slice::from_ref(k)))
            .cloned()
            .collect();
        if action_hit {
            hits.push("action".into());
        }
        eprintln!(
            "review: open findings on the team's keys of a kind listed in --fail-on: {}",
            hits.join(", ")
        );
        return Ok(ExitCode::from(EXIT_FINDINGS));
    }
    Ok(ExitCode::SUCCESS)
}

/// After a command: when joined and something is queued, publish it with a short timeout.
/// Never fails the command: the queue keeps what the server did not get.
pub async fn publish_after(inv: &Inventory) {
    match inv.store().team_queued().await {
        Ok(n) if n > 0 => {}
        _ => return,
    }
    if let Err(e) = keyward_team::publish(inv, PUBLISH_TIMEOUT).await {
        tracing::info!(code = e.code(), "team publish deferred: {e}");
        eprintln!(
            "note: not published to the team yet ({}); it stays queued",
            e.code()
        );
    }
}
