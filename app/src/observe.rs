//! The public routes' one middleware: in-flight gauge, request id, panic-to-500, request
//! timeout, the request log line and the request metrics, in a single pass. (The body limit is
//! set on `/echo` alone, the one route that reads a body.)
//!
//! As separate layers (axum `from_fn`, tower-http's `CatchPanicLayer` and `TimeoutLayer`),
//! each level boxed and cloned a service and boxed a future per request, and tower-http's
//! timeout registered a timer in tokio's wheel for every request, even for answers ready on
//! the first poll. Here the timer is only armed once the handler has to wait.

use std::any::Any;
use std::convert::Infallible;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tokio::time::Timeout;
use tower::{Layer, Service};

use crate::json_format::RequestLine;
use crate::metrics::{InFlight, MethodLabel, RequestLabels, RouteLabel};
use crate::request_log;
use crate::state::AppState;

/// A constant name, so looking the header up does not parse the name on every request.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Wraps every public route, so `MatchedPath` (set by the router) names the route.
#[derive(Clone, Debug)]
pub struct ObserveLayer {
    state: AppState,
    on_panic: fn(Box<dyn Any + Send>) -> Response,
}

impl ObserveLayer {
    /// `on_panic` answers for a handler that panicked (the panic hook has logged it).
    pub fn new(state: AppState, on_panic: fn(Box<dyn Any + Send>) -> Response) -> Self {
        Self { state, on_panic }
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
pub struct Observe<S> {
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
        let on_panic = self.layer.on_panic;
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
        // `poll_ready` readied `inner`, so it is the one to call. A panic here, before any
        // future exists, is answered like one inside the handler.
        let (answer, panicked) = match catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
            Ok(answer) => (
                Some(tokio::time::timeout(
                    timeout,
                    Unwinding { answer, on_panic },
                )),
                None,
            ),
            Err(panic) => (None, Some(on_panic(panic))),
        };
        Observed {
            answer,
            panicked,
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
    pub struct Observed<F> {
        #[pin]
        answer: Option<Timeout<Unwinding<F>>>,
        panicked: Option<Response>,
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
        let mut response = match (this.answer.as_pin_mut(), this.panicked.take()) {
            (_, Some(response)) => response,
            // tokio's timeout polls the answer first and registers its timer only if that
            // is pending, so answers ready at once never touch the timer wheel.
            (Some(answer), None) => match answer.poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(response)) => response,
                Poll::Ready(Err(_elapsed)) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
            },
            (None, None) => unreachable!("polled after completion"),
        };
        let record = this.record.take().expect("polled after completion");
        let elapsed = record.started.elapsed();
        let status = response.status().as_u16();
        request_log::log(&RequestLine {
            method: record.method.as_str(),
            route: record.route.as_str(),
            status,
            // Microsecond resolution keeps the number short and exact in JSON.
            latency_ms: elapsed.as_micros() as f64 / 1000.0,
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

pin_project! {
    /// The handler's answer, or `on_panic`'s if polling it panics.
    pub struct Unwinding<F> {
        #[pin]
        answer: F,
        on_panic: fn(Box<dyn Any + Send>) -> Response,
    }
}

impl<F> Future for Unwinding<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let this = self.project();
        let answer = this.answer;
        match catch_unwind(AssertUnwindSafe(|| answer.poll(cx))) {
            Ok(Poll::Ready(Ok(response))) => Poll::Ready(response),
            Ok(Poll::Ready(Err(never))) => match never {},
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready((this.on_panic)(panic)),
        }
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
