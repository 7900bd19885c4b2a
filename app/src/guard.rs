//! One timeout and one panic handling for both routers: an answer that takes longer than the
//! request timeout becomes a 503, a handler that panics becomes a 500 (the panic hook has
//! logged it), and the process keeps serving.
//!
//! tower-http's `TimeoutLayer` registers a timer in tokio's wheel for every request, even for
//! answers ready on the first poll; here the timer is armed only once the handler has to wait.

use std::convert::Infallible;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tokio::time::Timeout;
use tower::{Layer, Service};

use crate::routes::error;

/// Calls `inner` and bounds its answer; a panic in the call itself is answered like one inside
/// the handler.
pub(crate) fn call<S>(inner: &mut S, request: Request, timeout: Duration) -> Guarded<S::Future>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    match catch_unwind(AssertUnwindSafe(|| inner.call(request))) {
        Ok(answer) => Guarded {
            answer: Some(tokio::time::timeout(timeout, Unwinding { answer })),
            panicked: false,
        },
        Err(_panic) => Guarded {
            answer: None,
            panicked: true,
        },
    }
}

pin_project! {
    /// An answer within the request timeout, with panics answered as 500.
    pub(crate) struct Guarded<F> {
        #[pin]
        answer: Option<Timeout<Unwinding<F>>>,
        panicked: bool,
    }
}

impl<F> Future for Guarded<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(answer) = this.answer.as_pin_mut() else {
            return Poll::Ready(Ok(panic_response()));
        };
        // tokio's timeout polls the answer first and registers its timer only if that is
        // pending, so answers ready at once never touch the timer wheel.
        Poll::Ready(Ok(match std::task::ready!(answer.poll(cx)) {
            Ok(response) => response,
            Err(_elapsed) => error(StatusCode::SERVICE_UNAVAILABLE, "request timed out"),
        }))
    }
}

pin_project! {
    /// The handler's answer, or a 500 if polling it panics.
    pub(crate) struct Unwinding<F> {
        #[pin]
        answer: F,
    }
}

impl<F> Future for Unwinding<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let answer = self.project().answer;
        match catch_unwind(AssertUnwindSafe(|| answer.poll(cx))) {
            Ok(Poll::Ready(Ok(response))) => Poll::Ready(response),
            Ok(Poll::Ready(Err(never))) => match never {},
            Ok(Poll::Pending) => Poll::Pending,
            Err(_panic) => Poll::Ready(panic_response()),
        }
    }
}

fn panic_response() -> Response {
    error(StatusCode::INTERNAL_SERVER_ERROR, "internal server error").into_response()
}

/// The guard as a layer, for the admin router (the public router's middleware calls [`call`]
/// itself, in the same pass as its log line and metrics).
#[derive(Clone, Copy, Debug)]
pub(crate) struct GuardLayer {
    pub(crate) timeout: Duration,
}

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Guard<S> {
        Guard {
            inner,
            timeout: self.timeout,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Guard<S> {
    inner: S,
    timeout: Duration,
}

impl<S> Service<Request> for Guard<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Guarded<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        call(&mut self.inner, request, self.timeout)
    }
}
