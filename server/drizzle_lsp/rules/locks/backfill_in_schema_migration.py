from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.model import OpKind
from drizzle_lsp.rules._support.lock_context import (
    DATA_CHANGES,
    OpInfo,
    TableLock,
    analysis_memo,
    op_infos,
    statement_label,
    table_label,
    where,
)
from drizzle_lsp.rules._support.pending import pending_migrations
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
        before = _ddl_before(ctx, tmap, ref, pending, table)
        if before is not None:
            lock, info, at = before
            message = (f"{statement_label(op)} runs in the same transaction as {statement_label(info.op)} "
                       f"({_place(ctx, at)}), whose {lock.mode} lock on {label} is held until the transaction "
                       f"commits: {lock.blocked} of {label} are blocked for the whole backfill")
            yield self.violation(message, op.range, help=_HELP,
                                 related=[(info.op.range, f"{lock.mode} lock on {label} taken here")])
            return
        after = _ddl_after(ctx, tmap, ref, pending, table)
        if after is not None:
            lock, info, at = after
            message = (f"{statement_label(op)} runs in the same transaction as {statement_label(info.op)} "
                       f"({_place(ctx, at)}): the rows it changes stay locked until the transaction commits, which is "
                       f"only after that statement has waited for and taken its {lock.mode} lock on {label}")
            yield self.violation(message, op.range, help=_HELP,
                                 related=[(info.op.range, f"{lock.mode} lock on {label} taken here")])


_Found = tuple[TableLock, OpInfo, StatementRef]


def _ddl_before(ctx: MigrationContext, tmap, ref: StatementRef, pending: int, table: str) -> _Found | None:
    """The schema change on ``table`` earlier in ``ref``'s transaction, within the pending window: the farthest one
    (its lock is held longest)."""
    for file in range(max(ref.file - pending + 1, 0), ref.file + 1):
        for found in _ddl_by_table(ctx, tmap, file).get(table, ()):
            at = found[2]
            if at.position >= ref.position:
                break
            if at.transaction == ref.transaction:
                return found
    return None


def _ddl_after(ctx: MigrationContext, tmap, ref: StatementRef, pending: int, table: str) -> _Found | None:
    """The schema change on ``table`` later in ``ref``'s transaction, within the pending window: the nearest one."""
    for file in range(ref.file, min(ref.file + pending, len(tmap.migrations))):
        for found in _ddl_by_table(ctx, tmap, file).get(table, ()):
            at = found[2]
            if at.position > ref.position and at.transaction == ref.transaction:
                return found
    return None


def _ddl_by_table(ctx: MigrationContext, tmap, file: int) -> dict[str, list[_Found]]:
    """The schema changes of one migration by the table they lock, in apply order: for each statement, its first
    operation that is not a data change and locks the table, with that lock. Worked out once per analysis: looking
    through the whole pending window for every data change was most of this rule's time."""
    memo = analysis_memo(ctx.project)
    key = ("backfill-in-schema-migration", id(tmap), file)
    known = memo.get(key)
    if known is not None and known[0] is tmap:
        return known[1]
    by_table: dict[str, list[_Found]] = {}
    for ref in tmap.file_refs(file):
        seen: set[str] = set()
        for info in op_infos(ctx.project, ref):
            if info.op.kind in DATA_CHANGES:
                continue
            for lock in info.locks:
                if lock.key not in seen:
                    seen.add(lock.key)
                    by_table.setdefault(lock.key, []).append((lock, info, ref))
    memo[key] = (tmap, by_table)
    return by_table


def _place(ctx: MigrationContext, ref: StatementRef) -> str:
    place = where(ref.migration, ref.statement, ctx.migration)
    if ref.migration is not ctx.migration:
        place += ", when both migrations are pending in the same run"
    return place
