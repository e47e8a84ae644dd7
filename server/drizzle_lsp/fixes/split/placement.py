"""Where the steps of a split migration go, written as one ``Fix``.

The migration is rewritten as ``steps[0]``; each later step becomes a new migration after it. That is only sound when
the migration is the last one: adding steps after an earlier migration would renumber the ones that follow, and a
database that already applied those would never run the new steps (drizzle's migrator runs only entries newer than
the last one it recorded). So a migration that is not the last gets a preview instead, with the reason.

0.x: new journal entries (consecutive ``idx``, strictly increasing ``when``, tags derived from the original's name in
the config's prefix mode) and one snapshot per step, chained by ``prevId``: the original snapshot file describes the
state after step 1, the last new one holds the original snapshot's content (so ``drizzle-kit generate`` afterwards
sees no change). v1: new ``<timestamp>_<name>`` folders with ``migration.sql`` and ``snapshot.json``.

Steps that cannot run in a transaction start with the no-transaction marker (``drizzle-lsp migrate`` runs them
statement by statement). drizzle's own migrator ignores the marker and runs every pending migration in one
transaction, so for it the step also starts with ``COMMIT;``: everything applied before it in the batch is committed
at that point, which the fix's title says.

``prepare_split`` decides (fix, preview or nothing, and the title) and defers the rest: the language server offers the
split on every keystroke but builds it only when a code action, the hover or the preview command reads it.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from drizzle_lsp.fixes.split.plan import NO_TRANSACTION_MARKER, SplitPlan, SplitStep
from drizzle_lsp.fixes.split.snapshot_steps import intermediate_snapshots
from drizzle_lsp.model import Migration
from drizzle_lsp.model.project import MigrationsFolder
from drizzle_lsp.rules._support.transactions import SPLIT_STEP_MARKER
from drizzle_lsp.rules.framework import DeferredFix, FileCreation, Fix, TextEdit

BREAKPOINT = "--> statement-breakpoint"
COMMIT_COST = "everything applied before it in the same migrate run is committed early"
_SLUG = re.compile(r"[^a-z0-9_]+")
_ID_NAMESPACE = uuid.UUID("5b1c3c0e-7d1a-4b8e-9a55-3f0d2c6a9e41")  # drizzle-lsp split snapshots


@dataclass(frozen=True, slots=True)
class PlacementContext:
    folder: MigrationsFolder
    prefix: str = "index"  # drizzle config migrations.prefix
    migrator: str = "transaction"  # analysis.migrator mode
    read_text: Callable[[str], str | None] | None = None  # the editor's unsaved text wins over the disk
    lock_timeout: str = "5s"  # the project's lock timeout (settings), set at the head of each new step


def place_split(plan: SplitPlan, context: PlacementContext) -> Fix | None:
    """The split as an ``unsafe`` fix (the migration is the last one) or as a preview (it is not). None when the plan
    does not split anything or cannot be placed in this folder layout."""
    deferred = prepare_split(plan, context)
    return deferred.fix if deferred is not None else None


def prepare_split(plan: SplitPlan, context: PlacementContext) -> DeferredFix | None:
    """What ``place_split`` returns, as a ``DeferredFix``: everything that decides whether the split is offered, as
    a fix or as a preview, and under which title (the folder layout, the journal, the free names, the snapshots
    being readable JSON) is checked now; the step texts, the intermediate snapshots and the edits are computed when
    the fix is first read. The files are read now, so the fix is built from the texts that decided it."""
    if not plan.is_split:
        return None
    migration = plan.migration
    folder = context.folder
    migrations = [m for m in folder.migrations if not m.missing]
    if not migrations or migration.sql_path not in {m.sql_path for m in migrations}:
        return None
    original = _read(context, migration.sql_path)

    def texts() -> list[str]:
        rendered = [render_step(step, migrator=context.migrator, first=(i == 0), lock_timeout=context.lock_timeout)
                    for i, step in enumerate(plan.steps)]
        rendered[0] = _keep_user_comments(original or migration.text, rendered[0])
        return rendered

    def preview(reason: str) -> DeferredFix:
        return DeferredFix(_preview_title(plan), "suggestion", True, lambda: preview_fix(plan, texts(), reason),
                           preview_reason=reason)

    if migrations[-1].sql_path != migration.sql_path:
        later = migrations[[m.sql_path for m in migrations].index(migration.sql_path) + 1]
        return preview(f"{migration.tag} is not the last migration ({later.tag} comes after it): "
                       "adding steps after it would renumber the later migrations, and a database that already "
                       "applied them would never run the new steps. Apply the steps by hand, or move them into "
                       "a new migration yourself.")
    try:
        if folder.layout == "v1":
            build = _prepare_v1(plan, texts, original or "", context)
        elif folder.layout == "0.x" and folder.journal_path:
            build = _prepare_0x(plan, texts, original or "", context)
        else:
            return None
    except _CannotPlace as why:
        return preview(str(why))
    return DeferredFix(fix_title(plan, context.migrator), "unsafe", False, build)


class _CannotPlace(Exception):
    """The folder is not in a state the steps can be written into (a name taken, an unreadable snapshot)."""


def fix_title(plan: SplitPlan, migrator: str) -> str:
    count = len(plan.steps)
    title = f"Split {plan.migration.tag} into {count} safe migrations"
    if migrator == "transaction":
        title += (" (each new step starts with COMMIT to leave drizzle's one migration transaction: "
                  f"{COMMIT_COST})")
    return title


def render_step(step: SplitStep, *, migrator: str, first: bool = False, lock_timeout: str | None = "5s") -> str:
    """A step as a migration file: the markers and the comments first, statements joined by breakpoints.

    Under drizzle's transactional migrator every pending migration runs in one transaction, so a later step would
    still share it with the step before (the VALIDATE under the ADD's lock, the concurrent build refused with 25001).
    A later step therefore starts with ``COMMIT;``, and a step that can run in a transaction then opens its own with
    ``BEGIN;`` (drizzle's closing COMMIT, or the next step's, ends it), so each step is atomic and runs after the
    previous one committed. ``SPLIT_STEP_MARKER`` tells the transaction rules these statements are deliberate.

    A new step that runs in a transaction also gets ``SET LOCAL lock_timeout``: its short ACCESS EXCLUSIVE locks (SET
    NOT NULL, USING INDEX) must give up rather than queue every query behind them, as ``require-lock-timeout`` asks
    of any migration. neon-http keeps no session between statements, so there it would be a no-op."""
    lines: list[str] = []
    if step.no_transaction:
        lines.append(NO_TRANSACTION_MARKER)
    boundary = not first and migrator == "transaction"
    if boundary:
        lines.append(SPLIT_STEP_MARKER)
    if not first:
        lines.append(f"-- {step.title}")
    lines.extend(f"-- {note}" for note in step.notes)
    if step.backfill:
        lines.append("-- Backfill in batches: run this UPDATE again until it reports 0 rows changed. drizzle's migrator "
                     "runs it once; rows left over are finished by hand before the next step.")
    statements = [s.strip() for s in step.statements if s.strip()]
    statements = [s if s.endswith(";") else s + ";" for s in statements]
    if boundary:
        lines.append(f"-- COMMIT ends drizzle's migration transaction so this step runs after the previous one "
                     f"committed: {COMMIT_COST}.")
        statements[:0] = ["COMMIT;"] if step.no_transaction else ["COMMIT;", "BEGIN;"]
    if (not first and lock_timeout and not step.no_transaction and migrator in ("transaction", "per-file")
            and not any("lock_timeout" in s.lower() for s in statements)):
        at = 2 if boundary else 0
        statements.insert(at, f"SET LOCAL lock_timeout = '{lock_timeout}';")
    body = f"{BREAKPOINT}\n".join(statements)
    return "\n".join(lines + [body]) + "\n"


def preview_fix(plan: SplitPlan, texts: list[str], reason: str) -> Fix:
    parts = [f"-- drizzle-lsp: preview of the split of {plan.migration.tag} (nothing was changed)",
             f"-- Not applied: {reason}"]
    for warning in plan.warnings:
        parts.append(f"-- Check: {warning}")
    for i, (step, text) in enumerate(zip(plan.steps, texts), start=1):
        where = f"{plan.migration.tag} (rewritten)" if i == 1 else "a new migration"
        parts.append(f"\n-- ===== step {i} of {len(texts)}: {where}: {step.title} =====")
        parts.append(text.rstrip("\n"))
    return Fix(_preview_title(plan), applicability="suggestion", preview="\n".join(parts) + "\n",
               preview_reason=reason)


def _preview_title(plan: SplitPlan) -> str:
    return f"Show how {plan.migration.tag} splits into {len(plan.steps)} safe migrations (preview)"


def _read(context: PlacementContext, path: str) -> str | None:
    if context.read_text is not None:
        text = context.read_text(path)
        if text is not None:
            return text
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except OSError:
        return None


def _keep_user_comments(original: str, rewritten: str) -> str:
    """Comment lines of the original file that the rewrite no longer holds are kept at its top: a fix must never lose
    what the user wrote (statements are the recipe's business; notes and suppressions are not)."""
    kept = {line.strip() for line in rewritten.splitlines()}
    lost = []
    for line in original.splitlines():
        stripped = line.strip()
        if stripped.startswith("--") and not stripped.startswith(BREAKPOINT) and stripped not in kept:
            lost.append(stripped)
            kept.add(stripped)
    if not lost:
        return rewritten
    return "\n".join(lost) + "\n" + rewritten


def _name_of(tag: str) -> str:
    """The name part of a tag: ``0007_add_tenant`` -> ``add_tenant`` (``_add_tenant`` with prefix none)."""
    return tag.split("_", 1)[1] if "_" in tag else tag


def _slug(step: SplitStep, number: int) -> str:
    slug = _SLUG.sub("_", step.slug.lower()).strip("_") or "step"
    return f"step{number}_{slug}"


def _tag_prefix(prefix: str, idx: int, when: int) -> str:
    if prefix in ("timestamp", "supabase"):
        return datetime.fromtimestamp(when / 1000, tz=timezone.utc).strftime("%Y%m%d%H%M%S")
    if prefix == "unix":
        return str(when // 1000)
    if prefix == "none":
        return ""
    return f"{idx:04d}"


def _snapshot_id(original_id: str, number: int) -> str:
    # Derived, not random: the fix is recomputed on every check and must come out the same each time.
    return str(uuid.uuid5(_ID_NAMESPACE, f"{original_id}:{number}"))


def _json_text(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def _load_json(context: PlacementContext, path: str | None) -> tuple[dict | None, str | None]:
    if not path:
        return None, None
    text = _read(context, path)
    if text is None:
        return None, None
    try:
        data = json.loads(text)
    except ValueError:
        raise _CannotPlace(f"{os.path.basename(path)} is not valid JSON, so the step snapshots cannot be derived "
                           "from it")
    return (data if isinstance(data, dict) else None), text


def _step_operations(texts: list[str], migration: Migration):
    from drizzle_lsp.sql import parse_migration

    for text in texts:
        statements = parse_migration(text, migration.sql_path, migration.dialect)
        yield [op for st in statements if st.error is None for op in st.operations]


def _prepare_0x(plan: SplitPlan, texts: Callable[[], list[str]], original_text: str,
                context: PlacementContext) -> Callable[[], Fix]:
    """Checks the journal, the free names and the snapshots now (each can turn the fix into a preview), and
    returns what builds the fix from them."""
    folder = context.folder
    migration = plan.migration
    journal_path = folder.journal_path or ""
    journal_text = _read(context, journal_path)
    if journal_text is None:
        raise _CannotPlace("meta/_journal.json cannot be read")
    try:
        journal = json.loads(journal_text)
    except ValueError:
        raise _CannotPlace("meta/_journal.json is not valid JSON")
    entries = journal.get("entries") if isinstance(journal, dict) else None
    if not isinstance(entries, list) or not entries or not folder.journal_entries:
        raise _CannotPlace("the journal has no entries to add the steps after")
    last_entry = folder.journal_entries[-1]
    if last_entry.tag != migration.tag or last_entry.range is None:
        raise _CannotPlace(f"{migration.tag} is not the journal's last entry")

    meta = os.path.join(folder.path, "meta")
    taken_tags = {e.tag for e in folder.journal_entries}
    name = _name_of(migration.tag)
    when = max(e.when for e in folder.journal_entries)
    idx = max(e.idx for e in folder.journal_entries)
    new_entries: list[dict] = []
    new_paths: list[tuple[str, str | None]] = []  # (sql path, snapshot path or None with prefix none)
    for number, step in enumerate(plan.steps[1:], start=2):
        idx += 1
        when += 1000  # a second apart: timestamp prefixes stay distinct, and ``when`` strictly increases
        for _attempt in range(50):
            prefix = _tag_prefix(context.prefix, idx, when)
            tag = f"{prefix}_{name}_{_slug(step, number)}"
            sql_path = os.path.join(folder.path, f"{tag}.sql")
            snapshot_path = None if context.prefix == "none" else os.path.join(meta, f"{prefix}_snapshot.json")
            clash = (tag in taken_tags or os.path.exists(sql_path)
                     or (snapshot_path is not None and os.path.exists(snapshot_path))
                     or any(snapshot_path == p for _, p in new_paths if p))
            if not clash:
                break
            if context.prefix in ("index", "none"):
                if os.path.exists(sql_path) or tag in taken_tags:
                    name = f"{name}_split"  # the index is fixed by the journal; the name can move
                    continue
                raise _CannotPlace(f"meta/{os.path.basename(snapshot_path or '')} already exists")
            when += 1000
        else:
            raise _CannotPlace("no free migration name was found for the new steps")
        taken_tags.add(tag)
        new_entries.append({"idx": idx, "version": last_entry.version or "7", "when": when, "tag": tag,
                            "breakpoints": True})
        new_paths.append((sql_path, snapshot_path))

    after: dict | None = None
    after_text: str | None = None
    before: dict | None = None
    if context.prefix != "none":
        after, after_text = _load_json(context, migration.snapshot_path)
        if after is None or after_text is None or migration.snapshot_path is None:
            raise _CannotPlace(f"the snapshot of {migration.tag} is missing, so the steps' snapshots cannot be written")
        previous = _previous(folder, migration)
        before, _ = _load_json(context, previous.snapshot_path) if previous is not None else (None, None)
        if previous is not None and before is None:
            raise _CannotPlace(f"the snapshot of {previous.tag} is missing, so the intermediate states are unknown")
    entry_end = last_entry.range.end

    def build() -> Fix:
        steps = texts()
        edits: list[TextEdit] = [TextEdit(migration.sql_path, 0, len(original_text), steps[0])]
        creations: list[FileCreation] = []
        for (sql_path, _), text in zip(new_paths, steps[1:]):
            creations.append(FileCreation(sql_path, text))
        if after is not None and after_text is not None and migration.snapshot_path is not None:
            states = intermediate_snapshots(before, after, _step_operations(steps, migration))
            original_id = str(after.get("id") or "")
            ids = [original_id] + [_snapshot_id(original_id, n) for n in range(2, len(steps) + 1)]
            prev_ids = [str(after.get("prevId") or "")] + ids[:-1]
            for number, state in enumerate(states):
                document = {"id": ids[number], "prevId": prev_ids[number], **state}
                if number == 0:
                    edits.append(TextEdit(migration.snapshot_path, 0, len(after_text), _json_text(document)))
                else:
                    creations.append(FileCreation(new_paths[number - 1][1] or "", _json_text(document)))
        edits.append(_journal_edit(journal_path, journal_text, entry_end, new_entries))
        return Fix(fix_title(plan, context.migrator), tuple(edits), "unsafe", tuple(creations))

    return build


def _previous(folder: MigrationsFolder, migration: Migration) -> Migration | None:
    paths = [m.sql_path for m in folder.migrations]
    position = paths.index(migration.sql_path)
    return folder.migrations[position - 1] if position > 0 else None


def _journal_edit(path: str, text: str, after_last_entry: int, entries: list[dict]) -> TextEdit:
    """New entries right after the last one, indented like it: the rest of the journal keeps its bytes."""
    entry_start = text.rfind("{", 0, after_last_entry)
    indent = text[text.rfind("\n", 0, entry_start) + 1:entry_start]
    if indent.strip():
        indent = "    "  # a journal written on one line: drizzle-kit's own layout for the new entries
    unit = "\t" if indent.startswith("\t") else "  "
    pieces = []
    for entry in entries:
        body = json.dumps(entry, indent=unit)
        pieces.append(",\n" + "\n".join(indent + line for line in body.splitlines()))
    return TextEdit.insert(path, after_last_entry, "".join(pieces))


def _prepare_v1(plan: SplitPlan, texts: Callable[[], list[str]], original_text: str,
                context: PlacementContext) -> Callable[[], Fix]:
    """Checks the folder name, the snapshot and the free folder names now, and returns what builds the fix."""
    folder = context.folder
    migration = plan.migration
    migration_dir = os.path.dirname(migration.sql_path)
    base = os.path.basename(migration_dir)
    match = re.match(r"^(\d{14})_?(.*)$", base)
    if match is None:
        raise _CannotPlace(f"{base} is not named <YYYYMMDDHHMMSS>_<name>")
    stamp = datetime.strptime(match.group(1), "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
    name = match.group(2) or "migration"
    existing = {os.path.basename(os.path.dirname(m.sql_path)) for m in folder.migrations}
    newest = max((n[:14] for n in existing if re.match(r"^\d{14}", n)), default=match.group(1))
    seconds = int(stamp.timestamp())
    newest_seconds = int(datetime.strptime(newest, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc).timestamp())
    seconds = max(seconds, newest_seconds)

    snapshot_path = os.path.join(migration_dir, "snapshot.json")
    after, _ = _load_json(context, snapshot_path)
    if after is None:
        raise _CannotPlace(f"{base}/snapshot.json is missing")
    targets: list[str] = []
    for number, step in enumerate(plan.steps[1:], start=2):
        for _attempt in range(50):
            seconds += 1
            stamp_text = datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y%m%d%H%M%S")
            folder_name = f"{stamp_text}_{name}_{_slug(step, number)}"
            target = os.path.join(folder.path, folder_name)
            if not os.path.exists(target) and folder_name not in existing:
                break
        else:
            raise _CannotPlace("no free folder name was found for the new steps")
        existing.add(folder_name)
        targets.append(target)

    def build() -> Fix:
        steps = texts()
        previous_id = str(after.get("id") or "")
        edits = [TextEdit(migration.sql_path, 0, len(original_text), steps[0])]
        creations: list[FileCreation] = []
        for number, (target, text) in enumerate(zip(targets, steps[1:]), start=2):
            new_id = _snapshot_id(str(after.get("id") or base), number)
            # v1 snapshots hold the whole schema as a ``ddl`` list; every step gets the final one (drizzle-kit diffs
            # only against the newest), chained through ``prevIds`` so the history stays linear.
            snapshot = dict(after, id=new_id, prevIds=[previous_id])
            previous_id = new_id
            creations.append(FileCreation(os.path.join(target, "migration.sql"), text))
            creations.append(FileCreation(os.path.join(target, "snapshot.json"), _json_text(snapshot)))
        return Fix(fix_title(plan, context.migrator), tuple(edits), "unsafe", tuple(creations))

    return build
