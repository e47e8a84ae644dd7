"""Where the type rules report, so a team sees each finding once, at the place its fix belongs.

The type rules (``prefer-timestamptz``, ``prefer-identity`` ...) run on both sides of a project. The TypeScript schema
is the source of truth: drizzle-kit generates the SQL from it, so a `timestamp` column is reported (and fixed) in
``schema.ts``, never again in each migration that drizzle-kit wrote for it. The SQL side reports a column only when
the TypeScript schema does not declare it (SQL-only projects, hand-written migrations), and only while the problem
still holds at the end of the migration history: a `timestamp` created in 0001 and changed to `timestamptz` in 0004
needs nothing more.

A column spread into several tables from a shared object (``...timestamps``) is one definition: it is reported once,
naming every table that uses it, and fixed once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from drizzle_lsp.analysis.pg_types import parse_type
from drizzle_lsp.model import Column, DatabaseSchema, Operation, OpKind, Table
from drizzle_lsp.model.source import SourceRange
from drizzle_lsp.rules._support.table_facts import TableFacts, foreign_texts, per_analysis, per_table, table_facts
from drizzle_lsp.rules.framework import Fix, TextEdit

SERIAL_NAMES = {"serial": "integer", "serial4": "integer", "bigserial": "bigint", "serial8": "bigint",
                "smallserial": "smallint", "serial2": "smallint"}


def quoted(*names: str) -> str:
    return ".".join(f'"{n}"' for n in names)


def type_base(type_text: str) -> str:
    return parse_type(type_text).base


def serial_kind(type_text: str) -> str | None:
    """``serial`` / ``bigserial`` / ``smallserial`` (also quoted, as drizzle-kit writes ``"smallserial"``)."""
    name = type_text.strip().strip('"').lower()
    return name if name in SERIAL_NAMES else None


def is_primary_key(table: Table, column: Column) -> bool:
    if column.primary_key:
        return True
    return any(pk.columns == [column.name] for pk in table.primary_keys.values())


# --- the TypeScript side ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TsColumn:
    """The column a TypeScript finding is about, with every table sharing its definition (spreads)."""

    table: Table
    column: Column
    tables: list[Table]

    @property
    def label(self) -> str:
        if len(self.tables) == 1:
            return f'column {quoted(self.table.name, self.column.name)}'
        names = ", ".join(f'"{t.name}"' for t in self.tables[:3])
        more = f" and {len(self.tables) - 3} more" if len(self.tables) > 3 else ""
        return f'column "{self.column.name}" (shared by {names}{more})'


def ts_column(ctx) -> TsColumn | None:
    """The column of a ``check_column`` context, or None when another table reports this shared definition."""
    if ctx.column is None:
        return None
    sharing = sharing_tables(ctx.schema, ctx.table, ctx.column)
    return TsColumn(ctx.table, ctx.column, sharing) if sharing else None


def sharing_tables(schema: DatabaseSchema, table: Table, column: Column) -> list[Table]:
    """The tables using ``column``'s definition, first the one that reports it; [] when that is another table.

    A column written inside ``table``'s own declaration belongs to it alone. One defined elsewhere and spread in
    (``...timestamps``) has the same source range in every table using it."""
    if column.range is None or table.range is None or _inside(column.range, table.range):
        return [table]
    sharing = _tables_by_column_range(schema).get(column.range, [])
    if sharing and sharing[0] is not table:
        return []
    return sharing or [table]


def _tables_by_column_range(schema: DatabaseSchema) -> dict[SourceRange, list[Table]]:
    """Every column's range, with the tables holding a column there (once per such column, in schema order): built
    once per schema, instead of one walk of every table per spread column."""
    def build() -> dict[SourceRange, list[Table]]:
        by_range: dict[SourceRange, list[Table]] = {}
        for t in schema.tables.values():
            for c in t.columns.values():
                if c.range is not None:
                    by_range.setdefault(c.range, []).append(t)
        return by_range

    return per_analysis(schema, "type_policy.tables_by_column_range", build)


def reporting_facts(ctx) -> TableFacts:
    """The ``memo_key`` part for what ``ts_column`` reads beyond the table: for each column spread into it from a
    helper, whether this table reports it and the tables it names (``TsColumn.label``; ``is_new_column`` looks each
    of them up in the migrated state), and the texts of other files such columns come from."""
    def fact(schema: DatabaseSchema, table: Table) -> tuple:
        spread = per_table(table, "type_policy.spread", lambda: [
            c for c in table.columns.values()
            if c.range is not None and table.range is not None and not _inside(c.range, table.range)])
        if not spread:
            return ()
        facts = []
        for column in spread:
            sharing = sharing_tables(schema, table, column)
            facts.append((column.name, tuple((t.schema, t.name) for t in sharing) if sharing else None))
        return tuple(facts), foreign_texts(ctx, table)

    return table_facts(ctx, "type_policy.reporting", fact)


def _inside(inner: SourceRange, outer: SourceRange) -> bool:
    return inner.path == outer.path and outer.start <= inner.start and inner.end <= outer.end


def migrated_column(analyzed, table: Table, column_name: str) -> Column | None:
    """The column as the migrations leave it (replay's final state, else the latest snapshot); None when no
    migration has created it yet, i.e. the next ``drizzle-kit generate`` will create it with the fixed type."""
    state = _migrated_state(analyzed)
    if state is None:
        return None
    found = state.table(table.name, table.schema or None)
    return found.columns.get(column_name) if found is not None else None


def is_new_column(analyzed, ts: TsColumn) -> bool:
    return all(migrated_column(analyzed, t, ts.column.name) is None for t in ts.tables)


def _migrated_state(analyzed) -> DatabaseSchema | None:
    replay = getattr(analyzed, "replay", None)
    if replay is not None:
        return replay.final
    project = getattr(analyzed, "project", None)
    snapshots = getattr(project, "snapshots", None) or {}
    return list(snapshots.values())[-1] if snapshots else None


# --- the SQL side ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SqlColumn:
    """A column type written in a migration: in CREATE TABLE, ADD COLUMN or ALTER COLUMN ... SET DATA TYPE."""

    table: str
    schema: str | None
    name: str
    type: str
    type_range: SourceRange
    column: Column | None  # the definition (None for SET DATA TYPE)
    table_def: Table | None  # CREATE TABLE's table, for its constraints

    @property
    def label(self) -> str:
        return f"column {quoted(self.table, self.name)}"


def sql_columns(op: Operation) -> Iterator[SqlColumn]:
    if op.kind is OpKind.CREATE_TABLE and op.table_def is not None:
        for column in op.table_def.columns.values():
            if column.type_range is not None:
                yield SqlColumn(op.table_def.name, op.schema, column.name, column.type, column.type_range, column,
                                op.table_def)
    elif op.kind is OpKind.ADD_COLUMN and op.column_def is not None and op.column_def.type_range is not None:
        column = op.column_def
        yield SqlColumn(op.table or "", op.schema, column.name, column.type, column.type_range, column, None)
    elif op.kind is OpKind.ALTER_COLUMN_TYPE and op.new_type and op.type_range is not None and op.column:
        yield SqlColumn(op.table or "", op.schema, op.column, op.new_type, op.type_range, None, None)


def declared_in_typescript(analyzed, table: str, schema: str | None, column: str | None = None) -> bool:
    project = getattr(analyzed, "project", None)
    ts_schema: DatabaseSchema | None = getattr(project, "schema", None)
    if ts_schema is None or not ts_schema.tables:
        return False
    found = ts_schema.table(table, schema)
    if found is None:
        return False
    return column is None or column in found.columns


def report_on_sql(ctx, column: SqlColumn, still_wrong: Callable[[Column, Table], bool]) -> bool:
    """True when the SQL side should report ``column``: the TypeScript schema does not declare it, and the migration
    history still leaves it wrong (``still_wrong`` on the final column). Without a replay, report."""
    if declared_in_typescript(ctx.project, column.table, column.schema, column.name):
        return False
    replay = getattr(ctx.project, "replay", None)
    if replay is None:
        return True
    final_table = replay.final.table(column.table, column.schema)
    final = final_table.columns.get(column.name) if final_table is not None else None
    return final is not None and still_wrong(final, final_table)


def sql_findings(ctx, classify: Callable[[str], object],
                 still_wrong: Callable[[Column, Table], bool] | None = None) -> Iterator[tuple[SqlColumn, object]]:
    """The columns of a ``check_operation`` context the SQL side reports, with what ``classify`` finds wrong in the
    written type (falsy: nothing): see ``report_on_sql``. ``still_wrong`` judges the final column; by default the
    final type classifies as wrong too."""
    if ctx.op is None:
        return
    if still_wrong is None:
        def still_wrong(final: Column, _table: Table) -> bool:
            return bool(classify(final.type))
    for column in sql_columns(ctx.op):
        kind = classify(column.type)
        if kind and report_on_sql(ctx, column, still_wrong):
            yield column, kind


def replace_type(type_range: SourceRange, replacement: str, safety: str = "unsafe") -> Fix:
    """The SQL-side fix: write ``replacement`` as the column's type."""
    return Fix(f"Use `{replacement}`", [TextEdit.replace(type_range, replacement)], safety)


def sql_text(ctx, rng: SourceRange) -> str:
    return ctx.text[rng.start:rng.end]
