from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.model import Operation, OpKind
from drizzle_lsp.rules._support.history import created_in_migration, quoted, table_label
from drizzle_lsp.rules._support.rebuilds import rebuild_containing
from drizzle_lsp.rules._support.ts_names import table_rename_snippet
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation


class RenameTable(Rule):
    """Renaming an existing table.

    ## What it does
    Flags `ALTER TABLE … RENAME TO` (and MySQL's `RENAME TABLE`) of a table created by an earlier migration: what
    drizzle-kit emits when its rename prompt is answered "rename table", followed by its foreign keys and indexes
    dropped and recreated under the new names. drizzle-kit's SQLite rebuild (`ALTER TABLE __new_x RENAME TO x`) and a
    table created earlier in the same migration are not flagged.

    ## Why is this bad?
    Migrations run before the new code is live: from the rename until every instance runs the new code, every query
    the running code sends to the old name fails (`relation "…" does not exist`). The rename itself is instant but
    takes an ACCESS EXCLUSIVE lock on PostgreSQL.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "title" text NOT NULL);
    -- 0001_rename_posts.sql
    ALTER TABLE "posts" RENAME TO "articles";
    ```

    Use instead:
    Rename only the TypeScript export and keep the database name, which needs no migration:
    ```ts
    import { pgTable, serial, text } from "drizzle-orm/pg-core";

    export const articles = pgTable("posts", {
      id: serial("id").primaryKey(),
      title: text("title").notNull(),
    });
    ```
    On PostgreSQL, a rename can also keep the old code working: in the same migration, create a view under the old
    name (`CREATE VIEW "posts" AS SELECT * FROM "articles";` is updatable, so reads and writes go through it), and
    drop the view once the new code is deployed.
    """

    name = "rename-table"
    group = "breaking"
    severity = "warning"
    # The help's `export const x = pgTable("old", …)` snippet looks the table up in the TypeScript
    # schema (table_rename_snippet).
    reads = "project"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None:
            return
        if op.kind is OpKind.RENAME_TABLE and op.table and op.new_name:
            if rebuild_containing(ctx.migration, op, ctx.dialect) is None:
                yield from self._flag(ctx, op, op.schema, op.table, op.new_name)

    def _flag(self, ctx: MigrationContext, op: Operation, schema: str | None, old: str,
              new: str) -> Iterable[Violation]:
        if created_in_migration(ctx.migration, op, schema, old, ctx.dialect):
            return
        label = table_label(schema, old)
        snippet = table_rename_snippet(ctx, new, old, ctx.dialect)
        help_text = (
            f"Keep the database name and rename only the TypeScript export (`{snippet}`): no migration is needed, so "
            "remove this one with `drizzle-kit drop`."
        )
        if ctx.dialect == "postgresql":
            help_text += (
                f" Or keep the old code working through the rename: add `CREATE VIEW {label} AS SELECT * FROM "
                f"{table_label(schema, new)};` right after it (an updatable view) and drop the view once the new code "
                "is deployed."
            )
        yield self.violation(
            f"renaming {label} to {quoted(new)}: the code deployed before this migration still queries {label}, "
            "and every such query fails until the new code is live",
            op.range,
            help=help_text,
        )

