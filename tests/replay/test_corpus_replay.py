"""Every corpus case: replay of its migrations equals drizzle-kit's snapshot after each migration and at the end."""

from __future__ import annotations

import os

import pytest

from tests.replay.helpers import snapshot_differences

CORPUS = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures", "corpus")


def _folders() -> list[str]:
    if not os.path.isdir(CORPUS):
        return []
    found = []
    for root, _dirs, files in os.walk(CORPUS):
        if os.path.basename(root) == "meta" and "_journal.json" in files:
            found.append(os.path.dirname(root))
    return sorted(found)


FOLDERS = _folders()


@pytest.mark.skipif(not FOLDERS, reason="corpus not present yet")
@pytest.mark.parametrize("folder", FOLDERS, ids=[os.path.relpath(f, CORPUS) for f in FOLDERS] or None)
def test_corpus_case_replays_to_its_snapshots(folder):
    differences = snapshot_differences(folder)
    assert not differences, "\n".join(differences)
