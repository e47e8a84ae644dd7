"""SQL text for the split recipes: names that fit and do not collide, statements spliced from the migration's own
text, and the batched backfill statement.

Statements that keep their meaning are re-used as the migration writes them (a keyword spliced in at an offset the
parser recorded), so quoting, schemas and options the model does not hold survive. New statements are built from the
operation model and quoted with ``rules._support.identifiers``.
"""

from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.model import DatabaseSchema, Table
from drizzle_lsp.rules._support.identifiers import quoted, table_label

PG_NAME_BYTES = 63  # NAMEDATALEN - 1: PostgreSQL cuts longer names silently, so two long names can become one
BATCH_SIZE = 10000


def fitted_name(base: str, suffix: str, taken: set[str]) -> str:
    """``base + suffix`` cut to 63 bytes (never inside a multi-byte character), numbered until it is not in ``taken``.

    The chosen name is added to ``taken`` so that the next call for the same plan cannot return it again."""
    number = 1
    while True:
        tail = suffix if number == 1 else f"{suffix}{number}"
        room = PG_NAME_BYTES - len(tail.encode("utf-8"))
        name = base.encode("utf-8")[:room].decode("utf-8", "ignore") + tail
        if name not in taken:
            taken.add(name)
            return name
        number += 1


def relation_names(states: Iterable[DatabaseSchema | None], schema: str | None) -> set[str]:
    """Names in use for relations of ``schema`` (tables, indexes, the indexes behind unique and primary keys): an
    index name must not collide with any of them."""
    names: set[str] = set()
    wanted = schema or "public"
    for state in states:
        if state is None:
            continue
        for table in state.tables.values():
            if (table.schema or "public") != wanted:
                continue
            names.add(table.name)
            names.update(table.indexes)
            names.update(table.unique_constraints)
            names.update(table.primary_keys)
            names.update(f"{table.name}_pkey" for column in table.columns.values() if column.primary_key)
    return names


def constraint_names(tables: Iterable[Table | None], later: Table | None = None) -> set[str]:
    """Names in use for constraints of a table (``tables``: as it was before), and names the migration itself gives
    (``later``: the table after it). PostgreSQL 18 also names every NOT NULL (``<table>_<col>_not_null``), so those
    of columns that were already NOT NULL are taken too: a plan made for an older server must apply cleanly on 18.
    The NOT NULLs the migration adds are not counted: the plan creates exactly those."""
    names: set[str] = set()
    if later is not None:
        names.update(constraint_names([later]) - {f"{later.name}_{c}_not_null" for c in later.columns})
    for table in tables:
        if table is None:
            continue
        names.update(table.foreign_keys)
        names.update(table.primary_keys)
        names.update(table.unique_constraints)
        names.update(table.checks)
        names.update(table.indexes)
        names.update(f"{table.name}_{name}_not_null" for name, column in table.columns.items() if column.not_null)
        names.update(f"{table.name}_pkey" for column in table.columns.values() if column.primary_key)
    return names


def splice(text: str, base: int, inserts: list[tuple[int, str]]) -> str:
    """``text`` (which starts at file offset ``base``) with each (file offset, words) inserted, later offsets first."""
    for offset, words in sorted(inserts, reverse=True):
        at = offset - base
        text = text[:at] + words + text[at:]
    return text


def alter(schema: str | None, table: str, action: str) -> str:
    return f"ALTER TABLE {table_label(schema, table)} {action};"


def key_columns(table: Table | None) -> list[str]:
    """The columns that identify a row for a batched update: the primary key, else none (``ctid`` is used then)."""
    if table is None:
        return []
    for key in table.primary_keys.values():
        return list(key.columns)
    return [name for name, column in table.columns.items() if column.primary_key]


def _row_key(table: Table | None) -> tuple[str, str]:
    """(what the outer statement compares, what the inner SELECT returns)."""
    keys = key_columns(table)
    if len(keys) == 1:
        return quoted(keys[0]), quoted(keys[0])
    if keys:
        columns = ", ".join(quoted(k) for k in keys)
        return f"({columns})", columns
    # Without a key the physical row address still picks each row once per batch; a row moved by a concurrent update
    # is simply found again by the next repetition.
    return "ctid", "ctid"


def batched_update(schema: str | None, table: Table | None, table_name: str, assignments: str, pending: str) -> str:
    """``UPDATE … SET assignments`` for at most ``BATCH_SIZE`` rows matching ``pending``; repeated until it changes
    no row. ``pending`` must stop matching a row once the assignment ran, or the repetition never ends."""
    label = table_label(schema, table_name)
    key, select = _row_key(table)
    return (f"UPDATE {label} SET {assignments} WHERE {key} IN "
            f"(SELECT {select} FROM {label} WHERE {pending} LIMIT {BATCH_SIZE});")


def batched_delete(schema: str | None, table: Table | None, table_name: str, condition: str) -> str:
    """``DELETE`` of at most ``BATCH_SIZE`` rows matching ``condition``; repeated until it deletes no row."""
    label = table_label(schema, table_name)
    key, select = _row_key(table)
    return (f"DELETE FROM {label} WHERE {key} IN "
            f"(SELECT {select} FROM {label} WHERE {condition} LIMIT {BATCH_SIZE});")
