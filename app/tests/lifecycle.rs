//! The real binary: configuration errors, graceful shutdown under load, the second signal,
//! the shutdown bound and the probe subcommand.

mod common;

use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{TestProcess, webapp_command};

#[test]
fn invalid_configuration_fails_before_binding_with_a_clear_message() {
    // A port we hold: if the binary tried to bind first, it would fail differently.
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port().to_string();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("APP_PORT", "70000")], "APP_PORT"),
        (&[("ADMIN_PORT", "http")], "ADMIN_PORT"),
        (
            &[("APP_PORT", "8123"), ("ADMIN_PORT", "8123")],
            "must differ",
        ),
        (&[("BIND_ADDRESS", "everywhere")], "BIND_ADDRESS"),
        (&[("DRAIN_DELAY_SECONDS", "-1")], "DRAIN_DELAY_SECONDS"),
        (
            &[("SHUTDOWN_TIMEOUT_SECONDS", "0")],
            "SHUTDOWN_TIMEOUT_SECONDS",
        ),
        (
            &[("REQUEST_TIMEOUT_SECONDS", "1h")],
            "REQUEST_TIMEOUT_SECONDS",
        ),
        (
            &[("HEADER_READ_TIMEOUT_SECONDS", "0")],
            "HEADER_READ_TIMEOUT_SECONDS",
        ),
        (&[("BODY_LIMIT_BYTES", "999999999999")], "BODY_LIMIT_BYTES"),
        (&[("MAX_HEADER_BYTES", "8192")], "MAX_HEADER_BYTES"),
        (
            &[("WRITE_STALL_TIMEOUT_SECONDS", "0")],
            "WRITE_STALL_TIMEOUT_SECONDS",
        ),
        (&[("MEMORY_LIMIT_BYTES", "256Mi")], "MEMORY_LIMIT_BYTES"),
        (&[("MAX_CONNECTIONS", "-1")], "MAX_CONNECTIONS"),
        (
            &[("BODY_LIMIT_BYTES", "16777216"), ("MAX_CONNECTIONS", "100")],
            "lower MAX_CONNECTIONS to at most 7",
        ),
        (&[("FAULT_INJECTION", "yes")], "FAULT_INJECTION"),
        (&[("LOG_FORMAT", "xml")], "LOG_FORMAT"),
        (&[("RUST_LOG", "webapp=loud")], "RUST_LOG"),
    ];
    for (env, expected) in cases {
        let output = webapp_command()
            .env("APP_PORT", &port)
            .env("ADMIN_PORT", "0")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{env:?}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{env:?}: stderr lacks {expected:?}: {stderr}"
        );
        assert!(
            !stderr.contains("cannot listen"),
            "{env:?} bound a port first: {stderr}"
        );
        assert!(
            output.stdout.is_empty(),
            "{env:?}: nothing is logged before validation"
        );
    }
}

#[test]
fn a_taken_port_fails_start_up_with_the_address() {
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port().to_string();
    let output = webapp_command()
        .env("BIND_ADDRESS", "127.0.0.1")
        .env("APP_PORT", &port)
        .env("ADMIN_PORT", "0")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{stdout}"
    );
}

fn get(client: &reqwest::blocking::Client, url: &str) -> Result<u16, reqwest::Error> {
    client.get(url).send().map(|r| r.status().as_u16())
}

#[test]
fn sigterm_drains_under_load_without_failing_a_request() {
    const DRAIN: Duration = Duration::from_secs(2);
    let mut app = TestProcess::spawn(&[
        ("FAULT_INJECTION", "true"),
        ("DRAIN_DELAY_SECONDS", "2"),
        ("SHUTDOWN_TIMEOUT_SECONDS", "5"),
    ]);
    let public = format!("http://{}", app.public);
    let admin = format!("http://{}", app.admin);
    let client = reqwest::blocking::Client::new();
    assert_eq!(get(&client, &format!("{admin}/readyz")).unwrap(), 200);

    // Load generators behave like a load balancer: they stop sending new requests a little
    // after readiness turns 503 (well within the drain delay).
    let stop_sending = Arc::new(AtomicBool::new(false));
    let (succeeded, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let workers: Vec<_> = (0..6)
        .map(|_| {
            let (stop, ok, bad) = (stop_sending.clone(), succeeded.clone(), failed.clone());
            let (client, url) = (client.clone(), format!("{public}/"));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match get(&client, &url) {
                        Ok(200) => ok.fetch_add(1, Ordering::Relaxed),
                        _ => bad.fetch_add(1, Ordering::Relaxed),
                    };
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));

    let signalled = Instant::now();
    app.signal(libc::SIGTERM);

    // Readiness flips at once while liveness stays 200.
    let mut seen_503 = None;
    while signalled.elapsed() < Duration::from_secs(1) {
        if get(&client, &format!("{admin}/readyz")).unwrap() == 503 {
            seen_503 = Some(signalled.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let seen_503 = seen_503.expect("/readyz turns 503 within 1 s of SIGTERM");
    assert_eq!(get(&client, &format!("{admin}/healthz")).unwrap(), 200);
    std::thread::sleep(Duration::from_millis(300));
    stop_sending.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.join().unwrap();
    }

    // Requests still in flight when the drain ends must complete.
    let slow: Vec<_> = (0..3)
        .map(|_| {
            let (client, url) = (client.clone(), format!("{public}/delay/1500"));
            std::thread::spawn(move || get(&client, &url))
        })
        .collect();
    // Still serving new requests during the drain.
    assert_eq!(get(&client, &format!("{public}/version")).unwrap(), 200);
    let after_drain = DRAIN.saturating_sub(signalled.elapsed()) + Duration::from_millis(300);
    std::thread::sleep(after_drain);
    assert!(
        TcpStream::connect_timeout(&app.public, Duration::from_millis(500)).is_err(),
        "new connections are refused once the drain delay is over"
    );
    for request in slow {
        assert_eq!(
            request
                .join()
                .unwrap()
                .expect("in-flight request completes"),
            200
        );
    }

    let (status, _) = app.wait_exit(Duration::from_secs(5));
    let total = signalled.elapsed();
    assert_eq!(status.code(), Some(0), "clean exit");
    assert!(
        total >= DRAIN,
        "kept serving for the drain delay: {total:?}"
    );
    assert!(
        total < DRAIN + Duration::from_secs(5),
        "exit within drain + shutdown timeout: {total:?}"
    );
    assert_eq!(failed.load(Ordering::Relaxed), 0, "failed requests");
    assert!(
        succeeded.load(Ordering::Relaxed) > 100,
        "the load actually ran"
    );
    assert!(
        seen_503 < Duration::from_millis(500),
        "readiness flipped after {seen_503:?}"
    );
}

#[test]
fn shutdown_is_bounded_by_the_shutdown_timeout() {
    let mut app = TestProcess::spawn(&[
        ("FAULT_INJECTION", "true"),
        ("DRAIN_DELAY_SECONDS", "0"),
        ("SHUTDOWN_TIMEOUT_SECONDS", "1"),
        ("REQUEST_TIMEOUT_SECONDS", "30"),
    ]);
    let url = format!("http://{}/delay/10000", app.public);
    let stuck = std::thread::spawn(move || reqwest::blocking::Client::new().get(url).send());
    std::thread::sleep(Duration::from_millis(300));
    let signalled = Instant::now();
    app.signal(libc::SIGTERM);
    let (status, _) = app.wait_exit(Duration::from_secs(5));
    let took = signalled.elapsed();
    assert!(
        took >= Duration::from_millis(900),
        "waited for the request: {took:?}"
    );
    assert!(
        took < Duration::from_millis(2500),
        "bounded by the 1 s timeout: {took:?}"
    );
    assert_eq!(status.code(), Some(1), "a forced exit is reported");
    assert!(
        stuck.join().unwrap().is_err(),
        "the stuck request was cut off"
    );
}

#[test]
fn a_second_signal_exits_at_once() {
    let mut app = TestProcess::spawn(&[("DRAIN_DELAY_SECONDS", "60")]);
    let client = reqwest::blocking::Client::new();
    let readyz = format!("http://{}/readyz", app.admin);
    app.signal(libc::SIGTERM);
    let started = Instant::now();
    while get(&client, &readyz).unwrap() != 503 {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "draining did not start"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    app.signal(libc::SIGINT);
    let (status, took) = app.wait_exit(Duration::from_secs(2));
    assert!(took < Duration::from_millis(500), "{took:?}");
    assert_eq!(status.code(), Some(130));
    let logs = app.remaining_logs();
    assert!(
        logs.iter().any(|line| line.contains("second stop signal")),
        "the last log lines are flushed even on the fast path: {logs:?}"
    );
}

#[test]
fn the_probe_subcommand_exits_0_on_2xx_and_1_otherwise() {
    let app = TestProcess::spawn(&[]);
    let probe = |url: String| webapp_command().args(["probe", &url]).output().unwrap();
    assert_eq!(
        probe(format!("http://{}/healthz", app.admin)).status.code(),
        Some(0)
    );
    let missing = probe(format!("http://{}/missing", app.admin));
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("404"));

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let refused = probe(format!("http://{closed}/healthz"));
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("cannot connect"));

    for bad in ["https://example.com/", "not a url", "http:///path"] {
        let output = probe(bad.to_owned());
        assert_eq!(output.status.code(), Some(1), "{bad}");
        assert!(!output.stderr.is_empty(), "{bad}");
    }
}

#[test]
fn every_request_is_one_json_log_line_and_rust_log_filters_them() {
    let request_line = |env: &[(&str, &str)]| {
        let mut app = TestProcess::spawn(env);
        let client = reqwest::blocking::Client::new();
        let response = client
            .get(format!("http://{}/version", app.public))
            .header("x-request-id", "log-test-1")
            .send()
            .unwrap();
        assert_eq!(response.status(), 200);
        app.signal(libc::SIGTERM);
        let (status, _) = app.wait_exit(Duration::from_secs(15));
        assert!(status.success(), "{status}");
        app.remaining_logs()
            .into_iter()
            .map(|line| serde_json::from_str::<serde_json::Value>(&line).expect("JSON line"))
            .filter(|event| event["message"] == "request")
            .collect::<Vec<_>>()
    };

    let lines = request_line(&[("DRAIN_DELAY_SECONDS", "0")]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["method"], "GET");
    assert_eq!(line["route"], "/version");
    assert_eq!(line["status"], 200);
    assert_eq!(line["request_id"], "log-test-1");
    assert!(line["latency_ms"].as_f64().unwrap() >= 0.0, "{line}");
    let timestamp = line["timestamp"].as_str().unwrap();
    assert!(
        timestamp.len() == 27 && timestamp.ends_with('Z'),
        "{timestamp}"
    );

    let quiet = request_line(&[
        ("DRAIN_DELAY_SECONDS", "0"),
        ("RUST_LOG", "info,webapp::request=off"),
    ]);
    assert!(
        quiet.is_empty(),
        "webapp::request=off still logged {quiet:?}"
    );
}
