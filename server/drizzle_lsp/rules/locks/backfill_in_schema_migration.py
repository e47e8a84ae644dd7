from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.model import OpKind
from drizzle_lsp.rules._support.lock_context import (
    DATA_CHANGES,
    OpInfo,
    TableLock,
    op_infos,
    statement_label,
    table_label,
    where,
)
from drizzle_lsp.rules._support.pending import earlier_in_window, later_in_window, pending_migrations
from drizzle_lsp.rules._support.transactions import StatementRef, transaction_map
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation

_HELP = ("Move the backfill to a step of its own that runs after the schema change has committed (a later deploy, or "
         "a script), and update in batches: `UPDATE … WHERE id IN (SELECT id … LIMIT 10000)` until no row changes, so "
         "each batch holds its row locks briefly.")


class BackfillInSchemaMigration(Rule):
    """A data backfill (`UPDATE`, `DELETE`, `INSERT … SELECT`) in the same transaction as DDL on its table.

    ## What it does
    Flags a data change on a table that existed before the migration when a statement in the same transaction
    changes that table's schema (adds a column, builds an index, sets NOT NULL …). With drizzle's `transaction`
    migrator the transaction spans the migrations pending together; like `exclusive-lock-held-across-statements`,
    the rule assumes by default that a migration may run with the one just before and the one just after it
    (`[rules.options.backfill-in-schema-migration] pending-migrations = N`, 1 for its own file only). `INSERT …
    VALUES` (a few seed rows) and tables created in the same migration are not flagged.

    ## Why is this bad?
    Locks last until the transaction commits. After `ALTER TABLE … ADD COLUMN`, the table stays locked ACCESS
    EXCLUSIVE while the `UPDATE` rewrites every row, so nothing can read or write the table for the whole backfill.
    A backfill before the DDL keeps every row it changed locked until the DDL has waited for and taken its own lock.
    A long backfill also keeps one huge transaction open (bloat, replication lag) and, if it fails, rolls back the
    schema change with it.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "email" text NOT NULL);
    -- 0001_users_role.sql
    ALTER TABLE "users" ADD COLUMN "role" text;--> statement-breakpoint
    UPDATE "users" SET "role" = 'member' WHERE "role" IS NULL;
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "email" text NOT NULL);
    -- 0001_users_role.sql
    ALTER TABLE "users" ADD COLUMN "role" text;--> statement-breakpoint
    ALTER TABLE "users" ALTER COLUMN "role" SET DEFAULT 'member';
    ```
    Then backfill the existing rows in batches outside the migration's transaction (a later deploy or a script):
    `UPDATE "users" SET "role" = 'member' WHERE "id" IN (SELECT "id" FROM "users" WHERE "role" IS NULL LIMIT 10000);`
    until no row changes.
    """

    name = "backfill-in-schema-migration"
    group = "locks"
    severity = "warning"
    dialects = ("postgresql",)
    # Looks for DDL in the statements of the pending-migrations window: earlier and later migrations.
    reads = "project"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None or ctx.statement is None or op.kind not in DATA_CHANGES or not ctx.table_existed():
            return
        if op.kind is OpKind.INSERT and not op.from_select:
            return
        tmap = transaction_map(ctx)
        ref = tmap.ref(ctx.statement)
        if ref is None or not ref.in_block:
            return
        pending = pending_migrations(ctx.options)
        table = f"{op.schema or 'public'}.{op.table}".lower()
        label = table_label(op.schema, op.table or "")
        before = _ddl_on(ctx, earlier_in_window(tmap, ref, pending), table, last=True)
        if before is not None:
            lock, info, at = before
            message = (f"{statement_label(op)} runs in the same transaction as {statement_label(info.op)} "
                       f"({_place(ctx, at)}), whose {lock.mode} lock on {label} is held until the transaction "
                       f"commits: {lock.blocked} of {label} are blocked for the whole backfill")
            yield self.violation(message, op.range, help=_HELP,
                                 related=[(info.op.range, f"{lock.mode} lock on {label} taken here")])
            return
        after = _ddl_on(ctx, later_in_window(tmap, ref, pending), table, last=False)
        if after is not None:
            lock, info, at = after
            message = (f"{statement_label(op)} runs in the same transaction as {statement_label(info.op)} "
                       f"({_place(ctx, at)}): the rows it changes stay locked until the transaction commits, which is "
                       f"only after that statement has waited for and taken its {lock.mode} lock on {label}")
            yield self.violation(message, op.range, help=_HELP,
                                 related=[(info.op.range, f"{lock.mode} lock on {label} taken here")])


def _ddl_on(ctx: MigrationContext, refs: Iterable[StatementRef], table: str,
            last: bool) -> tuple[TableLock, OpInfo, StatementRef] | None:
    """The schema change on ``table`` among ``refs`` (nearest first): the farthest one when ``last`` (the lock held
    longest), else the nearest."""
    found = None
    for ref in refs:
        for info in op_infos(ctx.project, ref):
            if info.op.kind in DATA_CHANGES:
                continue
            lock = next((lock for lock in info.locks if lock.key == table), None)
            if lock is not None:
                found = (lock, info, ref)
                break
        if found is not None and not last:
            return found
    return found


def _place(ctx: MigrationContext, ref: StatementRef) -> str:
    place = where(ref.migration, ref.statement, ctx.migration)
    if ref.migration is not ctx.migration:
        place += ", when both migrations are pending in the same run"
    return place
