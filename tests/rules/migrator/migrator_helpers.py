"""Helpers for the migrator-rule tests: lint a copy of a real drizzle-kit case, find findings by the statement they
flag, and apply migrations to a real PostgreSQL the way drizzle's migrator does."""

from __future__ import annotations

import os
import shutil

from psycopg import pq

from drizzle_lsp.rules.framework import Violation
from drizzle_lsp.rules.testing import lint_memory, lint_project, split_migrations

TESTS = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(TESTS, "fixtures", "corpus")
BREAKPOINT = "--> statement-breakpoint"


def copy_case(case: str, tmp_path, settings: str | None = None) -> str:
    """A copy of a corpus case (so no settings file above the repository can leak in); returns its root."""
    root = tmp_path / case
    shutil.copytree(os.path.join(CORPUS, case), root, ignore=shutil.ignore_patterns("steps"))
    if settings is not None:
        (root / ".drizzle-lsp.toml").write_text(settings)
    return str(root)


def lint_root(root: str, rule: str) -> list[Violation]:
    return [f for f in lint_project(root, select=[rule]) if f.rule == rule]


def lint_sql(sql: str, rule: str, **kwargs) -> list[Violation]:
    return [f for f in lint_memory(sql=sql, select=[rule], **kwargs) if f.rule == rule]


def migration_path(root: str, prefix: str) -> str:
    folder = os.path.join(root, "drizzle")
    (name,) = [n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(".sql")]
    return os.path.join(folder, name)


def read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def flagged_text(finding: Violation, sql: str | None = None) -> str:
    if sql is not None:
        tag = os.path.basename(finding.range.path)[:-len(".sql")]
        text = dict(split_migrations(sql))[tag]
    else:
        text = read(finding.range.path)
    return text[finding.range.start:finding.range.end]


class QueryFailed(Exception):
    def __init__(self, sqlstate: str, message: str) -> None:
        super().__init__(f"{sqlstate}: {message}")
        self.sqlstate = sqlstate


def simple_query(pg, sql: str) -> None:
    """One query over the simple protocol, as node-postgres sends a query without parameters: several statements in
    it run as one implicit transaction block."""
    result = pg.pgconn.exec_(sql.encode())
    if result.status == pq.ExecStatus.FATAL_ERROR:
        state = result.error_field(pq.DiagnosticField.SQLSTATE) or b""
        raise QueryFailed(state.decode(), result.error_message.decode().strip())


def migrate_like_drizzle(pg, migrations: list[str]) -> None:
    """drizzle-orm's migrate() with node-postgres (and drizzle-kit migrate): BEGIN, every breakpoint chunk of every
    pending migration as one query, COMMIT; ROLLBACK and re-raise on the first failure."""
    simple_query(pg, "BEGIN")
    try:
        for text in migrations:
            for chunk in text.split(BREAKPOINT):
                if chunk.strip():
                    simple_query(pg, chunk)
        simple_query(pg, "COMMIT")
    except QueryFailed:
        simple_query(pg, "ROLLBACK")
        raise
