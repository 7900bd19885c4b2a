//! Logging: JSON lines on stdout (or human-readable lines for local runs).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::SubscriberBuilder;
use tracing_subscriber::fmt::format::{Format, Json, JsonFields};

use crate::config::{Config, LogFormat};
use crate::log_writer::{BatchedWriter, FlushGuard};

/// Installs the global subscriber and routes panics through it, so a handler panic is one
/// structured log line rather than free text on stderr.
/// Lines are batched (see `log_writer`); keep the returned guard alive until exit, since
/// dropping it flushes the last lines.
#[must_use = "dropping the guard stops the log writer"]
pub(crate) fn init(config: &Config) -> FlushGuard {
    let filter = EnvFilter::builder()
        .parse(&config.log_filter)
        .expect("the filter was validated with the configuration");
    let (writer, guard) = BatchedWriter::stdout();
    match config.log_format {
        LogFormat::Json => {
            crate::request_log::write_json_to(writer.clone());
            json_subscriber()
                .with_env_filter(filter)
                .with_writer(writer)
                .init();
        }
        LogFormat::Pretty => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(writer)
            .init(),
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

/// The JSON format: `{"timestamp","level","message",...fields}` on one line, no target or
/// spans. Start-up, shutdown and rare events take this path; request lines are written
/// directly in the same shape (`request_log`).
pub(crate) fn json_subscriber() -> SubscriberBuilder<JsonFields, Format<Json>> {
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
}
