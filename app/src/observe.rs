//! The public routes' one middleware: in-flight gauge, request id, the shared timeout and
//! panic handling (`guard`), the request log line and the request metrics, in a single pass.
//! (The body limit is set on `/echo` alone, the one route that reads a body.)
//!
//! As separate layers (axum `from_fn` and tower-http's), each level boxed and cloned a service
//! and boxed a future per request.

use std::convert::Infallible;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::pin::Pin;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use crate::guard::{self, Guarded};
use crate::metrics::{InFlight, MethodLabel, RequestLabels, RouteLabel};
use crate::request_log::{self, RequestLine};
use crate::state::AppState;

/// A constant name, so looking the header up does not parse the name on every request.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Wraps every public route, so `MatchedPath` (set by the router) names the route.
#[derive(Clone, Debug)]
pub(crate) struct ObserveLayer {
    state: AppState,
}

impl ObserveLayer {
    pub(crate) fn new(state: AppState) -> Self {
        Self { state }
    }
}

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Observe {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Observe<S> {
    inner: S,
    layer: ObserveLayer,
}

impl<S> Service<Request> for Observe<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    /// A named future rather than a boxed `async` block: the router boxes it once already.
    type Future = Observed<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        let state = self.layer.state.clone();
        // Held by the future, so a request whose client went away is no longer counted.
        let in_flight = state.metrics.track_in_flight();
        let method = MethodLabel::from(request.method());
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or(RouteLabel::UNMATCHED, |path| RouteLabel::new(path.as_str()));
        let request_id = request
            .headers()
            .get(&REQUEST_ID_HEADER)
            .filter(|value| is_acceptable_request_id(value))
            .cloned()
            .unwrap_or_else(new_request_id);
        let timeout = state.request_timeout;
        // `poll_ready` readied `inner`, so it is the one to call.
        let answer = guard::call(&mut self.inner, request, timeout);
        Observed {
            answer,
            record: Some(Record {
                started,
                state,
                method,
                route,
                request_id,
                _in_flight: in_flight,
            }),
        }
    }
}

pin_project! {
    /// The handler's answer within the request timeout, then logged and counted.
    pub(crate) struct Observed<F> {
        #[pin]
        answer: Guarded<F>,
        record: Option<Record>,
    }
}

/// What the log line and the metrics need once the answer is known.
struct Record {
    started: Instant,
    state: AppState,
    method: MethodLabel,
    route: RouteLabel,
    request_id: HeaderValue,
    _in_flight: InFlight,
}

impl<F> Future for Observed<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Ok(mut response) = std::task::ready!(this.answer.poll(cx));
        let record = this.record.take().expect("polled after completion");
        let elapsed = record.started.elapsed();
        let status = response.status().as_u16();
        request_log::log(&RequestLine {
            method: record.method.as_str(),
            route: record.route.as_str(),
            status,
            // Microsecond resolution keeps the number short and exact in JSON.
            latency_micros: u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            // Accepted ids are visible ASCII, so to_str cannot fail.
            request_id: record.request_id.to_str().unwrap_or_default(),
        });
        record.state.metrics.observe(
            &RequestLabels {
                method: record.method,
                route: record.route,
                status,
            },
            elapsed,
        );
        response
            .headers_mut()
            .insert(REQUEST_ID_HEADER, record.request_id);
        Poll::Ready(Ok(response))
    }
}

/// Client ids are kept only if short and printable, so logs cannot be flooded or forged.
fn is_acceptable_request_id(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    (1..=128).contains(&bytes.len()) && bytes.iter().all(|b| b.is_ascii_graphic())
}

/// A new request id: 32 hex digits, a random per-process prefix then a counter. Unique across
/// pods without a system call per request (unlike a random UUID each time).
fn new_request_id() -> HeaderValue {
    // RandomState is keyed from the operating system's random source.
    static PROCESS_PREFIX: LazyLock<u64> =
        LazyLock::new(|| RandomState::new().hash_one(std::process::id()));
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let sequence = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut id = [0u8; 32];
    let (prefix_digits, sequence_digits) = id.split_at_mut(16);
    for (word, digits) in [
        (*PROCESS_PREFIX, prefix_digits),
        (sequence, sequence_digits),
    ] {
        for (i, digit) in digits.iter_mut().enumerate() {
            *digit = b"0123456789abcdef"[((word >> (60 - 4 * i)) & 0xf) as usize];
        }
    }
    HeaderValue::from_bytes(&id).expect("hex digits are a valid header value")
}
