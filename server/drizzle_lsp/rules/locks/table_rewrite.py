from __future__ import annotations

import re
from collections.abc import Iterable

from drizzle_lsp.model import ConstraintType, OpKind
from drizzle_lsp.rules._support.lock_context import (
    quoted,
    statement_label,
    table_existed_at_start,
    table_label,
)
from drizzle_lsp.rules._support.lock_rules import index_owner
from drizzle_lsp.rules._support.transactions import transaction_map
from drizzle_lsp.rules.framework import Fix, MigrationContext, Rule, TextEdit, Violation

# REINDEX [ ( options ) ] { INDEX | TABLE | SCHEMA | DATABASE | SYSTEM } [ CONCURRENTLY ] name
_REINDEX_TARGET = re.compile(r"REINDEX\s*(?:\([^)]*\)\s*)?(INDEX|TABLE|SCHEMA|DATABASE|SYSTEM)\b", re.IGNORECASE)

_REPACK = ("To reclaim space or reorder rows without blocking, use pg_repack or pg_squeeze outside the migration; "
           "a plain VACUUM (without FULL) runs alongside reads and writes.")


class TableRewrite(Rule):
    """A statement that rewrites or rebuilds a whole existing table while blocking it.

    ## What it does
    Flags, on a table that existed before the migration: `ALTER TABLE … SET LOGGED` / `SET UNLOGGED`,
    `VACUUM FULL`, `CLUSTER` (each rewrites the table under ACCESS EXCLUSIVE), `REINDEX` without `CONCURRENTLY`
    (SHARE lock on the table, ACCESS EXCLUSIVE on each index it rebuilds), and `ADD CONSTRAINT … EXCLUDE` (builds
    its index under ACCESS EXCLUSIVE). `REINDEX SCHEMA`/`DATABASE` and `VACUUM FULL` without a table are flagged too.

    ## Why is this bad?
    The table is copied or every index rebuilt while the lock is held: nothing can read (or, for `REINDEX`, write)
    the table for the whole operation, minutes on a large table. `VACUUM` also cannot run inside a transaction block,
    so under drizzle's migrator it fails with 25001. `SET UNLOGGED` also means the table is emptied after a crash and
    is not replicated.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "events" ("id" bigint PRIMARY KEY NOT NULL, "payload" jsonb);--> statement-breakpoint
    CREATE INDEX "events_payload_idx" ON "events" USING gin ("payload");
    -- 0001_rebuild_events_indexes.sql
    REINDEX TABLE "events";
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "events" ("id" bigint PRIMARY KEY NOT NULL, "payload" jsonb);--> statement-breakpoint
    CREATE INDEX "events_payload_idx" ON "events" USING gin ("payload");
    -- 0001_rebuild_events_indexes.sql
    COMMIT;--> statement-breakpoint
    REINDEX TABLE CONCURRENTLY "events";
    ```
    `REINDEX … CONCURRENTLY` (PostgreSQL 12+) cannot run inside a transaction block: run it in a step applied
    outside drizzle's transaction (see `concurrent-index-in-transaction` for the `COMMIT;` workaround and its cost).
    `VACUUM FULL` and `CLUSTER` have no concurrent form: use pg_repack or pg_squeeze. `SET LOGGED`/`UNLOGGED` and
    `EXCLUDE` constraints have no online path: create the table that way from the start, or plan a maintenance
    window.

    ## Fix safety
    The fix adds `CONCURRENTLY` to `REINDEX` (PostgreSQL 12 and later). It is safe when the statement runs outside a
    transaction block; otherwise it is unsafe, because the edited statement fails with 25001 until it is moved to a
    step of its own.
    """

    name = "table-rewrite"
    group = "locks"
    severity = "warning"
    has_fix = True
    dialects = ("postgresql",)
    # table_existed_at_start reads the replayed state just before this migration: part of the unit.
    reads = "unit"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None or ctx.statement is None:
            return
        if op.kind is OpKind.ADD_CONSTRAINT and op.constraint_type is ConstraintType.EXCLUDE:
            if ctx.table_existed():
                table = table_label(op.schema, op.table or "")
                name = f" {quoted(op.constraint_name)}" if op.constraint_name else ""
                yield self.violation(
                    f"ADD CONSTRAINT{name} EXCLUDE on existing table {table} builds its index under an ACCESS "
                    f"EXCLUSIVE lock: reads and writes of {table} are blocked for the whole build, and there is no "
                    "concurrent form",
                    op.range,
                    help=("There is no online way to add an exclusion constraint: plan a maintenance window, or create "
                          "the constraint on a new, empty table and move the rows into it."),
                )
            return
        if op.kind is not OpKind.TABLE_REWRITE or (op.rewrite == "reindex" and op.concurrently):
            return
        if op.rewrite == "reindex":
            yield from self._reindex(ctx)
            return
        if op.table and not ctx.table_existed():
            return
        table = table_label(op.schema, op.table) if op.table else "every table of the database"
        label = statement_label(op)
        if op.rewrite in ("set_logged", "set_unlogged"):
            logged = op.rewrite == "set_logged"
            extra = "" if logged else "; and an unlogged table is emptied after a crash and is not replicated"
            wal = " (writing all of it to the WAL)" if logged else ""
            yield self.violation(
                f"{label} on existing table {table} rewrites the whole table{wal} under an ACCESS EXCLUSIVE lock: "
                f"reads and writes of {table} are blocked until it finishes{extra}",
                op.range,
                help=("There is no online way to switch a table between logged and unlogged: create it the way it "
                      "must be from the start, or plan a maintenance window."),
            )
            return
        if op.table:
            message = (f"{label} {table} rewrites existing table {table} and all its indexes under an ACCESS EXCLUSIVE "
                       "lock: reads and writes are blocked until it finishes")
        else:
            message = (f"{label} rewrites every table of the database and their indexes, each under an ACCESS "
                       "EXCLUSIVE lock: reads and writes of each table are blocked while it is rewritten")
        if op.rewrite == "vacuum_full" and transaction_map(ctx).in_transaction_block(ctx.statement):
            message += ", and VACUUM cannot run inside the migrator's transaction at all (it fails with 25001)"
        yield self.violation(message, op.range, help=_REPACK)

    def _reindex(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        assert op is not None and ctx.statement is not None
        target = _REINDEX_TARGET.search(op.raw or ctx.statement.text)
        kind = target.group(1).upper() if target else "TABLE"
        if kind == "INDEX":
            found = index_owner(ctx.state_before, op.index_name or "", op.schema)
            owner = found.table if found is not None else None
            if owner is None or not table_existed_at_start(ctx.project, ctx.migration, ctx.statement, owner.name,
                                                           owner.schema):
                return
            table = table_label(owner.schema, owner.name)
            what = (f"REINDEX INDEX {quoted(op.index_name or '')} rebuilds the index of existing table {table} under "
                    f"a SHARE lock on {table} (writes blocked) and an ACCESS EXCLUSIVE lock on the index (queries "
                    "that use it wait)")
        elif kind == "TABLE":
            if op.table and not ctx.table_existed():
                return
            table = table_label(op.schema, op.table or "")
            what = (f"REINDEX TABLE {table} rebuilds every index of existing table {table} under a SHARE lock (writes "
                    "blocked) and an ACCESS EXCLUSIVE lock on each index while it is rebuilt (queries that use it "
                    "wait)")
        else:
            written = " ".join((op.raw or ctx.statement.text).split()).rstrip(";")
            what = (f"{written} rebuilds the indexes of every table in it, each under a SHARE lock (writes blocked) "
                    "and an ACCESS EXCLUSIVE lock on the index being rebuilt")
        fix = self._concurrently_fix(ctx, target, kind)
        help_text = ("Use REINDEX … CONCURRENTLY (PostgreSQL 12+), in a step that runs outside a transaction: it "
                     "rebuilds each index next to the old one and swaps them, blocking neither reads nor writes.")
        if kind == "SYSTEM" or ctx.postgres_version < 12:
            help_text = "There is no concurrent form here: run it in a maintenance window, outside the migration."
        yield self.violation(what, op.range, help=help_text, fix=fix)

    def _concurrently_fix(self, ctx: MigrationContext, target, kind: str) -> Fix | None:
        op = ctx.op
        if target is None or kind == "SYSTEM" or ctx.postgres_version < 12 or op is None or ctx.statement is None:
            return None
        start = op.range.start + target.end() if op.raw else ctx.statement.range.start + target.end()
        in_block = transaction_map(ctx).in_transaction_block(ctx.statement)
        title = f"Add CONCURRENTLY after REINDEX {kind}"
        if in_block:
            title += " (then move the statement to a step that runs outside a transaction)"
        return Fix(title, [TextEdit.insert(ctx.path, start, " CONCURRENTLY")], "unsafe" if in_block else "safe")
