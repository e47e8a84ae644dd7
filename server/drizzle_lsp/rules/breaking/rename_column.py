from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.model import OpKind
from drizzle_lsp.rules._support.history import column_added_in_migration, find_table, quoted, table_label
from drizzle_lsp.rules._support.ts_names import key_rename_snippet
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation


class RenameColumn(Rule):
    """Renaming a column of an existing table.

    ## What it does
    Flags `ALTER TABLE … RENAME COLUMN` on a table created by an earlier migration (what drizzle-kit emits when its
    rename prompt is answered "rename column"). A column added earlier in the same migration is not flagged.

    ## Why is this bad?
    Migrations run before the new code is live. From the rename until every instance runs the new code, the running
    code still names the old column, and Drizzle names every column in its `SELECT`s, `INSERT`s and `RETURNING`s,
    so every query of the table fails (`column "…" does not exist`), not only those about that column. The rename
    itself is instant, but it takes an ACCESS EXCLUSIVE lock on PostgreSQL.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text NOT NULL);
    -- 0001_rename_email.sql
    ALTER TABLE "users" RENAME COLUMN "email" TO "contact_email";
    ```

    Use instead:
    Rename only the TypeScript key and keep the database name, which needs no migration at all:
    ```ts
    import { pgTable, serial, text } from "drizzle-orm/pg-core";

    export const users = pgTable("users", {
      id: serial("id").primaryKey(),
      contactEmail: text("email").notNull(),
    });
    ```
    When the database name itself must change, expand and contract over several releases: add the new column, write
    both, backfill, move the reads, stop writing the old one, drop it.
    """

    name = "rename-column"
    group = "breaking"
    severity = "warning"
    # The help's `key: builder("old")` snippet looks the column up in the TypeScript schema
    # (key_rename_snippet).
    reads = "project"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None or op.kind is not OpKind.RENAME_COLUMN or not (op.table and op.column and op.new_name):
            return
        if column_added_in_migration(ctx.migration, op, op.schema, op.table, op.column, ctx.dialect):
            return
        table = table_label(op.schema, op.table)
        existing = find_table(ctx.state_before, op.schema, op.table)
        old_type = existing.columns[op.column].type if existing and op.column in existing.columns else None
        snippet = key_rename_snippet(ctx, op.table, op.new_name, op.column, old_type)
        yield self.violation(
            f"RENAME COLUMN {quoted(op.column)} TO {quoted(op.new_name)} on {table}: the code deployed before this "
            f"migration still names {quoted(op.column)}, so its queries of {table} fail until the new code is live",
            op.range,
            help=(
                f"Keep the database name and rename only the TypeScript key (`{snippet}`): no migration is needed, so "
                "remove this one with `drizzle-kit drop`. If the database name must change, expand and "
                f"contract: add {quoted(op.new_name)}, write both, backfill, move reads, then drop {quoted(op.column)} "
                "in a later release."
            ),
        )
