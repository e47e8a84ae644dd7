from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.analysis.locks import lock_facts
from drizzle_lsp.model import ConstraintType, OpKind
from drizzle_lsp.rules._support.lock_rules import (
    a_lock,
    blocked_work,
    columns_sql,
    op_table_label,
    quoted,

)
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation

_KINDS = {ConstraintType.UNIQUE: "UNIQUE", ConstraintType.PRIMARY_KEY: "PRIMARY KEY"}


class UniqueConstraintBuildsIndex(Rule):
    """`ADD UNIQUE` or `ADD PRIMARY KEY` on an existing table, building its index under an ACCESS EXCLUSIVE lock.

    ## What it does
    Flags `ALTER TABLE … ADD CONSTRAINT … UNIQUE (…)` and `… PRIMARY KEY (…)` (and a column added with an inline
    `UNIQUE` or `PRIMARY KEY`) on a table created by an earlier migration, unless the constraint is attached to an
    existing index with `USING INDEX`. drizzle-kit emits exactly this for `.unique()`, `unique().on(…)` and
    `primaryKey({ columns })` added to an existing table. A table created in the same migration is not flagged.

    ## Why is this bad?
    The constraint needs a unique index, and PostgreSQL builds it inside the `ALTER TABLE`, which holds an ACCESS
    EXCLUSIVE lock: every read and write of the table waits for the whole build (a full scan and a sort). The
    index can instead be built with `CREATE UNIQUE INDEX CONCURRENTLY`, which lets reads and writes continue, and
    then attached with `ADD CONSTRAINT … UNIQUE USING INDEX …` (or `PRIMARY KEY USING INDEX`), which takes the lock
    only briefly. `CONCURRENTLY` cannot run inside a transaction block, so under `drizzle-kit migrate` and
    drizzle-orm's `migrate()` the index build needs a step that runs outside a transaction. For a primary key, the
    columns must already be `NOT NULL`, or attaching it scans the table to set them.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" integer PRIMARY KEY, "email" text NOT NULL);
    -- 0001_users_email_unique.sql
    ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE("email");
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" integer PRIMARY KEY, "email" text NOT NULL);
    -- 0001_users_email_unique_index.sql
    -- applied on its own, outside a transaction
    CREATE UNIQUE INDEX CONCURRENTLY "users_email_unique" ON "users" ("email");
    -- 0002_users_email_unique.sql
    ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE USING INDEX "users_email_unique";
    ```
    """

    name = "unique-constraint-builds-index"
    group = "locks"
    severity = "warning"
    dialects = ("postgresql",)
    reads = "unit"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None or not ctx.table_existed():
            return
        if op.kind is OpKind.ADD_CONSTRAINT and op.constraint_type in _KINDS and not op.using_index:
            kind = _KINDS[op.constraint_type]
            columns = list(getattr(op.constraint, "columns", []) or [])
            what = f"ADD CONSTRAINT {quoted(op.constraint_name)} {kind}" if op.constraint_name else f"ADD {kind}"
            name = op.constraint_name
        elif op.kind is OpKind.ADD_COLUMN and op.column_def is not None and (
                op.column_def.primary_key or op.constraint_type is ConstraintType.UNIQUE):
            kind = "PRIMARY KEY" if op.column_def.primary_key else "UNIQUE"
            columns = [op.column_def.name]
            what = f"ADD COLUMN {quoted(op.column_def.name)} … {kind}"
            name = op.constraint_name
        else:
            return
        fact = lock_facts(op, ctx.state_before, ctx.postgres_version)
        if fact is None or fact.lock is None:
            return
        table = op_table_label(op)
        # An added column's constraint is built inside the ADD COLUMN, which the lock facts describe as a plain
        # ACCESS EXCLUSIVE: the index build is what makes it long.
        message = (
            f"{what} on existing table {table} builds a unique index under {a_lock(fact.lock)}: "
            f"{blocked_work(fact)} to {table} are blocked for the whole build"
        )
        yield self.violation(message, op.range, help=self._help(ctx, op, kind, name, columns, table))

    @staticmethod
    def _help(ctx: MigrationContext, op, kind: str, name: str | None, columns: list[str], table: str) -> str:
        index = name or f"{op.table}_{'_'.join(columns)}_{'pkey' if kind == 'PRIMARY KEY' else 'key'}"
        nulls = " NULLS NOT DISTINCT" if getattr(op.constraint, "nulls_not_distinct", False) else ""
        build = f"CREATE UNIQUE INDEX CONCURRENTLY {quoted(index)} ON {table} ({columns_sql(columns)}){nulls};"
        attach = f"ALTER TABLE {table} ADD CONSTRAINT {quoted(index)} {kind} USING INDEX {quoted(index)};"
        if op.kind is OpKind.ADD_COLUMN:
            steps = (f"Add the column without {kind}, build the index with `{build}` in a step that runs outside a "
                     f"transaction, then attach it with `{attach}` (a brief lock).")
        else:
            steps = (f"Build the index first with `{build}` in a step that runs outside a transaction, then attach it "
                     f"with `{attach}` (a brief lock).")
        nullable = _nullable_columns(ctx, op, columns) if kind == "PRIMARY KEY" else []
        if nullable:
            steps += (f" {columns_sql(nullable)} {'is' if len(nullable) == 1 else 'are'} nullable, so attaching the "
                      f"primary key would still scan the table to set NOT NULL: make "
                      f"{'it' if len(nullable) == 1 else 'them'} NOT NULL first through a validated "
                      f"CHECK (… IS NOT NULL) constraint (see set-not-null-scans-table).")
        return steps


def _nullable_columns(ctx: MigrationContext, op, columns: list[str]) -> list[str]:
    if ctx.state_before is None or op.kind is OpKind.ADD_COLUMN:
        return []
    table = ctx.state_before.table(op.table or "", op.schema)
    if table is None:
        return []
    return [c for c in columns if c in table.columns and not table.columns[c].not_null]
