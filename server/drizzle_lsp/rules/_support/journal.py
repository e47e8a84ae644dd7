"""Reading and editing ``meta/_journal.json`` and the snapshot chain for the integrity rules.

Edits are made on the journal's own text (never by re-serialising it), so a fix keeps the file's indentation, key
order and line endings and touches nothing but the entry or value it is about.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass

from drizzle_lsp.model import SourceRange
from drizzle_lsp.model.project import JournalEntry
from drizzle_lsp.rules._support.text_memo import file_digest, remembered

ZERO_ID = "00000000-0000-0000-0000-000000000000"
_WHEN = re.compile(r'("when"\s*:\s*)(-?\d+(?:\.\d+)?)')


def journal_text(ctx, path: str) -> str | None:
    reader = getattr(ctx.workspace, "file_text", None) if getattr(ctx, "workspace", None) is not None else None
    text = reader(path) if reader else None
    if text is None and os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    return text


def when_range(text: str, entry: JournalEntry) -> SourceRange | None:
    """Where the number of an entry's ``"when"`` is written."""
    if entry.range is None:
        return None
    match = _WHEN.search(text, entry.range.start, entry.range.end)
    if match is None:
        return None
    return SourceRange(entry.range.path, match.start(2), match.end(2))


def render_entry_like(text: str, last: JournalEntry | None, values: dict[str, object], indent: str = "    ") -> str:
    """A journal entry written in the style of ``last`` (same indentation and key order), or drizzle-kit's style."""
    if last is not None and last.range is not None:
        template = text[last.range.start:last.range.end]
        for key, value in values.items():
            pattern = re.compile(r'("' + key + r'"\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)')
            if pattern.search(template):
                template = pattern.sub(lambda m: m.group(1) + json.dumps(value), template, count=1)
        return template
    body = json.dumps(values, indent=2).replace("\n", "\n" + indent)
    return body


def next_when(entries: list[JournalEntry]) -> int:
    """A ``when`` greater than every entry's, and not in the past: drizzle's migrator only applies a migration
    whose ``when`` is newer than the newest one a database recorded, so anything older than now could be skipped."""
    newest = max((e.when for e in entries), default=0)
    return max(newest + 1, int(time.time() * 1000))


@dataclass(slots=True)
class SnapshotLink:
    tag: str
    path: str
    id: str | None
    prev_ids: list[str]
    id_range: SourceRange | None
    prev_range: SourceRange | None


def snapshot_links(ctx, migrations) -> list[SnapshotLink]:
    """id and prevId(s) of each migration's snapshot, in apply order, with where they are written."""
    links = []
    for migration in migrations:
        path = migration.snapshot_path
        if not path:
            continue
        found = file_digest(ctx, path)  # the text is read only when this snapshot changed since it was last asked
        if found is None:
            continue
        text_digest, load = found
        link = remembered(("snapshot-link", path, migration.tag, text_digest), lambda: _link(migration.tag, path, load() or ""))
        if link is not None:
            links.append(SnapshotLink(link.tag, link.path, link.id, list(link.prev_ids), link.id_range,
                                      link.prev_range))
    return links


def _link(tag: str, path: str, text: str) -> SnapshotLink | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None  # reported by the snapshot reader
    if not isinstance(data, dict):
        return None
    prev = data.get("prevIds", data.get("prevId"))
    prev_ids = [str(p) for p in prev] if isinstance(prev, list) else ([str(prev)] if prev is not None else [])
    ident = data.get("id")
    return SnapshotLink(tag, path, str(ident) if ident is not None else None, prev_ids,
                        _value_range(text, path, "id"), _value_range(text, path, "prevIds", "prevId"))


def _value_range(text: str, path: str, *keys: str) -> SourceRange | None:
    for key in keys:
        match = re.search(r'"' + key + r'"\s*:\s*(\[[^\]]*\]|"[^"]*")', text)
        if match:
            return SourceRange(path, match.start(1), match.end(1))
    return None
