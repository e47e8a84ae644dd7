from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.model import OpKind
from drizzle_lsp.rules._support.history import column_added_in_migration, column_label, find_table, quoted
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation


class DropDefault(Rule):
    """Dropping the default of an existing column.

    ## What it does
    Flags `ALTER TABLE … ALTER COLUMN … DROP DEFAULT` on a column of a table created by an earlier migration, when
    the column had a default. drizzle-kit emits it when `.default()` (or `.defaultNow()`, `.$default()` turned into
    a SQL default) is removed from a column. The finding is a warning on a `NOT NULL` column and information on a
    nullable one. A column added earlier in the same migration is not flagged: no code inserts into it yet. On MySQL,
    where drizzle-kit drops a default with `MODIFY COLUMN` restating the column without it, that statement is
    flagged the same way (the running code's inserts then fail with error 1364 under the default strict `sql_mode`).

    ## Why is this bad?
    Migrations run before the new application code is live. The code still running was written against the default:
    its inserts leave the column out and let the database fill it in. Once the default is gone:
    - on a `NOT NULL` column every such insert fails (`null value in column "…" violates not-null constraint`,
      23502) until the new code is deployed;
    - on a nullable column the inserts succeed but silently store `NULL` where the default used to go, and nothing
      reports the rows written that way.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "active" boolean DEFAULT true NOT NULL);
    -- 0001_drop_active_default.sql
    ALTER TABLE "users" ALTER COLUMN "active" DROP DEFAULT;
    ```

    Use instead:
    Drop a default in two releases: first release code that always sets the column in its inserts (with Drizzle, a
    `.$defaultFn()` on the column, or a value in every `insert`), and apply the `DROP DEFAULT` only once it is live:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "active" boolean DEFAULT true NOT NULL);
    -- 0001_drop_active_default.sql
    -- drizzle-lsp-ignore drop-default every insert sets "active" since release 42
    ALTER TABLE "users" ALTER COLUMN "active" DROP DEFAULT;
    ```
    """

    name = "drop-default"
    group = "breaking"
    severity = "warning"
    # SQLite has no ALTER COLUMN: drizzle-kit rebuilds the table there, and the rebuild copies every row's value.
    # On MySQL drizzle-kit drops a default with MODIFY COLUMN, which restates the column without one.
    dialects = ("postgresql", "mysql")
    reads = "unit"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None or not op.column or not ctx.table_existed():
            return
        # MySQL's MODIFY COLUMN restates the whole column: drizzle-kit writes one without DEFAULT to drop it
        modify_drops = (ctx.dialect == "mysql" and op.kind is OpKind.ALTER_COLUMN_TYPE and op.column_def is not None
                        and op.column_def.default is None)
        if op.kind is not OpKind.DROP_DEFAULT and not modify_drops:
            return
        if column_added_in_migration(ctx.migration, op, op.schema, op.table, op.column, ctx.dialect):
            return
        table = find_table(ctx.state_before, op.schema, op.table)
        column = table.columns.get(op.column) if table is not None else None
        if column is None or column.default is None:
            return  # unknown to the replay, or nothing to drop: the statement changes nothing
        label = column_label(op.schema, op.table, op.column)
        statement = "DROP DEFAULT" if op.kind is OpKind.DROP_DEFAULT else "MODIFY COLUMN without DEFAULT"
        if ctx.dialect == "mysql" and column.not_null:
            message = (
                f"{statement} on NOT NULL column {label} (default {column.default}): until the new code is deployed, "
                f"every insert of the running code that leaves {quoted(op.column)} out fails (MySQL error 1364, "
                "field doesn't have a default value, under the default strict sql_mode)"
            )
            severity = "warning"
        elif ctx.dialect == "mysql":
            message = (
                f"{statement} on {label} (default {column.default}): until the new code is deployed, every insert of "
                f"the running code that leaves {quoted(op.column)} out silently stores NULL instead of "
                f"{column.default}"
            )
            severity = "info"
        elif column.not_null:
            message = (
                f"DROP DEFAULT on NOT NULL column {label} (default {column.default}): until the new code is deployed, "
                f"every insert of the running code that leaves {quoted(op.column)} out fails (23502, not-null "
                f"violation)"
            )
            severity = "warning"
        else:
            message = (
                f"DROP DEFAULT on {label} (default {column.default}): until the new code is deployed, every insert of "
                f"the running code that leaves {quoted(op.column)} out silently stores NULL instead of "
                f"{column.default}"
            )
            severity = "info"
        help = (
            f"Release code that sets {quoted(op.column)} in every insert first (`.$defaultFn()` on the column, or an "
            f"explicit value), and apply this DROP DEFAULT only once it is live; then silence this with "
            f"`-- drizzle-lsp-ignore drop-default` above the statement."
        )
        yield self.violation(message, op.range, help=help, severity=severity)
