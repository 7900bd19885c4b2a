//! The header-read timeout: a connection that sends no complete request head for the timeout
//! (a stalled or slow client, or an idle keep-alive connection) is closed.
//!
//! hyper's own `header_read_timeout` arms a boxed timer for every request, and after each
//! request it reads the socket once more only to start the next timer. At tens of thousands
//! of requests per second that was about a tenth of the throughput. Here a connection has one
//! deadline, moved only when it expires: it records when its last request finished, and a
//! watchdog wakes at most once per timeout to check.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

/// Nanoseconds are counted from here, so an instant fits in an atomic.
static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

fn nanos_since_epoch(instant: Instant) -> u64 {
    u64::try_from(instant.saturating_duration_since(*EPOCH).as_nanos()).unwrap_or(u64::MAX)
}

/// What one connection is doing: answering requests, or waiting for the next request head
/// since `idle_since`. Only the connection's own task touches it (the watchdog runs in that
/// task too), so relaxed atomics suffice; they are atomics only because tasks move between
/// threads.
#[derive(Debug)]
pub struct Activity {
    answering: AtomicU32,
    idle_since: AtomicU64,
}

impl Activity {
    /// A new connection: waiting for its first request head from now.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            answering: AtomicU32::new(0),
            idle_since: AtomicU64::new(nanos_since_epoch(Instant::now())),
        })
    }

    /// Wraps the answer to a request whose head has arrived; while it runs the connection is
    /// not waiting for a head, and when it ends (or is dropped) the wait starts again.
    pub fn answering<F: Future>(self: &Arc<Self>, answer: F) -> Answering<F> {
        self.answering.fetch_add(1, Ordering::Relaxed);
        Answering {
            answer,
            busy: Busy(self.clone()),
        }
    }

    /// Resolves once the connection has waited `timeout` for a request head.
    pub async fn stalled(&self, timeout: Duration) {
        loop {
            let deadline = if self.answering.load(Ordering::Relaxed) > 0 {
                // A request's own time is bounded by the request timeout; look again later.
                Instant::now() + timeout
            } else {
                let idle_since =
                    *EPOCH + Duration::from_nanos(self.idle_since.load(Ordering::Relaxed));
                let deadline = idle_since + timeout;
                if Instant::now() >= deadline {
                    return;
                }
                deadline
            };
            tokio::time::sleep_until(deadline.into()).await;
        }
    }
}

#[derive(Debug)]
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0
            .idle_since
            .store(nanos_since_epoch(Instant::now()), Ordering::Relaxed);
        self.0.answering.fetch_sub(1, Ordering::Relaxed);
    }
}

pin_project! {
    /// A request's answer, counted as activity on its connection until it ends.
    pub struct Answering<F> {
        #[pin]
        answer: F,
        busy: Busy,
    }
}

impl<F: Future> Future for Answering<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.project().answer.poll(cx)
    }
}
