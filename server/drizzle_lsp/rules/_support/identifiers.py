"""How rule messages name SQL objects: an identifier quoted the way the migration writes it, and a table with its
schema when that is not the default one. Shared by the lock, breaking and migrator rules."""

from __future__ import annotations


def quoted(name: str, dialect: str = "postgresql") -> str:
    """An identifier quoted the way drizzle-kit writes it for the dialect (backticks on SQLite and MySQL)."""
    if dialect in ("sqlite", "mysql"):
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def table_label(schema: str | None, table: str, dialect: str = "postgresql") -> str:
    """``"orders"`` for the default schema, ``"billing"."orders"`` otherwise: the way the migration itself names it."""
    if schema and schema != "public":
        return f"{quoted(schema, dialect)}.{quoted(table, dialect)}"
    return quoted(table, dialect)
