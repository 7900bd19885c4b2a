//! Configuration: command line and environment (the chart sets only environment variables).
//!
//! Every value is checked here, before any port is bound, so a bad rollout fails at start-up
//! with a clear message instead of half-serving.

use std::any::TypeId;
use std::net::IpAddr;
use std::time::Duration;

use clap::builder::BoolValueParser;
use clap::{ArgAction, Args, CommandFactory, Parser, Subcommand, ValueEnum, value_parser};
use serde_json::{Map, Value, json};
use tracing_subscriber::EnvFilter;

/// Largest request body `BODY_LIMIT_BYTES` may allow: the body is buffered in memory.
pub const MAX_BODY_LIMIT_BYTES: u64 = 16 * 1024 * 1024;

/// Resident memory of the idle process plus the admin port's connections, measured with
/// headroom; the rest of the memory limit is shared out between public connections.
pub const BASELINE_BYTES: u64 = 24 * 1024 * 1024;

/// Memory a connection holds besides its request head and body: its task, hyper's state and
/// write buffer, the answer's headers and the allocator's rounding (measured, with headroom).
pub const CONNECTION_OVERHEAD_BYTES: u64 = 32 * 1024;

/// Concurrent connections on the admin port (probes and scrapes need only a few).
pub const ADMIN_CONNECTION_LIMIT: usize = 32;

#[derive(Debug, Parser)]
#[command(
    name = "webapp",
    version,
    about = "Reference web service for the EKS platform"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the public and admin listeners (what runs when no subcommand is given)
    Serve(Box<Config>),
    /// GET a URL and exit 0 on a 2xx answer, 1 otherwise (health checks without a shell)
    Probe(ProbeArgs),
    /// Print every setting (variable, flag, default, bounds, help) as JSON, from which the chart
    /// schema and the docs tables are generated
    #[command(hide = true)]
    Contract,
}

#[derive(Debug, Clone, Args)]
pub struct ProbeArgs {
    /// An http:// URL, for example http://127.0.0.1:9090/healthz
    pub url: String,
    /// Give up after this many seconds
    #[arg(long, default_value_t = 3, value_parser = value_parser!(u64).range(1..=60))]
    pub timeout_seconds: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One JSON object per line, for log collectors
    Json,
    /// Human-readable lines, for local runs
    Pretty,
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Public listener port (application routes); 0 picks a free port
    #[arg(long, env = "APP_PORT", default_value_t = 8080)]
    pub app_port: u16,

    /// Admin listener port (/healthz, /readyz, /metrics); 0 picks a free port
    #[arg(long, env = "ADMIN_PORT", default_value_t = 9090)]
    pub admin_port: u16,

    /// Address both listeners bind to: an IPv4 or IPv6 address
    #[arg(long, env = "BIND_ADDRESS", default_value = "0.0.0.0")]
    pub bind_address: IpAddr,

    /// Seconds to keep serving after a stop signal while readiness reports 503
    #[arg(long, env = "DRAIN_DELAY_SECONDS", default_value_t = 5,
          value_parser = value_parser!(u64).range(0..=300))]
    pub drain_delay_seconds: u64,

    /// Seconds, after the drain, to let in-flight requests finish before exiting anyway
    #[arg(long, env = "SHUTDOWN_TIMEOUT_SECONDS", default_value_t = 20,
          value_parser = value_parser!(u64).range(1..=600))]
    pub shutdown_timeout_seconds: u64,

    /// Seconds a request may take before it is answered with 503
    #[arg(long, env = "REQUEST_TIMEOUT_SECONDS", default_value_t = 10,
          value_parser = value_parser!(u64).range(1..=300))]
    pub request_timeout_seconds: u64,

    /// Seconds a client has to send the request headers before the connection is closed
    #[arg(long, env = "HEADER_READ_TIMEOUT_SECONDS", default_value_t = 5,
          value_parser = value_parser!(u64).range(1..=300))]
    pub header_read_timeout_seconds: u64,

    /// Largest accepted request body in bytes; larger bodies get 413
    #[arg(long, env = "BODY_LIMIT_BYTES", default_value_t = 65536,
          value_parser = value_parser!(u64).range(1..=MAX_BODY_LIMIT_BYTES))]
    pub body_limit_bytes: u64,

    /// Largest request line plus headers in bytes; a larger head gets 431 and the connection
    /// is closed
    #[arg(long, env = "MAX_HEADER_BYTES", default_value_t = 32768,
          value_parser = value_parser!(u64).range(16384..=65536))]
    pub max_header_bytes: u64,

    /// Seconds a response may wait for the client to read any of it before the connection is
    /// closed (logged and counted as a write stall)
    #[arg(long, env = "WRITE_STALL_TIMEOUT_SECONDS", default_value_t = 10,
          value_parser = value_parser!(u64).range(1..=300))]
    pub write_stall_timeout_seconds: u64,

    /// Concurrent connections on the public port; more are closed at once. 0: what half of the
    /// memory limit holds, after the baseline, at the worst case per connection
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 0,
          value_parser = value_parser!(u64).range(0..=1_000_000))]
    pub max_connections: u64,

    /// The container's memory limit in bytes, from which the connection limit is derived (set
    /// by the chart from the downward API's limits.memory, like the pod's name)
    #[arg(long, env = "MEMORY_LIMIT_BYTES", default_value_t = 256 * 1024 * 1024, hide = true,
          value_parser = value_parser!(u64).range(32 * 1024 * 1024..=1024 * 1024 * 1024 * 1024))]
    pub memory_limit_bytes: u64,

    /// Enable /delay, /status, /cpu and POST /readyz/{disable,enable}; keep false in production
    #[arg(long, env = "FAULT_INJECTION", default_value = "false", action = ArgAction::Set,
          value_parser = BoolValueParser::new())]
    pub fault_injection: bool,

    /// Log line format: json for collectors, pretty for people
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Json)]
    pub log_format: LogFormat,

    /// Log filter, in tracing's EnvFilter syntax
    #[arg(long = "log-filter", env = "RUST_LOG", value_name = "RUST_LOG", default_value = "info",
          value_parser = parse_log_filter)]
    pub log_filter: String,

    /// Pod name (downward API); the hostname when unset
    #[arg(long, env = "POD_NAME", hide = true)]
    pub pod_name: Option<String>,

    /// Pod namespace (downward API)
    #[arg(long, env = "POD_NAMESPACE", hide = true)]
    pub pod_namespace: Option<String>,
}

/// Parses only the server configuration, for tests and embedders; a later flag overrides an
/// earlier one, so callers can layer settings over a base list.
#[derive(Debug, Parser)]
#[command(
    name = "webapp serve",
    no_binary_name = true,
    args_override_self = true
)]
struct ConfigOnly {
    #[command(flatten)]
    config: Config,
}

impl Config {
    /// Reads flags from `args` and everything else from the environment, then validates.
    pub fn try_from_args<I, T>(args: I) -> Result<Self, String>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let config = ConfigOnly::try_parse_from(args)
            .map_err(|e| e.to_string())?
            .config;
        config.validate()?;
        Ok(config)
    }

    /// Checks the rules that involve more than one value.
    pub fn validate(&self) -> Result<(), String> {
        if self.app_port != 0 && self.app_port == self.admin_port {
            return Err(format!(
                "APP_PORT and ADMIN_PORT must differ (both are {})",
                self.app_port
            ));
        }
        let per_connection = self.connection_bytes();
        let available = self.memory_limit_bytes.saturating_sub(BASELINE_BYTES);
        let fits = available / per_connection;
        match self.max_connections {
            limit if limit > fits => Err(format!(
                "MAX_CONNECTIONS={limit} needs up to {} MiB at {} KiB per connection \
                 (MAX_HEADER_BYTES + 2 x BODY_LIMIT_BYTES + {} KiB), but MEMORY_LIMIT_BYTES \
                 leaves {} MiB after the {} MiB baseline: lower MAX_CONNECTIONS to at most \
                 {fits}, lower BODY_LIMIT_BYTES, or raise the memory limit",
                (limit * per_connection).div_ceil(MIB),
                per_connection / 1024,
                CONNECTION_OVERHEAD_BYTES / 1024,
                available / MIB,
                BASELINE_BYTES / MIB,
            )),
            0 if self.connection_limit() == 0 => Err(format!(
                "MEMORY_LIMIT_BYTES={} MiB holds no connection at {} KiB each \
                 (MAX_HEADER_BYTES + 2 x BODY_LIMIT_BYTES + {} KiB) in half the limit after \
                 the {} MiB baseline: lower BODY_LIMIT_BYTES or raise the memory limit",
                self.memory_limit_bytes / MIB,
                per_connection / 1024,
                CONNECTION_OVERHEAD_BYTES / 1024,
                BASELINE_BYTES / MIB,
            )),
            _ => Ok(()),
        }
    }

    /// The most memory one public connection can hold: its request head, a request body
    /// being collected (twice over while it is copied into one buffer) and the overhead.
    pub fn connection_bytes(&self) -> u64 {
        self.max_header_bytes + 2 * self.body_limit_bytes + CONNECTION_OVERHEAD_BYTES
    }

    /// `MAX_CONNECTIONS`, or (at 0) as many connections as half the memory limit holds after
    /// the baseline: the other half is headroom for the allocator's fragmentation and the kernel.
    pub fn connection_limit(&self) -> usize {
        let limit = match self.max_connections {
            0 => {
                (self.memory_limit_bytes / 2).saturating_sub(BASELINE_BYTES)
                    / self.connection_bytes()
            }
            limit => limit,
        };
        usize::try_from(limit).unwrap_or(usize::MAX)
    }

    pub fn drain_delay(&self) -> Duration {
        Duration::from_secs(self.drain_delay_seconds)
    }
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_seconds)
    }
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_seconds)
    }
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_seconds)
    }
    pub fn write_stall_timeout(&self) -> Duration {
        Duration::from_secs(self.write_stall_timeout_seconds)
    }
    pub fn max_header_bytes(&self) -> usize {
        // At most 64 KiB (the range check above).
        usize::try_from(self.max_header_bytes).unwrap_or(usize::MAX)
    }
    pub fn body_limit(&self) -> usize {
        // The range check above keeps this far below usize::MAX on every supported target.
        usize::try_from(self.body_limit_bytes).unwrap_or(usize::MAX)
    }
}

/// The settings as data: one entry per environment variable, in declaration order. Numeric
/// bounds are found by asking the argument's own parser, so they cannot drift from it.
pub fn contract() -> Value {
    let command = ConfigOnly::command();
    let settings: Vec<Value> = command
        .get_arguments()
        .filter(|arg| !arg.is_hide_set())
        .filter_map(|arg| {
            let env = arg.get_env()?.to_str()?;
            let long = arg.get_long()?;
            let default = arg
                .get_default_values()
                .first()
                .map(|v| v.to_string_lossy().into_owned());
            let mut setting = Map::new();
            setting.insert("env".into(), json!(env));
            setting.insert("flag".into(), json!(format!("--{long}")));
            setting.insert(
                "description".into(),
                json!(arg.get_help().map(ToString::to_string).unwrap_or_default()),
            );
            let parser = arg.get_value_parser();
            let choices: Vec<String> = arg
                .get_possible_values()
                .iter()
                .map(|v| v.get_name().to_owned())
                .collect();
            if parser.type_id() == TypeId::of::<bool>() {
                setting.insert("type".into(), json!("boolean"));
                let value = default.as_deref().map(|d| d == "true");
                setting.insert("default".into(), json!(value));
            } else if let Some(start) = default.as_deref().and_then(|d| d.parse::<u64>().ok())
                && accepts(long, start)
            {
                let (minimum, maximum) = accepted_range(long, start);
                setting.insert("type".into(), json!("integer"));
                setting.insert("default".into(), json!(start));
                setting.insert("minimum".into(), json!(minimum));
                setting.insert("maximum".into(), json!(maximum));
            } else {
                setting.insert("type".into(), json!("string"));
                setting.insert("default".into(), json!(default));
                if !choices.is_empty() {
                    setting.insert("enum".into(), json!(choices));
                }
            }
            Some(Value::Object(setting))
        })
        .collect();
    json!({ "settings": settings })
}

/// Whether the flag's own parser accepts `value`; the environment is ignored, so a variable
/// set where this runs cannot change the answer.
fn accepts(long: &str, value: u64) -> bool {
    ConfigOnly::command()
        .mut_args(|arg| arg.env(None::<&str>))
        .try_get_matches_from([format!("--{long}"), value.to_string()])
        .is_ok()
}

/// The interval of integers the flag accepts around `start` (accepted), by bisection at each end.
fn accepted_range(long: &str, start: u64) -> (u64, u64) {
    let minimum = if accepts(long, 0) {
        0
    } else {
        bisect(long, start, 0)
    };
    let maximum = if accepts(long, u64::MAX) {
        u64::MAX
    } else {
        bisect(long, start, u64::MAX)
    };
    (minimum, maximum)
}

/// The accepted value next to the boundary between `accepted` and `refused` (either order).
fn bisect(long: &str, mut accepted: u64, mut refused: u64) -> u64 {
    while accepted.abs_diff(refused) > 1 {
        let mid = accepted.min(refused) + accepted.abs_diff(refused) / 2;
        if accepts(long, mid) {
            accepted = mid;
        } else {
            refused = mid;
        }
    }
    accepted
}

const MIB: u64 = 1024 * 1024;

fn parse_log_filter(value: &str) -> Result<String, String> {
    EnvFilter::builder()
        .parse(value)
        .map(|_| value.to_owned())
        .map_err(|e| format!("not a valid log filter: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_no_configuration() {
        let config = Config::try_from_args(Vec::<String>::new()).expect("defaults are valid");
        assert_eq!((config.app_port, config.admin_port), (8080, 9090));
        assert_eq!(config.drain_delay(), Duration::from_secs(5));
        assert_eq!(config.shutdown_timeout(), Duration::from_secs(20));
        assert_eq!(config.body_limit(), 65536);
        assert!(!config.fault_injection);
        assert_eq!(config.log_format, LogFormat::Json);
    }

    #[test]
    fn fault_injection_takes_true_or_false() {
        let on = Config::try_from_args(["--fault-injection", "true"]).unwrap();
        assert!(on.fault_injection);
        let off = Config::try_from_args(["--fault-injection", "false"]).unwrap();
        assert!(!off.fault_injection);
    }

    #[test]
    fn equal_ports_are_rejected() {
        let err =
            Config::try_from_args(["--app-port", "7000", "--admin-port", "7000"]).unwrap_err();
        assert!(err.contains("must differ"), "{err}");
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        for args in [
            ["--shutdown-timeout-seconds", "0"],
            ["--drain-delay-seconds", "301"],
            ["--body-limit-bytes", "0"],
            ["--fault-injection", "yes"],
            ["--log-format", "xml"],
            ["--log-filter", "webapp=loud"],
            ["--bind-address", "localhost"],
            ["--max-header-bytes", "16383"],
            ["--max-header-bytes", "65537"],
            ["--write-stall-timeout-seconds", "0"],
            ["--memory-limit-bytes", "1000"],
            ["--max-connections", "1000001"],
        ] {
            assert!(
                Config::try_from_args(args).is_err(),
                "{args:?} was accepted"
            );
        }
    }

    fn setting(env: &str) -> Value {
        let contract = contract();
        let found = contract["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["env"] == env);
        found
            .unwrap_or_else(|| panic!("{env} missing from {contract}"))
            .clone()
    }

    #[test]
    fn contract_bounds_are_the_parsers_own() {
        let drain = setting("DRAIN_DELAY_SECONDS");
        assert_eq!(
            (&drain["minimum"], &drain["maximum"], &drain["default"]),
            (&json!(0), &json!(300), &json!(5))
        );
        let body = setting("BODY_LIMIT_BYTES");
        assert_eq!(body["minimum"], json!(1));
        assert_eq!(body["maximum"], json!(MAX_BODY_LIMIT_BYTES));
        let port = setting("APP_PORT");
        assert_eq!(
            (&port["minimum"], &port["maximum"]),
            (&json!(0), &json!(65535))
        );
        assert_eq!(port["flag"], json!("--app-port"));
    }

    #[test]
    fn contract_types_follow_the_parsers() {
        assert_eq!(setting("FAULT_INJECTION")["type"], json!("boolean"));
        assert_eq!(setting("FAULT_INJECTION")["default"], json!(false));
        assert_eq!(setting("LOG_FORMAT")["enum"], json!(["json", "pretty"]));
        assert_eq!(setting("BIND_ADDRESS")["type"], json!("string"));
        assert_eq!(setting("RUST_LOG")["default"], json!("info"));
    }

    #[test]
    fn contract_leaves_out_hidden_settings() {
        let contract = contract();
        let envs: Vec<&Value> = contract["settings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| &s["env"])
            .collect();
        assert!(!envs.contains(&&json!("POD_NAME")), "{envs:?}");
        assert!(!envs.contains(&&json!("MEMORY_LIMIT_BYTES")), "{envs:?}");
        assert_eq!(envs.len(), 14, "{envs:?}");
    }

    #[test]
    fn the_default_connection_limit_fills_half_the_memory_limit() {
        let config = Config::try_from_args(Vec::<String>::new()).unwrap();
        // 32 KiB head + 2 x 64 KiB body + 32 KiB overhead = 192 KiB per connection.
        assert_eq!(config.connection_bytes(), 192 * 1024);
        // (128 MiB - 24 MiB) / 192 KiB.
        assert_eq!(config.connection_limit(), 554);
        let larger = Config::try_from_args(["--memory-limit-bytes", "1073741824"]).unwrap();
        assert_eq!(larger.connection_limit(), (512 - 24) * 1024 / 192);
    }

    #[test]
    fn connection_limits_the_memory_limit_cannot_hold_are_refused() {
        // 16 MiB bodies: 32 MiB + 64 KiB per connection; 256 MiB holds 7 after the baseline.
        let big_bodies = ["--body-limit-bytes", "16777216"];
        let derived = Config::try_from_args(big_bodies).unwrap();
        assert_eq!(derived.connection_limit(), 3);
        let err = Config::try_from_args([big_bodies[0], big_bodies[1], "--max-connections", "8"])
            .unwrap_err();
        assert!(
            err.contains("MAX_CONNECTIONS=8") && err.contains("at most 7"),
            "{err}"
        );
        let err = Config::try_from_args([
            big_bodies[0],
            big_bodies[1],
            "--memory-limit-bytes",
            "67108864",
        ])
        .unwrap_err();
        assert!(err.contains("holds no connection"), "{err}");
        assert!(Config::try_from_args(["--max-connections", "1000"]).is_ok());
    }
}
