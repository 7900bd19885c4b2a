//! The real binary under a hostile mix of clients on loopback: many connections with large
//! unfinished request heads, slow request bodies, pipelined floods and clients that never read
//! their answers, all at once and more than the connection limit. Peak resident memory must
//! stay within half the chart's memory limit, and memory must be given back afterwards.
//!
//! `make bench` runs this test against the release binary (`WEBAPP_BIN`) and reads the figures
//! it writes to `HOSTILE_REPORT`.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::TestProcess;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::Barrier;

/// The chart's default `resources.limits.memory`, which it passes as `MEMORY_LIMIT_BYTES`.
fn chart_memory_limit() -> u64 {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../charts/webapp/values.yaml");
    let values = std::fs::read_to_string(path).unwrap();
    let mut resources = values
        .lines()
        .skip_while(|line| *line != "resources:")
        .take_while(|line| *line == "resources:" || line.starts_with(' '));
    let quantity = resources
        .by_ref()
        .skip_while(|line| line.trim_end() != "  limits:")
        .find_map(|line| line.trim().strip_prefix("memory: "))
        .unwrap_or_else(|| panic!("no resources.limits.memory in {path}"));
    let (number, unit) = quantity.split_at(quantity.len() - 2);
    let unit = match unit {
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        _ => panic!("{path}: write the memory limit in Mi or Gi, not {quantity}"),
    };
    number.parse::<u64>().unwrap() * unit
}
/// Peak resident memory under the mix, as a share of the memory limit.
const PEAK_SHARE_GOAL: f64 = 0.5;
/// Resident memory after the mix, above the idle level, within `RETURN_WITHIN`.
const RETURN_SLACK: u64 = 8 * 1024 * 1024;
const RETURN_WITHIN: Duration = Duration::from_secs(5);

fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches(" kB").parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// What one hostile client sends; none of them reads an answer.
#[derive(Clone, Copy)]
enum Client {
    /// A request head far over any sane limit, never finished.
    HugeHead,
    /// A request head just under the service's limit, never finished.
    FullHead,
    /// An /echo body that stops short of its content-length.
    SlowBody,
    /// Requests pipelined back to back, answers never read.
    PipelinedFlood,
    /// A complete /echo request whose answer is never read.
    SlowReader,
}

const MIX: [(Client, usize); 5] = [
    (Client::HugeHead, 600),
    (Client::FullHead, 300),
    (Client::SlowBody, 100),
    (Client::PipelinedFlood, 20),
    (Client::SlowReader, 50),
];

fn payload(client: Client) -> Vec<u8> {
    let head = |len: usize| {
        let mut head = b"GET / HTTP/1.1\r\nhost: test\r\nx-filler: ".to_vec();
        head.resize(len, b'a');
        head
    };
    match client {
        Client::HugeHead => head(350 * 1024),
        Client::FullHead => head(31 * 1024),
        Client::SlowBody => {
            let mut request =
                b"POST /echo HTTP/1.1\r\nhost: test\r\ncontent-length: 65536\r\n\r\n".to_vec();
            request.resize(request.len() + 60 * 1024, b'x');
            request
        }
        Client::PipelinedFlood => b"GET / HTTP/1.1\r\nhost: test\r\n\r\n".repeat(16 * 1024),
        Client::SlowReader => {
            let mut request =
                b"POST /echo HTTP/1.1\r\nhost: test\r\ncontent-length: 65536\r\n\r\n".to_vec();
            request.resize(request.len() + 65536, b'x');
            request
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_mix_stays_within_half_the_memory_limit_and_memory_is_given_back() {
    let memory_limit = chart_memory_limit();
    let app = TestProcess::spawn(&[
        ("MEMORY_LIMIT_BYTES", &memory_limit.to_string()),
        ("RUST_LOG", "info,webapp::request=off"),
    ]);
    let pid = app.child.id();
    // Warm up the allocator and the runtime's workers first, as a serving pod would be.
    let client = reqwest::Client::new();
    for _ in 0..200 {
        client
            .get(format!("http://{}/", app.public))
            .send()
            .await
            .unwrap();
    }
    let idle_kib = status_kib(pid, "VmRSS:");

    let clients: usize = MIX.iter().map(|(_, count)| count).sum();
    let sent = Arc::new(Barrier::new(clients + 1));
    let release = Arc::new(tokio::sync::Notify::new());
    let mut tasks = Vec::new();
    // Interleaved, so every kind meets the connection limit.
    let mut order: Vec<Client> = Vec::new();
    for round in 0..MIX.iter().map(|(_, count)| *count).max().unwrap() {
        order.extend(
            MIX.iter()
                .filter(|(_, count)| round < *count)
                .map(|(c, _)| *c),
        );
    }
    let started = Instant::now();
    for client in order {
        let (sent, release, public) = (sent.clone(), release.clone(), app.public);
        tasks.push(tokio::spawn(async move {
            let released = release.notified();
            let stream = match TcpStream::connect(public).await {
                Ok(mut stream) => {
                    // Refused connections and 431s end in resets; that is the point.
                    let _ = tokio::time::timeout(
                        Duration::from_secs(5),
                        stream.write_all(&payload(client)),
                    )
                    .await;
                    Some(stream)
                }
                Err(_) => None,
            };
            sent.wait().await;
            released.await;
            drop(stream);
        }));
    }
    sent.wait().await;
    // Hold everything open a while, as attackers would, then let go.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let sent_in = started.elapsed();
    let peak_kib = status_kib(pid, "VmHWM:");
    release.notify_waiters();
    for task in tasks {
        task.await.unwrap();
    }

    let released_at = Instant::now();
    let mut settled_kib = status_kib(pid, "VmRSS:");
    while settled_kib * 1024 > idle_kib * 1024 + RETURN_SLACK
        && released_at.elapsed() < RETURN_WITHIN
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
        settled_kib = status_kib(pid, "VmRSS:");
    }
    let returned_in = released_at.elapsed();
    let mib = |kib: u64| kib as f64 / 1024.0;
    let share = (peak_kib * 1024) as f64 / memory_limit as f64;
    let report = serde_json::json!({
        "clients": clients,
        "memory_limit_mib": memory_limit >> 20,
        "peak_share_goal": PEAK_SHARE_GOAL,
        "return_slack_mib": RETURN_SLACK >> 20,
        "return_within_seconds": RETURN_WITHIN.as_secs_f64(),
        "idle_mib": mib(idle_kib),
        "peak_mib": mib(peak_kib),
        "peak_share_of_limit": share,
        "settled_mib": mib(settled_kib),
        "returned_in_seconds": returned_in.as_secs_f64(),
        "mix_seconds": sent_in.as_secs_f64(),
    });
    eprintln!("hostile mix: {report}");
    if let Some(path) = std::env::var_os("HOSTILE_REPORT") {
        std::fs::write(path, report.to_string()).unwrap();
    }
    // The service still answers afterwards.
    let after = client
        .get(format!("http://{}/", app.public))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), reqwest::StatusCode::OK);
    assert!(
        share <= PEAK_SHARE_GOAL,
        "peak RSS {:.1} MiB is {share:.2} of the {} MiB limit",
        mib(peak_kib),
        memory_limit >> 20
    );
    assert!(
        settled_kib * 1024 <= idle_kib * 1024 + RETURN_SLACK,
        "RSS {:.1} MiB, {:.1} MiB idle, {returned_in:?} after the clients left",
        mib(settled_kib),
        mib(idle_kib)
    );
}
