//! The benchmark's ceiling: the service's own `GET /` handler on a bare axum server, with no
//! middleware, metrics or logging, and the same allocator and TCP_NODELAY as the service.
//! Usage: `ceiling <port>`.

use axum::Router;
use axum::routing::get;
use axum::serve::ListenerExt;
use webapp::{AppState, Config};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| {
            eprintln!("usage: ceiling <port>");
            std::process::exit(2);
        });
    let config = Config::try_from_args(std::iter::empty::<&str>()).expect("the defaults are valid");
    let app = Router::new()
        .route("/", get(webapp::routes::index))
        .with_state(AppState::new(&config));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap_or_else(|e| panic!("cannot listen on 127.0.0.1:{port}: {e}"))
        .tap_io(|stream| {
            if let Err(e) = stream.set_nodelay(true) {
                eprintln!("could not set TCP_NODELAY: {e}");
            }
        });
    axum::serve(listener, app).await.expect("server failed");
}
