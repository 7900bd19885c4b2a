//! The metrics exposition: names, types, buckets, labels and bounded cardinality.

mod common;

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::routing::get;
use common::{Exposition, TestApp};
use tower::ServiceExt;
use webapp::metrics::DURATION_BUCKETS;
use webapp::{AppState, Config};

#[tokio::test]
async fn every_series_of_the_contract_is_exposed_with_its_type() {
    let app = TestApp::spawn(&[]).await;
    app.get("/").await;
    let metrics = app.metrics().await;
    for (name, kind) in [
        ("http_requests_total", "counter"),
        ("http_request_duration_seconds", "histogram"),
        ("http_requests_in_flight", "gauge"),
        ("http_connections_open", "gauge"),
        ("http_connections_limit", "gauge"),
        ("http_connections_closed_total", "counter"),
        ("app_build_info", "gauge"),
        ("process_cpu_seconds_total", "counter"),
        ("process_resident_memory_bytes", "gauge"),
        ("process_open_fds", "gauge"),
        ("process_start_time_seconds", "gauge"),
    ] {
        assert_eq!(
            metrics.types.get(name).map(String::as_str),
            Some(kind),
            "{name}"
        );
    }
    for reason in [
        "connection_limit",
        "header_too_large",
        "header_timeout",
        "write_stall",
    ] {
        let closed = metrics.value("http_connections_closed_total", &[("reason", reason)]);
        assert_eq!(closed, 0.0, "{reason}");
    }
    let build = metrics.find("app_build_info", &[]);
    assert_eq!(build.len(), 1);
    assert_eq!(build[0].value, 1.0);
    assert_eq!(build[0].labels["version"], env!("CARGO_PKG_VERSION"));
    assert!(!build[0].labels["commit"].is_empty());

    assert!(metrics.value("process_resident_memory_bytes", &[]) > 1024.0 * 1024.0);
    assert!(metrics.value("process_open_fds", &[]) >= 3.0);
    assert!(metrics.value("process_cpu_seconds_total", &[]) >= 0.0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let started = metrics.value("process_start_time_seconds", &[]);
    assert!(
        started <= now + 1.0 && started > now - 3600.0,
        "start {started}, now {now}"
    );
    app.stop().await;
}

#[tokio::test]
async fn requests_are_counted_by_method_route_template_and_status() {
    let app = TestApp::spawn(&[]).await;
    for _ in 0..3 {
        app.get("/delay/1").await;
    }
    app.get("/status/503").await;
    app.client.post(app.url("/version")).send().await.unwrap();
    let metrics = app.metrics().await;

    let labels = |method, route, status| [("method", method), ("route", route), ("status", status)];
    assert_eq!(
        metrics.value("http_requests_total", &labels("GET", "/delay/{ms}", "200")),
        3.0
    );
    assert_eq!(
        metrics.value(
            "http_requests_total",
            &labels("GET", "/status/{code}", "503")
        ),
        1.0
    );
    assert_eq!(
        metrics.value("http_requests_total", &labels("POST", "/version", "405")),
        1.0
    );

    // The histogram uses exactly the contract's buckets and agrees with the counter.
    let buckets = metrics.find(
        "http_request_duration_seconds_bucket",
        &labels("GET", "/delay/{ms}", "200"),
    );
    let bounds: Vec<f64> = buckets.iter().map(|s| parse_le(&s.labels["le"])).collect();
    let mut expected = DURATION_BUCKETS.to_vec();
    expected.push(f64::INFINITY);
    assert_eq!(bounds, expected);
    assert!(
        buckets.windows(2).all(|w| w[0].value <= w[1].value),
        "cumulative"
    );
    assert_eq!(buckets.last().unwrap().value, 3.0);
    assert_eq!(
        metrics.value(
            "http_request_duration_seconds_count",
            &labels("GET", "/delay/{ms}", "200")
        ),
        3.0
    );
    let sum = metrics.value(
        "http_request_duration_seconds_sum",
        &labels("GET", "/delay/{ms}", "200"),
    );
    assert!(sum >= 0.003, "three requests of at least 1 ms: {sum}");
    app.stop().await;
}

fn parse_le(le: &str) -> f64 {
    if le == "+Inf" {
        f64::INFINITY
    } else {
        le.parse().unwrap()
    }
}

#[tokio::test]
async fn random_paths_and_methods_keep_label_cardinality_bounded() {
    let app = TestApp::spawn(&[]).await;
    let odd_method = Method::from_bytes(b"BREW").unwrap();
    for i in 0..300u32 {
        let path = format!("/random/{}/{}?q={i}", i.wrapping_mul(2_654_435_761), i % 7);
        assert_eq!(app.get(&path).await.status(), StatusCode::NOT_FOUND);
    }
    for i in 0..20 {
        app.client
            .request(odd_method.clone(), app.url(&format!("/x{i}")))
            .send()
            .await
            .unwrap();
    }
    let metrics = app.metrics().await;
    let series = metrics.find("http_requests_total", &[]);
    assert_eq!(
        series.len(),
        2,
        "one series per method for every unmatched path: {series:?}"
    );
    assert_eq!(
        metrics.value(
            "http_requests_total",
            &[("route", "unmatched"), ("method", "GET")]
        ),
        300.0
    );
    assert_eq!(
        metrics.value(
            "http_requests_total",
            &[("route", "unmatched"), ("method", "OTHER")]
        ),
        20.0
    );
    assert!(
        metrics
            .samples
            .iter()
            .all(|s| !s.labels.values().any(|v| v.contains("random")))
    );
    app.stop().await;
}

#[tokio::test]
async fn admin_requests_are_not_counted() {
    let app = TestApp::spawn(&[]).await;
    for path in ["/healthz", "/readyz", "/metrics", "/nope"] {
        app.client.get(app.admin_url(path)).send().await.unwrap();
    }
    let metrics = app.metrics().await;
    assert!(metrics.find("http_requests_total", &[]).is_empty());
    app.stop().await;
}

#[tokio::test]
async fn requests_in_flight_are_gauged() {
    let app = TestApp::spawn(&[]).await;
    let slow = tokio::spawn(app.client.get(app.url("/delay/800")).send());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.metrics().await.value("http_requests_in_flight", &[]),
        1.0
    );
    slow.await.unwrap().unwrap();
    assert_eq!(
        app.metrics().await.value("http_requests_in_flight", &[]),
        0.0
    );
    app.stop().await;
}

async fn panicking_handler() -> &'static str {
    panic!("handler bug")
}

#[tokio::test]
async fn a_panicking_handler_becomes_a_500_and_is_counted() {
    let config = Config::try_from_args(Vec::<String>::new()).unwrap();
    let state = AppState::new(&config);
    let routes = Router::new().route("/boom", get(panicking_handler));
    let app = webapp::routes::with_public_middleware(routes, &state);

    let response = app
        .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(response.headers().contains_key("x-request-id"));
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"], "internal server error");

    let metrics = Exposition::parse(&state.metrics.render());
    let labels = [("method", "GET"), ("route", "/boom"), ("status", "500")];
    assert_eq!(metrics.value("http_requests_total", &labels), 1.0);
}
