//! The benchmark's ceiling: the service's `GET /` JSON answer from a bare axum server,
//! with no middleware, metrics or logging. Usage: `ceiling <port>`.

use std::time::Instant;

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

#[tokio::main]
async fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| {
            eprintln!("usage: ceiling <port>");
            std::process::exit(2);
        });
    let started = Instant::now();
    let app = Router::new().route("/", get(move || async move { Json(answer(started)) }));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap_or_else(|e| panic!("cannot listen on 127.0.0.1:{port}: {e}"));
    axum::serve(listener, app).await.expect("server failed");
}

/// Same fields and sizes as the service's `GET /`.
fn answer(started: Instant) -> Value {
    json!({
        "service": "webapp",
        "version": env!("CARGO_PKG_VERSION"),
        "commit": "unknown",
        "pod": "bench",
        "namespace": null,
        "uptime_seconds": started.elapsed().as_secs_f64(),
    })
}
