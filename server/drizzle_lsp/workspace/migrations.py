"""The migrations folder (drizzle config ``out``) in both layouts, read into ``MigrationsFolder``.

0.x: ``meta/_journal.json`` lists the migrations in apply order; each is ``<tag>.sql`` with its snapshot in
``meta/<prefix>_snapshot.json``, where ``<prefix>`` is the tag up to its first ``_`` (``0003`` for the default index
prefix, ``20250101120000`` for timestamp/supabase, the seconds for unix). With ``prefix: "none"`` tags start with
``_`` and drizzle-kit overwrites one ``meta/_snapshot.json`` each time, so only the last migration has a snapshot.

v1: one folder per migration, ``<YYYYMMDDHHMMSS>_<name>/migration.sql`` + ``snapshot.json``, applied in name order.

Only text is read here; SQL is parsed by ``drizzle_lsp.sql``. Problems (broken journal, bad entries, undecodable
bytes) are reported with ranges and never raised.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone

from drizzle_lsp.model.migration import Migration
from drizzle_lsp.model.project import JournalEntry, MigrationsFolder
from drizzle_lsp.model.source import Problem, SourceRange
from drizzle_lsp.workspace.snapshots import _DIALECTS

_V1_NAME = re.compile(r"^(\d{14})(?:_|$)")
_WS = " \t\r\n"


def read_text(path: str) -> tuple[str | None, Problem | None]:
    """A file's text; bytes that are not UTF-8 are replaced and reported with the offset of the first one."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        return None, Problem("file-unreadable", f"cannot read {path}: {error.strerror or error}",
                             SourceRange(path, 0, 0), "error")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        text = data.decode("utf-8", errors="replace")
        char = len(data[:error.start].decode("utf-8", errors="replace"))
        return text, Problem("invalid-utf8", f"{os.path.basename(path)} is not valid UTF-8 at byte {error.start}: "
                             "the file was read with replacement characters; save it as UTF-8",
                             SourceRange(path, char, char + 1), "error")


def read_migrations_folder(out_dir: str, dialect: str, prefix: str = "index") -> MigrationsFolder:
    out_dir = os.path.abspath(out_dir)
    folder = MigrationsFolder(path=out_dir, layout="empty")
    try:
        _read(folder, dialect, prefix)
    except Exception as error:  # a reader bug must not lose the project
        folder.problems.append(Problem("internal-error", f"drizzle-lsp failed while reading {out_dir}: "
                                       f"{type(error).__name__}: {error}", SourceRange(out_dir, 0, 0), "error"))
    return folder


def _read(folder: MigrationsFolder, dialect: str, prefix: str) -> None:
    out_dir = folder.path
    try:
        names = sorted(os.listdir(out_dir))
    except OSError:
        return
    journal = os.path.join(out_dir, "meta", "_journal.json")
    v1_dirs = [n for n in names if os.path.isfile(os.path.join(out_dir, n, "migration.sql"))
               or (_V1_NAME.match(n) and os.path.isdir(os.path.join(out_dir, n)))]
    top_sql = [os.path.join(out_dir, n) for n in names if n.endswith(".sql") and os.path.isfile(os.path.join(out_dir, n))]
    if os.path.isfile(journal):
        folder.layout = "0.x"
        folder.journal_path = journal
        _read_0x(folder, journal, top_sql, dialect)
        if v1_dirs:
            folder.problems.append(Problem(
                "mixed-layouts", f"{out_dir} holds both a 0.x journal and v1 migration folders ({v1_dirs[0]}, ...): "
                "drizzle-kit reads only one layout; run `drizzle-kit up` once, or remove the stale files",
                SourceRange(journal, 0, 0)))
    elif v1_dirs:
        folder.layout = "v1"
        _read_v1(folder, v1_dirs, dialect)
        folder.orphan_sql_files = top_sql
    elif top_sql:
        folder.layout = "0.x"
        folder.orphan_sql_files = top_sql
        folder.problems.append(Problem(
            "journal-missing", f"{out_dir} has SQL migrations but no meta/_journal.json: drizzle's migrator fails "
            "(\"Can't find meta/_journal.json file\"); regenerate with drizzle-kit or restore the journal",
            SourceRange(top_sql[0], 0, 0), "error"))


# ---------------------------------------------------------------------------------------------------------------------
# 0.x

def _read_0x(folder: MigrationsFolder, journal: str, top_sql: list[str], dialect: str) -> None:
    text, problem = read_text(journal)
    if problem is not None:
        folder.problems.append(problem)
    if text is None:
        return
    entries = _journal_entries(journal, text, folder.problems, dialect)
    folder.journal_entries = entries
    meta = os.path.join(folder.path, "meta")
    named: set[str] = set()
    for position, entry in enumerate(entries):
        sql_path = os.path.join(folder.path, f"{entry.tag}.sql")
        named.add(os.path.normcase(sql_path))
        migration = Migration(tag=entry.tag, sql_path=sql_path, dialect=dialect, index=position, idx=entry.idx,
                              when=entry.when, breakpoints=entry.breakpoints)
        migration.snapshot_path = _snapshot_for(meta, entry, position == len(entries) - 1)
        if os.path.isfile(sql_path):
            migration.text, problem = read_text(sql_path)
            migration.text = migration.text or ""
            if problem is not None:
                migration.problems.append(problem)
        else:
            migration.missing = True
        folder.migrations.append(migration)
    folder.orphan_sql_files = [p for p in top_sql if os.path.normcase(p) not in named]


def _snapshot_for(meta: str, entry: JournalEntry, is_last: bool) -> str | None:
    stem = entry.tag.split("_", 1)[0]
    if stem == "" and not is_last:
        return None  # prefix "none": the one shared snapshot belongs to the newest migration
    candidates = [os.path.join(meta, f"{stem}_snapshot.json"), os.path.join(meta, f"{entry.idx:04d}_snapshot.json")]
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    return None


def _journal_entries(path: str, text: str, problems: list[Problem], dialect: str) -> list[JournalEntry]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        pos = getattr(error, "pos", 0) or 0
        where = f" (line {error.lineno}, column {error.colno})" if hasattr(error, "lineno") else ""
        problems.append(Problem("journal-invalid-json", f"meta/_journal.json is not valid JSON{where}: "
                                f"{getattr(error, 'msg', error)}; no migration can be checked until it is fixed",
                                SourceRange(path, pos, min(pos + 1, len(text))), "error"))
        return []
    whole = SourceRange(path, 0, len(text))
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        problems.append(Problem("journal-invalid", "meta/_journal.json must be an object with an \"entries\" list",
                                whole, "error"))
        return []
    journal_dialect = data.get("dialect")
    if isinstance(journal_dialect, str) and _DIALECTS.get(journal_dialect.lower(), journal_dialect) != \
            _DIALECTS.get(dialect, dialect):
        problems.append(Problem("journal-dialect-mismatch", f"the journal was generated for {journal_dialect!r} but "
                                f"the config's dialect is {dialect!r}", whole))
    try:
        spans = _entry_spans(text)
    except (ValueError, IndexError):  # odd but valid JSON (duplicate keys, ...): fall back to whole-file ranges
        spans = []
    entries: list[JournalEntry] = []
    for i, raw in enumerate(data["entries"]):
        start, end = spans[i] if i < len(spans) else (0, len(text))
        rng = SourceRange(path, start, end)
        entry = _entry(raw, rng, i, problems)
        if entry is not None:
            entries.append(entry)
    return entries


def _entry(raw: object, rng: SourceRange, i: int, problems: list[Problem]) -> JournalEntry | None:
    def bad(message: str) -> None:
        problems.append(Problem("journal-invalid-entry", f"journal entry {i}: {message}", rng, "error"))

    if not isinstance(raw, dict):
        bad("must be an object")
        return None
    tag = raw.get("tag")
    if not isinstance(tag, str) or not tag:
        bad("\"tag\" is missing or not a string; the entry is skipped")
        return None
    idx, when, breakpoints = raw.get("idx"), raw.get("when"), raw.get("breakpoints", True)
    if not isinstance(idx, int) or isinstance(idx, bool):
        bad(f"\"idx\" of {tag} must be an integer" if "idx" in raw else f"\"idx\" of {tag} is missing")
        idx = i
    if isinstance(when, float) and when.is_integer():
        when = int(when)
    if not isinstance(when, int) or isinstance(when, bool):
        bad(f"\"when\" of {tag} must be a number of milliseconds" if "when" in raw else f"\"when\" of {tag} is "
            "missing: drizzle's migrator compares it to decide what is pending")
        when = 0
    if not isinstance(breakpoints, bool):
        bad(f"\"breakpoints\" of {tag} must be true or false")
        breakpoints = True
    version = raw.get("version")
    return JournalEntry(idx=idx, when=when, tag=tag, breakpoints=breakpoints,
                        version=str(version) if isinstance(version, (str, int)) else None, range=rng)


def _entry_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the objects in the top-level ``entries`` array (the text is already known to be JSON)."""
    decoder = json.JSONDecoder()
    pos = _skip(text, 0)
    if pos >= len(text) or text[pos] != "{":
        return []
    pos += 1
    while True:
        pos = _skip(text, pos)
        if pos >= len(text) or text[pos] == "}":
            return []
        key, pos = decoder.raw_decode(text, pos)
        pos = _skip(text, pos) + 1  # the colon
        pos = _skip(text, pos)
        if key == "entries" and text[pos] == "[":
            return _array_spans(text, pos + 1, decoder)
        _, pos = decoder.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos] == ",":
            pos += 1


def _array_spans(text: str, pos: int, decoder: json.JSONDecoder) -> list[tuple[int, int]]:
    spans = []
    while True:
        pos = _skip(text, pos)
        if pos >= len(text) or text[pos] == "]":
            return spans
        _, end = decoder.raw_decode(text, pos)
        spans.append((pos, end))
        pos = _skip(text, end)
        if pos < len(text) and text[pos] == ",":
            pos += 1


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    return pos


# ---------------------------------------------------------------------------------------------------------------------
# v1

def _read_v1(folder: MigrationsFolder, dirs: list[str], dialect: str) -> None:
    for position, name in enumerate(sorted(dirs)):
        base = os.path.join(folder.path, name)
        sql_path = os.path.join(base, "migration.sql")
        snapshot = os.path.join(base, "snapshot.json")
        migration = Migration(tag=name, sql_path=sql_path, dialect=dialect, index=position, when=_v1_when(name),
                              snapshot_path=snapshot if os.path.isfile(snapshot) else None)
        if os.path.isfile(sql_path):
            text, problem = read_text(sql_path)
            migration.text = text or ""
            if problem is not None:
                migration.problems.append(problem)
        else:
            migration.missing = True
            folder.problems.append(Problem("migration-file-missing", f"migration folder {name} has no migration.sql",
                                           SourceRange(base, 0, 0), "error"))
        if migration.when is None:
            folder.problems.append(Problem(
                "migration-name-invalid", f"migration folder {name} does not start with a YYYYMMDDHHMMSS timestamp: "
                "drizzle-kit orders v1 migrations by folder name", SourceRange(sql_path, 0, 0)))
        folder.migrations.append(migration)


def _v1_when(name: str) -> int | None:
    match = _V1_NAME.match(name)
    if not match:
        return None
    try:
        moment = datetime.strptime(match.group(1), "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return int(moment.timestamp() * 1000)
