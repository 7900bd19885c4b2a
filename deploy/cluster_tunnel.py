#!/usr/bin/env python3
"""Print how an operator reaches a private API endpoint through the bastion, and write the
kubeconfig for it.

Reads `terraform output -json` of terraform/live. Session Manager forwards a local port to the
endpoint's host on 443 through the bastion (no inbound rule, no SSH). The kubeconfig talks to
https://127.0.0.1:<port> but checks the certificate against the endpoint's real name
(tls-server-name), and authenticates as the operator's own AWS identity (aws eks get-token).

Usage: cluster_tunnel.py OUTPUTS_JSON KUBECONFIG_PATH [--local-port N]
"""

import argparse
import json
import shlex
import sys
from urllib.parse import urlsplit

import terraform_outputs

REQUIRED = ("aws_region", "cluster_name", "cluster_endpoint", "cluster_certificate_authority_data")


def load(path):
    values = {name: output["value"] for name, output in terraform_outputs.read(path).items()}
    missing = [name for name in REQUIRED if not values.get(name)]
    if missing:
        raise ValueError(f"outputs missing: {', '.join(missing)}; apply terraform/live first")
    if not values.get("bastion_instance_id"):
        raise ValueError(
            "no bastion in this deployment: set enable_bastion = true in terraform/live and apply"
        )
    return values


def kubeconfig(values, port):
    host = urlsplit(values["cluster_endpoint"]).hostname
    name = f"{values['cluster_name']}-tunnel"
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": name,
                "cluster": {
                    "server": f"https://127.0.0.1:{port}",
                    # The certificate names the endpoint, not localhost: check it against that name.
                    "tls-server-name": host,
                    "certificate-authority-data": values["cluster_certificate_authority_data"],
                },
            }
        ],
        "users": [
            {
                "name": name,
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "aws",
                        "args": [
                            "eks",
                            "get-token",
                            "--cluster-name",
                            values["cluster_name"],
                            "--region",
                            values["aws_region"],
                            "--output",
                            "json",
                        ],
                        "interactiveMode": "Never",
                    }
                },
            }
        ],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
    }


def session_command(values, port):
    host = urlsplit(values["cluster_endpoint"]).hostname
    parameters = {"host": [host], "portNumber": ["443"], "localPortNumber": [str(port)]}
    words = [
        "aws", "ssm", "start-session",
        "--region", values["aws_region"],
        "--target", values["bastion_instance_id"],
        "--document-name", "AWS-StartPortForwardingSessionToRemoteHost",
        "--parameters", json.dumps(parameters, separators=(",", ":")),
    ]  # fmt: skip
    return " ".join(shlex.quote(word) for word in words)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outputs", help="file holding `terraform output -json` of terraform/live")
    parser.add_argument("kubeconfig", help="where to write the tunnel's kubeconfig")
    parser.add_argument("--local-port", type=int, default=8443)
    args = parser.parse_args(argv)
    if not 1024 <= args.local_port <= 65535:
        parser.error(f"--local-port must be from 1024 to 65535, got {args.local_port}")
    try:
        values = load(args.outputs)
    except ValueError as err:
        print(f"cluster-tunnel: {err}", file=sys.stderr)
        return 2
    with open(args.kubeconfig, "w", encoding="utf-8") as handle:
        json.dump(kubeconfig(values, args.local_port), handle, indent=2)
    print(
        "# 1. In one terminal, keep the tunnel open (needs the Session Manager plugin and\n"
        "#    ssm:StartSession on the bastion):\n"
        f"{session_command(values, args.local_port)}\n"
        "# 2. In another, use the tunnel's kubeconfig (your own AWS identity and access entry):\n"
        f"export KUBECONFIG={shlex.quote(args.kubeconfig)}\n"
        "kubectl get nodes\n"
        f"# The kubeconfig ({args.kubeconfig}):\n"
        f"{json.dumps(kubeconfig(values, args.local_port), indent=2)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
