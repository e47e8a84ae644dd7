"""Helpers for the SQLite (D1) and MySQL tests: copies of the drizzle-kit corpus cases, fixes applied to disk, and a
real SQLite that applies migrations the way D1 does (each file one transaction, foreign keys always on)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from drizzle_lsp.fixes.edits import apply_edits
from drizzle_lsp.rules.testing import lint_project

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
BREAKPOINT = "--> statement-breakpoint"


def copy_corpus(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(CORPUS / name, target, ignore=shutil.ignore_patterns("steps"))
    return target


def lint(root: Path, select=None):
    return lint_project(str(root), select=select)


def only(findings, rule: str):
    return [f for f in findings if f.rule == rule]


def apply_fix(finding) -> None:
    by_path: dict[str, list] = {}
    for edit in finding.fix.edits:
        by_path.setdefault(edit.path, []).append(edit)
    for path, edits in by_path.items():
        Path(path).write_text(apply_edits(Path(path).read_text(), edits))


def migration_files(root: Path) -> list[Path]:
    return sorted((root / "drizzle").glob("*.sql"))


def d1_like_connection() -> sqlite3.Connection:
    """A SQLite connection with foreign keys on, as D1 always has them."""
    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def apply_like_d1(connection: sqlite3.Connection, sql: str) -> None:
    """Apply one migration file as D1 does: the whole file in one transaction, so drizzle-kit's
    ``PRAGMA foreign_keys=OFF`` runs inside it, where SQLite ignores it (D1 ignores it everywhere)."""
    try:
        connection.executescript("BEGIN;\n" + sql.replace(BREAKPOINT, "\n") + "\nCOMMIT;")
    except sqlite3.Error:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def rows(connection: sqlite3.Connection, query: str) -> list[tuple]:
    return connection.execute(query).fetchall()
