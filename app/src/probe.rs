//! `webapp probe <url>`: a minimal HTTP GET so images without a shell or curl can be checked.

use std::process::ExitCode;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, Uri, header};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::config::ProbeArgs;

/// GETs `url` and returns the status code, or a message saying what went wrong.
pub(crate) async fn get(url: &str, timeout: Duration) -> Result<u16, String> {
    let uri: Uri = url
        .parse()
        .map_err(|e| format!("invalid URL {url:?}: {e}"))?;
    if uri.scheme_str() != Some("http") {
        return Err(format!("only http:// URLs are supported, got {url:?}"));
    }
    let host = uri
        .host()
        .ok_or_else(|| format!("URL {url:?} has no host"))?
        .to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let exchange = async {
        let stream = TcpStream::connect((host.trim_matches(['[', ']']), port))
            .await
            .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
        let (mut sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake failed: {e}"))?;
        tokio::spawn(connection);
        let authority = uri
            .authority()
            .map(ToString::to_string)
            .unwrap_or(host.clone());
        let request = Request::get(uri.path_and_query().map_or("/", |p| p.as_str()))
            .header(header::HOST, authority)
            .header(
                header::USER_AGENT,
                concat!("webapp-probe/", env!("CARGO_PKG_VERSION")),
            )
            .body(Body::empty())
            .map_err(|e| format!("cannot build the request: {e}"))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        Ok(response.status().as_u16())
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| format!("no answer from {url} within {}s", timeout.as_secs()))?
}

/// `webapp probe <url>`: exit 0 on a 2xx answer, 1 otherwise.
pub fn run(args: &ProbeArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("probe: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let timeout = Duration::from_secs(args.timeout_seconds);
    match runtime.block_on(get(&args.url, timeout)) {
        Ok(status) if (200..300).contains(&status) => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("probe: {} answered {status}", args.url);
            ExitCode::FAILURE
        }
        Err(message) => {
            eprintln!("probe: {message}");
            ExitCode::FAILURE
        }
    }
}
