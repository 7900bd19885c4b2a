//! Measures how long the service takes from exec to its first 200 on `/readyz`.
//! Usage: `ready_time <webapp binary> [runs]`; prints the median, min and max in milliseconds.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const GIVE_UP_AFTER: Duration = Duration::from_secs(5);

fn main() {
    let mut args = std::env::args().skip(1);
    let binary = args.next().unwrap_or_else(|| usage());
    let runs: usize = args
        .next()
        .map_or(Ok(11), |r| r.parse())
        .unwrap_or_else(|_| usage());
    if runs == 0 {
        usage();
    }
    let mut times: Vec<Duration> = (0..runs).map(|_| time_to_ready(&binary)).collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "median_ms={:.2} min_ms={:.2} max_ms={:.2} runs={runs}",
        ms(times[runs / 2]),
        ms(times[0]),
        ms(times[runs - 1])
    );
}

fn usage() -> ! {
    eprintln!("usage: ready_time <webapp binary> [runs, default 11]");
    std::process::exit(2);
}

fn time_to_ready(binary: &str) -> Duration {
    let (app_port, admin_port) = (free_port(), free_port());
    let admin = SocketAddr::from(([127, 0, 0, 1], admin_port));
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env_clear()
        .env("BIND_ADDRESS", "127.0.0.1")
        .env("APP_PORT", app_port.to_string())
        .env("ADMIN_PORT", admin_port.to_string())
        .env("DRAIN_DELAY_SECONDS", "0")
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {binary}: {e}"));
    let ready = loop {
        if readyz_ok(admin) {
            break started.elapsed();
        }
        if started.elapsed() > GIVE_UP_AFTER {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{binary} was not ready within {GIVE_UP_AFTER:?}");
        }
        // Short polls: the measurement's resolution is about this interval.
        std::thread::sleep(Duration::from_micros(200));
    };
    child.kill().expect("stop webapp");
    child.wait().expect("reap webapp");
    ready
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("bound address").port()
}

fn readyz_ok(admin: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&admin, Duration::from_millis(100)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let request = b"GET /readyz HTTP/1.1\r\nhost: bench\r\nconnection: close\r\n\r\n";
    if stream.write_all(request).is_err() {
        return false;
    }
    let mut status_line = [0; 12];
    stream.read_exact(&mut status_line).is_ok() && status_line.ends_with(b" 200")
}
