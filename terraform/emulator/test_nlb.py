"""modules/nlb on the emulator, through a wrapper that gives it a network and a node group: plain
TCP on 80, then the TLS listener on 443 with a certificate imported into ACM, then back."""

import datetime

import emulator
import harness
import roots
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DOMAIN = "app.example.com"


def import_certificate(endpoint):
    """A self-signed certificate in ACM, as an operator imports one (or ACM issues it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DOMAIN)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(DOMAIN)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return emulator.client(endpoint, "acm").import_certificate(
        Certificate=certificate.public_bytes(serialization.Encoding.PEM),
        PrivateKey=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )["CertificateArn"]


def listeners(endpoint, nlb):
    found = emulator.client(endpoint, "elbv2").describe_listeners(LoadBalancerArn=nlb["arn"])
    return {listener["Port"]: listener for listener in found["Listeners"]}


def client_ports(endpoint, nlb):
    rules = emulator.client(endpoint, "ec2").describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [nlb["security_group_id"]]}]
    )["SecurityGroupRules"]
    return {rule["FromPort"] for rule in rules if not rule["IsEgress"]}


def check_plain(outputs, endpoint):
    nlb = outputs["nlb"]
    assert nlb["app_url"].startswith("http://")
    elbv2 = emulator.client(endpoint, "elbv2")
    lb = elbv2.describe_load_balancers(LoadBalancerArns=[nlb["arn"]])["LoadBalancers"][0]
    assert lb["Type"] == "network"
    assert lb["SecurityGroups"] == [nlb["security_group_id"]]
    group = elbv2.describe_target_groups(TargetGroupArns=[nlb["target_group_arn"]])
    assert group["TargetGroups"][0]["TargetType"] == "ip"
    assert {port: ln["Protocol"] for port, ln in listeners(endpoint, nlb).items()} == {80: "TCP"}
    assert client_ports(endpoint, nlb) == {80}


def check_tls(certificate_arn):
    def check(outputs, endpoint):
        nlb = outputs["nlb"]
        assert nlb["app_url"].startswith("https://")
        found = listeners(endpoint, nlb)
        assert {port: ln["Protocol"] for port, ln in found.items()} == {80: "TCP", 443: "TLS"}
        tls = found[443]
        assert [c["CertificateArn"] for c in tls["Certificates"]] == [certificate_arn]
        assert tls["SslPolicy"].startswith("ELBSecurityPolicy-TLS13")
        assert tls["DefaultActions"][0]["TargetGroupArn"] == nlb["target_group_arn"]
        assert client_ports(endpoint, nlb) == {80, 443}

    return check


def test_nlb_adds_and_removes_its_tls_listener(endpoint, tmp_path):
    emulator.reset(endpoint)
    certificate_arn = import_certificate(endpoint)
    before = emulator.inventory(endpoint)
    steps = [
        harness.Step(check=check_plain),
        harness.Step({"certificate_arn": certificate_arn}, check_tls(certificate_arn)),
        harness.Step(check=check_plain),
    ]
    workspace = harness.Workspace(
        harness.Root(**{**roots.NLB.__dict__, "steps": steps}), endpoint, tmp_path
    )
    workspace.init()
    variables = harness.converge(workspace)
    workspace.destroy(variables)
    harness.assert_nothing_left(endpoint, before, "nlb")
