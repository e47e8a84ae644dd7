"""enum-recreated: drizzle-kit's DROP TYPE + CREATE TYPE to remove an enum value, with its columns cast around it."""

from __future__ import annotations

import psycopg
import pytest
from breaking_helpers import flagged_text, lint_case, lint_sql, migration_index, migration_sql

RULE = "enum-recreated"

BREAKPOINT = "--> statement-breakpoint"


def test_real_drizzle_kit_value_removed(tmp_path):
    [finding] = lint_case("pg-breaking", RULE, tmp_path)
    assert migration_index(finding) == 4
    assert flagged_text(finding) == 'DROP TYPE "public"."status";'
    assert finding.message == (
        "enum \"public\".\"status\" is dropped and recreated without 'archived': \"articles\".\"status\" is cast to "
        "text and back, and the cast back fails (22P02) if any row still holds 'archived'; each cast rewrites "
        '"articles" under an ACCESS EXCLUSIVE lock that blocks reads and writes'
    )
    assert "`UPDATE \"articles\" SET \"status\" = '<kept value>' WHERE \"status\" = 'archived';`" in finding.help
    [(where, note)] = finding.related
    with open(where.path, encoding="utf-8") as handle:
        created = handle.read()[where.start:where.end]
    assert created == "CREATE TYPE \"public\".\"status\" AS ENUM('draft', 'published');"
    assert note == 'enum "public"."status" created again here'


def test_real_drizzle_kit_corpus(tmp_path):
    [finding] = lint_case("09-pg-helpdesk-enums-renames", RULE, tmp_path)
    assert "without 'pending': \"tickets\".\"status\" is cast" in finding.message


def test_several_columns_and_values():
    sql = (
        "-- 0000_init.sql\n"
        "CREATE TYPE \"public\".\"mood\" AS ENUM('sad', 'meh', 'ok', 'happy');--> statement-breakpoint\n"
        'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "mood" "mood");--> statement-breakpoint\n'
        'CREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "mood" "mood");\n'
        "-- 0001_change.sql\n"
        'ALTER TABLE "posts" ALTER COLUMN "mood" SET DATA TYPE text;--> statement-breakpoint\n'
        'ALTER TABLE "users" ALTER COLUMN "mood" SET DATA TYPE text;--> statement-breakpoint\n'
        'DROP TYPE "public"."mood";--> statement-breakpoint\n'
        "CREATE TYPE \"public\".\"mood\" AS ENUM('sad', 'ok');--> statement-breakpoint\n"
        'ALTER TABLE "posts" ALTER COLUMN "mood" SET DATA TYPE "public"."mood" USING "mood"::"public"."mood";'
        "--> statement-breakpoint\n"
        'ALTER TABLE "users" ALTER COLUMN "mood" SET DATA TYPE "public"."mood" USING "mood"::"public"."mood";'
    )
    [finding] = lint_sql(sql, RULE)
    assert finding.message.startswith(
        "enum \"public\".\"mood\" is dropped and recreated without 'meh', 'happy': \"posts\".\"mood\", "
        "\"users\".\"mood\" are cast to text and back, and the cast back fails (22P02) if any row still holds "
        "'meh', 'happy'; each cast rewrites \"posts\", \"users\""
    )


def test_not_flagged():
    init = "-- 0000_init.sql\nCREATE TYPE \"public\".\"mood\" AS ENUM('sad', 'ok');\n-- 0001_change.sql\n"
    cases = [
        # no column uses the enum: nothing is cast, nothing can fail
        init + 'DROP TYPE "public"."mood";--> statement-breakpoint\nCREATE TYPE "public"."mood" AS ENUM(\'ok\');',
        # created and recreated in the same migration: no row holds its values yet
        "-- 0000_init.sql\nCREATE TYPE \"tone\" AS ENUM('a', 'b');--> statement-breakpoint\n"
        'CREATE TABLE "t" ("tone" "tone");--> statement-breakpoint\n'
        'ALTER TABLE "t" ALTER COLUMN "tone" SET DATA TYPE text;--> statement-breakpoint\n'
        'DROP TYPE "tone";--> statement-breakpoint\nCREATE TYPE "tone" AS ENUM(\'a\');--> statement-breakpoint\n'
        'ALTER TABLE "t" ALTER COLUMN "tone" SET DATA TYPE "tone" USING "tone"::"tone";',
    ]
    for case in cases:
        assert lint_sql(case, RULE) == [], case


def _apply(pg, sql: str) -> None:
    for chunk in sql.split(BREAKPOINT):
        if chunk.strip():
            pg.execute(chunk)


@pytest.mark.parametrize("removed_value_in_a_row", [True, False])
def test_the_claim_on_postgres(pg, removed_value_in_a_row):
    """drizzle-kit's own recreation (0004 of the fixture) fails exactly when a row holds the removed value."""
    migrations = migration_sql("pg-breaking")
    for sql in migrations[:4]:
        _apply(pg, sql)
    pg.execute("INSERT INTO users (display_name, contact_email) VALUES ('a', 'a@example.com')")
    status = "archived" if removed_value_in_a_row else "published"
    pg.execute(f"INSERT INTO articles (user_id, title, status) SELECT id, 't', '{status}' FROM users")
    pg.execute("BEGIN")  # as drizzle's migrator applies it
    try:
        if removed_value_in_a_row:
            with pytest.raises(psycopg.errors.InvalidTextRepresentation) as raised:
                _apply(pg, migrations[4])
            assert raised.value.sqlstate == "22P02"
            assert 'invalid input value for enum status: "archived"' in str(raised.value)
        else:
            _apply(pg, migrations[4])
            assert pg.execute("SELECT status::text FROM articles").fetchall() == [("published",)]
    finally:
        pg.execute("ROLLBACK")
