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
    raise_open_file_limit();
    purge_allocator_every_second();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_park(collect_when_idle)
        .build()
    {
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

/// Each connection is a file descriptor, and the usual soft limit (1024) is below the
/// connection limit a larger memory limit gives; the hard limit is what the container allows.
fn raise_open_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    let raised = unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0
        }
    };
    if !raised {
        tracing::warn!(
            error = %std::io::Error::last_os_error(),
            "cannot raise the open file limit"
        );
    }
}

/// mimalloc gives freed memory back to the system only after a delay (`MIMALLOC_PURGE_DELAY`,
/// 1 s by default) and only when some thread calls into it after that; after a burst the
/// workers may sit idle, and the memory would stay resident until the next one. Calling in
/// every second carries out the purges that are due (measured by the hostile-mix test).
fn purge_allocator_every_second() {
    let spawned = std::thread::Builder::new()
        .name("allocator-purge".into())
        .spawn(|| {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
                // SAFETY: mi_collect has no preconditions; `false` purges only what is due.
                unsafe { libmimalloc_sys::mi_collect(false) };
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the allocator purge thread");
    }
}

/// A worker about to sleep hands the pages it no longer uses back to the allocator's shared
/// arenas, so the purge thread can return them to the system. Every time: a worker that sleeps
/// after a burst may not wake again for long, and a skipped collection would keep its pages
/// resident until then.
fn collect_when_idle() {
    // SAFETY: mi_collect has no preconditions; `false` only collects what is free.
    unsafe { libmimalloc_sys::mi_collect(false) };
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
