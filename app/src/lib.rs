//! `webapp`: the platform's reference service. `main.rs` only parses arguments and calls in.

pub mod config;
mod connections;
mod guard;
mod log_writer;
pub mod metrics;
mod observe;
mod probe;
mod request_log;
pub mod routes;
mod server;
pub mod startup;
mod state;
mod telemetry;
mod watchdog;

pub use config::Config;
pub use probe::run as probe;
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
