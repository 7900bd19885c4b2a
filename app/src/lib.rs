//! `webapp`: the platform's reference service. `main.rs` only parses arguments and calls in.

pub mod config;
pub mod connections;
pub mod header_timeout;
pub mod json_format;
pub mod log_writer;
pub mod metrics;
pub mod observe;
pub mod probe;
pub mod request_log;
pub mod routes;
pub mod server;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use config::Config;
pub use server::{Listeners, serve};
pub use state::AppState;

/// Facts about this build, fixed at compile time.
pub mod build {
    pub const NAME: &str = env!("CARGO_PKG_NAME");
    pub const VERSION: &str = env!("CARGO_PKG_VERSION");
    /// The git SHA from the `GIT_SHA` build-time environment, or `unknown`, never empty.
    pub const COMMIT: &str = match option_env!("GIT_SHA") {
        Some(sha) if !sha.is_empty() => sha,
        _ => "unknown",
    };
}
