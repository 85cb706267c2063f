//! `provider-sim [--port N] [--seed FILE | --empty]`: serves the simulated provider APIs on
//! 127.0.0.1 until SIGTERM or SIGINT. Prints one line, `provider-sim listening on
//! http://127.0.0.1:PORT`, to stdout once it accepts connections; logs go to stderr
//! (`PROVIDER_SIM_LOG=provider_sim=debug` logs every request: method, path, status, fault;
//! never a header, query string or body, so never a key value).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use provider_sim::{Seed, Simulator};

#[derive(Parser, Debug)]
#[command(
    name = "provider-sim",
    version,
    about = "A local double of the providers' key-management APIs, with fault injection"
)]
struct Args {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Seed file (JSON). Without one, the built-in demo data set is served.
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,
    /// Start with no data at all instead of the demo data set.
    #[arg(long, conflicts_with = "seed")]
    empty: bool,
    /// Address to bind. Only 127.0.0.1 (or `localhost`) is accepted: the control
    /// endpoints must never be reachable from another machine.
    #[arg(long, default_value = "127.0.0.1")]
    bind: String,
    /// Print the demo seed as JSON (a starting point for a seed file) and exit.
    #[arg(long)]
    print_demo_seed: bool,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PROVIDER_SIM_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();

    if args.print_demo_seed {
        return match serde_json::to_string_pretty(&Seed::demo()) {
            Ok(text) => {
                println!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("provider-sim: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if !matches!(args.bind.as_str(), "127.0.0.1" | "localhost") {
        eprintln!(
            "provider-sim: refusing to bind {}: the simulator binds 127.0.0.1 only",
            args.bind
        );
        return ExitCode::from(2);
    }
    let seed = match (&args.seed, args.empty) {
        (Some(path), _) => match Seed::from_file(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("provider-sim: {e}");
                return ExitCode::from(2);
            }
        },
        (None, true) => Seed::default(),
        (None, false) => Seed::demo(),
    };

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("provider-sim: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(seed, args.port))
}

async fn run(seed: Seed, port: u16) -> ExitCode {
    // Before the address line: whoever reads it may send SIGTERM at once, and a signal that
    // comes before its handler is registered kills the process instead of stopping it.
    let signals = match Signals::register() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("provider-sim: cannot wait for signals: {e}");
            return ExitCode::FAILURE;
        }
    };
    let sim = match Simulator::start_on(seed, port) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("provider-sim: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    {
        let mut out = std::io::stdout().lock();
        if writeln!(out, "provider-sim listening on {}", sim.url())
            .and_then(|()| out.flush())
            .is_err()
        {
            return ExitCode::FAILURE;
        }
    }
    if let Err(e) = signals.recv().await {
        eprintln!("provider-sim: cannot wait for signals: {e}");
        sim.shutdown().await;
        return ExitCode::FAILURE;
    }
    tracing::info!("signal received, shutting down");
    sim.shutdown().await;
    ExitCode::SUCCESS
}

/// SIGTERM and SIGINT, registered up front; `recv` waits for either.
#[cfg(unix)]
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn register() -> std::io::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    async fn recv(mut self) -> std::io::Result<()> {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
        Ok(())
    }
}

/// Ctrl+C elsewhere.
#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn register() -> std::io::Result<Signals> {
        Ok(Signals)
    }

    async fn recv(self) -> std::io::Result<()> {
        tokio::signal::ctrl_c().await
    }
}
