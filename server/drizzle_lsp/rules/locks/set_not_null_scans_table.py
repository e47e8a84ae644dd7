from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.analysis.locks import lock_facts
from drizzle_lsp.model import OpKind
from drizzle_lsp.rules._support.lock_rules import a_lock, blocked_work, op_table_label, quoted
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation


class SetNotNullScansTable(Rule):
    """`SET NOT NULL` on a column of an existing table, which scans every row under an ACCESS EXCLUSIVE lock.

    ## What it does
    Flags `ALTER TABLE … ALTER COLUMN … SET NOT NULL` on a table created by an earlier migration, unless the
    replayed schema already holds a validated `CHECK (column IS NOT NULL)` constraint on PostgreSQL 12 or later
    (then PostgreSQL skips the scan) or the column is already `NOT NULL`. drizzle-kit emits this statement when
    `.notNull()` is added to an existing column. A table created in the same migration is not flagged.

    ## Why is this bad?
    To set `NOT NULL`, PostgreSQL reads every row to prove that none is null, and it does so while holding an
    ACCESS EXCLUSIVE lock: reads and writes of the table wait for the whole scan (and fail it with 23502 if a null
    is found). The safe path proves the same thing without the long lock:
    1. `ADD CONSTRAINT … CHECK (column IS NOT NULL) NOT VALID` (brief lock, no scan);
    2. `VALIDATE CONSTRAINT …` in a later step (scans while reads and writes continue);
    3. `SET NOT NULL` (PostgreSQL 12+ uses the validated check and skips the scan), then drop the check.

    On PostgreSQL 18, `ADD CONSTRAINT … NOT NULL column NOT VALID` followed by `VALIDATE CONSTRAINT …` does the same
    in two statements and leaves the column `NOT NULL`.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" integer PRIMARY KEY, "nickname" text);
    -- 0001_nickname_not_null.sql
    ALTER TABLE "users" ALTER COLUMN "nickname" SET NOT NULL;
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" integer PRIMARY KEY, "nickname" text);
    -- 0001_nickname_not_null_check.sql
    ALTER TABLE "users" ADD CONSTRAINT "users_nickname_not_null" CHECK ("nickname" IS NOT NULL) NOT VALID;
    -- 0002_validate_nickname_not_null.sql
    -- applied by a later deploy than 0001
    ALTER TABLE "users" VALIDATE CONSTRAINT "users_nickname_not_null";
    -- 0003_nickname_not_null.sql
    ALTER TABLE "users" ALTER COLUMN "nickname" SET NOT NULL;--> statement-breakpoint
    ALTER TABLE "users" DROP CONSTRAINT "users_nickname_not_null";
    ```
    """

    name = "set-not-null-scans-table"
    group = "locks"
    severity = "warning"
    dialects = ("postgresql",)
    reads = "unit"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None or op.kind is not OpKind.SET_NOT_NULL or not op.column or not ctx.table_existed():
            return
        if self._already_not_null(ctx):
            return  # PostgreSQL returns at once when the column is already NOT NULL
        fact = lock_facts(op, ctx.state_before, ctx.postgres_version)
        if fact is None or not fact.scans:
            return  # a validated CHECK (column IS NOT NULL) proves it without a scan
        table = op_table_label(op)
        column = quoted(op.column)
        message = (
            f"SET NOT NULL on {table}.{column} scans every row of existing table {table} under "
            f"{a_lock(fact.lock)}: {blocked_work(fact)} to {table} are blocked for the whole scan"
        )
        yield self.violation(message, op.range, help=self._help(ctx, table, op.table or "", op.column))

    @staticmethod
    def _already_not_null(ctx: MigrationContext) -> bool:
        op = ctx.op
        table = ctx.state_before.table(op.table or "", op.schema) if ctx.state_before else None
        column = table.columns.get(op.column or "") if table else None
        return bool(column and column.not_null)

    @staticmethod
    def _help(ctx: MigrationContext, table: str, table_name: str, column_name: str) -> str:
        check = quoted(f"{table_name}_{column_name}_not_null")
        column = quoted(column_name)
        later = ("a later migration applied by a later deploy (all pending migrations share one transaction)"
                 if ctx.migrator == "transaction" else "a later migration")
        steps = (
            f"Prove it without the long lock: `ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) "
            f"NOT VALID;`, then in {later} `ALTER TABLE {table} VALIDATE CONSTRAINT {check};` (reads and writes "
            f"continue), then `SET NOT NULL` (no scan thanks to the validated check) and "
            f"`ALTER TABLE {table} DROP CONSTRAINT {check};`."
        )
        if ctx.postgres_version >= 18:
            steps += (
                f" On PostgreSQL 18 you can instead `ALTER TABLE {table} ADD CONSTRAINT {check} NOT NULL {column} "
                f"NOT VALID;` and validate it in {later}."
            )
        return steps
