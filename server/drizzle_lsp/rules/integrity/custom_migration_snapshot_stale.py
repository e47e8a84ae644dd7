from __future__ import annotations

import json
from collections.abc import Iterable

from drizzle_lsp.model import SourceRange
from drizzle_lsp.model.compare import canonical, diff
from drizzle_lsp.rules._support.text_memo import FileDigest, file_digest, remembered
from drizzle_lsp.rules.framework import ProjectContext, Rule, Violation


_CHAIN_FIELDS = ("id", "prevId", "prevIds")  # a new id per snapshot, linked to the previous: differ even for copies


class _CopyTest:
    """A cheap test before the full comparison: reading every snapshot of a long history into the model is slow, and
    a generated migration's snapshot differs from the previous one in more than its chain fields. (Key order is not
    kept by `generate --custom`, so the JSON is compared, not the text.)

    Asked for consecutive pairs, so each snapshot is decoded once per check (the second of one pair is the first
    of the next), and each answer is remembered by the texts' digests: the language server asks again on every
    keystroke."""

    def __init__(self) -> None:
        self._last: tuple[bytes, dict | None] | None = None  # the previous text's digest and decoded JSON

    def __call__(self, first: FileDigest | None, second: FileDigest | None) -> bool:
        """``first`` and ``second``: (digest, text loader) of two snapshots (``text_memo.file_digest``)."""
        if first is None or second is None:
            self._last = None
            return True
        (first_digest, first_text), (second_digest, second_text) = first, second
        last, self._last = self._last, None

        def compare() -> bool:
            a = last[1] if last is not None and last[0] == first_digest else _without_chain(first_text() or "")
            b = _without_chain(second_text() or "")
            self._last = (second_digest, b)
            if a is None or b is None:
                return True
            return a == b

        return remembered(("may-be-copies", first_digest, second_digest), compare)


def _without_chain(text: str) -> dict | None:
    """The snapshot's JSON without its chain fields; None when it is not a JSON object."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    for key in _CHAIN_FIELDS:
        data.pop(key, None)
    return data


class CustomMigrationSnapshotStale(Rule):
    """A migration changes the schema but its snapshot equals the previous one (a custom migration).

    ## What it does
    Flags a migration whose snapshot (`meta/NNNN_snapshot.json`) describes the same schema as the snapshot before it,
    while replaying its SQL does change the schema: the signature of `drizzle-kit generate --custom` (which copies
    the previous snapshot) filled with DDL by hand. The message names the first objects the SQL changes.

    ## Why is this bad?
    drizzle-kit computes the next migration by diffing the TypeScript schema against the latest snapshot, never the
    SQL. If the TypeScript schema has the change too, the next `generate` emits it a second time (and that migration
    fails with "already exists"); if it does not, drizzle-kit never learns the change and later diffs are wrong.
    Custom migrations are meant for data changes; schema changes belong in the TypeScript schema.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL);
    -- 0001_custom.sql
    ALTER TABLE "users" ADD COLUMN "email" text;
    ```
    ```json
    {"id": "a1", "prevId": "00000000-0000-0000-0000-000000000000", "version": "7", "dialect": "postgresql",
     "tables": {"public.users": {"name": "users", "schema": "", "columns": {"id": {"name": "id", "type": "bigint",
     "primaryKey": true, "notNull": true}}, "indexes": {}, "foreignKeys": {}, "compositePrimaryKeys": {},
     "uniqueConstraints": {}}}, "enums": {}, "schemas": {}}
    ```
    ```json
    {"id": "a2", "prevId": "a1", "version": "7", "dialect": "postgresql",
     "tables": {"public.users": {"name": "users", "schema": "", "columns": {"id": {"name": "id", "type": "bigint",
     "primaryKey": true, "notNull": true}}, "indexes": {}, "foreignKeys": {}, "compositePrimaryKeys": {},
     "uniqueConstraints": {}}}, "enums": {}, "schemas": {}}
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL);
    -- 0001_custom.sql
    UPDATE "users" SET "id" = "id";
    ```
    ```json
    {"id": "a1", "prevId": "00000000-0000-0000-0000-000000000000", "version": "7", "dialect": "postgresql",
     "tables": {"public.users": {"name": "users", "schema": "", "columns": {"id": {"name": "id", "type": "bigint",
     "primaryKey": true, "notNull": true}}, "indexes": {}, "foreignKeys": {}, "compositePrimaryKeys": {},
     "uniqueConstraints": {}}}, "enums": {}, "schemas": {}}
    ```
    ```json
    {"id": "a2", "prevId": "a1", "version": "7", "dialect": "postgresql",
     "tables": {"public.users": {"name": "users", "schema": "", "columns": {"id": {"name": "id", "type": "bigint",
     "primaryKey": true, "notNull": true}}, "indexes": {}, "foreignKeys": {}, "compositePrimaryKeys": {},
     "uniqueConstraints": {}}}, "enums": {}, "schemas": {}}
    ```
    """

    name = "custom-migration-snapshot-stale"
    group = "integrity"
    severity = "warning"
    target = "project"
    # A check_project rule: it runs once per project, on every analysis.
    reads = "project"

    def check_project(self, ctx: ProjectContext) -> Iterable[Violation]:
        project = ctx.project.project
        replay = getattr(ctx.project, "replay", None)
        folder = project.migrations
        if folder is None or replay is None:
            return
        previous = None
        previous_snapshot = None
        may_be_copies = _CopyTest()
        for migration in folder.migrations:
            if migration.missing or migration.tag not in replay.after or migration.tag not in project.snapshots:
                previous = previous_snapshot = None
                continue
            # Read only when the snapshot changed since it was last asked: a keystroke must not read the history.
            text = file_digest(ctx, migration.snapshot_path) if migration.snapshot_path else None
            if previous is not None and may_be_copies(previous_snapshot, text):
                prev_tag = previous
                snapshot, prev_snapshot = project.snapshots.get(migration.tag), project.snapshots.get(prev_tag)
                if snapshot is not None and prev_snapshot is not None and canonical(snapshot) == canonical(prev_snapshot):
                    before, after = canonical(replay.after[prev_tag], True), canonical(replay.after[migration.tag], True)
                    changes = diff(before, after, "before", "after")
                    if changes:
                        shown = "; ".join(changes[:3]) + (f"; and {len(changes) - 3} more" if len(changes) > 3 else "")
                        yield self.violation(
                            f"{migration.tag} changes the schema but its snapshot is a copy of {prev_tag}'s (a custom "
                            f"migration): drizzle-kit does not know about {shown}",
                            SourceRange(migration.sql_path, 0, min(len(migration.text), migration.text.find("\n")
                                                                   if "\n" in migration.text else len(migration.text))),
                            help="Make the change in the TypeScript schema and let `drizzle-kit generate` write it (keep "
                            "custom migrations for data); or, if it must stay hand-written, also add it to the schema "
                            "and check that the next generate does not emit it again.",
                        )
            previous, previous_snapshot = migration.tag, text
