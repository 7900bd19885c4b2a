//! The request log: one JSON line per answered public request, under the tracing target
//! [`TARGET`], so `RUST_LOG` filters it like any other event (`webapp::request=off` silences it).
//!
//! With the JSON format the line is written straight to the batched stdout writer; otherwise
//! (the human-readable format, or no writer installed, as in in-process tests) it goes through
//! tracing as an ordinary `request` event.

use std::cell::RefCell;
use std::io::Write;
use std::sync::OnceLock;

use tracing_subscriber::fmt::MakeWriter;

use crate::json_format::{RequestLine, write_request_line};
use crate::log_writer::BatchedWriter;

pub const TARGET: &str = "webapp::request";

static JSON_SINK: OnceLock<BatchedWriter> = OnceLock::new();

/// Makes request lines go straight to `writer` as JSON; the first call wins.
pub fn write_json_to(writer: BatchedWriter) {
    let _ = JSON_SINK.set(writer);
}

pub fn log(request: &RequestLine<'_>) {
    if !tracing::enabled!(target: TARGET, tracing::Level::INFO) {
        return;
    }
    let Some(writer) = JSON_SINK.get() else {
        tracing::info!(
            target: TARGET,
            method = request.method,
            route = request.route,
            status = request.status,
            latency_ms = request.latency_ms,
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
        write_request_line(line, request);
        // The batched writer never fails; stdout errors are its flusher's to swallow.
        let _ = writer.make_writer().write_all(line.as_bytes());
    });
}
