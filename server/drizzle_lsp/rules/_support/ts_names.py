"""How the TypeScript schema names a table or column, for help texts that suggest renaming only the TypeScript side
(``displayName: text("full_name")``): the cheapest zero-downtime rename in Drizzle, because the database keeps its
name and no migration is needed.
"""

from __future__ import annotations

import re

from drizzle_lsp.model import Column, Table

TABLE_FUNCTIONS = {"postgresql": "pgTable", "sqlite": "sqliteTable", "mysql": "mysqlTable"}


def schema_table(ctx, name: str | None) -> Table | None:
    """The TypeScript schema's table whose database name is ``name`` (any schema), or None."""
    schema = getattr(getattr(getattr(ctx, "project", None), "project", None), "schema", None)
    if schema is None or not name:
        return None
    for table in schema.tables.values():
        if table.name == name:
            return table
    return None


def schema_column(ctx, table: str | None, column: str | None) -> Column | None:
    found = schema_table(ctx, table)
    return found.columns.get(column or "") if found is not None else None


def camel_key(name: str) -> str:
    """``contact_email`` -> ``contactEmail``: what a TypeScript key for a database name usually looks like."""
    parts = [p for p in re.split(r"[_\W]+", name) if p]
    if not parts:
        return name
    return parts[0][:1].lower() + parts[0][1:] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def key_rename_snippet(ctx, table: str | None, new_column: str, old_column: str, old_type: str | None = None) -> str:
    """``contactEmail: text("email")``: the new key with the old database name."""
    column = schema_column(ctx, table, new_column)
    key = column.key if column is not None and column.key else camel_key(new_column)
    builder = column.builder if column is not None and column.builder else _builder_for(old_type)
    options = ", { … }" if column is not None and column.options else ""
    return f'{key}: {builder}("{old_column}"{options})'


def table_rename_snippet(ctx, new_table: str, old_table: str, dialect: str) -> str:
    """``export const articles = pgTable("posts", { … })``: the new export with the old database name."""
    table = schema_table(ctx, new_table)
    key = table.key if table is not None and table.key else camel_key(new_table)
    return f'export const {key} = {TABLE_FUNCTIONS.get(dialect, "pgTable")}("{old_table}", {{ … }})'


def _builder_for(sql_type: str | None) -> str:
    """A plausible Drizzle builder for a SQL type, used only when the schema file does not say."""
    if not sql_type:
        return "text"
    base = re.sub(r"\(.*", "", sql_type.lower()).strip()
    known = {
        "text": "text", "varchar": "varchar", "character varying": "varchar", "integer": "integer", "int": "int",
        "bigint": "bigint", "smallint": "smallint", "boolean": "boolean", "uuid": "uuid", "jsonb": "jsonb",
        "json": "json", "numeric": "numeric", "real": "real", "double precision": "doublePrecision",
        "date": "date", "timestamp": "timestamp", "timestamp with time zone": "timestamp",
        "timestamp without time zone": "timestamp", "serial": "serial", "bigserial": "bigserial",
    }
    return known.get(base, "text")
