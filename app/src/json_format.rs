//! JSON lines for tracing events: `{"timestamp","level",...fields}` on one line.
//!
//! tracing-subscriber's own JSON format collects every field into a map of allocated values
//! before writing; at one request log line per request that was several microseconds each.
//! This writes the fields straight to the line buffer, escaping as it goes.

use std::cell::Cell;
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
        writer.write_str("{\"timestamp\":\"")?;
        let timestamp = timestamp(SystemTime::now());
        writer.write_str(std::str::from_utf8(&timestamp).expect("timestamps are ASCII"))?;
        write!(writer, "\",\"level\":\"{}\"", event.metadata().level())?;
        let mut fields = JsonFields {
            out: &mut writer,
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        writer.write_str("}\n")
    }
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

struct JsonFields<'a, W> {
    out: &'a mut W,
    result: fmt::Result,
}

impl<W: Write> JsonFields<'_, W> {
    fn field(&mut self, field: &Field, write_value: impl FnOnce(&mut W) -> fmt::Result) {
        if self.result.is_ok() {
            self.result = write!(self.out, ",\"{}\":", Escaped(field.name()))
                .and_then(|()| write_value(self.out));
        }
    }
}

impl<W: Write> Visit for JsonFields<'_, W> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.field(field, |out| write!(out, "\"{}\"", Escaped(value)));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.field(field, |out| write!(out, "{value}"));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.field(field, |out| write!(out, "{value}"));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.field(field, |out| write!(out, "{value}"));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinity; Display never uses an exponent, so finite values are valid.
        if value.is_finite() {
            self.field(field, |out| write!(out, "{value}"));
        } else {
            self.field(field, |out| write!(out, "\"{value}\""));
        }
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.field(field, |out| {
            out.write_char('"')?;
            write!(EscapingWriter(&mut *out), "{value}")?;
            out.write_char('"')
        });
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.field(field, |out| {
            out.write_char('"')?;
            write!(EscapingWriter(&mut *out), "{value:?}")?;
            out.write_char('"')
        });
    }
}

/// A string escaped for use inside JSON quotes.
struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        EscapingWriter(f).write_str(self.0)
    }
}

/// Escapes everything written through it, so formatted values need no temporary String.
struct EscapingWriter<W>(W);

impl<W: Write> Write for EscapingWriter<W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut plain_from = 0;
        for (i, c) in s.char_indices() {
            let escape = match c {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                c if c < ' ' => "",
                _ => continue,
            };
            self.0.write_str(&s[plain_from..i])?;
            if escape.is_empty() {
                write!(self.0, "\\u{:04x}", u32::from(c))?;
            } else {
                self.0.write_str(escape)?;
            }
            plain_from = i + c.len_utf8();
        }
        self.0.write_str(&s[plain_from..])
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

    #[test]
    fn escapes_quotes_backslashes_and_control_characters() {
        let text = format!("{}", Escaped("a\"b\\c\nd\u{1}é"));
        assert_eq!(text, "a\\\"b\\\\c\\nd\\u0001é");
        let parsed: String = serde_json::from_str(&format!("\"{text}\"")).unwrap();
        assert_eq!(parsed, "a\"b\\c\nd\u{1}é");
    }

    #[test]
    fn events_become_one_valid_json_object_per_line() {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Lines(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Lines {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let lines = Lines::default();
        let sink = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .event_format(JsonLines)
            .with_writer(move || sink.clone())
            .finish();
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
        });
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        let events: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).expect("valid JSON"))
            .collect();
        assert_eq!(events.len(), 2);
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
    }
}
