"""The 6.x argument checker finds the arguments hashicorp/aws 6.x removed, and only those."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import check_provider_v6  # noqa: E402

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def schema():
    wheel = os.environ.get("TF_V6_WHEEL")
    if not wheel or not Path(wheel).is_file():
        pytest.fail("TF_V6_WHEEL is not a file: run 'make terraform-provider-v6'", pytrace=False)
    return check_provider_v6.Schema(check_provider_v6.load_assembly(Path(wheel)))


def test_removed_arguments_are_reported(schema):
    found = check_provider_v6.check_file(schema, HERE / "provider_v6_removed.tf.txt")
    expected = ["'resolve_conflicts'", "'bogus'", "'vpc'", "'log_group_name'"]
    assert len(found) == len(expected), found
    for name in expected:
        assert any(name in finding for finding in found), (name, found)


def test_the_tree_uses_only_6x_names(schema):
    root = Path(__file__).resolve().parents[2]
    files = check_provider_v6.tf_files([str(root)])
    assert files, "no .tf files found"
    problems = [p for f in files for p in check_provider_v6.check_file(schema, f)]
    assert problems == []
