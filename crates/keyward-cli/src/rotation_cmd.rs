//! `keyward create`, `rotate`, `revoke`, `rotations`, and the recovery every start runs.
//! Each is a thin layer over the core's rotation API (`keyward::rotation`).

use crate::commands::{confirm, print_json};
use crate::output::clean;
use crate::secret_input::read_secret;
use crate::Format;
use clap::Args;
use keyward::api::lifecycle;
use keyward::rotation::{
    CreateKeyRequest, RotateOptions, RotationEvent, RotationEventKind, RotationFilter,
    RotationFlavour, RotationOutcome, RotationRecord, RotationStep,
};
use keyward::{Error, Inventory, KeyRecord};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args, Clone)]
pub struct CreateArgs {
    /// Connection whose API creates the key (PostHog project secret keys, Cloudflare tokens,
    /// SendGrid keys).
    #[arg(long, required_unless_present = "guided")]
    pub connection: Option<String>,
    #[arg(long = "env", short = 'e')]
    pub environment: String,
    /// Purpose: an id or label from the provider's catalogue (`send_email`) proposes the least
    /// privilege it needs; anything else needs --scopes.
    #[arg(long)]
    pub purpose: String,
    /// Scopes to grant instead of the proposal (comma-separated); widening is recorded.
    #[arg(long, value_delimiter = ',')]
    pub scopes: Option<Vec<String>>,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub owner: Option<String>,
    /// Print the new value once on standard output (else it is only stored).
    #[arg(long)]
    pub reveal: bool,
    /// Copy the new value to the clipboard (cleared after the timeout).
    #[arg(long, conflicts_with = "reveal")]
    pub copy: bool,
    /// Show what would be created; create nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Dashboard-only providers: you create the key in the dashboard, paste it (stdin or a
    /// hidden prompt), Keyward verifies it before saving.
    #[arg(long, requires = "provider")]
    pub guided: bool,
    /// Provider for --guided.
    #[arg(long)]
    pub provider: Option<String>,
    /// Key kind for --guided (default: detected / the provider's first kind).
    #[arg(long)]
    pub kind: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Args)]
pub struct RotateArgs {
    /// Keys to rotate (id, id prefix or unique name).
    #[arg(required = true)]
    pub keys: Vec<String>,
    /// Overlap of old and new key (e.g. 30m, 24h, 7d; 0 = revoke at once): create + revoke,
    /// the old key is revoked when it ends (`keyward rotations --run-due`, or any later start).
    /// Default: the key's environment's (prod 24h, staging 1h, dev none; a setting).
    #[arg(long)]
    pub grace: Option<String>,
    /// A key Keyward tracks without its value (synced): rotate it although the value in use
    /// stops working (repeatable; id, id prefix or name). Without it such keys are asked
    /// about on a terminal, refused otherwise.
    #[arg(long = "accept-value-loss", value_name = "KEY")]
    pub accept_value_loss: Vec<String>,
    /// Keys rotated at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Give the new key only the scopes its purpose needs (create + revoke).
    #[arg(long)]
    pub narrow: bool,
    /// Scopes of the new key (comma-separated; create + revoke).
    #[arg(long, value_delimiter = ',')]
    pub scopes: Option<Vec<String>>,
    /// Guided rotations: you revoked the old key in the dashboard; Keyward checks it is dead.
    #[arg(long, conflicts_with_all = ["abort", "plan"])]
    pub confirm_revoked: bool,
    /// Undo an unfinished rotation before its new value is promoted.
    #[arg(long, conflicts_with = "plan")]
    pub abort: bool,
    /// Show what would happen; change nothing.
    #[arg(long)]
    pub plan: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Args)]
pub struct RevokeArgs {
    pub key: String,
    /// Guided revocation: you revoked it in the dashboard; Keyward checks it is dead.
    #[arg(long)]
    pub confirm: bool,
    /// Do not ask for confirmation.
    #[arg(long, short)]
    pub yes: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Args)]
pub struct RotationsArgs {
    /// Revoke the old keys whose grace period has ended, now.
    #[arg(long)]
    pub run_due: bool,
    /// Include finished rotations (history).
    #[arg(long)]
    pub all: bool,
    /// Only this key's rotations.
    #[arg(long)]
    pub key: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// `30s`, `15m`, `24h`, `7d` (or plain seconds).
pub fn parse_duration(text: &str) -> Result<Duration, Error> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| Error::invalid("grace", "use a number with s, m, h or d (e.g. 24h)"))?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => {
            return Err(Error::invalid(
                "grace",
                "use a number with s, m, h or d (e.g. 24h)",
            ))
        }
    };
    if secs > 90 * 86_400 {
        return Err(Error::invalid("grace", "at most 90 days"));
    }
    Ok(Duration::from_secs(secs))
}

/// Every start: resume or roll back rotations a killed process left, and say what was done in
/// one line (nothing when recovery did not try: nothing open, or backing off).
pub async fn recover_at_start(inv: &Inventory) {
    match inv.rotations_recover().await {
        Ok(report) => {
            if let Some(line) = recovery_line(&report.actions) {
                eprintln!("{line}");
            }
        }
        Err(e) => eprintln!("keyward: could not check unfinished rotations: {e}"),
    }
}

/// One line for what start-up recovery did: the rotation's outcome when there was one, else a
/// count with the first one's outcome.
fn recovery_line(actions: &[keyward::rotation::RecoveryAction]) -> Option<String> {
    let first = actions.first()?;
    let what = format!(
        "'{}': {} ({}) — {}",
        clean(&first.key_name, 80),
        first.action,
        first.step.as_str(),
        clean(&first.detail, 300)
    );
    let retry = if actions
        .iter()
        .any(|a| a.action == keyward::rotation::RecoveryKind::Stopped)
    {
        "; Keyward tries again later (`keyward rotations` lists it)"
    } else {
        ""
    };
    Some(match actions.len() {
        1 => format!("keyward: unfinished rotation of {what}{retry}"),
        n => format!("keyward: {n} unfinished rotations recovered, first {what}{retry}"),
    })
}

fn progress(e: &RotationEvent) {
    let tag = match e.kind {
        RotationEventKind::Step => e.step.as_str(),
        RotationEventKind::Waiting => "waiting",
        RotationEventKind::Stopped => "stopped",
        RotationEventKind::Finished => return,
    };
    let count = if e.total > 1 {
        format!("[{}/{}] ", e.done, e.total)
    } else {
        String::new()
    };
    eprintln!(
        "{count}{}: {tag} — {}",
        clean(&e.key_name, 60),
        clean(&e.message, 300)
    );
}

/// Exit code for a failed outcome: 2 keychain, 3 provider, else 1.
fn exit_for(code: &str) -> u8 {
    if code.starts_with("keychain") || code == "secret_missing" {
        2
    } else if code.starts_with("provider")
        || matches!(
            code,
            "new_key_invalid" | "old_key_still_valid" | "rotation_lost_roll"
        )
    {
        3
    } else {
        1
    }
}

fn summary_line(r: &RotationRecord) -> String {
    let mut s = format!(
        "{}: {} — {}",
        clean(&r.key_name, 60),
        r.flavour.as_str(),
        r.step.as_str()
    );
    if let Some(t) = r.revoke_after.filter(|_| r.step == RotationStep::Promoted) {
        s.push_str(&format!(
            ", old key revoked at {}",
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ));
    }
    if let Some(n) = &r.note {
        s.push_str(&format!(" ({})", clean(n, 200)));
    }
    if let Some(e) = &r.error_message {
        s.push_str(&format!(" — stopped: {}", clean(e, 300)));
    }
    s
}

pub async fn create(inv: &Inventory, a: CreateArgs) -> anyhow::Result<ExitCode> {
    if a.guided {
        return create_guided(inv, a).await;
    }
    if a.dry_run {
        let req = CreateKeyRequest {
            connection: a.connection.clone().unwrap_or_default(),
            environment: a.environment.clone(),
            purpose: a.purpose.clone(),
            scopes: a.scopes.clone(),
            name: a.name.clone(),
            owner: a.owner.clone(),
            tags: Vec::new(),
        };
        let plan = inv.key_create_plan(&req).await?;
        if a.format == Format::Json {
            print_json(&plan)?;
        } else {
            println!(
                "Would create '{}' ({}/{}) in {} for \"{}\" with scopes: {}",
                clean(&plan.name, 80),
                plan.provider,
                plan.kind,
                clean(&plan.environment, 64),
                clean(&plan.purpose, 120),
                clean(&plan.scopes.join(", "), 300)
            );
            if !plan.widened.is_empty() {
                println!(
                    "  beyond the purpose's least privilege: {}",
                    clean(&plan.widened.join(", "), 300)
                );
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let created = lifecycle::create(inv, request(a.clone()), None).await?;
    let key = &created.view.key.key;
    if a.format == Format::Json {
        print_json(key)?;
    } else {
        println!(
            "Created '{}' ({}/{}, {}) — id {}; its value is in the keychain.",
            clean(&key.name, 80),
            key.provider,
            key.kind,
            clean(&key.environment, 64),
            key.id
        );
    }
    if let (true, Some(secret)) = (a.reveal, &created.value) {
        // EXPOSE: the user asked to see the new value once (--reveal).
        println!("{}", secret.expose());
        inv.record_use(key, keyward::SecretUse::Reveal).await?;
    }
    drop(created.value);
    if a.copy {
        crate::commands::copy(inv, &key.id.to_string(), None).await?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The core's request from the command line.
fn request(a: CreateArgs) -> lifecycle::CreateRequest {
    lifecycle::CreateRequest {
        guided: a.guided,
        connection: a.connection,
        provider: a.provider.unwrap_or_default(),
        kind: a.kind.unwrap_or_default(),
        name: a.name,
        environment: a.environment,
        purpose: a.purpose,
        scopes: a.scopes.unwrap_or_default(),
        owner: a.owner,
    }
}

async fn create_guided(inv: &Inventory, a: CreateArgs) -> anyhow::Result<ExitCode> {
    if let Some(p) = keyward::providers::profile(a.provider.as_deref().unwrap_or_default()) {
        let url = a
            .kind
            .as_deref()
            .and_then(|k| p.kind(k))
            .map(|k| k.dashboard_url)
            .filter(|u| !u.is_empty())
            .unwrap_or(p.dashboard_url);
        eprintln!(
            "Create the key in {}'s dashboard: {url}\nThen paste it here; Keyward verifies it before saving.",
            p.display_name
        );
    }
    let format = a.format;
    let secret = read_secret("New key value (input hidden): ")?;
    let created = lifecycle::create(inv, request(a), Some(secret)).await?;
    let key = &created.view.key.key;
    if format == Format::Json {
        print_json(key)?;
    } else {
        println!(
            "Verified and saved '{}' ({}/{}, {}) — id {}",
            clean(&key.name, 80),
            key.provider,
            key.kind,
            clean(&key.environment, 64),
            key.id
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn open_rotation(inv: &Inventory, key: &KeyRecord) -> anyhow::Result<Option<RotationRecord>> {
    Ok(inv
        .rotations(&RotationFilter {
            key_id: Some(key.id),
            open_only: true,
            limit: Some(1),
        })
        .await?
        .pop())
}

pub async fn rotate(inv: &Inventory, a: RotateArgs) -> anyhow::Result<ExitCode> {
    let mut keys = Vec::new();
    for k in &a.keys {
        keys.push(inv.resolve(k).await?);
    }
    let mut accepted = Vec::new();
    for k in &a.accept_value_loss {
        accepted.push(inv.resolve(k).await?.id);
    }
    let mut opts = RotateOptions {
        grace: a.grace.as_deref().map(parse_duration).transpose()?,
        narrow: a.narrow,
        scopes: a.scopes.clone(),
        accept_value_loss: accepted,
    };
    let ids: Vec<_> = keys.iter().map(|k| k.id).collect();
    if a.plan {
        let plans = inv.rotation_plans(&ids, &opts).await?;
        if a.format == Format::Json {
            print_json(&plans)?;
        } else {
            for p in &plans {
                let grace = if p.flavour == RotationFlavour::CreateRevoke {
                    format!(
                        ", grace {} s{}",
                        p.grace_secs,
                        if p.grace_is_default {
                            " (environment default)"
                        } else {
                            ""
                        }
                    )
                } else {
                    String::new()
                };
                println!("{}: {}{grace}", clean(&p.key_name, 60), p.flavour.as_str());
                for n in &p.notes {
                    println!("  - {}", clean(n, 300));
                }
                if let Some(v) = &p.value_loss {
                    println!("  - {} (needs --accept-value-loss)", clean(v, 300));
                }
                if let Some(b) = &p.blocked {
                    println!("  blocked: {}", clean(b, 300));
                }
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !a.confirm_revoked && !a.abort {
        ask_value_loss(inv, &keys, &mut opts).await?;
    }
    if a.confirm_revoked || a.abort {
        let mut done = Vec::new();
        for k in &keys {
            let open = open_rotation(inv, k).await?.ok_or_else(|| {
                Error::invalid("key", format!("'{}' has no unfinished rotation", k.name))
            })?;
            let rec = if a.abort {
                inv.rotation_abort(open.id).await?
            } else {
                inv.rotation_guided_confirm_revoked(open.id, &progress)
                    .await?
            };
            done.push(rec);
        }
        if a.format == Format::Json {
            print_json(&done)?;
        } else {
            for r in &done {
                println!("{}", summary_line(r));
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut guided = Vec::new();
    for k in &keys {
        let open = open_rotation(inv, k).await?;
        let is_guided = match &open {
            Some(o) => o.flavour == RotationFlavour::Guided,
            None => inv.rotation_plan(k.id, &opts).await?.flavour == RotationFlavour::Guided,
        };
        if is_guided {
            guided.push(k.clone());
        }
    }
    if !guided.is_empty() {
        if keys.len() > 1 {
            return Err(Error::invalid(
                "keys",
                format!(
                    "'{}' is rotated through its dashboard (guided): rotate it on its own",
                    guided[0].name
                ),
            )
            .into());
        }
        return rotate_guided(inv, &guided[0], a.format).await;
    }
    let outcomes = inv
        .rotate_many(ids, &opts, a.concurrency, &progress)
        .await?;
    if a.format == Format::Json {
        print_json(&outcomes)?;
    } else {
        for o in &outcomes {
            if o.is_ok() {
                println!("{}", outcome_line(o));
            } else {
                eprintln!("error: {}", outcome_line(o));
            }
        }
    }
    for o in &outcomes {
        if o.error_code.as_deref() == Some("rotation_needs_acceptance") {
            eprintln!(
                "To rotate '{}' anyway: keyward rotate --accept-value-loss {} {}",
                clean(&o.key_name, 60),
                o.key_id,
                o.key_id
            );
        }
    }
    let worst = outcomes
        .iter()
        .filter_map(|o| o.error_code.as_deref())
        .map(exit_for)
        .max();
    Ok(match worst {
        None => ExitCode::SUCCESS,
        Some(c) => ExitCode::from(c),
    })
}

/// On a terminal, asks per key Keyward holds no value of whether the value in use may stop
/// working; a yes adds it to the accepted keys. Elsewhere nothing is asked (the core refuses
/// such keys unless `--accept-value-loss` names them).
async fn ask_value_loss(
    inv: &Inventory,
    keys: &[KeyRecord],
    opts: &mut RotateOptions,
) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Ok(());
    }
    let ids: Vec<_> = keys.iter().map(|k| k.id).collect();
    for p in inv.rotation_plans(&ids, opts).await? {
        let (Some(why), None) = (&p.value_loss, &p.blocked) else {
            continue;
        };
        if opts.accept_value_loss.contains(&p.key_id) {
            continue;
        }
        if confirm(false, "rotate", &format!("{}. Rotate it?", clean(why, 300)))? {
            opts.accept_value_loss.push(p.key_id);
        }
    }
    Ok(())
}

fn outcome_line(o: &RotationOutcome) -> String {
    match (&o.rotation, &o.error_code) {
        (Some(r), None) => summary_line(r),
        (_, Some(code)) => format!(
            "{}: failed ({code}) — {}",
            clean(&o.key_name, 60),
            clean(&o.message, 400)
        ),
        (None, None) => format!("{}: {}", clean(&o.key_name, 60), clean(&o.message, 300)),
    }
}

async fn rotate_guided(
    inv: &Inventory,
    key: &KeyRecord,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let plan = inv.rotation_plan(key.id, &RotateOptions::default()).await?;
    let rec = inv.rotation_guided_start(key.id).await?;
    if rec.step == RotationStep::Promoted {
        eprintln!(
            "The new value of '{}' is current. Revoke the old key in the dashboard ({}), then run: keyward rotate --confirm-revoked {}",
            clean(&key.name, 80),
            plan.dashboard_url,
            key.id
        );
        return Ok(ExitCode::from(1));
    }
    eprintln!(
        "Rotate '{}' by hand: create a new key in the provider's dashboard ({}) and paste it here.\nKeyward verifies it, makes it current, and keeps the old one until you revoke it.",
        clean(&key.name, 80),
        plan.dashboard_url
    );
    let secret = read_secret("New key value (input hidden): ")?;
    let rec = inv
        .rotation_guided_submit(rec.id, secret, &progress)
        .await?;
    if format == Format::Json {
        print_json(&rec)?;
    } else {
        println!("{}", summary_line(&rec));
        println!(
            "Now revoke the OLD key in the dashboard ({}), then run: keyward rotate --confirm-revoked {}",
            plan.dashboard_url, key.id
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn revoke(inv: &Inventory, a: RevokeArgs) -> anyhow::Result<ExitCode> {
    let key = inv.resolve(&a.key).await?;
    if a.confirm {
        let out = inv.key_revoke_confirm(key.id).await?;
        if a.format == Format::Json {
            print_json(&out)?;
        } else {
            println!("'{}' revoked: {}", clean(&out.key.name, 80), out.message);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let prompt = format!(
        "Revoke '{}' ({}, {}) at the provider? It stops working everywhere.",
        clean(&key.name, 80),
        key.provider,
        clean(&key.environment, 64)
    );
    if !confirm(a.yes, "revoke", &prompt)? {
        println!("Nothing revoked.");
        return Ok(ExitCode::from(1));
    }
    let out = inv.key_revoke(key.id).await?;
    if a.format == Format::Json {
        print_json(&out)?;
    } else if out.state == keyward::rotation::RevokeState::AwaitingUser {
        println!(
            "{}\nThen run: keyward revoke --confirm {}",
            clean(&out.message, 400),
            key.id
        );
    } else {
        println!("'{}' revoked: {}", clean(&out.key.name, 80), out.message);
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn rotations(inv: &Inventory, a: RotationsArgs) -> anyhow::Result<ExitCode> {
    let mut code = ExitCode::SUCCESS;
    if a.run_due {
        let outcomes = inv
            .revocations_run_due(chrono::Utc::now(), &progress)
            .await?;
        for o in &outcomes {
            eprintln!("{}", outcome_line(o));
        }
        if let Some(c) = outcomes
            .iter()
            .filter_map(|o| o.error_code.as_deref())
            .map(exit_for)
            .max()
        {
            code = ExitCode::from(c);
        }
    }
    let key_id = match &a.key {
        Some(k) => Some(inv.resolve(k).await?.id),
        None => None,
    };
    let list = inv
        .rotations(&RotationFilter {
            key_id,
            open_only: !a.all,
            limit: Some(500),
        })
        .await?;
    if a.format == Format::Json {
        print_json(&list)?;
    } else if list.is_empty() {
        println!(
            "{}",
            if a.all {
                "No rotations yet."
            } else {
                "No unfinished rotations."
            }
        );
    } else {
        for r in &list {
            println!("{}", summary_line(r));
        }
    }
    Ok(code)
}
