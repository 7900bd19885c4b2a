//! JSON lines for tracing events: `{"timestamp","level",...fields}` on one line.
//!
//! tracing-subscriber's own JSON format collects every field into a map of allocated values
//! before writing; at one request log line per request that was several microseconds each.
//! This writes the fields straight to the line buffer, escaping as it goes.

use std::fmt::{self, Write};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
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
        // RFC 3339 in UTC with microseconds, always free of characters that need escaping.
        writer.write_str("{\"timestamp\":\"")?;
        SystemTime.format_time(&mut writer)?;
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
