"""A plain, comparable form of a ``DatabaseSchema``, and readable differences between two of them.

The fidelity tests read the same database from two sources (TypeScript vs drizzle-kit's snapshot, replayed SQL vs
snapshot) and compare ``canonical()`` of each. Only differences without meaning are normalised away:

- a foreign key action of ``None`` is PostgreSQL's default ``no action``; actions, index methods and nulls ordering
  are keywords, so their case is irrelevant;
- runs of whitespace in SQL expressions (defaults, index ``where``, checks, generated expressions) outside string
  literals and quoted identifiers;
- a PostgreSQL table or enum with no schema lives in ``public``; a PostgreSQL foreign key with no ``schema_to`` points
  into ``public``;
- in MySQL a unique index and a unique constraint are the same object (a ``UNIQUE KEY``), and drizzle-kit itself
  folds every unique index into the unique constraints before diffing (``applyMysqlSnapshotsDiff``), then writes it
  as ``CONSTRAINT … UNIQUE(…)`` in ``CREATE TABLE``; so the SQL cannot say which of the two the schema declared, and
  both sides list a MySQL unique index as a unique constraint of the same name and columns.

``canonical(schema, sql_only=True)`` compares only what a migration's SQL can state, for replay-versus-snapshot
tests: SQLite foreign keys and composite primary keys have no name in SQLite, and drizzle-kit writes them without one
(``FOREIGN KEY (…) REFERENCES …``, ``PRIMARY KEY(…)``), so an explicit name in the schema survives only in its
snapshot. There both sides name them as drizzle-kit's own SQLite introspection does, from their columns. TypeScript
versus snapshot comparisons keep the names.

Identifier quoting, type spelling and the like are kept as they are: if drizzle-kit writes them consistently, a reader
that writes them differently is wrong and the test should say so. Source ranges, TypeScript keys, builders and builder
options are not part of the schema and are left out.
"""

from __future__ import annotations

from typing import Any

from drizzle_lsp.model.schema import Column, DatabaseSchema, Index, Table, qualify


def canonical(schema: DatabaseSchema, sql_only: bool = False) -> dict[str, Any]:
    pg = schema.dialect == "postgresql"
    tables = {}
    for table in schema.tables.values():
        form = _table(table, pg, schema.dialect == "mysql")
        if sql_only and schema.dialect == "sqlite":
            _name_from_columns(form)
        tables[_table_key(table, pg)] = form
    enums = {}
    for enum in schema.enums.values():
        enum_schema = enum.schema or ("public" if pg else "")
        enums[qualify(enum_schema, enum.name)] = {"name": enum.name, "schema": enum_schema, "values": list(enum.values)}
    return _sorted({"dialect": schema.dialect, "tables": tables, "enums": enums})


def diff(a: dict[str, Any], b: dict[str, Any], a_name: str = "a", b_name: str = "b") -> list[str]:
    """Differences as ``path: a-value != b-value`` lines, e.g. ``tables.public.users.columns.email.type: ...``."""
    out: list[str] = []
    _diff(a, b, "", out, a_name, b_name)
    return out


def _diff(a: Any, b: Any, path: str, out: list[str], a_name: str, b_name: str) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in b:
                out.append(f"{sub}: only in {a_name}: {_short(a[key])}")
            elif key not in a:
                out.append(f"{sub}: only in {b_name}: {_short(b[key])}")
            else:
                _diff(a[key], b[key], sub, out, a_name, b_name)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            _diff(x, y, f"{path}[{i}]", out, a_name, b_name)
    elif a != b:
        out.append(f"{path or '<root>'}: {a_name}={_short(a)} != {b_name}={_short(b)}")


def _short(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _table_key(table: Table, pg: bool) -> str:
    return qualify((table.schema or "public") if pg else table.schema, table.name)


def _table(table: Table, pg: bool, mysql: bool = False) -> dict[str, Any]:
    indexes = list(table.indexes.values())
    uniques = {u.name: {"name": u.name, "columns": list(u.columns), "nulls_not_distinct": u.nulls_not_distinct}
               for u in table.unique_constraints.values()}
    if mysql:
        for index in [i for i in indexes if i.unique]:
            indexes.remove(index)
            uniques[index.name] = {"name": index.name, "columns": [c.expression for c in index.columns],
                                   "nulls_not_distinct": False}
    return {
        "name": table.name,
        "schema": (table.schema or "public") if pg else table.schema,
        "columns": {c.name: _column(c) for c in table.columns.values()},
        "indexes": {i.name: _index(i) for i in indexes},
        "foreign_keys": {
            fk.name: {
                "name": fk.name,
                "table_from": fk.table_from,
                "columns_from": list(fk.columns_from),
                "table_to": fk.table_to,
                "schema_to": (fk.schema_to or "public") if pg else (fk.schema_to or ""),
                "columns_to": list(fk.columns_to),
                "on_delete": _action(fk.on_delete),
                "on_update": _action(fk.on_update),
            }
            for fk in table.foreign_keys.values()
        },
        "primary_keys": {pk.name: {"name": pk.name, "columns": list(pk.columns)} for pk in table.primary_keys.values()},
        "unique_constraints": uniques,
        "checks": {c.name: {"name": c.name, "value": normalize_sql(c.value)} for c in table.checks.values()},
        "rls_enabled": table.rls_enabled,
    }


def _name_from_columns(form: dict[str, Any]) -> None:
    fks = {}
    for fk in form["foreign_keys"].values():
        fk["name"] = "_".join([fk["table_from"], *fk["columns_from"], fk["table_to"], *fk["columns_to"]]) + "_fk"
        fks[fk["name"]] = fk
    form["foreign_keys"] = fks
    pks = {}
    for pk in form["primary_keys"].values():
        pk["name"] = "_".join([form["name"], *pk["columns"]]) + "_pk"
        pks[pk["name"]] = pk
    form["primary_keys"] = pks


def _column(column: Column) -> dict[str, Any]:
    identity = None
    if column.identity is not None:
        i = column.identity
        identity = {
            "type": i.type, "name": i.name, "schema": i.schema, "increment": i.increment, "start_with": i.start_with,
            "min_value": i.min_value, "max_value": i.max_value, "cache": i.cache, "cycle": i.cycle,
        }
    return {
        "name": column.name,
        "type": column.type,
        "not_null": column.not_null,
        "primary_key": column.primary_key,
        "default": normalize_sql(column.default),
        "type_schema": column.type_schema,
        "identity": identity,
        "generated": normalize_sql(column.generated),
        "auto_increment": column.auto_increment,
    }


def _index(index: Index) -> dict[str, Any]:
    return {
        "name": index.name,
        "columns": [
            {
                "expression": normalize_sql(c.expression) if c.is_expression else c.expression,
                "is_expression": c.is_expression,
                "asc": c.asc,
                "nulls": (c.nulls or "last").lower(),
                "opclass": c.opclass,
            }
            for c in index.columns
        ],
        "unique": index.unique,
        "method": (index.method or "btree").lower(),
        "where": normalize_sql(index.where),
        "with": {str(k): str(v) for k, v in index.with_.items()},
    }


def _action(value: str | None) -> str:
    return " ".join((value or "no action").lower().split())


def normalize_sql(text: str | None) -> str | None:
    """Collapse whitespace runs outside quotes to one space and strip the ends; quoted text is kept byte for byte."""
    if text is None:
        return None
    out: list[str] = []
    quote: str | None = None
    pending_space = False
    for ch in text:
        if quote:
            out.append(ch)
            if ch == quote:
                quote = None  # a doubled quote ('') closes and reopens: the result is the same
            continue
        if ch.isspace():
            pending_space = True
            continue
        if pending_space and out:
            out.append(" ")
        pending_space = False
        out.append(ch)
        if ch in ("'", '"', "`"):
            quote = ch
    return "".join(out)


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value
