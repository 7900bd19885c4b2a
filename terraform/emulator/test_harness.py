"""The harness itself: a deliberately broken root must fail it, naming what is wrong."""

import harness
import pytest

PERPETUAL_DIFF = harness.Root(name="perpetual-diff", path="emulator/fixtures/perpetual-diff")
LEFTOVER = harness.Root(name="leftover", path="emulator/fixtures/leftover")


def test_a_perpetual_diff_fails(endpoint, tmp_path):
    with pytest.raises(harness.TerraformError, match="not empty \\(a perpetual diff\\)"):
        harness.cycle(PERPETUAL_DIFF, endpoint, tmp_path)


def test_a_resource_left_after_destroy_fails(endpoint, tmp_path):
    with pytest.raises(
        harness.TerraformError, match="destroy left behind:\n  logs log-group emulator-kept$"
    ):
        harness.cycle(LEFTOVER, endpoint, tmp_path)
