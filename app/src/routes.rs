//! The two routers: public application routes and admin probes/metrics.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::json;

use crate::build;
use crate::guard::GuardLayer;
use crate::observe::ObserveLayer;
use crate::state::{AppState, Readiness};

/// Longest `/delay/{ms}` accepted.
pub const MAX_DELAY_MS: u64 = 10_000;
/// Longest `/cpu/{ms}` accepted.
pub const MAX_CPU_MS: u64 = 2_000;

pub use crate::observe::REQUEST_ID_HEADER;

/// Application routes on the public port, with every middleware applied.
pub fn public_router(state: AppState) -> Router {
    let mut routes = Router::new()
        .route("/", get(index))
        .route("/version", get(version))
        .route(
            "/echo",
            post(echo).layer(DefaultBodyLimit::max(state.body_limit)),
        );
    if state.fault_injection {
        routes = routes
            .route("/delay/{ms}", get(delay))
            .route("/status/{code}", get(status))
            .route("/cpu/{ms}", get(cpu));
    }
    with_public_middleware(routes.with_state(state.clone()), &state)
}

/// Wraps application routes in the public middleware stack. Public so tests can add routes
/// (a panicking handler, for example) behind exactly the stack production uses.
pub fn with_public_middleware(routes: Router, state: &AppState) -> Router {
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // Sees the final status of timeouts, panics and rejections.
        .layer(ObserveLayer::new(state.clone()))
}

/// Probes and metrics on the admin port. Its requests are not counted in the HTTP metrics.
pub fn admin_router(state: AppState) -> Router {
    let mut routes = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics));
    if state.fault_injection {
        routes = routes
            .route("/readyz/disable", post(disable_readiness))
            .route("/readyz/enable", post(enable_readiness));
    }
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(GuardLayer {
            timeout: state.request_timeout,
        })
        .with_state(state)
}

/// A JSON error answer: `{"error": "..."}`.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Response {
    ApiError::new(status, message).into_response()
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not found")
}

async fn method_not_allowed() -> Response {
    error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
}

/// The body of `GET /`: which build and which pod answered.
#[derive(Serialize)]
struct About<'a> {
    service: &'static str,
    version: &'static str,
    commit: &'static str,
    pod: &'a str,
    namespace: Option<&'a str>,
    uptime_seconds: f64,
}

/// The body of `GET /version`.
#[derive(Serialize)]
struct Version {
    version: &'static str,
    commit: &'static str,
}

/// `GET /`. Public so the benchmark's ceiling can serve exactly this handler with no middleware.
/// A typed body is serialised straight from borrowed fields, with no JSON tree built first.
pub async fn index(State(state): State<AppState>) -> Response {
    Json(About {
        service: build::NAME,
        version: build::VERSION,
        commit: build::COMMIT,
        pod: &state.pod_name,
        namespace: state.pod_namespace.as_deref(),
        uptime_seconds: state.started.elapsed().as_secs_f64(),
    })
    .into_response()
}

async fn version() -> Response {
    Json(Version {
        version: build::VERSION,
        commit: build::COMMIT,
    })
    .into_response()
}

async fn echo(headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    match body {
        Ok(body) => {
            let content_type = headers
                .get(header::CONTENT_TYPE)
                .cloned()
                .unwrap_or_else(|| HeaderValue::from_static("application/octet-stream"));
            ([(header::CONTENT_TYPE, content_type)], body).into_response()
        }
        Err(rejection) => error(rejection.status(), rejection.body_text()),
    }
}

/// A path parameter of `/delay`, `/status` or `/cpu`, within `min..=max`.
fn bounded(param: Result<Path<u64>, PathRejection>, min: u64, max: u64) -> Result<u64, ApiError> {
    let Path(value) = param.map_err(|r| ApiError::new(StatusCode::BAD_REQUEST, r.body_text()))?;
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("{value} is outside the allowed range {min}..={max}"),
        ))
    }
}

async fn delay(param: Result<Path<u64>, PathRejection>) -> Result<Response, ApiError> {
    let ms = bounded(param, 0, MAX_DELAY_MS)?;
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Ok(Json(json!({ "delayed_ms": ms })).into_response())
}

async fn status(param: Result<Path<u64>, PathRejection>) -> Result<Response, ApiError> {
    // 1xx codes are not final responses, so they cannot be answered on their own.
    let code = bounded(param, 200, 599)?;
    let status = u16::try_from(code)
        .ok()
        .and_then(|code| StatusCode::from_u16(code).ok())
        .expect("200..=599 are valid status codes");
    Ok((status, Json(json!({ "status": code }))).into_response())
}

async fn cpu(param: Result<Path<u64>, PathRejection>) -> Result<Response, ApiError> {
    let ms = bounded(param, 0, MAX_CPU_MS)?;
    // A blocking thread, so the async workers keep serving other requests meanwhile.
    let iterations = tokio::task::spawn_blocking(move || burn_cpu(Duration::from_millis(ms)))
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cpu task failed: {e}"),
            )
        })?;
    Ok(Json(json!({ "burned_ms": ms, "iterations": iterations })).into_response())
}

fn burn_cpu(duration: Duration) -> u64 {
    let started = Instant::now();
    let mut iterations: u64 = 0;
    while started.elapsed() < duration {
        iterations = std::hint::black_box(iterations.wrapping_add(1));
    }
    iterations
}

async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

async fn readyz(State(state): State<AppState>) -> Response {
    let readiness = state.readiness.current();
    let status = if readiness == Readiness::Ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(json!({ "status": readiness.as_str() }))).into_response()
}

async fn disable_readiness(State(state): State<AppState>) -> Response {
    state.readiness.set_disabled(true);
    tracing::warn!("readiness disabled through the admin port");
    readyz(State(state)).await
}

async fn enable_readiness(State(state): State<AppState>) -> Response {
    state.readiness.set_disabled(false);
    tracing::info!("readiness enabled through the admin port");
    readyz(State(state)).await
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        state.metrics.render(),
    )
        .into_response()
}
