from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.model import DatabaseSchema, OpKind, Table
from drizzle_lsp.rules._support.history import created_in_migration, find_table, table_label
from drizzle_lsp.rules._support.rebuilds import rebuild_containing
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation


class DropTable(Rule):
    """Dropping an existing table.

    ## What it does
    Flags `DROP TABLE` of a table created by an earlier migration. A table created earlier in the same migration is
    not flagged, nor is drizzle-kit's SQLite table rebuild (`CREATE TABLE __new_x`, copy, `DROP TABLE x`,
    `RENAME __new_x TO x`), which keeps the rows (`drop-column` checks what a rebuild leaves out).

    ## Why is this bad?
    Every row is gone, and there is no undo short of a backup. The code still running while the migration is applied
    fails on every query of that table until the new code is deployed. With `CASCADE`, the foreign keys of other
    tables that point at it (and views built on it) are dropped too.

    drizzle-kit emits a `DROP TABLE` when a table disappears from the schema, including when a renamed table is
    answered "create table" at its rename prompt (the renamed table is created empty and the old one dropped).

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "audit_log" ("id" serial PRIMARY KEY NOT NULL, "at" timestamp with time zone DEFAULT now() NOT NULL);
    -- 0001_drop_audit_log.sql
    DROP TABLE "audit_log" CASCADE;
    ```

    Use instead:
    Stop using the table in a release first, keep a backup if its rows may matter, then drop it and say
    so:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "audit_log" ("id" serial PRIMARY KEY NOT NULL, "at" timestamp with time zone DEFAULT now() NOT NULL);
    -- 0001_drop_audit_log.sql
    -- drizzle-lsp-ignore drop-table unused since release 42, rows exported to the archive bucket
    DROP TABLE "audit_log" CASCADE;
    ```
    """

    name = "drop-table"
    group = "breaking"
    severity = "warning"
    reads = "unit"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None or op.kind is not OpKind.DROP_TABLE or not op.table:
            return
        if created_in_migration(ctx.migration, op, op.schema, op.table, ctx.dialect):
            return
        if rebuild_containing(ctx.migration, op, ctx.dialect) is not None:
            return
        table = find_table(ctx.state_before, op.schema, op.table)
        if table is None and op.if_exists:
            return  # nothing to drop; without IF EXISTS an unknown table may be a gap in the replay, so flag it
        label = table_label(op.schema, op.table)
        message = (
            f"DROP TABLE {label} deletes the table and every row in it; the running code fails on every query of "
            f"{label} until the new code is deployed"
        )
        dependents = _referencing_tables(ctx.state_before, table) if table is not None else []
        if dependents and op.cascade:
            message += f"; CASCADE also drops the foreign keys of {', '.join(dependents)} that point at it"
        elif dependents:
            message += f"; it fails while {', '.join(dependents)} still reference it by foreign key"
        yield self.violation(
            message,
            op.range,
            help=(
                f"Deploy code that no longer uses {label} first, make sure its rows are backed up or no longer "
                "needed, then drop it in a later migration and silence this with `-- drizzle-lsp-ignore drop-table` "
                "above the statement. If the table was renamed, answer \"rename table\" at drizzle-kit's prompt "
                "instead, or keep the database name and rename only the TypeScript export."
            ),
        )


def _referencing_tables(state: DatabaseSchema | None, target: Table) -> list[str]:
    if state is None:
        return []
    found = []
    for table in state.tables.values():
        if table is target:
            continue
        for fk in table.foreign_keys.values():
            if fk.table_to == target.name and (fk.schema_to or "public") == (target.schema or "public"):
                found.append(table_label(table.schema, table.name))
                break
    return sorted(set(found))
