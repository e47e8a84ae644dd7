"""A keystroke in the last migration of a long history must not read the history's snapshots again: they are the
bulk of a project (hundreds of ~360 KB JSON files), and reading and hashing them all was a second per keystroke."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from drizzle_lsp.analysis.session import Session
from drizzle_lsp.workspace.files import FileReader
from tests.analysis.test_session_incremental import _fresh

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "saas"


def test_a_keystroke_reads_no_snapshot_that_did_not_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "saas"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("node_modules"))
    session = Session([str(root)])
    session.reload_all()
    snapshots = sorted((root / "drizzle" / "meta").glob("*_snapshot.json"))
    assert len(snapshots) >= 6
    read: list[str] = []
    original = FileReader._read_disk

    def counting(self, path):
        if path.endswith("snapshot.json"):
            read.append(path)
        return original(self, path)

    monkeypatch.setattr(FileReader, "_read_disk", counting)
    last = sorted((root / "drizzle").glob("*.sql"))[-1]
    text = last.read_text()
    session.set_document(str(last), text + "\n-- a comment\n")
    session.refresh({str(last)})
    # The loader reads the latest snapshot (schema-not-migrated compares the schema with it); nothing else.
    assert set(read) <= {str(snapshots[-1])}, sorted(Path(p).name for p in set(read))
    monkeypatch.setattr(FileReader, "_read_disk", original)
    assert session.findings == _fresh(root, dict(session.overrides))

    # A snapshot changed on disk is read again, and what the rules derive from it follows.
    first = snapshots[0]
    first.write_text(first.read_text().replace('"prevId"', '"prevIdBroken"', 1))
    session.refresh({str(first)})
    assert session.findings == _fresh(root, dict(session.overrides))
