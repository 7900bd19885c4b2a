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
    // The subscriber's own clock and format, so every line of the log has the same timestamps.
    let _ = SystemTime.format_time(&mut Writer::new(line));
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
