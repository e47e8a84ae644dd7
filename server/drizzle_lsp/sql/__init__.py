"""SQL migrations to statements and typed operations: PostgreSQL through libpg_query, SQLite and MySQL through sqlglot."""

from __future__ import annotations

from drizzle_lsp.model import Statement


def parse_migration(text: str, path: str, dialect: str = "postgresql", chunks: dict | None = None) -> list[Statement]:
    """Split ``text`` on drizzle-kit breakpoints and then into statements, and parse each one separately.

    Never raises: a statement that does not parse carries a ``syntax-error`` problem and the rest are still read.
    ``chunks``: the parsed breakpoint chunks of the file's previous text, reused where unchanged (PostgreSQL).
    """
    dialect = {"turso": "sqlite", "singlestore": "mysql", "pg": "postgresql", "postgres": "postgresql"}.get(
        dialect, dialect)
    if dialect in ("sqlite", "mysql"):
        from drizzle_lsp.sql.sqlglot_adapter import parse_other

        return parse_other(text, path, dialect)
    from drizzle_lsp.sql.pg_migration import parse_pg

    return parse_pg(text, path, chunks)


__all__ = ["parse_migration"]
