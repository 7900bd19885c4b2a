use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::Notify;
use webapp::config::{Cli, Command, Config, ProbeArgs};
use webapp::{AppState, Listeners};

// musl's allocator serialises threads under load; the static image is built for musl.
// (On glibc, mimalloc measured no faster here and tripled the resident memory.)
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    // Serving is the default, so the image's entrypoint needs no arguments.
    if args.len() == 1 {
        args.push("serve".into());
    }
    match Cli::parse_from(args).command {
        Command::Serve(config) => serve(*config),
        Command::Probe(probe) => run_probe(&probe),
    }
}

fn serve(config: Config) -> ExitCode {
    if let Err(message) = config.validate() {
        eprintln!("webapp: invalid configuration: {message}");
        return ExitCode::from(2);
    }
    let _log_writer = webapp::telemetry::init(&config);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    let exit = runtime.block_on(async {
        // Installed before binding, so a signal during start-up still drains instead of killing.
        let mut signals = match StopSignals::install() {
            Ok(signals) => signals,
            Err(e) => {
                tracing::error!(error = %e, "cannot install signal handlers");
                return ExitCode::FAILURE;
            }
        };
        let listeners = match Listeners::bind(&config).await {
            Ok(listeners) => listeners,
            Err(e) => {
                tracing::error!(error = %e, "cannot start");
                return ExitCode::FAILURE;
            }
        };
        tracing::info!(
            version = webapp::build::VERSION,
            commit = webapp::build::COMMIT,
            public = %listeners.public_addr().map_or_else(|e| e.to_string(), |a| a.to_string()),
            admin = %listeners.admin_addr().map_or_else(|e| e.to_string(), |a| a.to_string()),
            fault_injection = config.fault_injection,
            "listening"
        );
        let state = AppState::new(&config);
        let (first_signal, second_signal) = signals.watch();
        tokio::select! {
            result = webapp::serve(&config, state, listeners, first_signal) => match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!(error = %e, "shutdown timed out: exiting anyway");
                    ExitCode::FAILURE
                }
            },
            name = second_signal => {
                tracing::warn!(signal = name, "second stop signal: exiting immediately");
                ExitCode::from(130)
            }
        }
    });
    // Do not wait for blocking tasks (a /cpu burn) or open connections: exit means now.
    runtime.shutdown_background();
    exit
}

/// SIGTERM (Kubernetes) and SIGINT (Ctrl-C).
struct StopSignals {
    terminate: Signal,
    interrupt: Signal,
}

impl StopSignals {
    fn install() -> std::io::Result<Self> {
        Ok(Self {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.interrupt.recv() => "SIGINT",
        }
    }

    /// Two futures to poll together: the first resolves on the first stop signal; the second
    /// logs that signal, then resolves on the next one.
    fn watch(
        &mut self,
    ) -> (
        impl std::future::Future<Output = ()> + '_,
        impl std::future::Future<Output = &'static str> + '_,
    ) {
        let first_seen = Arc::new(Notify::new());
        let notify = first_seen.clone();
        let watcher = async move {
            let name = self.next().await;
            tracing::info!(signal = name, "shutting down");
            notify.notify_one();
            self.next().await
        };
        (async move { first_seen.notified().await }, watcher)
    }
}

fn run_probe(args: &ProbeArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("probe: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let timeout = Duration::from_secs(args.timeout_seconds);
    match runtime.block_on(webapp::probe::get(&args.url, timeout)) {
        Ok(status) if (200..300).contains(&status) => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("probe: {} answered {status}", args.url);
            ExitCode::FAILURE
        }
        Err(message) => {
            eprintln!("probe: {message}");
            ExitCode::FAILURE
        }
    }
}
