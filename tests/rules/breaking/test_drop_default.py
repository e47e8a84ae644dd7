"""drop-default: DROP DEFAULT on an existing column breaks (NOT NULL) or silently changes (nullable) the running
code's inserts."""

from __future__ import annotations

import pytest
from breaking_helpers import flagged_text, lint_case, lint_sql, migration_index

RULE = "drop-default"

INIT = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "users" (\n\t"id" serial PRIMARY KEY NOT NULL,\n\t"active" boolean DEFAULT true NOT NULL,\n'
    "\t\"score\" numeric(10, 2) DEFAULT '0',\n\t\"nickname\" text\n);\n"
    "-- 0001_change.sql\n"
)


def test_real_drizzle_kit_nullable_columns_are_information(tmp_path):
    [saas] = lint_case("01-pg-saas-snake-case", RULE, tmp_path)
    assert (migration_index(saas), flagged_text(saas)) == (
        5, 'ALTER TABLE "projects" ALTER COLUMN "priority" DROP DEFAULT;')
    assert saas.severity == "info"
    assert saas.message == (
        'DROP DEFAULT on "projects"."priority" (default 3): until the new code is deployed, every insert of the running '
        'code that leaves "priority" out silently stores NULL instead of 3'
    )
    assert "apply this DROP DEFAULT only once it is live" in saas.help
    assert saas.fix is None

    [items] = lint_case("08-pg-types-defaults", RULE, tmp_path)
    assert (migration_index(items), flagged_text(items)) == (
        1, 'ALTER TABLE "items" ALTER COLUMN "min_quantity" DROP DEFAULT;')
    assert items.severity == "info"


def test_not_null_column_is_a_warning():
    sql = INIT + (
        'ALTER TABLE "users" ALTER COLUMN "active" DROP DEFAULT;--> statement-breakpoint\n'
        'ALTER TABLE "users" ALTER COLUMN "score" DROP DEFAULT;'
    )
    active, score = lint_sql(sql, RULE)
    assert flagged_text(active, sql) == 'ALTER TABLE "users" ALTER COLUMN "active" DROP DEFAULT;'
    assert active.severity == "warning"
    assert active.message == (
        'DROP DEFAULT on NOT NULL column "users"."active" (default true): until the new code is deployed, every insert '
        'of the running code that leaves "active" out fails (23502, not-null violation)'
    )
    assert score.severity == "info"


def test_not_flagged_on_a_new_column_a_new_table_or_a_column_without_default():
    added = INIT + (
        'ALTER TABLE "users" ADD COLUMN "plan" text DEFAULT \'free\' NOT NULL;--> statement-breakpoint\n'
        'ALTER TABLE "users" ALTER COLUMN "plan" DROP DEFAULT;'
    )
    assert lint_sql(added, RULE) == []
    new_table = (
        'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "active" boolean DEFAULT true NOT NULL);\n'
        '--> statement-breakpoint\nALTER TABLE "users" ALTER COLUMN "active" DROP DEFAULT;'
    )
    assert lint_sql(new_table, RULE) == []
    assert lint_sql(INIT + 'ALTER TABLE "users" ALTER COLUMN "nickname" DROP DEFAULT;', RULE) == []


def test_mysql():
    sql = (
        "-- 0000_init.sql\n"
        "CREATE TABLE `users` (\n\t`id` int AUTO_INCREMENT NOT NULL,\n\t`active` boolean NOT NULL DEFAULT true,\n"
        "\tCONSTRAINT `users_id` PRIMARY KEY(`id`)\n);\n"
        "-- 0001_change.sql\n"
        "ALTER TABLE `users` ALTER COLUMN `active` DROP DEFAULT;"
    )
    [finding] = lint_sql(sql, RULE, dialect="mysql")
    assert finding.severity == "warning"


def test_running_code_insert_fails_or_stores_null_on_postgres(pg):
    """The claim of the message, on a real database: the old code's insert, after the migration."""
    import psycopg

    pg.execute(INIT.split("\n", 1)[1].split("-- 0001")[0])
    old_code_insert = 'INSERT INTO "users" ("nickname") VALUES (\'ann\')'
    pg.execute(old_code_insert)  # before the migration: the defaults fill the columns
    pg.execute('ALTER TABLE "users" ALTER COLUMN "score" DROP DEFAULT')
    pg.execute(old_code_insert)
    assert pg.execute('SELECT "score" FROM "users" ORDER BY "id"').fetchall() == [(0,), (None,)]
    pg.execute('ALTER TABLE "users" ALTER COLUMN "active" DROP DEFAULT')
    with pytest.raises(psycopg.errors.NotNullViolation) as failure:
        pg.execute(old_code_insert)
    assert failure.value.sqlstate == "23502"
