//! `webapp serve`: start-up, signal handling and the exit code, around `server::serve`.

use std::process::ExitCode;
use std::sync::Arc;

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::Notify;

use crate::config::Config;
use crate::{AppState, Listeners};

/// Runs the service until it is stopped; the process exit code says how it ended.
pub fn serve(config: Config) -> ExitCode {
    if let Err(message) = config.validate() {
        eprintln!("webapp: invalid configuration: {message}");
        return ExitCode::from(2);
    }
    let _log_writer = crate::telemetry::init(&config);
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
            version = crate::build::VERSION,
            commit = crate::build::COMMIT,
            public = %listeners.public_addr().map_or_else(|e| e.to_string(), |a| a.to_string()),
            admin = %listeners.admin_addr().map_or_else(|e| e.to_string(), |a| a.to_string()),
            fault_injection = config.fault_injection,
            "listening"
        );
        let state = AppState::new(&config);
        let (first_signal, second_signal) = signals.watch();
        tokio::select! {
            result = crate::serve(&config, state, listeners, first_signal) => match result {
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
