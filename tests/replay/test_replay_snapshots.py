"""Replaying real drizzle-kit output gives exactly drizzle-kit's snapshot after every migration."""

from __future__ import annotations

import os

import pytest

from tests.replay.helpers import replay_folder, snapshot_differences

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
CASES = sorted(d for d in os.listdir(FIXTURES) if os.path.isdir(os.path.join(FIXTURES, d)))


@pytest.mark.parametrize("case", CASES)
def test_replay_equals_every_snapshot(case):
    differences = snapshot_differences(os.path.join(FIXTURES, case))
    assert not differences, "\n".join(differences)


@pytest.mark.parametrize("case", CASES)
def test_drizzle_kit_output_replays_without_problems(case):
    result, _ = replay_folder(os.path.join(FIXTURES, case))
    assert result.problems == []
