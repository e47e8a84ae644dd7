"""add-column-not-null-without-default: ADD COLUMN … NOT NULL without DEFAULT on an existing table."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from locks_helpers import flagged_text, lint_case, lint_sql, only

RULE = "add-column-not-null-without-default"

EXISTING = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "orders" ("id" integer PRIMARY KEY, "total" numeric(12, 2));\n'
    "-- 0001_add.sql\n"
)


def test_real_drizzle_kit_postgres(tmp_path):
    findings = lint_case("pg-lock-changes", RULE, tmp_path)
    # identity, serial, constant and stable defaults on "orders", and the new "shipments" table, are not flagged
    assert len(findings) == 1
    finding = findings[0]
    assert finding.severity == "error"
    assert finding.message == (
        'ADD COLUMN "tenant_id" integer NOT NULL without a DEFAULT on existing table "orders" fails as soon as the '
        'table has a row (23502: column "tenant_id" of relation "orders" contains null values)'
    )
    assert flagged_text(finding) == 'ALTER TABLE "orders" ADD COLUMN "tenant_id" integer NOT NULL;'
    assert "constant default" in finding.help and "backfill" in finding.help and "NOT VALID" in finding.help
    assert finding.fix is None  # the right value depends on the data: no guessed default is written


def test_real_drizzle_kit_sqlite(tmp_path):
    findings = lint_case("sqlite-not-null-column", RULE, tmp_path)
    assert len(findings) == 1  # not the column with DEFAULT 'free', not the new "teams" table
    finding = findings[0]
    assert finding.severity == "error"
    assert finding.message == (
        "ADD COLUMN `tenant_id` integer NOT NULL without a DEFAULT on existing table `users` fails as soon as the "
        "table has a row: SQLite refuses it (Cannot add a NOT NULL column with default value NULL)"
    )
    assert flagged_text(finding) == "ALTER TABLE `users` ADD `tenant_id` integer NOT NULL;"


def test_real_drizzle_kit_mysql(tmp_path):
    findings = lint_case("mysql-not-null-column", RULE, tmp_path)
    assert len(findings) == 2  # not the varchar with DEFAULT 'free'
    number = only(findings, "ALTER TABLE `users` ADD `tenant_id` int NOT NULL;")
    assert number.severity == "warning"
    assert number.message == (
        "ADD COLUMN `tenant_id` int NOT NULL without a DEFAULT on existing table `users` silently gives every "
        "existing row the type's implicit default (0), not a real value"
    )
    date = only(findings, "ALTER TABLE `users` ADD `verified_at` datetime NOT NULL;")
    assert date.severity == "error"
    assert "error 1292" in date.message


@pytest.mark.parametrize("column", [
    '"number" integer NOT NULL GENERATED ALWAYS AS IDENTITY',
    '"legacy_no" serial NOT NULL',
    '"is_paid" boolean DEFAULT false NOT NULL',
    '"created_at" timestamp with time zone DEFAULT now() NOT NULL',
    '"total_cents" integer NOT NULL GENERATED ALWAYS AS ((total * 100)::integer) STORED',
    '"note" text',
])
def test_columns_that_fill_existing_rows_are_not_flagged(column):
    assert lint_sql(EXISTING + f'ALTER TABLE "orders" ADD COLUMN {column};', RULE) == []


def test_explicit_null_default_is_no_default():
    assert len(lint_sql(EXISTING + 'ALTER TABLE "orders" ADD COLUMN "tenant_id" integer DEFAULT NULL NOT NULL;', RULE)) == 1


def test_not_flagged_on_a_table_created_in_the_same_migration():
    sql = EXISTING.replace("-- 0001_add.sql\n", "--> statement-breakpoint\n") + (
        'ALTER TABLE "orders" ADD COLUMN "tenant_id" integer NOT NULL;'
    )
    assert lint_sql(sql, RULE) == []


def test_the_claim_on_postgres(pg):
    """drizzle-kit's statement fails with 23502 on a table with one row, and succeeds on an empty table."""
    statement = 'ALTER TABLE "{table}" ADD COLUMN "tenant_id" integer NOT NULL'
    pg.execute('CREATE TABLE "orders" ("id" integer PRIMARY KEY, "total" numeric(12, 2))')
    pg.execute('CREATE TABLE "empty_orders" ("id" integer PRIMARY KEY, "total" numeric(12, 2))')
    pg.execute('INSERT INTO "orders" VALUES (1, 10)')
    with pytest.raises(psycopg.errors.NotNullViolation) as raised:
        pg.execute(statement.format(table="orders"))
    assert raised.value.sqlstate == "23502"
    assert 'column "tenant_id" of relation "orders" contains null values' in str(raised.value)
    pg.execute(statement.format(table="empty_orders"))
    # the first way of the help: a constant default fills the existing row
    pg.execute('ALTER TABLE "orders" ADD COLUMN "tenant_id" integer DEFAULT 1 NOT NULL')
    assert pg.execute('SELECT "tenant_id" FROM "orders"').fetchall() == [(1,)]


def test_the_claim_on_sqlite(tmp_path):
    """The SQLite statement drizzle-kit wrote fails on a table with a row and succeeds on an empty table."""
    finding = lint_case("sqlite-not-null-column", RULE, tmp_path)[0]
    statement = flagged_text(finding).rstrip(";")
    with sqlite3.connect(":memory:") as filled:
        filled.execute("CREATE TABLE `users` (`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL, `email` text NOT NULL)")
        filled.execute("INSERT INTO `users` (`email`) VALUES ('a@example.com')")
        with pytest.raises(sqlite3.OperationalError, match="Cannot add a NOT NULL column with default value NULL"):
            filled.execute(statement)
    with sqlite3.connect(":memory:") as empty:
        empty.execute("CREATE TABLE `users` (`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL, `email` text NOT NULL)")
        empty.execute(statement)


def test_real_drizzle_kit_sqlite_rebuild_copies_the_column_name_as_a_string(tmp_path):
    findings = lint_case("sqlite-rebuild-not-null-column", RULE, tmp_path)
    assert len(findings) == 1  # `email` existed: only the new column is reported
    finding = findings[0]
    assert finding.severity == "error"
    assert flagged_text(finding) == "`tenant_id` integer NOT NULL"
    assert finding.message == (
        "The rebuild of existing table `users` adds `tenant_id` integer NOT NULL without a DEFAULT, and its copy "
        "selects \"tenant_id\" from the old table, which has no such column: SQLite reads the double-quoted name as "
        "the string 'tenant_id' and writes it into every existing row (where double-quoted strings are disabled, "
        "the copy fails with no such column)"
    )


def test_the_rebuild_claim_on_sqlite(tmp_path):
    """Applied as drizzle writes it to a table with a row, the rebuild stores the text 'tenant_id' in the integer
    NOT NULL column instead of failing."""
    import os

    findings = lint_case("sqlite-rebuild-not-null-column", RULE, tmp_path)
    folder = os.path.dirname(findings[0].range.path)
    first, second = sorted(name for name in os.listdir(folder) if name.endswith(".sql"))
    connection = sqlite3.connect(":memory:")
    try:
        for statement in _statements(os.path.join(folder, first)):
            connection.execute(statement)
        connection.execute("INSERT INTO `users` (`email`) VALUES ('a@example.com')")
        for statement in _statements(os.path.join(folder, second)):
            connection.execute(statement)
        assert connection.execute("SELECT `tenant_id`, typeof(`tenant_id`) FROM `users`").fetchall() == [
            ("tenant_id", "text"),
        ]
    finally:
        connection.close()


def _statements(path: str) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return [s.strip() for s in handle.read().split("--> statement-breakpoint") if s.strip()]


def test_sqlite_rebuild_of_a_table_created_in_the_same_migration_is_not_flagged():
    sql = (
        "CREATE TABLE `users` (`id` integer PRIMARY KEY, `email` text);\n--> statement-breakpoint\n"
        "CREATE TABLE `__new_users` (`id` integer PRIMARY KEY, `email` text NOT NULL, `tenant_id` integer NOT NULL);\n"
        "--> statement-breakpoint\n"
        'INSERT INTO `__new_users`("id", "email", "tenant_id") SELECT "id", "email", "tenant_id" FROM `users`;'
        "--> statement-breakpoint\nDROP TABLE `users`;--> statement-breakpoint\n"
        "ALTER TABLE `__new_users` RENAME TO `users`;"
    )
    assert lint_sql(sql, RULE, dialect="sqlite") == []
