//! Logging: JSON lines on stdout (or human-readable lines for local runs).

use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat};
use crate::json_format::JsonLines;
use crate::log_writer::{BatchedWriter, FlushGuard};

/// Installs the global subscriber and routes panics through it, so a handler panic is one
/// structured log line rather than free text on stderr.
/// Lines are batched (see `log_writer`); keep the returned guard alive until exit, since
/// dropping it flushes the last lines.
#[must_use = "dropping the guard stops the log writer"]
pub fn init(config: &Config) -> FlushGuard {
    let filter = EnvFilter::builder()
        .parse(&config.log_filter)
        .expect("the filter was validated with the configuration");
    let (writer, guard) = BatchedWriter::stdout();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer.clone());
    match config.log_format {
        LogFormat::Json => {
            crate::request_log::write_json_to(writer.clone());
            builder.event_format(JsonLines).init();
        }
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
