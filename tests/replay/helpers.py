"""Replaying a drizzle-kit migrations folder and comparing it with its snapshots."""

from __future__ import annotations

import json
import os

from drizzle_lsp.analysis.replay import Replay, replay
from drizzle_lsp.model import Migration
from drizzle_lsp.model.compare import canonical, diff
from drizzle_lsp.sql import parse_migration
from drizzle_lsp.workspace.snapshots import read_snapshot


def replay_folder(folder: str) -> tuple[Replay, list[tuple[str, str]]]:
    """The replay of a 0.x folder and (tag, snapshot path) per journal entry."""
    with open(os.path.join(folder, "meta", "_journal.json"), encoding="utf-8") as fh:
        journal = json.load(fh)
    dialect = {"pg": "postgresql"}.get(journal["dialect"], journal["dialect"])
    migrations, snapshots = [], []
    for n, entry in enumerate(journal["entries"]):
        path = os.path.join(folder, entry["tag"] + ".sql")
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        migrations.append(Migration(tag=entry["tag"], sql_path=path, dialect=dialect, index=n, text=text,
                                    statements=parse_migration(text, path, dialect)))
        snapshots.append((entry["tag"], os.path.join(folder, "meta", entry["tag"].split("_")[0] + "_snapshot.json")))
    return replay(migrations, dialect), snapshots


def snapshot_differences(folder: str) -> list[str]:
    result, snapshots = replay_folder(folder)
    out = []
    for tag, snap_path in snapshots:
        if not os.path.exists(snap_path):
            continue
        snap = read_snapshot(snap_path).schema
        out += [f"{tag}: {d}" for d in diff(canonical(result.after[tag], sql_only=True), canonical(snap, sql_only=True),
                                            "replay", "snapshot")]
    return out
