"""A table's indexes, unique constraints and primary key seen alike: as index structures over ordered columns.

PostgreSQL builds a btree index for every primary key and unique constraint, so for the questions the index rules
ask ("is this foreign key's lookup served by an index?", "does another index already do this one's work?") they
are indexes like any other. Only full indexes on plain columns count: a partial index (``WHERE``) holds only some
rows, and an expression index (``lower(email)``) serves only that expression.
"""

from __future__ import annotations

from dataclasses import dataclass

from drizzle_lsp.model import Index, SourceRange, Table

PRIMARY_KEY = "primary key"
UNIQUE_CONSTRAINT = "unique constraint"
UNIQUE_INDEX = "unique index"
INDEX = "index"

# Which of two identical structures to keep: the primary key, then a constraint, then a unique index, then an index.
RANK = {PRIMARY_KEY: 3, UNIQUE_CONSTRAINT: 2, UNIQUE_INDEX: 1, INDEX: 0}

_DEFAULT_ORDER = (True, "last", None)


@dataclass(frozen=True, slots=True)
class TableKey:
    kind: str  # PRIMARY_KEY | UNIQUE_CONSTRAINT | UNIQUE_INDEX | INDEX
    name: str
    columns: tuple[str, ...]  # leading plain columns (up to the first expression)
    orders: tuple[tuple[bool, str, str | None], ...]  # (ascending, nulls, opclass) per column in ``columns``
    method: str = "btree"
    partial: bool = False
    has_expression: bool = False  # some column is an expression (the plain prefix is still ``columns``)
    nulls_not_distinct: bool = False
    range: SourceRange | None = None
    index: Index | None = None  # the model object, for an index

    @property
    def unique(self) -> bool:
        return self.kind != INDEX

    @property
    def label(self) -> str:
        return f'{self.kind} "{self.name}"'


def table_keys(table: Table) -> list[TableKey]:
    """The table's index structures in declaration order: primary key, unique constraints, then indexes."""
    keys: list[TableKey] = []
    column_pk = [c.name for c in table.columns.values() if c.primary_key]
    if column_pk:
        first = table.columns[column_pk[0]]
        keys.append(TableKey(PRIMARY_KEY, f"{table.name}_pkey", tuple(column_pk), (_DEFAULT_ORDER,) * len(column_pk),
                             range=first.range))
    for pk in table.primary_keys.values():
        keys.append(TableKey(PRIMARY_KEY, pk.name, tuple(pk.columns), (_DEFAULT_ORDER,) * len(pk.columns),
                             range=pk.range))
    for unique in table.unique_constraints.values():
        keys.append(TableKey(UNIQUE_CONSTRAINT, unique.name, tuple(unique.columns),
                             (_DEFAULT_ORDER,) * len(unique.columns), nulls_not_distinct=unique.nulls_not_distinct,
                             range=unique.range))
    for index in table.indexes.values():
        keys.append(_index_key(index))
    return keys


def _index_key(index: Index) -> TableKey:
    columns: list[str] = []
    orders: list[tuple[bool, str, str | None]] = []
    for column in index.columns:
        if column.is_expression:
            break
        columns.append(column.expression)
        orders.append((column.asc, column.nulls, column.opclass))
    return TableKey(
        UNIQUE_INDEX if index.unique else INDEX, index.name, tuple(columns), tuple(orders),
        method=(index.method or "btree").lower(), partial=bool(index.where),
        has_expression=any(c.is_expression for c in index.columns), range=index.range, index=index,
    )


def serves_lookup(key: TableKey, columns: list[str]) -> bool:
    """``key`` can find the rows matching ``columns = values`` without reading the table: its leading columns are
    exactly ``columns`` (in any order), it covers every row, and its method supports equality on them."""
    if key.partial or len(key.columns) < len(columns):
        return False
    if set(key.columns[:len(columns)]) != set(columns):
        return False
    if key.method == "hash":
        return len(columns) == 1  # a hash index is single-column
    return key.method == "btree"


def covering_key(keys: list[TableKey], columns: list[str]) -> TableKey | None:
    return next((key for key in keys if serves_lookup(key, columns)), None)
