"""drop-type: DROP TYPE of an existing enum (not drizzle-kit's recreation, which is enum-recreated's)."""

from __future__ import annotations

import psycopg
import pytest
from breaking_helpers import flagged_text, lint_case, lint_sql, migration_index

RULE = "drop-type"

INIT = (
    "-- 0000_init.sql\n"
    "CREATE TYPE \"public\".\"mood\" AS ENUM('sad', 'ok');--> statement-breakpoint\n"
    'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "mood" "mood", "moods" "mood"[]);\n'
    "-- 0001_change.sql\n"
)


def test_real_drizzle_kit_after_its_last_column_is_dropped(tmp_path):
    # 0004 recreates the enum (not flagged here); 0007 drops the column, then the type
    [finding] = lint_case("pg-breaking", RULE, tmp_path)
    assert migration_index(finding) == 7
    assert flagged_text(finding) == 'DROP TYPE "public"."status";'
    assert finding.severity == "info"
    assert finding.message == (
        'DROP TYPE "public"."status" removes the enum: no column uses it any more, but functions, views and running '
        'code that still cast to "public"."status" break'
    )


def test_cascade_drops_the_columns_and_their_data():
    [finding] = lint_sql(INIT + 'DROP TYPE "public"."mood" CASCADE;', RULE)
    assert finding.severity == "warning"
    assert finding.message == (
        'DROP TYPE "public"."mood" CASCADE also drops "users"."mood", "users"."moods": every value stored in them is '
        "lost, and the running code that reads them fails"
    )


def test_without_cascade_it_fails_while_a_column_uses_it():
    [finding] = lint_sql(INIT + 'DROP TYPE "mood";', RULE)
    assert finding.message == 'DROP TYPE "public"."mood" fails (2BP01): "users"."mood", "users"."moods" still use it'


def test_the_claims_on_postgres(pg):
    pg.execute("CREATE TYPE mood AS ENUM ('sad', 'ok')")
    pg.execute('CREATE TABLE users (id int, mood mood)')
    pg.execute("INSERT INTO users VALUES (1, 'ok')")
    with pytest.raises(psycopg.errors.DependentObjectsStillExist):
        pg.execute("DROP TYPE mood")
    pg.execute("DROP TYPE mood CASCADE")
    columns = pg.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'users'").fetchall()
    assert columns == [("id",)]


def test_not_flagged():
    cases = [
        # created in the same migration
        "CREATE TYPE \"tone\" AS ENUM('a');--> statement-breakpoint\nDROP TYPE \"tone\";",
        # drizzle-kit's recreation: enum-recreated's finding
        'ALTER TABLE "users" DROP COLUMN "moods";--> statement-breakpoint\n'
        'ALTER TABLE "users" ALTER COLUMN "mood" SET DATA TYPE text;--> statement-breakpoint\n'
        'DROP TYPE "public"."mood";--> statement-breakpoint\n'
        "CREATE TYPE \"public\".\"mood\" AS ENUM('ok');--> statement-breakpoint\n"
        'ALTER TABLE "users" ALTER COLUMN "mood" SET DATA TYPE "public"."mood" USING "mood"::"public"."mood";',
    ]
    for case in cases:
        assert lint_sql(INIT + case, RULE) == [], case
