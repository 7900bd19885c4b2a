//! Test helpers: the app in-process on port 0, the real binary as a child process, and a
//! parser for the Prometheus text format.
#![allow(dead_code)] // Each test crate uses a different subset of these helpers.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use webapp::{AppState, Config, Listeners};

/// The app served in-process on two free ports of 127.0.0.1.
pub struct TestApp {
    pub public: SocketAddr,
    pub admin: SocketAddr,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl TestApp {
    /// Starts with fault injection on and no drain delay; `args` override other settings.
    pub async fn spawn(args: &[&str]) -> Self {
        let mut all = vec![
            "--app-port",
            "0",
            "--admin-port",
            "0",
            "--bind-address",
            "127.0.0.1",
            "--fault-injection",
            "true",
            "--drain-delay-seconds",
            "0",
        ];
        all.extend_from_slice(args);
        let config = Config::try_from_args(all).expect("test configuration is valid");
        let listeners = Listeners::bind(&config)
            .await
            .expect("port 0 is always free");
        let public = listeners.public_addr().unwrap();
        let admin = listeners.admin_addr().unwrap();
        let state = AppState::new(&config);
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let signal = async {
                // A dropped sender also stops the server.
                let _ = stopped.await;
            };
            webapp::serve(&config, state, listeners, signal)
                .await
                .expect("clean shutdown");
        });
        Self {
            public,
            admin,
            client: reqwest::Client::new(),
            stop: Some(stop),
            server: Some(server),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.public)
    }

    pub fn admin_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.admin)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn metrics(&self) -> Exposition {
        let body = self
            .client
            .get(self.admin_url("/metrics"))
            .send()
            .await
            .expect("scrape")
            .text()
            .await
            .expect("body");
        Exposition::parse(&body)
    }

    /// Shuts down gracefully and waits for the server task.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            tokio::time::timeout(Duration::from_secs(10), server)
                .await
                .expect("server stops within 10 s")
                .expect("server task");
        }
    }
}

/// The binary built by cargo for these tests, or `WEBAPP_BIN` (the benchmark's release build).
pub fn webapp_command() -> Command {
    let binary =
        std::env::var_os("WEBAPP_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_webapp").into());
    let mut command = Command::new(binary);
    command.env_clear();
    command
}

/// The real binary as a child process, its ports read from its "listening" log line.
pub struct TestProcess {
    pub child: Child,
    pub public: SocketAddr,
    pub admin: SocketAddr,
    pub logs: mpsc::Receiver<String>,
}

impl TestProcess {
    pub fn spawn(env: &[(&str, &str)]) -> Self {
        let mut command = webapp_command();
        command
            .env("APP_PORT", "0")
            .env("ADMIN_PORT", "0")
            .env("BIND_ADDRESS", "127.0.0.1")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command.spawn().expect("spawn webapp");
        let stdout = child.stdout.take().unwrap();
        let (tx, logs) = mpsc::channel();
        // Keeps reading until the child exits, so a full pipe never blocks it.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let unknown = SocketAddr::from(([0, 0, 0, 0], 0));
        // Owned by the guard from here on, so a failure below still kills the child.
        let mut process = Self {
            child,
            public: unknown,
            admin: unknown,
            logs,
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let line = process
                .logs
                .recv_timeout(left)
                .expect("a 'listening' line within 10 s");
            let event: serde_json::Value = serde_json::from_str(&line).expect("JSON log line");
            if event["message"] == "listening" {
                let addr = |key: &str| event[key].as_str().unwrap().parse().unwrap();
                process.public = addr("public");
                process.admin = addr("admin");
                return process;
            }
        }
    }

    /// Every log line not read yet, up to the end of the child's stdout (call after exit).
    pub fn remaining_logs(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while let Ok(line) = self
            .logs
            .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
        {
            lines.push(line);
        }
        lines
    }

    pub fn signal(&self, signal: libc::c_int) {
        let pid = libc::pid_t::try_from(self.child.id()).unwrap();
        // SAFETY: kill has no memory effects; the pid is our own child, not yet reaped.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "kill failed");
    }

    /// Waits up to `limit` for the exit; kills the child and panics if it takes longer.
    pub fn wait_exit(&mut self, limit: Duration) -> (std::process::ExitStatus, Duration) {
        let started = std::time::Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        panic!("webapp did not exit within {limit:?}");
    }
}

impl Drop for TestProcess {
    fn drop(&mut self) {
        // A failed assertion must not leave the child running.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One parsed sample line of the text exposition format.
#[derive(Debug, Clone)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// A parsed `/metrics` answer. The parser is strict: any line it cannot read fails the test.
#[derive(Debug, Default)]
pub struct Exposition {
    pub types: BTreeMap<String, String>,
    pub samples: Vec<Sample>,
}

impl Exposition {
    pub fn parse(text: &str) -> Self {
        let mut exposition = Self::default();
        for line in text.lines().filter(|l| !l.is_empty()) {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').expect("TYPE line");
                exposition.types.insert(name.to_owned(), kind.to_owned());
            } else if line.starts_with("# HELP ") {
                continue;
            } else if line.starts_with('#') {
                panic!("unexpected comment line: {line}");
            } else {
                exposition.samples.push(parse_sample(line));
            }
        }
        exposition
    }

    /// Samples of `name` whose labels include every pair of `labels`.
    pub fn find(&self, name: &str, labels: &[(&str, &str)]) -> Vec<&Sample> {
        self.samples
            .iter()
            .filter(|s| s.name == name)
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .collect()
    }

    /// The single sample of `name` with `labels`; panics unless there is exactly one.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let found = self.find(name, labels);
        assert_eq!(found.len(), 1, "{name}{labels:?}: {found:?}");
        found[0].value
    }
}

fn parse_sample(line: &str) -> Sample {
    let (series, value) = line
        .rsplit_once(' ')
        .unwrap_or_else(|| panic!("no value: {line}"));
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().unwrap_or_else(|_| panic!("bad value in {line}")),
    };
    let (name, labels) = match series.split_once('{') {
        None => (series, BTreeMap::new()),
        Some((name, rest)) => {
            let body = rest
                .strip_suffix('}')
                .unwrap_or_else(|| panic!("unclosed labels: {line}"));
            (name, parse_labels(body, line))
        }
    };
    assert!(
        name.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
        "bad metric name in {line}"
    );
    Sample {
        name: name.to_owned(),
        labels,
        value,
    }
}

fn parse_labels(mut body: &str, line: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    while !body.is_empty() {
        let (key, rest) = body
            .split_once("=\"")
            .unwrap_or_else(|| panic!("bad label in {line}"));
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c)) => value.push(c),
                    None => panic!("dangling escape in {line}"),
                },
                Some((i, '"')) => break i,
                Some((_, c)) => value.push(c),
                None => panic!("unterminated label value in {line}"),
            }
        };
        labels.insert(key.to_owned(), value);
        body = rest[end + 1..].trim_start_matches(',');
    }
    labels
}
