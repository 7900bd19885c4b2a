//! Listeners, the accept loops, the connection limits and the graceful shutdown sequence.
//!
//! Connections are served with hyper directly rather than axum::serve, for the per-connection
//! deadlines (`watchdog`), the connection limit, and so `connections` can let in-flight
//! requests finish at the end.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::HeaderValue;
use axum::routing::future::RouteFuture;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::config::{ADMIN_CONNECTION_LIMIT, Config};
use crate::connections::Connections;
use crate::metrics::CloseReason;
use crate::routes;
use crate::state::AppState;
use crate::watchdog::{Activity, Answering, Expired, Watched};

/// Both listeners, bound before anything is served so a taken port fails start-up.
#[derive(Debug)]
pub struct Listeners {
    pub public: TcpListener,
    pub admin: TcpListener,
}

impl Listeners {
    pub async fn bind(config: &Config) -> io::Result<Self> {
        Ok(Self {
            public: bind(SocketAddr::new(config.bind_address, config.app_port)).await?,
            admin: bind(SocketAddr::new(config.bind_address, config.admin_port)).await?,
        })
    }

    pub fn public_addr(&self) -> io::Result<SocketAddr> {
        self.public.local_addr()
    }

    pub fn admin_addr(&self) -> io::Result<SocketAddr> {
        self.admin.local_addr()
    }
}

async fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))
}

/// In-flight requests were still running when the shutdown timeout expired.
#[derive(Debug)]
pub struct ShutdownTimedOut {
    pub timeout: Duration,
}

impl std::fmt::Display for ShutdownTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "in-flight requests still running after the {}s shutdown timeout",
            self.timeout.as_secs()
        )
    }
}

impl std::error::Error for ShutdownTimedOut {}

/// Serves both listeners until `stop_signal` resolves, then drains and shuts down:
/// readiness turns 503, both listeners keep serving for the drain delay (so load balancers
/// notice and stop sending), then stop accepting, and in-flight requests get up to the
/// shutdown timeout to finish.
pub async fn serve(
    config: &Config,
    state: AppState,
    listeners: Listeners,
    stop_signal: impl Future<Output = ()>,
) -> Result<(), ShutdownTimedOut> {
    let mut http = http1::Builder::new();
    // The head limit answers 431; the buffer limit also bounds what a pipelining client or a
    // request body can make hyper buffer per connection.
    http.max_header_size(config.max_header_bytes())
        .max_buf_size(config.max_header_bytes().max(MIN_HYPER_BUFFER));
    let connections = Connections::default();
    let stop_accepting = CancellationToken::new();
    let serving = Serving {
        http,
        header_read_timeout: config.header_read_timeout(),
        write_stall_timeout: config.write_stall_timeout(),
        connections: connections.clone(),
        stop_accepting: stop_accepting.clone(),
    };

    let public = Port {
        router: routes::public_router(state.clone()),
        limit: Arc::new(Semaphore::new(config.connection_limit())),
        counted: Some(state.clone()),
    };
    let admin = Port {
        router: routes::admin_router(state.clone()),
        limit: Arc::new(Semaphore::new(ADMIN_CONNECTION_LIMIT)),
        counted: None,
    };
    let accept_both = async {
        tokio::join!(
            serving.accept_loop(listeners.public, public),
            serving.accept_loop(listeners.admin, admin),
        )
    };
    let drain = async {
        stop_signal.await;
        state.readiness.set_draining();
        tracing::info!(
            drain_delay_seconds = config.drain_delay_seconds,
            "stop signal received: readiness is 503, still serving during the drain delay"
        );
        tokio::time::sleep(config.drain_delay()).await;
        tracing::info!("drain delay over: no longer accepting connections");
        stop_accepting.cancel();
    };

    state.readiness.set_serving();
    tokio::join!(accept_both, drain);

    let open = connections.count();
    tracing::info!(open_connections = open, "waiting for in-flight requests");
    let timeout = config.shutdown_timeout();
    match tokio::time::timeout(timeout, connections.close_all()).await {
        Ok(()) => {
            tracing::info!("all requests finished: exiting");
            Ok(())
        }
        Err(_) => Err(ShutdownTimedOut { timeout }),
    }
}

/// hyper refuses a buffer limit below this.
const MIN_HYPER_BUFFER: usize = 8192;

/// What every connection of both ports shares.
struct Serving {
    http: http1::Builder,
    header_read_timeout: Duration,
    write_stall_timeout: Duration,
    connections: Connections,
    stop_accepting: CancellationToken,
}

/// One listener's router and connection limit.
struct Port {
    router: Router,
    limit: Arc<Semaphore>,
    /// Where the public port counts its connections; the admin port's are not counted.
    counted: Option<AppState>,
}

impl Serving {
    async fn accept_loop(&self, listener: TcpListener, port: Port) {
        loop {
            let accepted = tokio::select! {
                biased;
                () = self.stop_accepting.cancelled() => break,
                accepted = listener.accept() => accepted,
            };
            let stream = match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    // Typically EMFILE: back off instead of spinning, and keep the listener.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let Ok(permit) = port.limit.clone().try_acquire_owned() else {
                // Closed at once: queueing it would hold memory the limit exists to bound.
                drop(stream);
                closed(port.counted.as_ref(), CloseReason::ConnectionLimit, None);
                continue;
            };
            if let Err(e) = stream.set_nodelay(true) {
                tracing::debug!(error = %e, "could not set TCP_NODELAY");
            }
            let activity = Activity::new();
            let service = Answerer {
                router: port.router.clone(),
                activity: activity.clone(),
            };
            let connection = self.http.serve_connection(
                TokioIo::new(Watched::new(stream, activity.clone())),
                service,
            );
            let (registration, close_requested) = self.connections.register();
            let counted = port.counted.clone();
            let open = counted
                .as_ref()
                .map(|state| state.metrics.track_connection());
            let (header_read, write_stall) = (self.header_read_timeout, self.write_stall_timeout);
            tokio::spawn(async move {
                let _held = (permit, registration, open);
                tokio::pin!(connection);
                let expired = activity.expired(header_read, write_stall);
                tokio::pin!(expired);
                let result = tokio::select! {
                    biased;
                    result = connection.as_mut() => result,
                    reason = expired.as_mut() => return expire(counted.as_ref(), reason, &activity),
                    _ = close_requested => {
                        // Finish the request in progress (if any), then close.
                        connection.as_mut().graceful_shutdown();
                        tokio::select! {
                            biased;
                            result = connection => result,
                            reason = expired => return expire(counted.as_ref(), reason, &activity),
                        }
                    }
                };
                match result {
                    Ok(()) => {}
                    // hyper has answered 431 (or 414 for the request line alone) and closes.
                    Err(e) if e.is_parse_too_large() => {
                        closed(counted.as_ref(), CloseReason::HeaderTooLarge, None);
                    }
                    // Clients resetting or timing out is routine; not worth more than debug.
                    Err(e) => tracing::debug!(error = %e, "connection closed with an error"),
                }
            });
        }
    }
}

fn expire(counted: Option<&AppState>, reason: Expired, activity: &Activity) {
    match reason {
        Expired::HeaderTimeout => closed(counted, CloseReason::HeaderTimeout, None),
        Expired::WriteStall => closed(counted, CloseReason::WriteStall, activity.last_request_id()),
    }
}

/// Counts (on the public port) and logs a connection the server closed on its own. Warnings
/// are limited to one per reason per second, since a client can cause one per connection; the
/// counter has every one.
fn closed(counted: Option<&AppState>, reason: CloseReason, request_id: Option<HeaderValue>) {
    let Some(state) = counted else {
        tracing::debug!(reason = reason.as_str(), "admin connection closed");
        return;
    };
    state.metrics.connection_closed(reason);
    let request_id = request_id.as_ref().and_then(|id| id.to_str().ok());
    match reason {
        // Idle keep-alive connections end this way all the time.
        CloseReason::HeaderTimeout => {
            tracing::debug!(
                reason = reason.as_str(),
                "connection closed: no request head in time"
            );
        }
        _ if !WARNED[reason as usize].first_this_second() => {}
        CloseReason::ConnectionLimit => tracing::warn!(
            reason = reason.as_str(),
            "connection limit reached: new connections are closed at once"
        ),
        CloseReason::HeaderTooLarge => tracing::warn!(
            reason = reason.as_str(),
            "request head over MAX_HEADER_BYTES: answered 431 and closed the connection"
        ),
        CloseReason::WriteStall => tracing::warn!(
            reason = reason.as_str(),
            request_id,
            "response cut off: the client read nothing for the write-stall timeout"
        ),
    }
}

/// The second of the last warning, for each close reason.
static WARNED: [Throttle; CloseReason::ALL.len()] =
    [const { Throttle::new() }; CloseReason::ALL.len()];

struct Throttle(AtomicU64);

impl Throttle {
    const fn new() -> Self {
        Self(AtomicU64::new(u64::MAX))
    }

    fn first_this_second(&self) -> bool {
        static STARTED: std::sync::LazyLock<Instant> = std::sync::LazyLock::new(Instant::now);
        let second = STARTED.elapsed().as_secs();
        let last = self.0.swap(second, Ordering::Relaxed);
        last != second
    }
}

/// The router as a hyper service, each answer tracked as activity on its connection.
#[derive(Clone)]
struct Answerer {
    router: Router,
    activity: Arc<Activity>,
}

impl hyper::service::Service<hyper::Request<Incoming>> for Answerer {
    type Response = hyper::Response<crate::watchdog::AnsweringBody>;
    type Error = Infallible;
    type Future = Answering<RouteFuture<Infallible>>;

    fn call(&self, request: hyper::Request<Incoming>) -> Self::Future {
        // Router is always ready (its poll_ready is a no-op), so calling a clone is enough.
        let answer = tower::Service::call(&mut self.router.clone(), request);
        self.activity.answering(answer)
    }
}
