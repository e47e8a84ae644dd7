"""Columns spread into several tables (``...timestamps``), found once per analysis, and the quote a fix inserting a
column name writes in each schema file.

A column defined outside a table's own ``pgTable(...)`` call and spread into it has the same source range in every
table using it: it is one definition, reported once, by the first table using it (``type_policy.sharing_tables``).
Answering that per column scans every table; here it is answered from a map built once per schema, from what each
``Table`` object contributes (computed once per object). The map's ``key`` summarises which tables share which
definition, for a rule's ``memo_key``: a rule whose findings for a table follow that sharing reads only its table
plus this key.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Hashable

from drizzle_lsp.model import Column, DatabaseSchema, Table
from drizzle_lsp.model.source import SourceRange
from drizzle_lsp.rules._support.table_facts import per_analysis, per_table, quotes
from drizzle_lsp.rules._support.type_policy import TsColumn


def _inside(inner: SourceRange, outer: SourceRange) -> bool:
    return inner.path == outer.path and outer.start <= inner.start and inner.end <= outer.end


def _outside_columns(table: Table) -> tuple[Column, ...]:
    """The columns defined outside the table's own call (spread in). Invariant under the extractor's in-place moves:
    it moves the table's own ranges together, and reads the table again when a spread's declaration moves."""
    if table.range is None:
        return ()
    return tuple(c for c in table.columns.values() if c.range is not None and not _inside(c.range, table.range))


class Spreads:
    """Which tables share each spread column definition, for one schema."""

    __slots__ = ("schema", "groups", "hosted", "key")

    def __init__(self, schema: DatabaseSchema) -> None:
        self.schema = schema
        tables = list(schema.tables.values())
        groups: dict[SourceRange, list[tuple[int, Table]]] = {}
        names: dict[SourceRange, str] = {}
        for position, table in enumerate(tables):
            for column in per_table(table, "spread_columns.outside", lambda: _outside_columns(table)):
                groups.setdefault(column.range, []).append((position, table))  # type: ignore[arg-type]
                names.setdefault(column.range, column.name)  # type: ignore[arg-type]
        # Ranges some column inside its own table's call holds too (see _add_hosts): in practice none.
        self.hosted: frozenset[SourceRange] = _add_hosts(tables, groups) if groups else frozenset()
        self.groups: dict[SourceRange, list[Table]] = {r: [t for _, t in members] for r, members in groups.items()}
        # Which tables share which definition, by name: for a table that did not change, the group holding its
        # column of that name (one per table) is the one its findings were computed with.
        self.key: Hashable = tuple((names[r], tuple(t.qualified_name for t in group))
                                   for r, group in self.groups.items())

    def sharing(self, table: Table, column: Column) -> list[Table]:
        """What ``type_policy.sharing_tables(schema, table, column)`` answers, in constant time: the tables using
        ``column``'s definition, first the one that reports it; [] when that is another table."""
        if column.range is None or table.range is None or _inside(column.range, table.range):
            return [table]
        sharing = self.groups.get(column.range)
        if sharing is None:  # a table outside the schema: ask the slow way
            sharing = [t for t in self.schema.tables.values() for c in t.columns.values() if c.range == column.range]
        if sharing and sharing[0] is not table:
            return []
        return list(sharing) or [table]


def _add_hosts(tables: list[Table], groups: dict[SourceRange, list[tuple[int, Table]]]) -> frozenset[SourceRange]:
    """A column whose range lies inside another table's own call and equals a spread's range shares it too (as
    ``sharing_tables`` counts every column): in practice never, since a spread comes from another declaration, but
    looked for with one bisection per table."""
    starts: dict[str, list[tuple[int, int, SourceRange]]] = {}
    for rng in groups:
        starts.setdefault(rng.path, []).append((rng.start, rng.end, rng))
    for found in starts.values():
        found.sort(key=lambda item: (item[0], item[1]))
    changed: set[SourceRange] = set()
    for position, table in enumerate(tables):
        span = table.range
        found = starts.get(span.path) if span is not None else None
        if not found:
            continue
        at = bisect_left(found, span.start, key=lambda item: item[0])
        while at < len(found) and found[at][0] <= span.end:
            _, end, rng = found[at]
            at += 1
            if end > span.end:
                continue
            for column in table.columns.values():
                if column.range == rng:  # inside the table's call: not one of its spread columns
                    groups[rng].append((position, table))
                    changed.add(rng)
    for rng in changed:
        groups[rng].sort(key=lambda member: member[0])
    return frozenset(changed)


def spreads(schema: DatabaseSchema) -> Spreads:
    """The spread columns of ``schema``, computed once per schema object (once per analysis)."""
    return per_analysis(schema, "spread_columns.spreads", lambda: Spreads(schema))


def ts_column(ctx) -> TsColumn | None:
    """``type_policy.ts_column``, with the sharing tables found in constant time: the column of a ``check_column``
    context, or None when another table reports this shared definition."""
    if ctx.column is None:
        return None
    sharing = spreads(ctx.schema).sharing(ctx.table, ctx.column)
    return TsColumn(ctx.table, ctx.column, sharing) if sharing else None


# --- the quote of inserted names -------------------------------------------------------------------------------------

def inserted_name_quotes(ctx) -> Hashable:
    """A ``memo_key`` part for rules whose fix adds a name to a builder call (``ts_tables.insert_column_name``): the
    quote it writes is the file's first `from "drizzle-orm...` (``BuilderCall.quote``), which an edit inside another
    table's call could change when no import before the tables has it. Per file holding a table or a spread column,
    once per analysis."""
    def compute() -> Hashable:
        schema = ctx.project.project.schema
        paths = {t.range.path for t in schema.tables.values() if t.range is not None}
        paths.update(r.path for r in spreads(schema).groups)
        return tuple((path, quotes(ctx, path)[0]) for path in sorted(paths))

    return per_analysis(ctx.project, "spread_columns.inserted_name_quotes", compute)
