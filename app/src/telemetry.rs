//! Logging: JSON lines on stdout (or human-readable lines for local runs).

use std::io::BufWriter;

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat};

/// Installs the global subscriber and routes panics through it, so a handler panic is one
/// structured log line rather than free text on stderr.
///
/// Lines go through a channel to a writer thread that batches them into few `write` calls,
/// so request handlers never wait on stdout. Lines are never dropped: if the channel fills
/// up, logging callers wait. Keep the returned guard alive until exit; dropping it flushes.
#[must_use = "dropping the guard stops the log writer"]
pub fn init(config: &Config) -> WorkerGuard {
    let filter = EnvFilter::builder()
        .parse(&config.log_filter)
        .expect("the filter was validated with the configuration");
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("log-writer")
        .finish(BufWriter::with_capacity(64 * 1024, std::io::stdout()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match config.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .with_target(false)
            .init(),
        LogFormat::Pretty => builder.init(),
    }
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(ToString::to_string).unwrap_or_default();
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("non-string panic payload");
        tracing::error!(panic = message, location, "panic");
    }));
    guard
}
