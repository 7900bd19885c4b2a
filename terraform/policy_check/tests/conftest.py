"""Shared by the policy check's tests: the documents extracted once per session."""

import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parents[1]
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import extract  # noqa: E402


@pytest.fixture(scope="session")
def policies(tmp_path_factory):
    """Every document Terraform sends, from the real plans (minutes: it applies to moto)."""
    return extract.extract(tmp_path_factory.mktemp("extract"))


@pytest.fixture(scope="session")
def by_address(policies):
    return {p["address"]: p["document"] for p in policies}
