//! The limits that bound what clients can make the service hold: the request head, the
//! connection limit, and the deadlines that neither cut off a slow reader nor let a stalled
//! one hold its connection forever. Loopback only, with few connections.

mod common;

use std::time::{Duration, Instant};

use common::TestApp;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection (or `within` passes); returns what arrived.
async fn read_to_close(stream: &mut TcpStream, within: Duration) -> Vec<u8> {
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(within, stream.read_to_end(&mut answer)).await;
    answer
}

async fn closed_count(app: &TestApp, reason: &str) -> f64 {
    app.metrics()
        .await
        .value("http_connections_closed_total", &[("reason", reason)])
}

/// An unfinished request head of exactly `len` bytes: the blank line never comes.
fn unfinished_head(len: usize) -> Vec<u8> {
    let mut head = b"GET / HTTP/1.1\r\nhost: test\r\nx-filler: ".to_vec();
    head.resize(len, b'a');
    head
}

#[tokio::test]
async fn an_oversized_request_head_gets_431_and_is_counted() {
    let app = TestApp::spawn(&["--max-header-bytes", "16384"]).await;
    // Exactly the limit, so the server has read everything sent and can answer before closing.
    let mut stream = TcpStream::connect(app.public).await.unwrap();
    stream.write_all(&unfinished_head(16384)).await.unwrap();
    let answer = read_to_close(&mut stream, Duration::from_secs(5)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large"),
        "{answer}"
    );
    assert_eq!(closed_count(&app, "header_too_large").await, 1.0);

    // A large head within the limit is served.
    let response = app
        .client
        .get(app.url("/"))
        .header("x-filler", "a".repeat(15_000))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn past_the_connection_limit_connections_are_closed_and_the_admin_port_answers() {
    let app = TestApp::spawn(&["--max-connections", "4"]).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut stream = TcpStream::connect(app.public).await.unwrap();
        stream.write_all(&unfinished_head(100)).await.unwrap();
        held.push(stream);
    }
    // Accepted in the background: wait until the server has all four.
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.metrics().await.value("http_connections_open", &[]) < 4.0 {
        assert!(
            Instant::now() < deadline,
            "the four connections were not accepted"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started = Instant::now();
    let mut refused = TcpStream::connect(app.public).await.unwrap();
    let _ = refused
        .write_all(b"GET / HTTP/1.1\r\nhost: test\r\n\r\n")
        .await;
    let answer = read_to_close(&mut refused, Duration::from_secs(5)).await;
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );

    let healthz = app
        .client
        .get(app.admin_url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(healthz.status(), StatusCode::OK);
    let metrics = app.metrics().await;
    assert_eq!(metrics.value("http_connections_limit", &[]), 4.0);
    assert!(closed_count(&app, "connection_limit").await >= 1.0);

    // A freed place is taken by the next connection.
    drop(held.pop());
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.metrics().await.value("http_connections_open", &[]) > 3.0 {
        assert!(
            Instant::now() < deadline,
            "the closed connection was not released"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut next = TcpStream::connect(app.public).await.unwrap();
    next.write_all(b"GET /version HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = read_to_close(&mut next, Duration::from_secs(5)).await;
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    app.stop().await;
}

const LARGE: usize = 16 * 1024 * 1024;

/// POSTs `LARGE` bytes to /echo and returns the stream, with the answer left unread.
async fn post_large_echo(app: &TestApp) -> TcpStream {
    let mut stream = TcpStream::connect(app.public).await.unwrap();
    let head = format!(
        "POST /echo HTTP/1.1\r\nhost: test\r\ncontent-type: application/octet-stream\r\n\
         content-length: {LARGE}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&vec![b'x'; LARGE]).await.unwrap();
    stream
}

#[tokio::test]
async fn a_slow_reader_receives_the_whole_of_a_large_response() {
    let app = TestApp::spawn(&[
        "--header-read-timeout-seconds",
        "1",
        "--body-limit-bytes",
        "16777216",
    ])
    .await;
    let mut stream = post_large_echo(&app).await;
    // Three header-read timeouts without reading: more than the socket buffers hold waits.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let answer = read_to_close(&mut stream, Duration::from_secs(10)).await;
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&answer[..split]);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains(&format!("content-length: {LARGE}")), "{head}");
    assert_eq!(answer.len() - split - 4, LARGE, "the body was cut short");
    assert_eq!(closed_count(&app, "write_stall").await, 0.0);
    app.stop().await;
}

#[tokio::test]
async fn a_client_that_stops_reading_is_cut_off_as_a_write_stall() {
    let app = TestApp::spawn(&[
        "--write-stall-timeout-seconds",
        "1",
        "--body-limit-bytes",
        "16777216",
    ])
    .await;
    let stream = post_large_echo(&app).await;
    let deadline = Instant::now() + Duration::from_secs(6);
    while closed_count(&app, "write_stall").await < 1.0 {
        assert!(Instant::now() < deadline, "no write stall counted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(stream);
    // The request itself was answered 200 before the body stalled; the stall is its own count.
    let metrics = app.metrics().await;
    let labels = [("method", "POST"), ("route", "/echo"), ("status", "200")];
    assert_eq!(metrics.value("http_requests_total", &labels), 1.0);
    app.stop().await;
}

#[test]
fn a_write_stall_is_logged_with_the_request_id_of_the_answer_cut_off() {
    use std::io::Write;
    let app = common::TestProcess::spawn(&[
        ("WRITE_STALL_TIMEOUT_SECONDS", "1"),
        ("BODY_LIMIT_BYTES", "16777216"),
    ]);
    let mut stream = std::net::TcpStream::connect(app.public).unwrap();
    let head = format!(
        "POST /echo HTTP/1.1\r\nhost: test\r\nx-request-id: stalled-1\r\n\
         content-length: {LARGE}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&vec![b'x'; LARGE]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let warning = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = app
            .logs
            .recv_timeout(left)
            .expect("a write-stall warning within 10 s");
        let event: serde_json::Value = serde_json::from_str(&line).expect("JSON log line");
        if event["reason"] == "write_stall" {
            break event;
        }
    };
    assert_eq!(warning["level"], "WARN", "{warning}");
    assert_eq!(warning["request_id"], "stalled-1", "{warning}");
    assert!(
        warning["message"].as_str().unwrap().contains("cut off"),
        "{warning}"
    );
    drop(stream);
}
