"""The helpers the breaking-change rules share (``rules/_support``): statement removal that keeps breakpoints valid,
"created in this migration" that follows renames, SQLite rebuild recognition, and transaction spans."""

from __future__ import annotations

import pytest

from drizzle_lsp.fixes import apply_edits
from drizzle_lsp.model import Migration
from drizzle_lsp.rules._support.history import column_added_in_migration, created_in_migration, flat_operations
from drizzle_lsp.rules._support.rebuilds import rebuilds
from drizzle_lsp.rules._support.statement_edits import join_statements, remove_statement
from drizzle_lsp.rules._support.transactions import TransactionMap
from drizzle_lsp.sql import parse_migration

A = 'ALTER TABLE "t" ADD COLUMN "a" text;'
B = 'ALTER TABLE "t" ADD COLUMN "b" text;'
C = 'ALTER TABLE "t" ADD COLUMN "c" text;'


def _migration(text: str, dialect: str = "postgresql", tag: str = "0001_x") -> Migration:
    migration = Migration(tag=tag, sql_path=f"{tag}.sql", dialect=dialect, text=text)
    migration.statements = parse_migration(text, migration.sql_path, dialect)
    return migration


def _without(text: str, index: int) -> str:
    migration = _migration(text)
    return apply_edits(text, [remove_statement(migration, migration.statements[index])])


@pytest.mark.parametrize("text,index,expected", [
    # drizzle-kit's layout: the marker at the end of the statement's line
    (f"{A}--> statement-breakpoint\n{B}--> statement-breakpoint\n{C}", 1,
     f"{A}--> statement-breakpoint\n{C}"),
    (f"{A}--> statement-breakpoint\n{B}--> statement-breakpoint\n{C}", 0,
     f"{B}--> statement-breakpoint\n{C}"),
    (f"{A}--> statement-breakpoint\n{B}--> statement-breakpoint\n{C}\n", 2,
     f"{A}--> statement-breakpoint\n{B}\n"),
    # the marker on its own line, and comments that belong to the removed statement
    (f"{A}\n--> statement-breakpoint\n-- why b\n{B}\n--> statement-breakpoint\n{C}", 1,
     f"{A}\n--> statement-breakpoint\n{C}"),
    # breakpoints: false
    (f"{A}\n{B}\n{C}\n", 1, f"{A}\n{C}\n"),
    (f"{A}\n{B}\n", 1, f"{A}\n"),
    # Windows line ends
    (f"{A}--> statement-breakpoint\r\n{B}--> statement-breakpoint\r\n{C}", 1,
     f"{A}--> statement-breakpoint\r\n{C}"),
])
def test_remove_statement_keeps_breakpoints_valid(text, index, expected):
    assert _without(text, index) == expected


def test_join_statements_follows_the_file():
    assert join_statements(_migration(f"{A}--> statement-breakpoint\r\n{B}"), [A, B]) == (
        f"{A}--> statement-breakpoint\r\n{B}"
    )
    assert join_statements(_migration(f"{A}\n{B}"), [A, B]) == f"{A}\n{B}"


def test_created_in_migration_follows_renames():
    migration = _migration(
        'CREATE TABLE "tmp" ("id" integer);--> statement-breakpoint\n'
        'ALTER TABLE "tmp" RENAME TO "staging";--> statement-breakpoint\n'
        'ALTER TABLE "users" RENAME TO "accounts";--> statement-breakpoint\n'
        'ALTER TABLE "accounts" ADD COLUMN "x" text;--> statement-breakpoint\n'
        'SELECT 1;'
    )
    last = list(flat_operations(migration))[-1]
    assert created_in_migration(migration, last, "public", "staging", "postgresql")
    assert not created_in_migration(migration, last, "public", "tmp", "postgresql")
    assert not created_in_migration(migration, last, None, "accounts", "postgresql")
    assert column_added_in_migration(migration, last, None, "accounts", "x", "postgresql")
    assert not column_added_in_migration(migration, last, None, "accounts", "id", "postgresql")


def test_rebuilds_need_the_whole_pattern():
    complete = _migration(
        "CREATE TABLE `__new_users` (`id` integer);--> statement-breakpoint\n"
        'INSERT INTO `__new_users`("id") SELECT "id" FROM `users`;--> statement-breakpoint\n'
        "DROP TABLE `users`;--> statement-breakpoint\n"
        "ALTER TABLE `__new_users` RENAME TO `users`;",
        "sqlite",
    )
    [rebuild] = rebuilds(complete, "sqlite")
    assert rebuild.table == "users" and rebuild.kept_columns() == {"id"}
    # without the final rename the old table is simply gone
    partial = _migration(
        "CREATE TABLE `__new_users` (`id` integer);--> statement-breakpoint\nDROP TABLE `users`;", "sqlite"
    )
    assert rebuilds(partial, "sqlite") == []


def _groups(texts: list[str], mode: str) -> list[list[int]]:
    """Statement indexes (over all files) grouped by transaction."""
    migrations = [_migration(text, tag=f"000{i}_m") for i, text in enumerate(texts)]
    tmap = TransactionMap(migrations, mode)
    groups: dict[int, list[int]] = {}
    for ref in tmap.refs:
        groups.setdefault(ref.transaction, []).append(ref.position)
    return list(groups.values())


def test_transaction_spans_follow_the_migrator():
    files = [f"{A}--> statement-breakpoint\n{B}", C]
    assert _groups(files, "transaction") == [[0, 1, 2]]
    assert _groups(files, "per-file") == [[0, 1], [2]]
    assert _groups(files, "no-transaction") == [[0], [1], [2]]


def test_an_explicit_commit_ends_the_migrators_transaction():
    files = [f"{A}--> statement-breakpoint\nCOMMIT;--> statement-breakpoint\n{B}--> statement-breakpoint\n{C}"]
    # A and the COMMIT share the migrator's transaction; B and C then commit one by one
    assert _groups(files, "transaction") == [[0, 1], [2], [3]]
    files = [f"COMMIT;--> statement-breakpoint\nBEGIN;--> statement-breakpoint\n{B}--> statement-breakpoint\n{C}"]
    assert _groups(files, "transaction") == [[0], [1, 2, 3]]
