//! Black-box tests of every route and status code, and of bad input, over real HTTP.

mod common;

use std::time::{Duration, Instant};

use common::TestApp;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn json(response: reqwest::Response) -> Value {
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "{}",
        response.url()
    );
    response.json().await.expect("JSON body")
}

#[tokio::test]
async fn index_says_which_pod_answered() {
    let app = TestApp::spawn(&["--pod-name", "webapp-7d4f-abcde", "--pod-namespace", "prod"]).await;
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = json(response).await;
    assert_eq!(body["service"], "webapp");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["pod"], "webapp-7d4f-abcde");
    assert_eq!(body["namespace"], "prod");
    assert!(body["uptime_seconds"].as_f64().unwrap() >= 0.0);
    assert!(!body["commit"].as_str().unwrap().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn index_falls_back_to_the_hostname() {
    let app = TestApp::spawn(&[]).await;
    let body = json(app.get("/").await).await;
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(body["pod"], hostname.trim());
    assert_eq!(body["namespace"], Value::Null);
    app.stop().await;
}

#[tokio::test]
async fn version_reports_version_and_a_non_empty_commit() {
    let app = TestApp::spawn(&[]).await;
    let body = json(app.get("/version").await).await;
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    let expected = option_env!("GIT_SHA")
        .filter(|s| !s.is_empty())
        .unwrap_or("unknown");
    assert_eq!(body["commit"], expected);
    app.stop().await;
}

#[tokio::test]
async fn probes_report_health_and_readiness() {
    let app = TestApp::spawn(&[]).await;
    let get = |path: &'static str| app.client.get(app.admin_url(path)).send();
    assert_eq!(get("/healthz").await.unwrap().status(), StatusCode::OK);
    let ready = get("/readyz").await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(json(ready).await["status"], "ready");

    let post = |path: &'static str| app.client.post(app.admin_url(path)).send();
    let disabled = post("/readyz/disable").await.unwrap();
    assert_eq!(disabled.status(), StatusCode::SERVICE_UNAVAILABLE);
    let readyz = get("/readyz").await.unwrap();
    assert_eq!(readyz.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json(readyz).await["status"], "disabled");
    // Liveness is independent of readiness.
    assert_eq!(get("/healthz").await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        post("/readyz/enable").await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(get("/readyz").await.unwrap().status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn probe_routes_are_not_on_the_public_port_nor_app_routes_on_the_admin_port() {
    let app = TestApp::spawn(&[]).await;
    for path in ["/healthz", "/readyz", "/metrics"] {
        assert_eq!(
            app.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for path in ["/", "/version"] {
        let response = app.client.get(app.admin_url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn delay_waits_then_answers() {
    let app = TestApp::spawn(&[]).await;
    let started = Instant::now();
    let response = app.get("/delay/300").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(json(response).await["delayed_ms"], 300);
    app.stop().await;
}

#[tokio::test]
async fn status_answers_the_requested_code() {
    let app = TestApp::spawn(&[]).await;
    for code in [200, 201, 204, 301, 404, 418, 429, 500, 503, 599] {
        let response = app.get(&format!("/status/{code}")).await;
        assert_eq!(response.status().as_u16(), code);
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpu_burns_on_a_blocking_thread_and_the_service_stays_responsive() {
    let app = TestApp::spawn(&[]).await;
    // More concurrent burns than async workers: if they ran on the workers, /version would stall.
    let burns: Vec<_> = (0..4)
        .map(|_| tokio::spawn(app.client.get(app.url("/cpu/1500")).send()))
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    assert_eq!(app.get("/version").await.status(), StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "/version took {:?} while /cpu ran",
        started.elapsed()
    );
    for burn in burns {
        let response = burn.await.unwrap().unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(json(response).await["burned_ms"], 1500);
    }
    app.stop().await;
}

#[tokio::test]
async fn echo_returns_the_body_with_its_content_type() {
    let app = TestApp::spawn(&[]).await;
    let response = app
        .client
        .post(app.url("/echo"))
        .header("content-type", "text/plain")
        .body("hello, platform")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/plain");
    assert_eq!(response.text().await.unwrap(), "hello, platform");
    app.stop().await;
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let app = TestApp::spawn(&["--body-limit-bytes", "1024"]).await;
    let at_limit = app
        .client
        .post(app.url("/echo"))
        .body(vec![b'a'; 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(at_limit.status(), StatusCode::OK);
    let over = app
        .client
        .post(app.url("/echo"))
        .body(vec![b'a'; 1025])
        .send()
        .await
        .unwrap();
    assert_eq!(over.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(json(over).await["error"].is_string());

    // Without a content-length the limit still holds while the body streams in.
    let mut stream = TcpStream::connect(app.public).await.unwrap();
    let chunk = vec![b'a'; 4096];
    let mut request = format!(
        "POST /echo HTTP/1.1\r\nhost: test\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n",
        chunk.len()
    )
    .into_bytes();
    request.extend_from_slice(&chunk);
    request.extend_from_slice(b"\r\n0\r\n\r\n");
    stream.write_all(&request).await.unwrap();
    let mut answer = vec![0; 64];
    let read = stream.read(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    app.stop().await;
}

#[tokio::test]
async fn malformed_or_out_of_range_parameters_get_400_json() {
    let app = TestApp::spawn(&[]).await;
    for path in [
        "/delay/abc",
        "/delay/-1",
        "/delay/1.5",
        "/delay/99999999999999999999999",
        "/delay/10001",
        "/cpu/2001",
        "/cpu/x",
        "/status/99",
        "/status/199",
        "/status/600",
        "/status/abc",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        assert!(json(response).await["error"].is_string(), "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn unknown_routes_get_404_json_and_wrong_methods_405() {
    let app = TestApp::spawn(&[]).await;
    let missing = app.get("/no/such/route").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(json(missing).await["error"], "not found");

    let wrong = app.client.delete(app.url("/version")).send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(wrong.headers()["allow"].to_str().unwrap().contains("GET"));
    assert!(json(wrong).await["error"].is_string());
    let wrong = app.client.get(app.url("/echo")).send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
    let wrong = app
        .client
        .get(app.admin_url("/readyz/disable"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
    app.stop().await;
}

#[tokio::test]
async fn fault_injection_off_removes_every_fault_route() {
    let app = TestApp::spawn(&["--fault-injection", "false"]).await;
    for path in ["/delay/1", "/status/500", "/cpu/1"] {
        assert_eq!(
            app.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for path in ["/readyz/disable", "/readyz/enable"] {
        let response = app.client.post(app.admin_url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(app.get("/").await.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn slow_requests_are_cut_off_by_the_request_timeout() {
    let app = TestApp::spawn(&["--request-timeout-seconds", "1"]).await;
    let started = Instant::now();
    let response = app.get("/delay/5000").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    app.stop().await;
}

#[tokio::test]
async fn clients_that_stall_while_sending_headers_are_disconnected() {
    let app = TestApp::spawn(&["--header-read-timeout-seconds", "1"]).await;
    let mut stream = TcpStream::connect(app.public).await.unwrap();
    // An incomplete request: the blank line that ends the headers never comes.
    stream
        .write_all(b"GET / HTTP/1.1\r\nhost: test\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut buffer = [0; 256];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer))
        .await
        .expect("the server closes the connection within 5 s");
    let elapsed = started.elapsed();
    // Closed (0 bytes or reset), possibly after a 408; never a normal answer.
    if let Ok(n) = read {
        let answer = String::from_utf8_lossy(&buffer[..n]);
        assert!(n == 0 || answer.starts_with("HTTP/1.1 408"), "{answer}");
    }
    assert!(
        elapsed >= Duration::from_millis(800),
        "closed too early: {elapsed:?}"
    );
    app.stop().await;
}

/// Sends one keep-alive request on `stream` and reads its whole answer; returns the status line.
async fn exchange(stream: &mut TcpStream, path: &str) -> String {
    stream
        .write_all(format!("GET {path} HTTP/1.1\r\nhost: test\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0; 1024];
    loop {
        let n = stream.read(&mut buffer).await.unwrap();
        assert_ne!(n, 0, "closed before the answer was complete");
        answer.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&answer);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length: "))
                .expect("content-length")
                .parse()
                .unwrap();
            if body.len() >= length {
                return head.lines().next().unwrap().to_owned();
            }
        }
    }
}

/// Reads until the server closes the connection; fails if it stays open `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Duration {
    let started = Instant::now();
    let mut buffer = [0; 256];
    let read = tokio::time::timeout(within, stream.read(&mut buffer))
        .await
        .expect("the server closes the connection in time");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    started.elapsed()
}

#[tokio::test]
async fn idle_keep_alive_connections_are_closed_after_the_header_read_timeout() {
    let app = TestApp::spawn(&["--header-read-timeout-seconds", "1"]).await;
    let mut stream = TcpStream::connect(app.public).await.unwrap();
    assert_eq!(exchange(&mut stream, "/version").await, "HTTP/1.1 200 OK");
    let idle = closed_within(&mut stream, Duration::from_secs(5)).await;
    assert!(
        idle >= Duration::from_millis(800),
        "closed too early: {idle:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn busy_connections_outlive_the_header_read_timeout() {
    let app = TestApp::spawn(&["--header-read-timeout-seconds", "1"]).await;
    let mut stream = TcpStream::connect(app.public).await.unwrap();
    // Requests every 300 ms on one connection for 2.4 s, over twice the timeout: each one
    // arrives well within a second of the last answer, so the connection stays open.
    for _ in 0..8 {
        assert_eq!(exchange(&mut stream, "/version").await, "HTTP/1.1 200 OK");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // A handler slower than the header-read timeout is not cut off by it.
    assert_eq!(
        exchange(&mut stream, "/delay/1500").await,
        "HTTP/1.1 200 OK"
    );
    assert_eq!(exchange(&mut stream, "/version").await, "HTTP/1.1 200 OK");
    app.stop().await;
}

#[tokio::test]
async fn request_ids_are_honoured_or_generated() {
    let app = TestApp::spawn(&[]).await;
    let given = app
        .client
        .get(app.url("/"))
        .header("x-request-id", "trace-42.a:b")
        .send()
        .await
        .unwrap();
    assert_eq!(given.headers()["x-request-id"], "trace-42.a:b");

    let generated = app.get("/nowhere").await;
    let id = generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 32, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    let next = app.get("/").await.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_ne!(id, next, "every request gets its own id");

    for unacceptable in ["has space".to_owned(), "x".repeat(129)] {
        let response = app
            .client
            .get(app.url("/"))
            .header("x-request-id", &unacceptable)
            .send()
            .await
            .unwrap();
        let id = response.headers()["x-request-id"].to_str().unwrap();
        assert_ne!(id, unacceptable);
        assert_eq!(id.len(), 32);
    }
    app.stop().await;
}
