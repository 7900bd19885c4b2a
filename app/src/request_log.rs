//! The request log: one JSON line per answered public request, under the tracing target
//! [`TARGET`], so `RUST_LOG` filters it like any other event (`webapp::request=off` silences it).
//!
//! With the JSON format the line is written straight to the batched stdout writer: going
//! through tracing's per-field visitor and tracing-subscriber's JSON formatter cost about as
//! much per request as everything else the middleware does. Otherwise (the human-readable
//! format, or no writer installed, as in in-process tests) it goes through tracing as an
//! ordinary `request` event, which tracing-subscriber formats; a test checks both lines agree.

use std::cell::RefCell;
use std::io::Write;
use std::sync::OnceLock;
use std::time::UNIX_EPOCH;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};

use crate::log_writer::BatchedWriter;

pub const TARGET: &str = "webapp::request";

/// The fields of one request log line.
#[derive(Debug)]
pub(crate) struct RequestLine<'a> {
    pub(crate) method: &'a str,
    pub(crate) route: &'a str,
    pub(crate) status: u16,
    pub(crate) latency_micros: u64,
    pub(crate) request_id: &'a str,
}

static JSON_SINK: OnceLock<BatchedWriter> = OnceLock::new();

/// Makes request lines go straight to `writer` as JSON; the first call wins.
pub(crate) fn write_json_to(writer: BatchedWriter) {
    let _ = JSON_SINK.set(writer);
}

pub(crate) fn log(request: &RequestLine<'_>) {
    if !tracing::enabled!(target: TARGET, tracing::Level::INFO) {
        return;
    }
    let Some(writer) = JSON_SINK.get() else {
        tracing::info!(
            target: TARGET,
            method = request.method,
            route = request.route,
            status = request.status,
            latency_ms = request.latency_micros as f64 / 1000.0,
            request_id = request.request_id,
            "request"
        );
        return;
    };
    thread_local! {
        static LINE: RefCell<String> = RefCell::new(String::with_capacity(512));
    }
    LINE.with_borrow_mut(|line| {
        line.clear();
        write_line(line, request);
        // The batched writer never fails; stdout errors are its flusher's to swallow.
        let _ = writer.make_writer().write_all(line.as_bytes());
    });
}

/// The line tracing-subscriber's JSON format writes for the `request` event, built with plain
/// appends.
fn write_line(line: &mut String, request: &RequestLine<'_>) {
    use std::fmt::Write as _;
    line.push_str("{\"timestamp\":\"");
    push_timestamp(line);
    line.push_str("\",\"level\":\"INFO\",\"message\":\"request\",\"method\":\"");
    push_escaped(line, request.method);
    line.push_str("\",\"route\":\"");
    push_escaped(line, request.route);
    // Milliseconds with microsecond resolution, written as JSON writes the float.
    let (ms, micros) = (request.latency_micros / 1000, request.latency_micros % 1000);
    let _ = write!(
        line,
        "\",\"status\":{},\"latency_ms\":{ms}.",
        request.status
    );
    let digits = [micros / 100, micros / 10 % 10, micros % 10];
    let significant = digits
        .iter()
        .rposition(|d| *d != 0)
        .map_or(1, |last| last + 1);
    for digit in &digits[..significant] {
        line.push(char::from(b'0' + *digit as u8));
    }
    line.push_str(",\"request_id\":\"");
    push_escaped(line, request.request_id);
    line.push_str("\"}\n");
}

/// The time as tracing-subscriber's clock writes it (`2026-12-01T09:09:00.123456Z`), so every
/// line of the log has the same timestamps. Its formatter runs once per second per thread (a
/// dozen padded `write!`s, about a thousand instructions, were a twentieth of a request's
/// cost); within the second only the microseconds are appended.
fn push_timestamp(line: &mut String) {
    thread_local! {
        /// A second since the epoch, and its `YYYY-MM-DDTHH:MM:SS` as the formatter wrote it.
        static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    // A clock before 1970 is broken; the formatter then writes 1970 too.
    let since_epoch = || {
        std::time::SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
    };
    let mut now = since_epoch();
    SECOND.with_borrow_mut(|(second, date_time)| {
        while *second != now.as_secs() {
            // The clock read on both sides of the formatter's own reading: when both agree, so
            // did the formatter.
            let before = since_epoch().as_secs();
            let mut formatted = String::with_capacity(32);
            let _ = SystemTime.format_time(&mut Writer::new(&mut formatted));
            if since_epoch().as_secs() == before && formatted.len() > 19 {
                formatted.truncate(19);
                (*second, *date_time) = (before, formatted);
            }
            if *second > now.as_secs() {
                // The second turned meanwhile: the line takes the new time.
                now = since_epoch();
            }
        }
        line.push_str(date_time);
    });
    let micros = now.subsec_micros();
    line.push('.');
    for place in [100_000, 10_000, 1000, 100, 10, 1] {
        line.push(char::from(b'0' + (micros / place % 10) as u8));
    }
    line.push('Z');
}

/// `value` escaped for use inside JSON quotes. Request ids, routes and methods are printable
/// ASCII, so this rarely finds anything to escape.
fn push_escaped(line: &mut String, value: &str) {
    let needs_escape = |c: char| c == '"' || c == '\\' || c < ' ';
    if !value.contains(needs_escape) {
        line.push_str(value);
        return;
    }
    for c in value.chars() {
        match c {
            '"' => line.push_str("\\\""),
            '\\' => line.push_str("\\\\"),
            '\n' => line.push_str("\\n"),
            '\r' => line.push_str("\\r"),
            '\t' => line.push_str("\\t"),
            c if c < ' ' => {
                use std::fmt::Write as _;
                let _ = write!(line, "\\u{:04x}", u32::from(c));
            }
            c => line.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Collects what a subscriber writes, for the tests to read back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The line the tracing path writes for `request`, through the service's JSON subscriber.
    fn traced(request: &RequestLine<'_>) -> serde_json::Value {
        let captured = Captured::default();
        let sink = captured.clone();
        let subscriber = crate::telemetry::json_subscriber()
            .with_writer(move || sink.clone())
            .finish();
        // Unit tests install no direct sink, so this takes the tracing path.
        tracing::subscriber::with_default(subscriber, || log(request));
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn direct(request: &RequestLine<'_>) -> serde_json::Value {
        let mut line = String::new();
        write_line(&mut line, request);
        assert!(
            line.ends_with("}\n") && line.matches('\n').count() == 1,
            "{line}"
        );
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    #[test]
    fn timestamps_are_the_formatters_own_across_second_boundaries() {
        let library = || {
            let mut text = String::new();
            SystemTime.format_time(&mut Writer::new(&mut text)).unwrap();
            text
        };
        // Every 5 ms for 1.1 s, so at least one second turns (and its cache entry with it).
        for _ in 0..220 {
            let earlier = library();
            let mut direct = String::new();
            push_timestamp(&mut direct);
            let later = library();
            // Fixed-width RFC 3339 sorts as time does.
            assert!(
                earlier <= direct && direct <= later,
                "{earlier} {direct} {later}"
            );
            assert_eq!(direct.len(), earlier.len());
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    #[test]
    fn the_direct_line_is_the_line_tracing_writes() {
        let mut ids = vec!["id-\"quoted\"\\1".to_owned(), "plain".to_owned()];
        ids.extend((0u8..0x20).map(|b| format!("ctl{}x", char::from(b))));
        for (i, id) in ids.iter().enumerate() {
            for latency_micros in [
                0,
                1,
                10,
                100,
                999,
                1000,
                1001,
                12_345,
                10_000_000,
                7 * i as u64,
            ] {
                let request = RequestLine {
                    method: "GET",
                    route: "/delay/{ms}",
                    status: 503,
                    latency_micros,
                    request_id: id,
                };
                let (mut traced, mut direct) = (traced(&request), direct(&request));
                for line in [&traced, &direct] {
                    let timestamp = line["timestamp"].as_str().unwrap();
                    assert_eq!(timestamp.len(), 27, "{timestamp}");
                    assert!(timestamp.ends_with('Z'), "{timestamp}");
                }
                // Written at different instants.
                traced["timestamp"].take();
                direct["timestamp"].take();
                assert_eq!(direct, traced);
                assert_eq!(direct["request_id"], id.as_str());
                assert_eq!(direct["latency_ms"], latency_micros as f64 / 1000.0);
            }
        }
    }
}
