"""cluster_tunnel.py: the kubeconfig it writes, used by the real kubectl through a local port
against a TLS server holding a certificate for the endpoint's name (as the Session Manager
tunnel presents the EKS endpoint), with the operator's token from `aws eks get-token`."""

import base64
import datetime
import http.server
import json
import os
import pathlib
import shlex
import ssl
import subprocess
import sys
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "cluster_tunnel.py"
HOST = "0123456789abcdef.gr7.eu-west-1.eks.amazonaws.com"
TOKEN = "k8s-aws-v1.operator-token"


def certificate(subject, issuer_key, key, issuer=None, ca=False, dns=None):
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if dns:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    """An HTTPS server on 127.0.0.1 whose certificate names the EKS endpoint host only."""
    work = tmp_path_factory.mktemp("endpoint")
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = certificate("test cluster CA", ca_key, ca_key, ca=True)
    cert = certificate(HOST, ca_key, key, issuer=ca.subject, dns=HOST)
    (work / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (work / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            seen.append(self.headers.get("Authorization"))
            body = json.dumps({"major": "1", "minor": "35", "gitVersion": "v1.35.0"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(work / "cert.pem", work / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {
        "port": server.server_address[1],
        "ca": base64.b64encode(ca.public_bytes(serialization.Encoding.PEM)).decode(),
        "seen": seen,
    }
    server.shutdown()


def outputs(path, ca, **changes):
    values = {
        "aws_region": "eu-west-1",
        "cluster_name": "devops-eks-cluster",
        "cluster_endpoint": f"https://{HOST.upper()}",
        "cluster_certificate_authority_data": ca,
        "bastion_instance_id": "i-0123456789abcdef0",
        **changes,
    }
    path.write_text(json.dumps({k: {"sensitive": False, "value": v} for k, v in values.items()}))
    return path


def tunnel(*args):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def fake_aws(bin_dir, calls):
    script = bin_dir / "aws"
    credential = {
        "kind": "ExecCredential",
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "status": {"token": TOKEN},
    }
    script.write_text(
        f"#!/usr/bin/env bash\nprintf '%s\\n' \"$*\" >>{shlex.quote(str(calls))}\n"
        f"echo {shlex.quote(json.dumps(credential))}\n"
    )
    script.chmod(0o755)


@pytest.fixture
def kubectl(tool):
    """The pinned kubectl asking the API's version, with the stand-ins in bin_dir on PATH."""
    binary = tool("kubectl")

    def run(kubeconfig, bin_dir):
        return subprocess.run(
            [binary, "--kubeconfig", str(kubeconfig), "get", "--raw", "/version"],
            env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return run


def test_kubectl_reaches_the_endpoint_through_the_local_port_as_the_operator(
    tmp_path, endpoint, kubectl
):
    config = tmp_path / "kubeconfig"
    result = tunnel(
        outputs(tmp_path / "o.json", endpoint["ca"]), config, "--local-port", endpoint["port"]
    )
    assert result.returncode == 0, result.stderr
    calls = tmp_path / "aws-calls"
    fake_aws(tmp_path, calls)
    answer = kubectl(config, tmp_path)
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["gitVersion"] == "v1.35.0"
    assert endpoint["seen"][-1] == f"Bearer {TOKEN}"
    assert calls.read_text().split() == [
        "eks", "get-token", "--cluster-name", "devops-eks-cluster",
        "--region", "eu-west-1", "--output", "json",
    ]  # fmt: skip


def test_without_the_endpoint_name_the_certificate_is_refused(tmp_path, endpoint, kubectl):
    config = tmp_path / "kubeconfig"
    tunnel(outputs(tmp_path / "o.json", endpoint["ca"]), config, "--local-port", endpoint["port"])
    document = json.loads(config.read_text())
    del document["clusters"][0]["cluster"]["tls-server-name"]
    config.write_text(json.dumps(document))
    fake_aws(tmp_path, tmp_path / "aws-calls")
    answer = kubectl(config, tmp_path)
    assert answer.returncode != 0
    assert "certificate" in answer.stderr


def test_the_printed_session_forwards_the_local_port_to_the_endpoint(tmp_path, endpoint):
    result = tunnel(
        outputs(tmp_path / "o.json", endpoint["ca"]), tmp_path / "k", "--local-port", 9443
    )
    assert result.returncode == 0, result.stderr
    (session,) = [line for line in result.stdout.splitlines() if line.startswith("aws ssm")]
    words = shlex.split(session)
    options = dict(zip(words[3::2], words[4::2], strict=True))
    assert options["--target"] == "i-0123456789abcdef0"
    assert options["--document-name"] == "AWS-StartPortForwardingSessionToRemoteHost"
    assert json.loads(options["--parameters"]) == {
        "host": [HOST],
        "portNumber": ["443"],
        "localPortNumber": ["9443"],
    }


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"bastion_instance_id": None}, "enable_bastion = true"),
        ({"cluster_endpoint": None}, "cluster_endpoint"),
    ],
)
def test_missing_pieces_are_named(tmp_path, changes, reason):
    result = tunnel(outputs(tmp_path / "o.json", "Y2E=", **changes), tmp_path / "k")
    assert result.returncode == 2
    assert reason in result.stderr
    assert not (tmp_path / "k").exists()
