from __future__ import annotations

from collections.abc import Iterable, Iterator

from drizzle_lsp.model import Table
from drizzle_lsp.rules._support.schema_sides import sql_side
from drizzle_lsp.rules._support.table_facts import per_table
from drizzle_lsp.rules._support.table_keys import INDEX, PRIMARY_KEY, RANK, UNIQUE_CONSTRAINT, TableKey, table_keys
from drizzle_lsp.rules._support.ts_tables import remove_list_entry, remove_modifier
from drizzle_lsp.rules.framework import Fix, MigrationContext, Rule, SchemaContext, Violation


class DuplicateIndex(Rule):
    """An index that another index, a unique constraint or the primary key already provides.

    ## What it does
    Flags an index whose columns are the leading columns of another index, unique constraint or primary key of the
    same table (same order, same sort direction and operator class), and a unique index or constraint identical to
    another one or to the primary key. Of two identical indexes, the one declared later is flagged. Only full
    b-tree indexes on plain columns are compared: a partial index (`.where(...)`) may be kept deliberately small for
    the queries it serves, and an expression index (`lower(email)`) serves only its expression, so neither is ever
    called a duplicate nor taken to cover another. The TypeScript schema is the source of truth: its indexes are
    reported there; migrations report only indexes the schema does not declare (SQL-only projects, hand-written SQL),
    compared with everything on the table after the last migration.

    ## Why is this bad?
    A b-tree on `(a, b)` answers every lookup and sort on `a` alone, so a separate index on `(a)` gives the planner
    nothing new. It still costs: every `INSERT`, every `UPDATE` of its columns and every `DELETE` maintains it, it
    takes disk and cache space, and `VACUUM` reads it. A unique index repeating the primary key (`.primaryKey()
    .unique()`) builds and maintains the same index twice.

    ## Example
    ```ts
    import { pgTable, integer, text, timestamp, index } from "drizzle-orm/pg-core";

    export const orders = pgTable("orders", {
      id: integer().primaryKey().generatedAlwaysAsIdentity(),
      customerId: integer("customer_id").notNull(),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
      note: text(),
    }, (t) => [
      index("orders_customer_idx").on(t.customerId),
      index("orders_customer_created_idx").on(t.customerId, t.createdAt),
    ]);
    ```

    Use instead:
    ```ts
    import { pgTable, integer, text, timestamp, index } from "drizzle-orm/pg-core";

    export const orders = pgTable("orders", {
      id: integer().primaryKey().generatedAlwaysAsIdentity(),
      customerId: integer("customer_id").notNull(),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
      note: text(),
    }, (t) => [
      index("orders_customer_created_idx").on(t.customerId, t.createdAt),
    ]);
    ```

    ## Fix safety
    In the schema the fix deletes the index entry from the table's config (with its comma), or the `.unique()` call
    from the column. It is unsafe: queries keep working, but their plans may change, and the next
    `drizzle-kit generate` emits `DROP INDEX` (or `DROP CONSTRAINT`), which takes an ACCESS EXCLUSIVE lock on the
    table: prefer `DROP INDEX CONCURRENTLY` (see `require-concurrent-index-drop`). A migration gets no automatic fix,
    since deleting a `CREATE INDEX` that already ran drops nothing: drop the index in a new migration instead.
    """

    name = "duplicate-index"
    group = "indexes"
    severity = "warning"
    has_fix = True
    target = "schema+migration"
    # The SQL side judges the final replayed state with the TypeScript schema and the latest snapshot (sql_side); the
    # TypeScript side alone reads only its table (its fix, the text of the table's call or of the column's `.unique()`
    # chain).
    reads = "project"
    reads_on = {"schema": "unit"}

    def check_table(self, ctx: SchemaContext) -> Iterable[Violation]:
        table = ctx.table
        for redundant, kept in duplicates(table_keys(table)):
            yield self.violation(_message(table, redundant, kept), redundant.range or table.range,
                                 help=_help(redundant, kept, sql=False), fix=_ts_fix(ctx, table, redundant))

    def check_migration(self, ctx: MigrationContext) -> Iterable[Violation]:
        side = sql_side(ctx)
        if side is None:
            return
        for table, owners in side.tables():
            # Per final-state table object, not per migration writing to it: a table altered by fifty migrations was
            # compared fifty times on every keystroke (final tables are frozen, and shared while unchanged).
            found = per_table(table, "duplicate-index.final", lambda: list(duplicates(table_keys(table))))
            for redundant, kept in found:
                if not side.here(redundant.range) or any(_declared(owner, redundant) for owner in owners):
                    continue
                yield self.violation(_message(table, redundant, kept), redundant.range,
                                     help=_help(redundant, kept, sql=True))


def duplicates(keys: list[TableKey]) -> Iterator[tuple[TableKey, TableKey]]:
    """(redundant, the structure that makes it so) for every redundant index or unique constraint of a table."""
    by_rank = sorted(range(len(keys)), key=lambda i: -RANK[keys[i].kind])
    for position, candidate in enumerate(keys):
        if not _comparable(candidate) or candidate.kind == PRIMARY_KEY:
            continue
        for other_position in by_rank:
            other = keys[other_position]
            if other_position != position and _comparable(other) and _makes_redundant(
                    candidate, position, other, other_position):
                yield candidate, other
                break


def _comparable(key: TableKey) -> bool:
    return bool(key.columns) and not key.partial and key.method == "btree"


def _makes_redundant(candidate: TableKey, position: int, other: TableKey, other_position: int) -> bool:
    size = len(candidate.columns)
    if candidate.has_expression or len(other.columns) < size:
        return False
    if other.columns[:size] != candidate.columns or other.orders[:size] != candidate.orders:
        return False
    identical = len(other.columns) == size and not other.has_expression
    if candidate.unique:
        # A unique index on fewer columns enforces more than a longer one: only an identical unique one repeats it.
        if not (identical and other.unique) or candidate.nulls_not_distinct != other.nulls_not_distinct:
            return False
    elif not identical:
        return True
    if RANK[candidate.kind] != RANK[other.kind]:
        return RANK[candidate.kind] < RANK[other.kind]
    return position > other_position  # of two identical ones, the later is the repeat


def _declared(owner: Table, key: TableKey) -> bool:
    """The TypeScript schema (or drizzle-kit's snapshot) declares this structure, so the SQL side leaves it alone."""
    return key.name in owner.indexes or key.name in owner.unique_constraints


def _label(table: Table) -> str:
    if table.schema and table.schema != "public":
        return f'"{table.schema}"."{table.name}"'
    return f'"{table.name}"'


def _columns(key: TableKey) -> str:
    return ", ".join(f'"{c}"' for c in key.columns)


def _message(table: Table, redundant: TableKey, kept: TableKey) -> str:
    what = f"{redundant.label} on {_label(table)} ({_columns(redundant)})"
    if len(kept.columns) == len(redundant.columns) and not kept.has_expression:
        return f"{what} repeats {kept.label}: the same index is built and maintained twice"
    return (f"{what} is redundant: its column{'s are' if len(redundant.columns) > 1 else ' is'} the leading part of "
            f"{kept.label} ({_columns(kept)}), which serves the same lookups")


def _help(redundant: TableKey, kept: TableKey, sql: bool) -> str:
    if redundant.kind == UNIQUE_CONSTRAINT:
        action = "Remove the unique constraint" if not sql else "Drop the constraint in a new migration"
        return f"{action}: {kept.label} already enforces it. Dropping it frees the duplicate index."
    drop = "DROP INDEX CONCURRENTLY" if not sql else f'`DROP INDEX CONCURRENTLY "{redundant.name}";`'
    where = "Remove it from the table's config" if not sql else "Drop it in a new migration that runs outside a transaction"
    return (f"{where}: {kept.label} serves its queries, and every write maintains one index less. On an existing "
            f"table use {drop}: a plain DROP INDEX takes an ACCESS EXCLUSIVE lock (see require-concurrent-index-drop).")


def _ts_fix(ctx: SchemaContext, table: Table, redundant: TableKey) -> Fix | None:
    if redundant.range is None:
        return None
    edit = None
    if table.extra_config_range is not None:
        edit = remove_list_entry(ctx, redundant.range, table.extra_config_range)
    if edit is None and redundant.kind != INDEX and len(redundant.columns) == 1:
        column = table.columns.get(redundant.columns[0])
        if column is not None and column.range == redundant.range:  # `.unique()` on the column itself
            edit = remove_modifier(ctx, column.range, "unique")
    if edit is None:
        return None
    return Fix(f"Remove {redundant.label}", [edit], "unsafe")
