"""tools/devtools.py: a missing tool names its fix, and moto's server starts with the given
environment, stops on exit, and fails fast, pointing at its log, when it cannot start."""

import re
import time
import urllib.error
import urllib.request

import boto3
import devtools
import pytest


def test_a_missing_tool_names_make_tools():
    with pytest.raises(devtools.ToolError, match="no-such-tool is not installed: run 'make tools'"):
        devtools.find_tool("no-such-tool")


def test_moto_server_serves_with_its_environment_and_stops_on_exit(tmp_path):
    env = {"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    with devtools.moto_server(env=env, log_path=tmp_path / "moto.log") as endpoint:
        iam = boto3.client(
            "iam",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        # AWS managed policies exist only when the server saw the variable.
        iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AmazonEKSClusterPolicy")
    with pytest.raises(urllib.error.URLError, match="Connection refused"):
        urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2)


def test_a_server_that_exits_fails_at_once_and_names_its_log(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stand_in = bin_dir / "moto_server"
    stand_in.write_text("#!/bin/sh\necho 'no such option' >&2\nexit 2\n")
    stand_in.chmod(0o755)
    monkeypatch.setattr(devtools, "TOOL_PATH", str(bin_dir))
    log = tmp_path / "moto.log"
    started = time.monotonic()
    with pytest.raises(
        devtools.ToolError, match=f"moto_server did not start .*; see {re.escape(str(log))}"
    ):
        with devtools.moto_server(log_path=log, timeout=60):
            pass
    assert time.monotonic() - started < 10
    assert log.read_text() == "no such option\n"
