from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.model import OpKind
from drizzle_lsp.rules._support.history import (
    column_added_in_migration,
    column_label,
    find_table,
    quoted,
    table_label,
)
from drizzle_lsp.rules._support.rebuilds import rebuild_containing
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation


class DropColumn(Rule):
    """Dropping a column of an existing table.

    ## What it does
    Flags `ALTER TABLE … DROP COLUMN` on a table created by an earlier migration, and a SQLite table rebuild
    (`CREATE TABLE __new_x` … `DROP TABLE x` … `RENAME`) whose new table leaves out a column of the old one:
    drizzle-kit emits no `DROP COLUMN` for it, the column is simply not copied. A column added earlier in the same
    migration is not flagged.

    ## Why is this bad?
    The column's data is gone for good. And migrations run before the new application code is live: from the moment
    the column is dropped until every instance runs code that no longer knows it, each query the old code sends that
    names the column fails (`column "…" does not exist`), and Drizzle names every column of a table in its
    `SELECT`s and `RETURNING`s, so the whole table is unusable to the old code, not only that column.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text NOT NULL, "nickname" text);
    -- 0001_drop_nickname.sql
    ALTER TABLE "users" DROP COLUMN "nickname";
    ```

    Use instead:
    Drop a column in two releases. With Drizzle, removing the column from the schema is what stops the queries naming
    it, so first release that code (if the column is `NOT NULL` without a default, make it nullable in an earlier
    migration so the new code's inserts succeed), and apply the `DROP COLUMN` only once it is live; back the data up if
    it may matter, and say so:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text NOT NULL, "nickname" text);
    -- 0001_drop_nickname.sql
    -- drizzle-lsp-ignore drop-column nothing reads "nickname" since release 42; its data is archived
    ALTER TABLE "users" DROP COLUMN "nickname";
    ```
    """

    name = "drop-column"
    group = "breaking"
    severity = "warning"
    reads = "unit"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None or not op.table:
            return
        if op.kind is OpKind.DROP_COLUMN and op.column:
            yield from self._drop_column(ctx)
        elif op.kind is OpKind.DROP_TABLE:
            yield from self._rebuild_leaves_out(ctx)

    def _drop_column(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if column_added_in_migration(ctx.migration, op, op.schema, op.table, op.column, ctx.dialect):
            return
        table = find_table(ctx.state_before, op.schema, op.table)
        if table is not None and op.column not in table.columns:
            return  # nothing to drop (IF EXISTS), or reference-to-missing-object's finding
        if table is None and op.if_exists:
            return  # an unknown table may be a gap in the replay: flag it unless the statement tolerates absence
        label = column_label(op.schema, op.table, op.column)
        yield self.violation(
            f"DROP COLUMN {quoted(op.column)} deletes {label} and all its data; until the new code is deployed, "
            f"every query of the running code that names {label} fails",
            op.range,
            help=_EXPAND_CONTRACT.format(column=quoted(op.column)),
        )

    def _rebuild_leaves_out(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        rebuild = rebuild_containing(ctx.migration, op, ctx.dialect)
        if rebuild is None or rebuild.drop is not op:
            return
        old = find_table(ctx.state_before, op.schema, op.table)
        if old is None or rebuild.create.table_def is None:
            return
        kept = rebuild.kept_columns()
        lost = [name for name in old.columns if name.lower() not in kept]
        if not lost:
            return
        table = table_label(op.schema, op.table)
        names = ", ".join(quoted(name) for name in lost)
        plural = "s" if len(lost) > 1 else ""
        yield self.violation(
            f"the rebuild of {table} does not copy column{plural} {names} into {quoted(rebuild.create.table or '')}: "
            f"dropping {table} here deletes {names} and all {'their' if lost[1:] else 'its'} data, and the running "
            f"code that still names {'them' if lost[1:] else 'it'} fails until the new code is deployed",
            op.range,
            help=_EXPAND_CONTRACT.format(column=names),
            related=[(rebuild.create.range, f"{quoted(rebuild.create.table or '')} is created without {names}")],
        )


_EXPAND_CONTRACT = (
    "Drop a column in two releases: with Drizzle, removing {column} from the schema is what stops the queries naming "
    "it, so release that code first and apply this DROP only once it is live (a NOT NULL column without default must "
    "become nullable in an earlier migration, or the new code's inserts fail). Back the data up if it may matter. "
    "Then silence this with `-- drizzle-lsp-ignore drop-column` above the statement."
)
