from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.model import DatabaseSchema, OpKind, Table
from drizzle_lsp.rules._support.history import created_in_migration, find_table, table_label
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation


class Truncate(Rule):
    """Emptying an existing table with `TRUNCATE`.

    ## What it does
    Flags `TRUNCATE` of a table created by an earlier migration (a table created earlier in the same migration is
    empty anyway). With `CASCADE`, it names the tables that are emptied with it.

    ## Why is this bad?
    Every row is deleted, at once and without a trace: no `DELETE` triggers fire and there is no undo short of a
    backup. On PostgreSQL it also takes an ACCESS EXCLUSIVE lock, so reads and writes of the table wait for the rest
    of the migration's transaction. `CASCADE` empties every table that references it by foreign key, and theirs in
    turn. drizzle-kit never emits it: it is always hand-written, often a leftover from development.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "sessions" ("id" text PRIMARY KEY NOT NULL, "expires_at" timestamp with time zone);
    -- 0001_reset_sessions.sql
    TRUNCATE "sessions";
    ```

    Use instead:
    Delete only what must go, with a condition (and in batches on a large table):
    ```sql
    -- 0000_init.sql
    CREATE TABLE "sessions" ("id" text PRIMARY KEY NOT NULL, "expires_at" timestamp with time zone);
    -- 0001_reset_sessions.sql
    DELETE FROM "sessions" WHERE "expires_at" < now();
    ```
    """

    name = "truncate"
    group = "breaking"
    severity = "warning"
    dialects = ("postgresql", "mysql")  # SQLite has no TRUNCATE
    reads = "unit"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None or op.kind is not OpKind.TRUNCATE or not op.table:
            return
        if created_in_migration(ctx.migration, op, op.schema, op.table, ctx.dialect):
            return
        label = table_label(op.schema, op.table)
        message = f"TRUNCATE {label} deletes every row of {label}, with no undo"
        if ctx.dialect == "postgresql":
            message += ", under an ACCESS EXCLUSIVE lock that blocks its reads and writes until the transaction ends"
        table = find_table(ctx.state_before, op.schema, op.table)
        if op.cascade and table is not None:
            emptied = _cascade(ctx.state_before, table)
            if emptied:
                message += f"; CASCADE also empties {', '.join(emptied)}"
        yield self.violation(
            message,
            op.range,
            help=(
                "If only some rows must go, use DELETE with a WHERE clause (in batches on a large table). If the table "
                "really must be emptied, back it up first and silence this with `-- drizzle-lsp-ignore truncate`."
            ),
        )


def _cascade(state: DatabaseSchema | None, start: Table) -> list[str]:
    """Tables emptied with ``start``: those referencing it by foreign key, transitively."""
    if state is None:
        return []
    emptied: list[Table] = []
    seen = {id(start)}
    pending = [start]
    while pending:
        target = pending.pop()
        for table in state.tables.values():
            if id(table) in seen:
                continue
            if any(fk.table_to == target.name and (fk.schema_to or "public") == (target.schema or "public")
                   for fk in table.foreign_keys.values()):
                seen.add(id(table))
                emptied.append(table)
                pending.append(table)
    return sorted(table_label(t.schema, t.name) for t in emptied)
