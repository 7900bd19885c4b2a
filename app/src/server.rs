//! Listeners, the accept loops and the graceful shutdown sequence.
//!
//! Connections are served with hyper directly rather than axum::serve, for the header-read
//! timeout (`header_timeout`) and so `connections` can let in-flight requests finish at the end.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::response::Response;
use axum::routing::future::RouteFuture;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::connections::Connections;
use crate::header_timeout::{Activity, Answering};
use crate::routes;
use crate::state::AppState;

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
    let http = http1::Builder::new();
    let connections = Connections::default();
    let stop_accepting = CancellationToken::new();

    let public = routes::public_router(state.clone());
    let admin = routes::admin_router(state.clone());
    let accept_both = async {
        tokio::join!(
            accept_loop(
                listeners.public,
                public,
                &http,
                config,
                &connections,
                &stop_accepting
            ),
            accept_loop(
                listeners.admin,
                admin,
                &http,
                config,
                &connections,
                &stop_accepting
            ),
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

async fn accept_loop(
    listener: TcpListener,
    router: Router,
    http: &http1::Builder,
    config: &Config,
    connections: &Connections,
    stop_accepting: &CancellationToken,
) {
    let header_read_timeout = config.header_read_timeout();
    loop {
        let accepted = tokio::select! {
            biased;
            () = stop_accepting.cancelled() => break,
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
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        let activity = Activity::new();
        let service = Watched {
            router: router.clone(),
            activity: activity.clone(),
        };
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let (registration, close_requested) = connections.register();
        tokio::spawn(async move {
            let _registration = registration;
            tokio::pin!(connection);
            let stalled = activity.stalled(header_read_timeout);
            tokio::pin!(stalled);
            let result = tokio::select! {
                biased;
                result = connection.as_mut() => result,
                () = stalled.as_mut() => {
                    tracing::debug!("no request head within the header-read timeout: closing");
                    return;
                }
                _ = close_requested => {
                    // Finish the request in progress (if any), then close.
                    connection.as_mut().graceful_shutdown();
                    tokio::select! {
                        biased;
                        result = connection => result,
                        () = stalled => return,
                    }
                }
            };
            if let Err(e) = result {
                // Clients resetting or timing out is routine; not worth more than debug.
                tracing::debug!(error = %e, "connection closed with an error");
            }
        });
    }
}

/// The router as a hyper service, with each answer counted as activity on its connection.
#[derive(Clone)]
struct Watched {
    router: Router,
    activity: Arc<Activity>,
}

impl hyper::service::Service<hyper::Request<Incoming>> for Watched {
    type Response = Response;
    type Error = Infallible;
    type Future = Answering<RouteFuture<Infallible>>;

    fn call(&self, request: hyper::Request<Incoming>) -> Self::Future {
        // Router is always ready (its poll_ready is a no-op), so calling a clone is enough.
        let answer = tower::Service::call(&mut self.router.clone(), request);
        self.activity.answering(answer)
    }
}
