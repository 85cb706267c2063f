//! One function per subcommand; each opens the inventory and makes one core call.

use crate::output::{self, clean};
use crate::secret_input::read_secret;
use crate::{AddArgs, Command, Format, ImportArgs, ListArgs, ProviderCommand};
use anyhow::Context;
use keyward::api;
use keyward::import::{parse_date, ImportOptions, RowChoice};
use keyward::inventory::VerifyResultOutcome;
use keyward::providers::{self, CustomProviderSpec, Presentation};
use keyward::vault::KeychainVault;
use keyward::{Config, Error, Inventory, KeyFilter, KeyStatus, NewKey, RunEnvironment};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

pub fn run(command: Command) -> ExitCode {
    if let Command::ClipboardHold { timeout } = command {
        return crate::clipboard_hold::hold(timeout);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(dispatch(command)) {
        Ok(code) => code,
        Err(e) => report(&e),
    }
}

/// Prints the error and picks the exit code: 2 for the keychain, 3 for providers, else 1.
fn report(err: &anyhow::Error) -> ExitCode {
    tracing::warn!(error = %err, "command failed");
    let core = err.downcast_ref::<Error>().or_else(|| {
        match err.downcast_ref::<keyward_team::TeamError>() {
            Some(keyward_team::TeamError::Core(core)) => Some(core),
            _ => None,
        }
    });
    if let (None, Some(team)) = (core, err.downcast_ref::<keyward_team::TeamError>()) {
        eprintln!("error: {team}");
        return ExitCode::from(1);
    }
    match core {
        Some(core) => {
            eprintln!("error: {core}");
            if let Error::Vault(v) = core {
                eprintln!("  fix: {}", v.fix());
            }
            if core.is_keychain() {
                ExitCode::from(2)
            } else if core.is_provider() {
                ExitCode::from(3)
            } else {
                ExitCode::from(1)
            }
        }
        None => {
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}

async fn open() -> anyhow::Result<Inventory> {
    let config = Config::from_env().map_err(Error::from)?;
    config.ensure_dirs().map_err(Error::from)?;
    init_logging(&config);
    let vault = Arc::new(KeychainVault::new(config.keychain_service.clone()));
    Ok(Inventory::open(config, vault).await?)
}

/// Logs go to `<data dir>/logs/keyward.log` (never to the terminal); `KEYWARD_LOG` sets the level.
fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KEYWARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let writer = tracing_appender::rolling::never(config.log_dir(), "keyward.log");
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init();
}

async fn dispatch(command: Command) -> anyhow::Result<ExitCode> {
    let inv = open().await?;
    crate::rotation_cmd::recover_at_start(&inv).await;
    let outcome = match command {
        Command::Create(args) => crate::rotation_cmd::create(&inv, args).await,
        Command::Rotate(args) => crate::rotation_cmd::rotate(&inv, args).await,
        Command::Revoke(args) => crate::rotation_cmd::revoke(&inv, args).await,
        Command::Rotations(args) => crate::rotation_cmd::rotations(&inv, args).await,
        Command::Add(args) => add(&inv, args).await,
        Command::List(args) => list(&inv, args).await,
        Command::Show { key, format } => show(&inv, &key, format).await,
        Command::Rm { key, yes } => remove(&inv, &key, yes).await,
        Command::Import(args) => import(&inv, args).await,
        Command::Copy { key, timeout } => copy(&inv, &key, timeout).await,
        Command::Run {
            environment,
            with,
            command,
        } => run_with_env(&inv, &environment, &with, command).await,
        Command::Audit { key, limit, format } => audit(&inv, key, limit, format).await,
        Command::Doctor { format } => doctor(&inv, format).await,
        Command::Providers { format } => providers(&inv, format).await,
        Command::Provider(cmd) => provider_cmd(&inv, cmd).await,
        Command::Envs { names } => envs(&inv, names).await,
        Command::Detect { format } => detect(&inv, format).await,
        Command::Connect {
            provider,
            name,
            base_url,
            region,
            project,
            account,
            probe_path,
            environment,
            no_admin_key,
            no_test,
        } => {
            let new = keyward::inventory::NewConnection {
                provider,
                name,
                base_url,
                region,
                options: keyward::connection::ConnectionOptions {
                    project_id: project,
                    account_id: account,
                    probe_path,
                },
                environment,
                test: !no_test,
            };
            connect(&inv, new, no_admin_key).await
        }
        Command::Connections { format } => connections(&inv, format).await,
        Command::Disconnect { name } => {
            let c = api::connections::remove(&inv, &name).await?;
            println!(
                "Removed connection '{}'; its keys stay in the inventory.",
                clean(&c.name, 64)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify {
            key,
            all,
            concurrency,
            format,
        } => verify(&inv, key, all, concurrency, format).await,
        Command::Sync {
            connection,
            environment,
            dry_run,
            only,
            format,
        } => sync(&inv, &connection, &environment, dry_run, only, format).await,
        Command::Findings(args) => crate::findings_cmd::findings(&inv, args).await,
        Command::Review(args) => crate::findings_cmd::review(&inv, args).await,
        Command::Team(cmd) => crate::team_cmd::team(&inv, cmd).await,
        Command::ClipboardHold { .. } => Ok(ExitCode::SUCCESS),
    };
    // Whatever the command changed reaches the team now if the server answers.
    crate::team_cmd::publish_after(&inv).await;
    inv.close().await;
    outcome
}

fn date(
    flag: &str,
    value: Option<String>,
) -> anyhow::Result<Option<chrono::DateTime<chrono::Utc>>> {
    value
        .map(|v| {
            parse_date(&v).map_err(|reason| Error::InvalidInput {
                field: "date",
                reason: format!("--{flag}: {reason}"),
            })
        })
        .transpose()
        .map_err(Into::into)
}

/// Asks `[y/N]` on the terminal before a destructive step. Without a terminal only `--yes`
/// goes ahead: a script must say so explicitly. `Ok(false)`: the user said no.
pub(crate) fn confirm(yes: bool, verb: &str, prompt: &str) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        let reason = format!("pass --yes to {verb} without a prompt");
        return Err(Error::invalid("confirmation", reason).into());
    }
    eprint!("{prompt} [y/N] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

async fn add(inv: &Inventory, a: AddArgs) -> anyhow::Result<ExitCode> {
    let new = NewKey {
        provider: a.provider,
        kind: a.kind,
        name: a.name,
        environment: a.environment,
        purpose: a.purpose,
        owner: a.owner,
        tags: a.tags,
        scopes: a.scopes,
        env_var: a.env_var,
        created_at: date("created-at", a.created_at)?,
        last_rotated_at: date("last-rotated-at", a.last_rotated_at)?,
        expires_at: date("expires-at", a.expires_at)?,
        usage: a
            .usage
            .as_deref()
            .map(|u| {
                keyward::KeyUsage::parse(u).ok_or_else(|| {
                    Error::invalid("usage", "use server, web, mobile, desktop, ci or local")
                })
            })
            .transpose()?,
        connection_id: match &a.connection {
            Some(name) => Some(inv.connection(name).await?.id),
            None => None,
        },
        region: a.region,
        ..NewKey::default()
    };
    let secret = read_secret("Key value (input hidden): ")?;
    let detection = inv.detect(&secret).await?;
    let added = api::keys::add(inv, new, secret).await?;
    // Detection suggests, it never blocks: an unusual shape is stored, with a warning.
    if let Some(w) = &added.warning {
        eprintln!("warning: {}", clean(w, 400));
    }
    let key = &added.key.key;
    if a.format == Format::Json {
        print_json(key)?;
    } else {
        println!(
            "Added '{}' ({}/{}, {}) to {} — id {}",
            clean(&key.name, 80),
            key.provider,
            key.kind,
            clean(&key.masked_hint, 32),
            clean(&key.environment, 64),
            key.id
        );
        if detection.provider == key.provider
            && detection.needs_confirmation
            && key.kind == detection.kind
            && !detection.alternatives.is_empty()
        {
            println!(
                "note: {} — confirm with --kind ({}) if this is not a {}.",
                detection.reason,
                detection.alternatives.join(", "),
                key.kind
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A key as `list --format json` prints it: the record plus the one state shown.
#[derive(serde::Serialize)]
struct KeyJson<'a> {
    #[serde(flatten)]
    key: &'a keyward::KeyRecord,
    state: keyward::KeyState,
}

async fn list(inv: &Inventory, a: ListArgs) -> anyhow::Result<ExitCode> {
    let status = match a.status.as_deref() {
        None => None,
        Some(s) => Some(KeyStatus::parse(s).ok_or_else(|| Error::InvalidInput {
            field: "status",
            reason: format!(
                "'{}' is not one of active, pending, grace, revoked, invalid",
                clean(s, 40)
            ),
        })?),
    };
    let filter = KeyFilter {
        environment: a.environment,
        provider: a.provider.map(|p| p.to_ascii_lowercase()),
        purpose: a.purpose,
        status,
        text: a.search,
    };
    let keys = inv.list(&filter).await?;
    match a.format {
        Format::Table => print!("{}", output::key_table(&keys, chrono::Utc::now())),
        Format::Json => {
            let now = chrono::Utc::now();
            let shown: Vec<KeyJson<'_>> = keys
                .iter()
                .map(|key| KeyJson {
                    key,
                    state: key.state(now),
                })
                .collect();
            print_json(&shown)?
        }
        Format::Csv => print!("{}", output::key_csv(&keys, chrono::Utc::now())?),
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(inv: &Inventory, reference: &str, format: Format) -> anyhow::Result<ExitCode> {
    let key = inv.resolve(reference).await?;
    let detail = inv.show(key.id).await?;
    if format == Format::Json {
        print_json(&detail)?;
        return Ok(ExitCode::SUCCESS);
    }
    print!(
        "{}",
        output::key_details(&detail.key, detail.secret_present)
    );
    println!("\n  audit trail:");
    for e in &detail.audit {
        println!(
            "    {}  {:<10} {:<16} {}",
            e.at.format("%Y-%m-%d %H:%M:%S"),
            clean(&e.actor, 24),
            e.action,
            clean(&e.detail, 200)
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn remove(inv: &Inventory, reference: &str, yes: bool) -> anyhow::Result<ExitCode> {
    let key = inv.resolve(reference).await?;
    let prompt = format!(
        "Remove '{}' ({}, {}) and its value from the keychain?",
        clean(&key.name, 80),
        key.provider,
        clean(&key.environment, 64)
    );
    if !confirm(yes, "remove", &prompt)? {
        println!("Nothing removed.");
        return Ok(ExitCode::from(1));
    }
    let removed = inv.remove(key.id).await?;
    println!(
        "Removed '{}' from {}.",
        clean(&removed.name, 80),
        clean(&removed.environment, 64)
    );
    Ok(ExitCode::SUCCESS)
}

async fn import(inv: &Inventory, a: ImportArgs) -> anyhow::Result<ExitCode> {
    let (file_name, text) = keyward::import::read_file(&a.file)?;
    let options = ImportOptions {
        environment: a.environment,
        provider: a.provider,
        purpose: a.purpose,
        skip_unrecognized: a.skip_unrecognized,
        connection_id: match &a.connection {
            Some(name) => Some(inv.connection(name).await?.id),
            None => None,
        },
    };
    let mut plan = inv.import_plan(&file_name, &text, &options).await?;
    // Configuration lines (DEBUG=true, PORT=3000, …) stay out unless asked for, as the
    // window's preview leaves them unticked; errors on them then do not matter.
    let left_out = plan.select(if a.include_config {
        &RowChoice::All
    } else {
        &RowChoice::Suggested
    })?;
    if !plan.errors.is_empty() {
        return Err(Error::Import(plan.errors).into());
    }
    for row in &left_out {
        eprintln!(
            "left out line {}: {} ({})",
            row.line,
            clean(&row.name, 80),
            clean(&row.reason, 200)
        );
    }
    if !left_out.is_empty() {
        eprintln!(
            "{} configuration line{} left out; --include-config imports {}.",
            left_out.len(),
            if left_out.len() == 1 { "" } else { "s" },
            if left_out.len() == 1 { "it" } else { "them" }
        );
    }
    let preview: Vec<keyward::KeyRecord> = plan.rows.iter().map(|r| r.record.clone()).collect();
    for row in &plan.rows {
        if let Some(w) = &row.warning {
            eprintln!("warning: line {}: {}", row.line, clean(w, 400));
        }
    }
    for (line, name) in &plan.skipped {
        eprintln!(
            "skipped line {line}: {} (not a recognized key format)",
            clean(name, 80)
        );
    }
    if a.dry_run {
        match a.format {
            Format::Json => print_json(&preview)?,
            _ => {
                print!("{}", output::key_table(&preview, chrono::Utc::now()));
                println!("Dry run: nothing was written.");
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let source = clean(&a.file.display().to_string(), 200);
    let keys = inv.import_commit(plan, &source).await?;
    match a.format {
        Format::Json => print_json(&keys)?,
        _ => {
            print!("{}", output::key_table(&keys, chrono::Utc::now()));
            println!(
                "Imported {} key{}.",
                keys.len(),
                if keys.len() == 1 { "" } else { "s" }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn copy(
    inv: &Inventory,
    reference: &str,
    timeout: Option<u64>,
) -> anyhow::Result<ExitCode> {
    let key = inv.resolve(reference).await?;
    let timeout = match timeout {
        Some(0) => return Err(Error::invalid("timeout", "use at least 1 second").into()),
        Some(secs) => Some(Duration::from_secs(secs.min(600))),
        None => None,
    };
    let hold = |value: keyward::Secret, timeout| crate::clipboard_hold::spawn(&value, timeout);
    let copied = api::keys::copy(inv, key.id.into(), timeout, hold).await?;
    println!(
        "Copied '{}' to the clipboard; it is cleared in {} s if still there.",
        clean(&copied.name, 80),
        copied.timeout.as_secs()
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs the command with the environment's keys. The values stay in `Secret`s until the
/// spawn, and are dropped right after it together with the `Command`: std copies each value
/// into the `Command`'s own environment map and, at spawn, into the `envp` block the child is
/// exec'd with — plain copies Keyward cannot wipe (freed, not zeroed). The child necessarily
/// holds the values for as long as it runs.
async fn run_with_env(
    inv: &Inventory,
    environment: &str,
    with: &[String],
    command: Vec<String>,
) -> anyhow::Result<ExitCode> {
    let Some((program, args)) = command.split_first() else {
        return Err(Error::invalid("command", "give the command to run after --").into());
    };
    let RunEnvironment { vars, withheld } = inv.env_vars(environment, with).await?;
    if !withheld.is_empty() {
        let names: Vec<String> = withheld.iter().map(|k| clean(&k.name, 60)).collect();
        eprintln!(
            "keyward: left out {} connection admin key{} ({}); pass --with NAME to include {}",
            withheld.len(),
            if withheld.len() == 1 { "" } else { "s" },
            names.join(", "),
            if withheld.len() == 1 { "it" } else { "one" },
        );
    }
    let mut cmd = std::process::Command::new(program);
    cmd.args(args);
    for (name, secret) in &vars {
        // EXPOSE: the child process gets the value as the user asked (std copies it).
        cmd.env(name, secret.expose());
    }
    let spawned = cmd.spawn();
    // Nothing of the values is needed once the child exists: wipe ours, free std's copies.
    drop(cmd);
    drop(vars);
    let status = spawned
        .and_then(|mut child| child.wait())
        .with_context(|| format!("cannot run '{}'", clean(program, 200)))?;
    if let Some(code) = status.code() {
        return Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)));
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return Ok(ExitCode::from(u8::try_from(128 + signal).unwrap_or(1)));
        }
    }
    Ok(ExitCode::from(1))
}

async fn audit(
    inv: &Inventory,
    key: Option<String>,
    limit: i64,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let key_id = match key {
        Some(r) => Some(inv.resolve(&r).await?.id),
        None => None,
    };
    let events = inv.audit_trail(key_id, limit.clamp(1, 100_000)).await?;
    match format {
        Format::Json => print_json(&events)?,
        Format::Csv => {
            let mut w = csv::Writer::from_writer(std::io::stdout());
            w.write_record([
                "id", "at", "actor", "action", "key_id", "key_name", "detail",
            ])?;
            for e in &events {
                w.write_record([
                    e.id.to_string(),
                    e.at.to_rfc3339(),
                    e.actor.clone(),
                    e.action.clone(),
                    e.key_id.map(|k| k.to_string()).unwrap_or_default(),
                    e.key_name.clone().unwrap_or_default(),
                    e.detail.clone(),
                ])?;
            }
            w.flush()?;
        }
        Format::Table => {
            if events.is_empty() {
                println!("No audit events yet.");
            }
            for e in &events {
                println!(
                    "{}  {:<12} {:<16} {:<32} {}",
                    e.at.format("%Y-%m-%d %H:%M:%S"),
                    clean(&e.actor, 24),
                    e.action,
                    clean(e.key_name.as_deref().unwrap_or("—"), 32),
                    clean(&e.detail, 200)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn doctor(inv: &Inventory, format: Format) -> anyhow::Result<ExitCode> {
    let r = api::doctor::report(inv).await?;
    let code = if !r.keychain.is_ok() {
        ExitCode::from(2)
    } else if !r.missing_secrets.is_empty() || !r.orphaned_entries.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    if format == Format::Json {
        print_json(&r)?;
        return Ok(code);
    }
    println!("keyward {}", r.version);
    println!("data dir      {}", r.data_dir);
    println!(
        "database      {} (schema {}, SQLite {})",
        r.database, r.schema_version, r.sqlite_version
    );
    println!("keys          {}", r.key_count);
    println!(
        "keychain      {} — {}",
        r.keychain.backend,
        r.keychain.state.as_str()
    );
    if !r.keychain.is_ok() {
        println!("  problem     {}", r.keychain.message);
        println!("  fix         {}", r.keychain.fix);
    }
    if r.consistency_checked {
        if r.missing_secrets.is_empty() && r.orphaned_entries.is_empty() {
            println!("consistency   ok: every key's value is in the keychain, no stray entries");
        }
        for k in &r.missing_secrets {
            println!(
                "missing value '{}' in {} ({}): its value is not in the keychain",
                clean(&k.name, 80),
                clean(&k.environment, 64),
                k.id
            );
        }
        for a in &r.orphaned_entries {
            println!(
                "stray entry   keychain account {} has no key record",
                clean(a, 80)
            );
        }
    } else {
        println!("consistency   not checked (keychain unavailable)");
    }
    Ok(code)
}

async fn providers(inv: &Inventory, format: Format) -> anyhow::Result<ExitCode> {
    let custom = inv.custom_providers().await?;
    if format == Format::Json {
        print_json(
            &serde_json::json!({ "built_in": providers::profiles().collect::<Vec<_>>(), "custom": custom }),
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    for p in providers::profiles() {
        println!("{:<12} {}", p.id, p.display_name);
        for k in p.kinds {
            println!(
                "    {:<16} {:<28} {:?}, sent as {:?} {}",
                k.id, k.display_name, k.privilege, k.presentation, k.presentation_name
            );
        }
    }
    for c in &custom {
        println!(
            "{:<12} {} (custom, sent as {:?} {})",
            clean(&c.id, 40),
            clean(&c.display_name, 80),
            c.presentation,
            clean(&c.presentation_name, 80)
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn provider_cmd(inv: &Inventory, cmd: ProviderCommand) -> anyhow::Result<ExitCode> {
    let ProviderCommand::Add {
        id,
        name,
        header,
        bearer,
        query,
        body_field,
        prefix,
        verify_url,
        dashboard_url,
    } = cmd;
    let (presentation, presentation_name) = match (header, bearer, query, body_field) {
        (Some(h), _, _, _) => (Presentation::Header, h),
        (_, true, _, _) => (Presentation::Bearer, "Authorization".to_owned()),
        (_, _, Some(q), _) => (Presentation::Query, q),
        (_, _, _, Some(b)) => (Presentation::BodyField, b),
        _ => (Presentation::Header, "X-Api-Key".to_owned()),
    };
    let spec = inv
        .add_custom_provider(CustomProviderSpec {
            id: id.to_ascii_lowercase(),
            display_name: name,
            presentation,
            presentation_name,
            prefix,
            verify_url,
            dashboard_url,
        })
        .await?;
    println!(
        "Added provider '{}' ({}).",
        clean(&spec.id, 40),
        clean(&spec.display_name, 80)
    );
    Ok(ExitCode::SUCCESS)
}

async fn envs(inv: &Inventory, names: Vec<String>) -> anyhow::Result<ExitCode> {
    let envs = if names.is_empty() {
        inv.environments().await?
    } else {
        inv.set_environments(names).await?
    };
    for e in envs {
        println!("{}", clean(&e.name, 64));
    }
    Ok(ExitCode::SUCCESS)
}

async fn detect(inv: &Inventory, format: Format) -> anyhow::Result<ExitCode> {
    let secret = read_secret("Key value (input hidden): ")?;
    let d = inv.detect(&secret).await?;
    if format == Format::Json {
        print_json(&d)?;
    } else {
        println!(
            "{}/{} ({:?} confidence): {}",
            d.provider, d.kind, d.confidence, d.reason
        );
        if d.needs_confirmation {
            println!("could also be: {}", d.alternatives.join(", "));
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn connect(
    inv: &Inventory,
    new: keyward::inventory::NewConnection,
    no_admin_key: bool,
) -> anyhow::Result<ExitCode> {
    let has_api = keyward::connection::admin_kind(&new.provider.to_ascii_lowercase()).is_some();
    let admin = if no_admin_key || !has_api {
        None
    } else {
        Some(read_secret(
            "Admin key for the provider's API (input hidden): ",
        )?)
    };
    let request = api::connections::ConnectionRequest {
        connection: new,
        admin,
    };
    let c = api::connections::add(inv, request).await?;
    println!(
        "Connected '{}' ({} at {}){}.",
        clean(&c.name, 64),
        c.provider,
        clean(&c.base_url, 200),
        if c.admin_key_id.is_some() {
            " with its admin key in the keychain"
        } else {
            ""
        }
    );
    Ok(ExitCode::SUCCESS)
}

async fn connections(inv: &Inventory, format: Format) -> anyhow::Result<ExitCode> {
    let list = api::connections::list(inv).await?;
    if format == Format::Json {
        print_json(&list)?;
        return Ok(ExitCode::SUCCESS);
    }
    if list.is_empty() {
        println!(
            "No connections. Add one with `keyward connect PROVIDER --name NAME [--base-url URL]`."
        );
    }
    for c in list {
        println!(
            "{:<20} {:<11} {}{}",
            clean(&c.name, 20),
            c.provider,
            clean(&c.base_url, 120),
            if c.admin_key_id.is_some() {
                "  (admin key)"
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn verify(
    inv: &Inventory,
    key: Option<String>,
    all: bool,
    concurrency: usize,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let ids = match (key, all) {
        (Some(r), _) => vec![inv.resolve(&r).await?.id],
        (None, true) => inv.verifiable_ids().await?,
        (None, false) => return Err(Error::invalid("key", "give a key, or --all").into()),
    };
    let single = ids.len() == 1 && !all;
    if single {
        // One key: a provider failure is an error (exit 3), not a row in a report.
        let (k, v) = inv.verify(ids[0]).await?;
        if format == Format::Json {
            print_json(&serde_json::json!({"key": k, "verification": v}))?;
        } else {
            println!(
                "{}: {} — {}",
                clean(&k.name, 80),
                v.outcome.as_str(),
                clean(&v.detail, 300)
            );
        }
        return Ok(if v.outcome == keyward::providers::VerifyOutcome::Valid {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let table = format == Format::Table;
    let results = inv
        .verify_many(ids, concurrency, |done, total, r| {
            if table {
                eprintln!(
                    "[{done}/{total}] {:<8} {} ({})",
                    r.outcome,
                    clean(&r.name, 60),
                    clean(&r.environment, 32)
                );
            }
        })
        .await?;
    let count = |o: VerifyResultOutcome| results.iter().filter(|r| r.outcome == o).count();
    match format {
        Format::Json => print_json(&results)?,
        _ => println!(
            "{} verified: {} valid, {} invalid, {} expired/disabled, {} skipped (no API), {} errors",
            results.len(),
            count(VerifyResultOutcome::Valid),
            count(VerifyResultOutcome::Invalid),
            count(VerifyResultOutcome::Expired) + count(VerifyResultOutcome::Disabled),
            count(VerifyResultOutcome::Skipped),
            count(VerifyResultOutcome::Error)
        ),
    }
    Ok(if count(VerifyResultOutcome::Error) > 0 {
        ExitCode::from(3)
    } else if count(VerifyResultOutcome::Invalid)
        + count(VerifyResultOutcome::Expired)
        + count(VerifyResultOutcome::Disabled)
        > 0
    {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

async fn sync(
    inv: &Inventory,
    connection: &str,
    environment: &str,
    dry_run: bool,
    only: Vec<String>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    if dry_run {
        let remote = api::connections::sync_preview(inv, connection).await?;
        if format == Format::Json {
            print_json(&remote)?;
        } else {
            for r in &remote {
                println!(
                    "{:<24} {:<16} {:<14} {}{}",
                    clean(&r.remote_id, 24),
                    r.kind,
                    clean(&r.masked_hint, 14),
                    clean(&r.name, 80),
                    if r.known_key_id.is_some() {
                        "  (known: refresh)"
                    } else {
                        ""
                    }
                );
            }
            println!(
                "{} keys listed. Dry run: nothing was written.",
                remote.len()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let only = (!only.is_empty()).then_some(only);
    let (imported, refreshed) = inv
        .sync_commit(connection, environment, only.as_deref())
        .await?;
    if format == Format::Json {
        print_json(&serde_json::json!({"imported": imported, "refreshed": refreshed}))?;
    } else {
        print!("{}", output::key_table(&imported, chrono::Utc::now()));
        println!(
            "Imported {}, refreshed {}.",
            imported.len(),
            refreshed.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}
