//! JSON lines for tracing events: `{"timestamp","level",...fields}` on one line.
//!
//! tracing-subscriber's own JSON format collects every field into a map of allocated values
//! before writing; at one request log line per request that was several microseconds each.
//! This builds the line in a reused per-thread buffer with plain appends, escaping as it goes,
//! and hands it to the writer in one piece. Only values that need `Debug` or `Display`
//! go through the formatting machinery.

use std::cell::{Cell, RefCell};
use std::fmt::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

pub struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        thread_local! {
            static LINE: RefCell<String> = RefCell::new(String::with_capacity(512));
        }
        LINE.with(|line| match line.try_borrow_mut() {
            Ok(mut line) => {
                line.clear();
                write_line(&mut line, event);
                writer.write_str(&line)
            }
            // Only if a value's Debug impl logged while its line was being built (tracing
            // drops such events today); never worth a panic.
            Err(_) => {
                let mut line = String::new();
                write_line(&mut line, event);
                writer.write_str(&line)
            }
        })
    }
}

fn write_line(line: &mut String, event: &Event<'_>) {
    line.push_str("{\"timestamp\":\"");
    let timestamp = timestamp(SystemTime::now());
    line.push_str(std::str::from_utf8(&timestamp).expect("timestamps are ASCII"));
    line.push_str("\",\"level\":\"");
    line.push_str(event.metadata().level().as_str());
    line.push('"');
    event.record(&mut JsonFields { line: &mut *line });
    line.push_str("}\n");
}

/// The fields of one request log line.
#[derive(Debug)]
pub struct RequestLine<'a> {
    pub method: &'a str,
    pub route: &'a str,
    pub status: u16,
    pub latency_ms: f64,
    pub request_id: &'a str,
}

/// The request log line exactly as [`JsonLines`] writes the `request` event that
/// `request_log` sends through tracing when it has no direct sink (a test checks they agree),
/// without the per-field visitor calls: at one line per request, that dispatch and the generic
/// field handling cost about as much as everything else the middleware does.
pub fn write_request_line(line: &mut String, request: &RequestLine<'_>) {
    line.push_str("{\"timestamp\":\"");
    let timestamp = timestamp(SystemTime::now());
    line.push_str(std::str::from_utf8(&timestamp).expect("timestamps are ASCII"));
    line.push_str("\",\"level\":\"INFO\",\"message\":\"request\",\"method\":\"");
    push_escaped(line, request.method);
    line.push_str("\",\"route\":\"");
    push_escaped(line, request.route);
    line.push_str("\",\"status\":");
    push_u64(line, u64::from(request.status));
    line.push_str(",\"latency_ms\":");
    if request.latency_ms.is_finite() {
        push_f64(line, request.latency_ms);
    } else {
        // Never for a measured duration; the same answer as the tracing path all the same.
        let _ = write!(line, "\"{}\"", request.latency_ms);
    }
    line.push_str(",\"request_id\":\"");
    push_escaped(line, request.request_id);
    line.push_str("\"}\n");
}

/// `time` as RFC 3339 in UTC with microseconds (`2026-11-26T17:28:12.101472Z`), always free
/// of characters that need escaping. Each thread formats the date and time of day once per
/// second; within that second only the microseconds change.
fn timestamp(time: SystemTime) -> [u8; 27] {
    thread_local! {
        static SECOND: Cell<(u64, [u8; 19])> = const { Cell::new((0, *b"1970-01-01T00:00:00")) };
    }
    // A clock before 1970 is a broken clock; 1970 is as good an answer as any.
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let second = since_epoch.as_secs();
    let date_time = SECOND.with(|cached| match cached.get() {
        (cached_second, date_time) if cached_second == second => date_time,
        _ => {
            let date_time = date_time_of(second);
            cached.set((second, date_time));
            date_time
        }
    });
    let mut out = [0u8; 27];
    out[..19].copy_from_slice(&date_time);
    out[19] = b'.';
    write_digits(&mut out[20..26], u64::from(since_epoch.subsec_micros()));
    out[26] = b'Z';
    out
}

/// `YYYY-MM-DDTHH:MM:SS` of a second since the Unix epoch (years up to 9999).
fn date_time_of(second: u64) -> [u8; 19] {
    let (days, second_of_day) = (second / 86_400, second % 86_400);
    // Days to the proleptic Gregorian calendar, after Howard Hinnant's `civil_from_days`.
    let days = days + 719_468;
    let (era, day_of_era) = (days / 146_097, days % 146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    let mut out = *b"0000-00-00T00:00:00";
    write_digits(&mut out[0..4], year);
    write_digits(&mut out[5..7], month);
    write_digits(&mut out[8..10], day);
    write_digits(&mut out[11..13], second_of_day / 3600);
    write_digits(&mut out[14..16], second_of_day / 60 % 60);
    write_digits(&mut out[17..19], second_of_day % 60);
    out
}

/// The last `out.len()` decimal digits of `value`, zero-padded.
fn write_digits(out: &mut [u8], mut value: u64) {
    for digit in out.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

struct JsonFields<'a> {
    line: &'a mut String,
}

impl JsonFields<'_> {
    /// `,"name":` before a value.
    fn name(&mut self, field: &Field) {
        self.line.push_str(",\"");
        push_escaped(self.line, field.name());
        self.line.push_str("\":");
    }

    /// A quoted value formatted by `Display` or `Debug`, escaped on the way in.
    fn quoted(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        self.name(field);
        self.line.push('"');
        // Writing to a String cannot fail; a Display impl returning an error just stops early.
        let _ = EscapingWriter(&mut *self.line).write_fmt(value);
        self.line.push('"');
    }
}

impl Visit for JsonFields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.name(field);
        self.line.push('"');
        push_escaped(self.line, value);
        self.line.push('"');
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.name(field);
        push_u64(self.line, value);
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.name(field);
        if value < 0 {
            self.line.push('-');
        }
        push_u64(self.line, value.unsigned_abs());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.name(field);
        self.line.push_str(if value { "true" } else { "false" });
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinity.
        if value.is_finite() {
            self.name(field);
            push_f64(self.line, value);
        } else {
            self.quoted(field, format_args!("{value}"));
        }
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.quoted(field, format_args!("{value}"));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.quoted(field, format_args!("{value:?}"));
    }
}

/// `value` escaped for use inside JSON quotes. Only ASCII bytes ever need escaping, and in
/// UTF-8 those never occur inside a multi-byte character, so slicing at them is safe. Eight
/// bytes are checked at a time, since most values (ids, routes, names) need no escaping.
fn push_escaped(line: &mut String, value: &str) {
    let bytes = value.as_bytes();
    let mut plain_from = 0;
    for (chunk_index, chunk) in bytes.chunks(8).enumerate() {
        // A short last chunk is padded with spaces, which need no escaping.
        let mut word = [b' '; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        if !any_byte_needs_escape(u64::from_ne_bytes(word)) {
            continue;
        }
        for (offset, &byte) in chunk.iter().enumerate() {
            let escape = match byte {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0..=0x1f => "",
                _ => continue,
            };
            let i = chunk_index * 8 + offset;
            line.push_str(&value[plain_from..i]);
            if escape.is_empty() {
                line.push_str("\\u00");
                line.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
                line.push(char::from(b"0123456789abcdef"[usize::from(byte & 0xf)]));
            } else {
                line.push_str(escape);
            }
            plain_from = i + 1;
        }
    }
    line.push_str(&value[plain_from..]);
}

/// Whether any of the eight bytes in `word` is a control character, `"` or `\\`. Uses the
/// classic "has a byte below n" bit trick, which is exact for any byte being below n <= 128.
fn any_byte_needs_escape(word: u64) -> bool {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH_BITS: u64 = ONES << 7;
    let any_below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGH_BITS;
    (any_below(word, 0x20)
        | any_below(word ^ (ONES * u64::from(b'"')), 1)
        | any_below(word ^ (ONES * u64::from(b'\\')), 1))
        != 0
}

fn push_u64(line: &mut String, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    for &digit in &digits[start..] {
        line.push(char::from(digit));
    }
}

/// A finite `value` as `Display` writes it (the shortest decimal that reads back the same),
/// without the general algorithm when it is a whole number of thousandths, as latencies in
/// milliseconds with microsecond resolution are. Below 10^9 distinct thousandths are distinct
/// doubles, so the trimmed three-decimal form is then the shortest one.
fn push_f64(line: &mut String, value: f64) {
    let thousandths = (value.abs() * 1000.0).round();
    if value.abs() < 1e9 && thousandths / 1000.0 == value.abs() {
        // Exact: below 10^12, so it fits in a u64 without loss.
        let thousandths = thousandths as u64;
        if value.is_sign_negative() {
            line.push('-');
        }
        push_u64(line, thousandths / 1000);
        let mut fraction = thousandths % 1000;
        if fraction != 0 {
            let mut digits = 3;
            while fraction.is_multiple_of(10) {
                fraction /= 10;
                digits -= 1;
            }
            line.push('.');
            for place in (0..digits).rev() {
                line.push(char::from(b'0' + (fraction / 10u64.pow(place) % 10) as u8));
            }
        }
    } else {
        let _ = write!(line, "{value}");
    }
}

/// Escapes everything written through it, so formatted values need no temporary String.
struct EscapingWriter<'a>(&'a mut String);

impl Write for EscapingWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        push_escaped(self.0, s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_timestamps_as_rfc3339_utc() {
        use std::time::Duration;
        let at = |seconds: u64, micros: u64| {
            let time = UNIX_EPOCH + Duration::from_secs(seconds) + Duration::from_micros(micros);
            String::from_utf8(timestamp(time).to_vec()).unwrap()
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(at(951_782_400, 7), "2000-02-29T00:00:00.000007Z");
        assert_eq!(at(1_709_164_800, 999_999), "2024-02-29T00:00:00.999999Z");
        assert_eq!(at(1_795_000_000, 123_456), "2026-11-18T11:06:40.123456Z");
        // Same second again (served from the cache), then the next one.
        assert_eq!(at(1_795_000_000, 5), "2026-11-18T11:06:40.000005Z");
        assert_eq!(at(4_102_444_799, 10), "2099-12-31T23:59:59.000010Z");
    }

    fn escaped(value: &str) -> String {
        let mut line = String::new();
        push_escaped(&mut line, value);
        line
    }

    #[test]
    fn escapes_quotes_backslashes_and_control_characters() {
        let text = escaped("a\"b\\c\nd\u{1}é\u{1f}");
        assert_eq!(text, "a\\\"b\\\\c\\nd\\u0001é\\u001f");
        let parsed: String = serde_json::from_str(&format!("\"{text}\"")).unwrap();
        assert_eq!(parsed, "a\"b\\c\nd\u{1}é\u{1f}");
        assert_eq!(escaped("plain ascii, ünïcödé"), "plain ascii, ünïcödé");
    }

    #[test]
    fn every_byte_position_and_value_is_escaped_like_serde_json() {
        // Each special character at each offset of a 20-byte run, so the eight-at-a-time
        // check sees it in every lane and in the tail.
        let mut specials: Vec<char> = (0u8..0x20).map(char::from).collect();
        specials.extend(['"', '\\', ' ', '~', '\u{7f}', 'é', '€']);
        for special in specials {
            for at in 0..20 {
                let mut value: String = "abcdefghijklmnopqrs".chars().take(at).collect();
                value.push(special);
                value.push_str("tuvwxyz0123456789");
                let text = escaped(&value);
                let parsed: String = serde_json::from_str(&format!("\"{text}\""))
                    .unwrap_or_else(|e| panic!("{text:?}: {e}"));
                assert_eq!(parsed, value);
                assert_eq!(
                    text.len() == value.len(),
                    special >= ' ' && special != '"' && special != '\\'
                );
            }
        }
    }

    #[test]
    fn the_direct_request_line_is_the_line_tracing_would_write() {
        let (captured, subscriber) = CaptureWriter::json_subscriber();
        let request = RequestLine {
            method: "GET",
            route: "/delay/{ms}",
            status: 503,
            latency_ms: 12.345,
            request_id: "id-\"quoted\"\\1",
        };
        // Unit tests install no direct sink, so this takes request_log's tracing path.
        tracing::subscriber::with_default(subscriber, || crate::request_log::log(&request));
        let traced = captured.text();
        let mut direct = String::new();
        write_request_line(&mut direct, &request);
        // Everything after the timestamp, which differs by when each line was written.
        let after_timestamp = |line: &str| line[line.find("\",\"level\"").unwrap()..].to_owned();
        assert_eq!(after_timestamp(&direct), after_timestamp(&traced));
        let parsed: serde_json::Value = serde_json::from_str(&direct).unwrap();
        assert_eq!(parsed["request_id"], "id-\"quoted\"\\1");
        assert_eq!(parsed["latency_ms"], 12.345);
    }

    /// Collects what a subscriber writes, for the tests to read back.
    #[derive(Clone, Default)]
    struct CaptureWriter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl CaptureWriter {
        /// A subscriber formatting with [`JsonLines`] into a new capture.
        fn json_subscriber() -> (Self, impl tracing::Subscriber) {
            let captured = Self::default();
            let sink = captured.clone();
            let subscriber = tracing_subscriber::fmt()
                .event_format(JsonLines)
                .with_writer(move || sink.clone())
                .finish();
            (captured, subscriber)
        }

        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl std::io::Write for CaptureWriter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn integers_are_written_in_decimal() {
        for value in [0, 7, 10, 65_535, u64::MAX] {
            let mut line = String::new();
            push_u64(&mut line, value);
            assert_eq!(line, value.to_string());
        }
    }

    #[test]
    fn floats_are_written_as_display_writes_them() {
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            0.25,
            -2.5,
            0.001,
            12.345,
            999_999_999.999,
            1e9,
        ];
        values.extend([
            0.1 + 0.2,
            1.0 / 3.0,
            1e-7,
            123_456.789_012,
            5e300,
            f64::MIN_POSITIVE,
        ]);
        // Latencies as the request log records them: whole microseconds in milliseconds.
        values.extend(
            (0..200_000u64)
                .step_by(7)
                .map(|micros| micros as f64 / 1000.0),
        );
        values.extend((0..40u64).map(|i| (1u64 << i) as f64 / 1000.0 + 0.001));
        for value in values {
            let mut line = String::new();
            push_f64(&mut line, value);
            assert_eq!(line, value.to_string(), "{value:e}");
        }
    }

    #[test]
    fn events_become_one_valid_json_object_per_line() {
        let (lines, subscriber) = CaptureWriter::json_subscriber();
        tracing::subscriber::with_default(subscriber, || {
            let error = std::io::Error::other("disk \"full\"");
            tracing::info!(
                route = "/delay/{ms}",
                status = 200u16,
                latency_ms = 0.25,
                ok = true,
                "request"
            );
            tracing::warn!(error = %error, delta = -3i64, ratio = f64::NAN, "odd\tvalues");
            // A value that logs while its own line is being built: tracing drops the inner
            // event, and the outer line must still come out whole.
            struct Chatty;
            impl fmt::Debug for Chatty {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    tracing::info!("inner");
                    f.write_str("chatty")
                }
            }
            tracing::info!(value = ?Chatty, "outer");
        });
        let text = lines.text();
        let events: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).expect("valid JSON"))
            .collect();
        assert_eq!(events.len(), 3);
        assert_eq!(events[0]["level"], "INFO");
        assert_eq!(events[0]["message"], "request");
        assert_eq!(events[0]["route"], "/delay/{ms}");
        assert_eq!(events[0]["status"], 200);
        assert_eq!(events[0]["latency_ms"], 0.25);
        assert_eq!(events[0]["ok"], true);
        assert!(events[0]["timestamp"].as_str().unwrap().ends_with('Z'));
        assert_eq!(events[1]["error"], "disk \"full\"");
        assert_eq!(events[1]["delta"], -3);
        assert_eq!(events[1]["ratio"], "NaN");
        assert_eq!(events[1]["message"], "odd\tvalues");
        assert_eq!(events[2]["message"], "outer");
        assert_eq!(events[2]["value"], "chatty");
    }
}
