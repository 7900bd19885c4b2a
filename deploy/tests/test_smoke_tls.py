"""smoke.py through a TLS listener, as the NLB serves it with a certificate: it passes on the
name the certificate covers and fails on any other name of the same endpoint (for the NLB, its
own elb.amazonaws.com name). That is why app_url uses app_dns_name when TLS is on.

The real service binary (WEBAPP_BIN from `make delivery-test`) sits behind a TLS-terminating
relay with a certificate for `localhost` only; 127.0.0.1 reaches the same relay uncovered.
"""

import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "deploy" / "smoke.py"


@pytest.fixture(scope="module")
def service(free_port):
    binary, sha = os.environ.get("WEBAPP_BIN"), os.environ.get("WEBAPP_SHA")
    if not binary or not sha:
        pytest.fail("WEBAPP_BIN and WEBAPP_SHA are unset: run 'make delivery-test'")
    port = free_port()
    env = {
        **os.environ,
        "APP_PORT": str(port),
        "ADMIN_PORT": str(free_port()),
        "BIND_ADDRESS": "127.0.0.1",
        "RUST_LOG": "warn",
    }
    process = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/version", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("the service did not start")
                time.sleep(0.1)
        yield port, sha
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tls")
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return key, cert


def pump(source, sink):
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@pytest.fixture(scope="module")
def tls_listener(service, certificate):
    """Terminates TLS and relays to the service, like the NLB's 443 listener."""
    backend, _ = service
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate[1], certificate[0])
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                secure = context.wrap_socket(client, server_side=True)
            except (ssl.SSLError, OSError):
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", backend))
            threading.Thread(target=pump, args=(secure, upstream), daemon=True).start()
            threading.Thread(target=pump, args=(upstream, secure), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield port
    listener.close()


def smoke(url, sha, certificate):
    return subprocess.run(
        [sys.executable, str(SMOKE), "--url", url, "--expected-sha", sha]
        + ["--timeout", "3", "--interval", "1"],
        env={**os.environ, "SSL_CERT_FILE": str(certificate[1])},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_passes_on_the_name_the_certificate_covers(service, certificate, tls_listener):
    _, sha = service
    result = smoke(f"https://localhost:{tls_listener}", sha, certificate)
    assert result.returncode == 0, result.stdout + result.stderr


def test_fails_on_an_uncovered_name_of_the_same_listener(service, certificate, tls_listener):
    _, sha = service
    result = smoke(f"https://127.0.0.1:{tls_listener}", sha, certificate)
    assert result.returncode == 1
    assert "CERTIFICATE_VERIFY_FAILED" in result.stdout
