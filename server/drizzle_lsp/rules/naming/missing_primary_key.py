from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.model import Table
from drizzle_lsp.rules._support.schema_sides import sql_side
from drizzle_lsp.rules.framework import MigrationContext, Rule, SchemaContext, Violation


def has_primary_key(table: Table) -> bool:
    return bool(table.primary_keys) or any(c.primary_key for c in table.columns.values())


class MissingPrimaryKey(Rule):
    """A table without a primary key.

    ## What it does
    Flags a table that has neither a primary-key column (`.primaryKey()`, `PRIMARY KEY`) nor a composite primary key
    (`primaryKey({ columns: [...] })`). A unique constraint does not count: its columns may be null. The TypeScript
    schema is the source of truth: its tables are reported there; migrations report only tables the schema does not
    declare (SQL-only projects, hand-written SQL), judged on the schema left by the last migration, so a key added
    by a later migration counts.

    ## Why is this bad?
    Without a key nothing stops two identical rows, and once they exist no statement can update or delete just one
    of them. Logical replication (Supabase Realtime, Neon's logical replication, change-data-capture tools) cannot
    replicate `UPDATE` and `DELETE` on a table without a replica identity, which is the primary key by default: those
    statements then fail on the published table. drizzle's relational queries and most admin tools also expect one.
    A join table is best keyed by its two foreign keys, which also indexes them.

    On MySQL, servers with `sql_require_primary_key` on (PlanetScale, Group Replication, many managed offers) refuse
    to create the table, and row-based replication finds each updated or deleted row by scanning the whole table on
    the replica. On SQLite only the hidden `rowid` tells duplicates apart, and `VACUUM` may renumber it when no
    `INTEGER PRIMARY KEY` column aliases it.

    ## Example
    ```ts
    import { pgTable, integer, text } from "drizzle-orm/pg-core";

    export const auditLog = pgTable("audit_log", {
      actorId: integer("actor_id").notNull(),
      action: text().notNull(),
    });
    ```

    Use instead:
    ```ts
    import { pgTable, integer, text } from "drizzle-orm/pg-core";

    export const auditLog = pgTable("audit_log", {
      id: integer().primaryKey().generatedAlwaysAsIdentity(),
      actorId: integer("actor_id").notNull(),
      action: text().notNull(),
    });
    ```
    """

    name = "missing-primary-key"
    group = "naming"
    severity = "warning"
    target = "schema+migration"
    # The SQL side judges the final replayed state with the TypeScript schema and the latest snapshot (sql_side); the
    # TypeScript side alone reads only its table.
    reads = "project"
    reads_on = {"schema": "unit"}

    def check_table(self, ctx: SchemaContext) -> Iterable[Violation]:
        if not has_primary_key(ctx.table):
            yield self.violation(_message(ctx.table, ctx.dialect), ctx.table.name_range or ctx.table.range,
                                 help=_help(ctx.table, sql=False))

    def check_migration(self, ctx: MigrationContext) -> Iterable[Violation]:
        side = sql_side(ctx)
        if side is None:
            return
        for table in side.sql_only_tables():
            if not has_primary_key(table):
                yield self.violation(_message(table, ctx.dialect), table.name_range or table.range, help=_help(table, sql=True))


def _label(table: Table) -> str:
    if table.schema and table.schema != "public":
        return f'"{table.schema}"."{table.name}"'
    return f'"{table.name}"'


def _message(table: Table, dialect: str = "postgresql") -> str:
    why = {
        "mysql": "MySQL servers with sql_require_primary_key (PlanetScale, Group Replication) refuse to create it, and "
                 "row-based replication scans the whole table on the replica for each row updated or deleted",
        "sqlite": "only SQLite's hidden rowid tells them apart, and VACUUM may renumber it",
    }.get(dialect)
    if why is None:
        return _postgres_message(table)
    return f"table {_label(table)} has no primary key: duplicate rows cannot be told apart; {why}"


def _postgres_message(table: Table) -> str:
    return (f"table {_label(table)} has no primary key: duplicate rows cannot be told apart, and logical replication "
            "cannot replicate its updates and deletes")


def _help(table: Table, sql: bool) -> str:
    link_columns = [c for fk in table.foreign_keys.values() for c in fk.columns_from]
    if len(table.foreign_keys) == 2 and len(link_columns) == 2:
        columns = ", ".join(f'"{c}"' for c in link_columns)
        if sql:
            return f"This looks like a join table: key it by its two references, `PRIMARY KEY ({columns})`."
        keys = ", ".join(f"t.{table.columns[c].key or c}" if c in table.columns else c for c in link_columns)
        return (f"This looks like a join table: key it by its two references, "
                f"`primaryKey({{ columns: [{keys}] }})` in the table's config.")
    if sql:
        return 'Add a key column, e.g. `"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY`.'
    return ("Add a key column, e.g. `id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity()`, or "
            "`primaryKey({ columns: [...] })` over the columns that identify a row.")
