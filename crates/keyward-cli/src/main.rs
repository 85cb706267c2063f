//! `keyward`: Keyward's inventory for terminals, scripts and CI. Every command is one call
//! into the core (`keyward::Inventory`), the same one the desktop window uses.
//!
//! Exit codes: 0 ok, 1 user error, 2 keychain problem, 3 provider problem, 4 `review
//! --fail-on` found an open finding of a listed kind.

mod clipboard_hold;
mod commands;
mod findings_cmd;
mod output;
mod rotation_cmd;
mod secret_input;
mod team_cmd;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Every freed heap block is wiped before it is reused (see docs/security.md): copies of a key
/// made inside libraries (hyper's buffers, serde_json's strings, the D-Bus messages of the
/// keychain) do not outlive their use.
#[global_allocator]
static ALLOCATOR: zeroizing_alloc::ZeroAlloc<std::alloc::System> =
    zeroizing_alloc::ZeroAlloc(std::alloc::System);
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "keyward",
    version,
    about = "Keyward: every API key you own, kept in the OS keychain"
)]
#[command(
    after_help = "Data directory: $KEYWARD_DATA_DIR, else the platform's data dir (~/.local/share/keyward).\n\
Key values are read from standard input or a hidden prompt, never from arguments.\n\
Exit codes: 0 ok, 1 user error, 2 keychain problem, 3 provider problem,
4 `review --fail-on` found an open finding of a listed kind."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, Default, ValueEnum, PartialEq, Eq)]
pub enum Format {
    #[default]
    Table,
    Json,
    Csv,
}

#[derive(Subcommand)]
pub enum Command {
    /// Add a key; its value comes from standard input or a hidden prompt.
    Add(AddArgs),
    /// List keys, grouped by environment then purpose.
    #[command(alias = "ls")]
    List(ListArgs),
    /// Show one key's metadata and audit trail.
    Show {
        /// Key id, id prefix or unique name.
        key: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Remove a key from the inventory and its value from the keychain.
    #[command(alias = "remove")]
    Rm {
        key: String,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
    /// Import keys from a .env or CSV file (all or nothing).
    Import(ImportArgs),
    /// Copy a key's value to the clipboard; cleared after the timeout if unchanged.
    Copy {
        key: String,
        /// Seconds until the clipboard is cleared (default: the setting, 30 s).
        #[arg(long)]
        timeout: Option<u64>,
    },
    /// Run a command with an environment's keys as environment variables. Connection admin
    /// keys (stored by `connect`) are left out unless named with --with.
    Run {
        /// Environment whose active keys are passed.
        #[arg(long = "env", short = 'e')]
        environment: String,
        /// Also pass this connection admin key (name, id or id prefix; repeatable).
        #[arg(long = "with", value_name = "KEY")]
        with: Vec<String>,
        /// The command and its arguments (after `--`).
        #[arg(trailing_var_arg = true, required = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
    /// Show the audit trail (newest first).
    Audit {
        #[arg(long)]
        key: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Check the keychain, the data directory and the inventory's consistency.
    Doctor {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Known providers (built in and described by you) and their key kinds.
    Providers {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Describe a provider Keyward does not know yet.
    #[command(subcommand)]
    Provider(ProviderCommand),
    /// Show or set the environments and their order.
    Envs {
        /// New order of environment names (omit to list).
        names: Vec<String>,
    },
    /// Connect a provider's management API: base URL and, where it has one, an admin key
    /// (read from standard input or a hidden prompt; pass --no-admin-key for none).
    Connect {
        provider: String,
        #[arg(long)]
        name: String,
        /// The provider's API base URL (default: its documented one). https only; http for loopback.
        #[arg(long, conflicts_with = "region")]
        base_url: Option<String>,
        /// One of the provider's hosted regions instead of a base URL (PostHog, Postman,
        /// SendGrid: `us` or `eu`; see `keyward providers`).
        #[arg(long)]
        region: Option<String>,
        /// PostHog project id whose secret keys `sync` lists.
        #[arg(long)]
        project: Option<String>,
        /// Cloudflare account id (account-owned tokens verify under it).
        #[arg(long)]
        account: Option<String>,
        /// Verify-by-use path for providers without a management API (Postmon, Postnomic).
        #[arg(long)]
        probe_path: Option<String>,
        /// Environment the admin key is filed under.
        #[arg(long = "env", short = 'e', default_value = "prod")]
        environment: String,
        /// No admin key (Postman, Postmon, Postnomic: keys are verified one by one).
        #[arg(long)]
        no_admin_key: bool,
        /// Save without checking the admin key with the provider first.
        #[arg(long)]
        no_test: bool,
    },
    /// List connections.
    Connections {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Remove a connection (its keys stay in the inventory).
    Disconnect { name: String },
    /// Ask the providers whether keys are valid (and refresh scopes, expiry, last use).
    Verify {
        /// Key id, id prefix or unique name.
        key: Option<String>,
        /// Every key that is not revoked.
        #[arg(long, conflicts_with = "key")]
        all: bool,
        /// Parallel requests for --all.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Import (or refresh) the keys a connection's provider lists.
    Sync {
        connection: String,
        /// Environment for newly imported keys.
        #[arg(long = "env", short = 'e', default_value = "prod")]
        environment: String,
        /// Show what the provider lists; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Only these remote ids (repeatable).
        #[arg(long = "only")]
        only: Vec<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Suggest provider and kind for a key value read from standard input.
    Detect {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    // ---- rotation (issue 5): create, rotate, revoke, the journal ----
    /// Create a key through a connection's API with the least privilege its purpose needs
    /// (or, with --guided, verify and save one you created in the provider's dashboard).
    Create(rotation_cmd::CreateArgs),
    /// Rotate keys: native roll, create + revoke (with --grace), or guided (dashboard).
    Rotate(rotation_cmd::RotateArgs),
    /// Revoke a key at the provider (API, or guided) and keep it as history.
    Revoke(rotation_cmd::RevokeArgs),
    /// The rotation journal: unfinished rotations, pending revocations, history.
    Rotations(rotation_cmd::RotationsArgs),
    // ---- end rotation ----
    /// Keys that need attention (stale, unused, expiring, expired, invalid, over-privileged,
    /// client-exposed, reused, orphaned, incomplete); `ack`, `unack`, `policy`.
    Findings(findings_cmd::FindingsArgs),
    /// Rotation review for the team (md, json, csv, html); --fail-on gates CI (exit 4).
    Review(findings_cmd::ReviewArgs),
    /// A team inventory on PostgreSQL: init, join, status, sync, leave, share.
    #[command(subcommand)]
    Team(team_cmd::TeamCommand),
    /// Internal: holds a value on the clipboard until it is cleared (spawned by `copy`).
    #[command(name = "__clipboard-hold", hide = true)]
    ClipboardHold {
        #[arg(long)]
        timeout: u64,
    },
}

#[derive(Args)]
pub struct AddArgs {
    /// Provider id (detected from the value when omitted).
    #[arg(long, short)]
    pub provider: Option<String>,
    /// Key kind within the provider (detected when omitted).
    #[arg(long, short)]
    pub kind: Option<String>,
    #[arg(long, short)]
    pub name: String,
    #[arg(long = "env", short = 'e')]
    pub environment: String,
    /// What the key is for ("send transactional email").
    #[arg(long, default_value = "")]
    pub purpose: String,
    #[arg(long)]
    pub owner: Option<String>,
    #[arg(long = "tag", short = 't')]
    pub tags: Vec<String>,
    /// Granted scopes, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub scopes: Vec<String>,
    /// Variable name for `keyward run` (default from provider and name).
    #[arg(long)]
    pub env_var: Option<String>,
    /// Connection whose API serves this key (see `keyward connections`).
    #[arg(long)]
    pub connection: Option<String>,
    /// When the key was created, for keys older than Keyward (YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    pub created_at: Option<String>,
    #[arg(long)]
    pub last_rotated_at: Option<String>,
    #[arg(long)]
    pub expires_at: Option<String>,
    /// Where the key is used: server, web, mobile, desktop, ci or local.
    #[arg(long)]
    pub usage: Option<String>,
    /// The provider's hosted region the key belongs to (PostHog, Postman, SendGrid: us or eu),
    /// for a key without a connection: verify asks that region's host.
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Args)]
pub struct ListArgs {
    #[arg(long = "env", short = 'e')]
    pub environment: Option<String>,
    #[arg(long, short)]
    pub provider: Option<String>,
    /// Substring of the purpose.
    #[arg(long)]
    pub purpose: Option<String>,
    /// active, pending, grace, revoked or invalid.
    #[arg(long)]
    pub status: Option<String>,
    /// Substring of name, purpose, owner, provider or tags.
    #[arg(long, short)]
    pub search: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Args)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// Environment for every key (.env) or for rows without one (CSV); a .env file's name
    /// (.env.production, .env.staging, .env) is used otherwise.
    #[arg(long = "env", short = 'e')]
    pub environment: Option<String>,
    #[arg(long, short)]
    pub provider: Option<String>,
    #[arg(long)]
    pub purpose: Option<String>,
    /// Leave out .env lines whose value matches no known key format.
    #[arg(long)]
    pub skip_unrecognized: bool,
    /// Also import .env lines that look like configuration (DEBUG=true, PORT=3000,
    /// LOG_LEVEL=info, URLs without credentials, plain words), which are left out by default.
    #[arg(long)]
    pub include_config: bool,
    /// Connection whose API serves the imported keys.
    #[arg(long)]
    pub connection: Option<String>,
    /// Show what would be imported; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Subcommand)]
pub enum ProviderCommand {
    /// Describe a custom provider: how its keys are sent and how to check one.
    Add {
        /// Short id, e.g. `acme` (letters, digits, '-').
        id: String,
        #[arg(long)]
        name: String,
        /// Header that carries the key, e.g. X-Api-Key.
        #[arg(long, group = "presentation")]
        header: Option<String>,
        /// The key is sent as `Authorization: Bearer …`.
        #[arg(long, group = "presentation")]
        bearer: bool,
        /// Query parameter that carries the key.
        #[arg(long, group = "presentation")]
        query: Option<String>,
        /// JSON body field that carries the key.
        #[arg(long, group = "presentation")]
        body_field: Option<String>,
        /// The prefix its keys start with (enables detection).
        #[arg(long)]
        prefix: Option<String>,
        /// URL that answers 200 for a valid key and 401 for a bad one.
        #[arg(long)]
        verify_url: Option<String>,
        #[arg(long)]
        dashboard_url: Option<String>,
    },
}

fn main() -> ExitCode {
    // Before anything reads a secret; see keyward::hardening.
    let hardening = keyward::hardening::deny_memory_access();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    if let Err(e) = hardening {
        eprintln!("keyward: warning: {e}");
    }
    commands::run(cli.command)
}
