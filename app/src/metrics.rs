//! Prometheus metrics: the request series of docs/interfaces.md plus process metrics.

use std::collections::HashMap;
use std::fmt;
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

use axum::http::Method;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeLabelSet, EncodeLabelValue, EncodeMetric, LabelValueEncoder,
};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::build;

/// Explicit buckets from 1 ms to 10 s, as the SLO rules expect (`le="0.25"` is the latency SLO).
pub const DURATION_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Route label for requests that matched no route, so any path maps to a bounded label set.
pub const UNMATCHED_ROUTE: &str = "unmatched";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: MethodLabel,
    pub route: RouteLabel,
    pub status: u16,
}

/// The request method, with methods outside RFC 9110 folded into `OTHER` to bound cardinality.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub struct MethodLabel(&'static str);

impl From<&Method> for MethodLabel {
    fn from(method: &Method) -> Self {
        const KNOWN: [Method; 9] = [
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::CONNECT,
            Method::OPTIONS,
            Method::TRACE,
            Method::PATCH,
        ];
        let name = KNOWN
            .iter()
            .find(|known| *known == method)
            .map_or("OTHER", |known| known.as_str());
        Self(name)
    }
}

impl MethodLabel {
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl EncodeLabelValue for MethodLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> fmt::Result {
        EncodeLabelValue::encode(&self.0, encoder)
    }
}

/// A route template (`/delay/{ms}`). Templates are interned: a router has only a few, and a
/// `&'static str` label costs no allocation per request.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub struct RouteLabel(&'static str);

impl RouteLabel {
    pub const UNMATCHED: Self = Self(UNMATCHED_ROUTE);

    /// `route` must be a route template, never a request path, or the set grows without bound.
    pub fn new(route: &str) -> Self {
        static TEMPLATES: RwLock<Vec<&'static str>> = RwLock::new(Vec::new());
        let find = |templates: &[&'static str]| templates.iter().copied().find(|t| *t == route);
        if let Some(template) = find(&TEMPLATES.read().unwrap_or_else(PoisonError::into_inner)) {
            return Self(template);
        }
        let mut templates = TEMPLATES.write().unwrap_or_else(PoisonError::into_inner);
        let template = find(&templates).unwrap_or_else(|| {
            let template: &'static str = Box::leak(route.into());
            templates.push(template);
            template
        });
        Self(template)
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl EncodeLabelValue for RouteLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> fmt::Result {
        EncodeLabelValue::encode(&self.0, encoder)
    }
}

/// Why the server closed a public connection on its own.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum CloseReason {
    /// Refused at accept: the connection limit was reached.
    ConnectionLimit,
    /// The request head outgrew `MAX_HEADER_BYTES` (answered 431 where possible).
    HeaderTooLarge,
    /// No complete request head within the header-read timeout (stalled or idle).
    HeaderTimeout,
    /// The client stopped reading a response for the write-stall timeout: cut off mid-answer.
    WriteStall,
}

impl CloseReason {
    pub const ALL: [Self; 4] = [
        Self::ConnectionLimit,
        Self::HeaderTooLarge,
        Self::HeaderTimeout,
        Self::WriteStall,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConnectionLimit => "connection_limit",
            Self::HeaderTooLarge => "header_too_large",
            Self::HeaderTimeout => "header_timeout",
            Self::WriteStall => "write_stall",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CloseLabels {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
    commit: &'static str,
}

/// Request metrics of the public listener, and the registry the admin listener renders.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RequestLabels, Histogram>,
    in_flight: Gauge,
    connections_open: Gauge,
    connections_closed: Family<CloseLabels, Counter>,
    /// The counter and histogram of each label set seen, found with one lookup per request
    /// instead of one per family. They share their values with the families' entries.
    series: RwLock<HashMap<RequestLabels, Series>>,
}

#[derive(Debug)]
struct Series {
    requests: Counter,
    durations: Histogram,
}

impl Metrics {
    /// `connection_limit_value` is exposed as `http_connections_limit`.
    pub fn new(connection_limit_value: usize) -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let durations = Family::<RequestLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(DURATION_BUCKETS)) as fn() -> Histogram,
        );
        let in_flight = Gauge::default();
        let connections_open = Gauge::default();
        let connection_limit = Gauge::<i64>::default();
        connection_limit.set(i64::try_from(connection_limit_value).unwrap_or(i64::MAX));
        let connections_closed = Family::<CloseLabels, Counter>::default();
        for reason in CloseReason::ALL {
            // Every reason is exposed from the start, so rates and alerts see zeros, not gaps.
            let _ = connections_closed.get_or_create(&CloseLabels {
                reason: reason.as_str(),
            });
        }
        let build_info = Family::<BuildLabels, Gauge>::default();
        build_info
            .get_or_create(&BuildLabels {
                version: build::VERSION,
                commit: build::COMMIT,
            })
            .set(1);

        // The counter's `_total` suffix is added by the encoder.
        registry.register(
            "http_requests",
            "HTTP requests answered on the public port",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests on the public port",
            durations.clone(),
        );
        registry.register(
            "http_requests_in_flight",
            "HTTP requests being answered on the public port",
            in_flight.clone(),
        );
        registry.register(
            "http_connections_open",
            "Open connections on the public port",
            connections_open.clone(),
        );
        registry.register(
            "http_connections_limit",
            "Most concurrent connections the public port accepts (MAX_CONNECTIONS)",
            connection_limit,
        );
        registry.register(
            "http_connections_closed",
            "Public connections the server closed on its own, by reason",
            connections_closed.clone(),
        );
        registry.register(
            "app_build_info",
            "Version and git commit of the running binary",
            build_info,
        );
        registry.register_collector(Box::new(ProcessCollector));
        Self {
            registry,
            requests,
            durations,
            in_flight,
            connections_open,
            connections_closed,
            series: RwLock::default(),
        }
    }

    pub fn observe(&self, labels: &RequestLabels, elapsed: Duration) {
        let record = |series: &Series| {
            series.requests.inc();
            series.durations.observe(elapsed.as_secs_f64());
        };
        // The map only ever gains entries, so a panic cannot leave it inconsistent.
        if let Some(series) = self
            .series
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(labels)
        {
            return record(series);
        }
        let mut all = self.series.write().unwrap_or_else(PoisonError::into_inner);
        let series = all.entry(labels.clone()).or_insert_with(|| Series {
            requests: self.requests.get_or_create(labels).clone(),
            durations: self.durations.get_or_create(labels).clone(),
        });
        record(series);
    }

    /// Counts a request as in flight until the returned guard is dropped, even if the
    /// request future is cancelled because the client went away.
    pub fn track_in_flight(&self) -> InFlight {
        self.in_flight.inc();
        InFlight(self.in_flight.clone())
    }

    /// Counts an open public connection until the returned guard is dropped.
    pub fn track_connection(&self) -> InFlight {
        self.connections_open.inc();
        InFlight(self.connections_open.clone())
    }

    pub fn connection_closed(&self, reason: CloseReason) {
        self.connections_closed
            .get_or_create(&CloseLabels {
                reason: reason.as_str(),
            })
            .inc();
    }

    /// Prometheus text exposition format 0.0.4.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(8 * 1024);
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

pub struct InFlight(Gauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Reads the process metrics from /proc on each scrape, like the official client libraries.
#[derive(Debug)]
struct ProcessCollector;

impl Collector for ProcessCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        // Outside Linux, or with /proc hidden, these series are absent rather than wrong.
        let Some(stats) = process::read() else {
            return Ok(());
        };
        let cpu = ConstCounter::new(stats.cpu_seconds);
        cpu.encode(encoder.encode_descriptor(
            "process_cpu_seconds",
            "Total user and system CPU time spent in seconds",
            None,
            cpu.metric_type(),
        )?)?;
        let gauges = [
            (
                "process_resident_memory_bytes",
                "Resident memory size in bytes",
                stats.resident_bytes,
            ),
            (
                "process_open_fds",
                "Number of open file descriptors",
                stats.open_fds,
            ),
            (
                "process_start_time_seconds",
                "Start time of the process since the Unix epoch in seconds",
                stats.start_time_seconds,
            ),
        ];
        for (name, help, value) in gauges {
            let gauge = ConstGauge::new(value);
            gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)?;
        }
        Ok(())
    }
}

pub mod process {
    //! Process statistics from procfs (see proc_pid_stat(5)).

    use std::fs;

    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Stats {
        pub cpu_seconds: f64,
        pub resident_bytes: f64,
        pub open_fds: f64,
        pub start_time_seconds: f64,
    }

    pub fn read() -> Option<Stats> {
        let stat = fs::read_to_string("/proc/self/stat").ok()?;
        let boot_time = boot_time_seconds(&fs::read_to_string("/proc/stat").ok()?)?;
        let open_fds = fs::read_dir("/proc/self/fd").ok()?.count();
        // SAFETY: sysconf only reads a system constant.
        let (ticks, page_size) = unsafe {
            (
                libc::sysconf(libc::_SC_CLK_TCK),
                libc::sysconf(libc::_SC_PAGESIZE),
            )
        };
        if ticks <= 0 || page_size <= 0 {
            return None;
        }
        parse_stat(
            &stat,
            ticks as f64,
            page_size as f64,
            boot_time,
            open_fds as f64,
        )
    }

    /// `stat` is /proc/self/stat; field numbers below are the 1-based ones of proc_pid_stat(5).
    pub fn parse_stat(
        stat: &str,
        ticks_per_second: f64,
        page_size: f64,
        boot_time: f64,
        open_fds: f64,
    ) -> Option<Stats> {
        // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
        let after_comm = &stat[stat.rfind(')')? + 1..];
        let fields: Vec<&str> = after_comm.split_whitespace().collect();
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        let field = |n: usize| fields.get(n - 3)?.parse::<f64>().ok();
        let (utime, stime) = (field(14)?, field(15)?);
        let start_ticks = field(22)?;
        let rss_pages = field(24)?;
        Some(Stats {
            cpu_seconds: (utime + stime) / ticks_per_second,
            resident_bytes: rss_pages * page_size,
            open_fds,
            start_time_seconds: boot_time + start_ticks / ticks_per_second,
        })
    }

    /// The `btime` line of /proc/stat: boot time in seconds since the Unix epoch.
    pub fn boot_time_seconds(proc_stat: &str) -> Option<f64> {
        proc_stat
            .lines()
            .find_map(|line| line.strip_prefix("btime "))
            .and_then(|value| value.trim().parse().ok())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn parses_a_stat_line_whose_command_contains_spaces_and_parens() {
            let stat = "4242 (web app) x) S 1 4242 4242 0 -1 4194560 900 0 0 0 \
                        250 50 0 0 20 0 3 0 1000 123456789 2048 18446744073709551615";
            let stats = parse_stat(stat, 100.0, 4096.0, 1_700_000_000.0, 7.0).unwrap();
            assert_eq!(stats.cpu_seconds, 3.0);
            assert_eq!(stats.resident_bytes, 2048.0 * 4096.0);
            assert_eq!(stats.start_time_seconds, 1_700_000_010.0);
            assert_eq!(stats.open_fds, 7.0);
        }

        #[test]
        fn finds_the_boot_time() {
            let proc_stat = "cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n";
            assert_eq!(boot_time_seconds(proc_stat), Some(1_700_000_000.0));
            assert_eq!(boot_time_seconds("cpu 1\n"), None);
        }

        #[cfg(target_os = "linux")]
        #[test]
        fn reads_this_process() {
            let stats = read().expect("procfs is readable on Linux");
            assert!(stats.resident_bytes > 0.0);
            assert!(stats.open_fds >= 3.0, "stdin, stdout and stderr at least");
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs_f64();
            assert!(stats.start_time_seconds <= now + 1.0);
            assert!(stats.start_time_seconds > now - 24.0 * 3600.0);
        }
    }
}
