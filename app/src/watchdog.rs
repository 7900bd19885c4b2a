//! Per-connection deadlines: the header-read timeout and the write-stall timeout.
//!
//! A connection is in one of three states. Waiting for a request head, it is closed once it
//! has waited the header-read timeout (a stalled or slow client, or an idle keep-alive
//! connection); the wait starts when it opens, when its last answer ends and whenever the
//! client accepts more of an answer, so a slow reader is never cut off mid-body. Answering (a
//! handler running, or a response body not yet fully handed to hyper), it has no header
//! deadline: a handler is bounded by the request timeout. With a write blocked (the client is
//! not reading), it is closed once no byte has left for the write-stall timeout.
//!
//! hyper's own `header_read_timeout` arms a boxed timer for every request, and after each
//! request it reads the socket once more only to start the next timer. At tens of thousands
//! of requests per second that was about a tenth of the throughput. Here a connection has one
//! deadline, moved only when it expires: it records when it last made progress, and a
//! watchdog wakes at most once per timeout to check.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::HeaderValue;
use axum::response::Response;
use hyper::body::{Frame, SizeHint};
use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::observe::REQUEST_ID_HEADER;

/// Nanoseconds are counted from here, so an instant fits in an atomic.
static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

fn now_nanos() -> u64 {
    u64::try_from(Instant::now().saturating_duration_since(*EPOCH).as_nanos()).unwrap_or(u64::MAX)
}

fn instant_of(nanos: u64) -> Instant {
    *EPOCH + Duration::from_nanos(nanos)
}

/// Why the watchdog closed a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expired {
    HeaderTimeout,
    WriteStall,
}

/// What one connection is doing. Only the connection's own task touches it (the watchdog runs
/// in that task too), so relaxed atomics suffice; they are atomics only because tasks move
/// between threads.
#[derive(Debug)]
pub(crate) struct Activity {
    answering: AtomicU32,
    /// When the connection last made progress: opened, finished an answer, or wrote bytes.
    progress_at: AtomicU64,
    /// When a write last found the client's window full, or 0 while writes go through.
    blocked_since: AtomicU64,
    /// The request id of the last answer, to name the response a write stall cuts off.
    last_request_id: Mutex<Option<HeaderValue>>,
}

impl Activity {
    /// A new connection: waiting for its first request head from now.
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            answering: AtomicU32::new(0),
            progress_at: AtomicU64::new(now_nanos()),
            blocked_since: AtomicU64::new(0),
            last_request_id: Mutex::new(None),
        })
    }

    /// The request id of the last answer on this connection (public answers carry one).
    pub(crate) fn last_request_id(&self) -> Option<HeaderValue> {
        self.last_request_id
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Wraps the answer to a request whose head has arrived; the connection is answering until
    /// the response body has been handed over whole (or the answer is dropped).
    pub(crate) fn answering<F>(self: &Arc<Self>, answer: F) -> Answering<F> {
        self.answering.fetch_add(1, Ordering::Relaxed);
        Answering {
            answer,
            busy: Some(Busy(self.clone())),
        }
    }

    fn wrote(&self) {
        self.progress_at.store(now_nanos(), Ordering::Relaxed);
        self.blocked_since.store(0, Ordering::Relaxed);
    }

    fn write_blocked(&self) {
        if self.blocked_since.load(Ordering::Relaxed) == 0 {
            self.blocked_since
                .store(now_nanos().max(1), Ordering::Relaxed);
        }
    }

    /// Resolves once the connection has waited `header_read` for a request head, or a write
    /// has been blocked for `write_stall`.
    pub(crate) async fn expired(&self, header_read: Duration, write_stall: Duration) -> Expired {
        loop {
            let now = Instant::now();
            let blocked_since = self.blocked_since.load(Ordering::Relaxed);
            let deadline = if blocked_since != 0 {
                let deadline = instant_of(blocked_since) + write_stall;
                if now >= deadline {
                    return Expired::WriteStall;
                }
                deadline
            } else if self.answering.load(Ordering::Relaxed) > 0 {
                // A handler's own time is bounded by the request timeout; look again later.
                now + header_read.min(write_stall)
            } else {
                let deadline = instant_of(self.progress_at.load(Ordering::Relaxed)) + header_read;
                if now >= deadline {
                    return Expired::HeaderTimeout;
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
        self.0.progress_at.store(now_nanos(), Ordering::Relaxed);
        self.0.answering.fetch_sub(1, Ordering::Relaxed);
    }
}

pin_project! {
    /// A request's answer; the connection stays busy until its body has been handed over.
    pub(crate) struct Answering<F> {
        #[pin]
        answer: F,
        busy: Option<Busy>,
    }
}

impl<F, E> Future for Answering<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response<AnsweringBody>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = std::task::ready!(this.answer.poll(cx))?;
        let busy = this.busy.take();
        if let (Some(busy), Some(id)) = (&busy, response.headers().get(REQUEST_ID_HEADER)) {
            // Uncontended: only this connection's task takes the lock.
            *busy
                .0
                .last_request_id
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(id.clone());
        }
        Poll::Ready(Ok(response.map(|body| AnsweringBody { body, busy })))
    }
}

pin_project! {
    /// A response body that keeps its connection busy until its last frame is taken.
    /// Wrapping by value costs no allocation, unlike boxing the body again.
    pub(crate) struct AnsweringBody {
        #[pin]
        body: Body,
        busy: Option<Busy>,
    }
}

impl hyper::body::Body for AnsweringBody {
    type Data = <Body as hyper::body::Body>::Data;
    type Error = <Body as hyper::body::Body>::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let mut this = self.project();
        let frame = std::task::ready!(this.body.as_mut().poll_frame(cx));
        if frame.is_none() || this.body.is_end_stream() {
            this.busy.take();
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A connection's socket; every byte written counts as progress, and a write the client's
/// window refuses starts the write-stall clock.
pub(crate) struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl Watched {
    pub(crate) fn new(stream: TcpStream, activity: Arc<Activity>) -> Self {
        Self { stream, activity }
    }

    fn track(&self, written: Poll<io::Result<usize>>) -> Poll<io::Result<usize>> {
        match &written {
            Poll::Ready(Ok(n)) if *n > 0 => self.activity.wrote(),
            Poll::Pending => self.activity.write_blocked(),
            Poll::Ready(_) => {}
        }
        written
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.track(written)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.track(written)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
