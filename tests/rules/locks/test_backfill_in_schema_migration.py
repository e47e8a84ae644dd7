"""backfill-in-schema-migration: UPDATE / DELETE / INSERT … SELECT on an existing table in the same transaction as
DDL on it. drizzle-kit never writes the backfill: people append it to a generated migration, as done here with a real
drizzle-kit file."""

from __future__ import annotations

import os

import psycopg
import pytest

from drizzle_lsp.rules.testing import lint_project
from locks_helpers import flagged_text, lint_case, lint_sql

RULE = "backfill-in-schema-migration"

INIT = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "email" text NOT NULL);--> statement-breakpoint\n'
    'CREATE TABLE "audit" ("id" bigint PRIMARY KEY NOT NULL, "email" text);\n'
)
ADD_ROLE = 'ALTER TABLE "users" ADD COLUMN "role" text;'
BACKFILL = 'UPDATE "users" SET "role" = \'member\' WHERE "role" IS NULL;'


def test_backfill_appended_to_a_real_drizzle_kit_migration(tmp_path):
    findings = lint_case("pg-type-changes", RULE, tmp_path)
    assert findings == []
    root = tmp_path / "pg-type-changes" / "drizzle"
    (migration,) = [p for p in os.listdir(root) if p.startswith("0001_")]
    with open(root / migration, "a", encoding="utf-8") as handle:
        handle.write("--> statement-breakpoint\nUPDATE \"projects\" SET \"priority\" = 3 WHERE \"priority\" IS NULL;")
    (finding,) = [f for f in lint_project(str(tmp_path / "pg-type-changes"), select=[RULE]) if f.rule == RULE]
    assert flagged_text(finding) == 'UPDATE "projects" SET "priority" = 3 WHERE "priority" IS NULL;'
    assert finding.message == (
        'UPDATE "projects" runs in the same transaction as ALTER TABLE "projects" ALTER COLUMN "priority" SET DATA '
        'TYPE integer (line 1), whose ACCESS EXCLUSIVE lock on "projects" is held until the transaction commits: '
        'reads and writes of "projects" are blocked for the whole backfill'
    )
    assert "in batches" in finding.help and "LIMIT 10000" in finding.help


def test_backfill_after_add_column():
    sql = INIT + f"-- 0001_users_role.sql\n{ADD_ROLE}--> statement-breakpoint\n{BACKFILL}"
    (finding,) = lint_sql(sql, RULE)
    assert flagged_text(finding, sql) == BACKFILL
    assert finding.message.startswith(
        'UPDATE "users" runs in the same transaction as ALTER TABLE "users" ADD COLUMN "role" (line 1), whose ACCESS '
        'EXCLUSIVE lock on "users" is held until the transaction commits'
    )
    assert finding.related[0][1] == 'ACCESS EXCLUSIVE lock on "users" taken here'


def test_backfill_before_the_ddl():
    sql = INIT + ('-- 0001_x.sql\nDELETE FROM "users" WHERE "email" = \'\';--> statement-breakpoint\n'
                  'CREATE INDEX "users_email_idx" ON "users" USING btree ("email");')
    (finding,) = lint_sql(sql, RULE)
    assert finding.message == (
        'DELETE FROM "users" runs in the same transaction as CREATE INDEX "users_email_idx" on "users" (line 2): the '
        "rows it changes stay locked until the transaction commits, which is only after that statement has waited "
        'for and taken its SHARE lock on "users"'
    )


def test_insert_select_is_a_backfill():
    sql = INIT + ('-- 0001_x.sql\nALTER TABLE "audit" ADD COLUMN "at" timestamp with time zone;'
                  '--> statement-breakpoint\nINSERT INTO "audit" ("id", "email") SELECT "id", "email" FROM "users";')
    (finding,) = lint_sql(sql, RULE)
    assert finding.message.startswith('INSERT INTO "audit" runs in the same transaction as ALTER TABLE "audit"')


@pytest.mark.parametrize("body", [
    # a seed row, not a backfill
    f"{ADD_ROLE}--> statement-breakpoint\nINSERT INTO \"users\" (\"id\", \"email\") VALUES (1, 'a@b.c');",
    # DDL on another table
    f'ALTER TABLE "audit" ADD COLUMN "at" text;--> statement-breakpoint\n{BACKFILL.replace("role", "email")}',
    # a table created in this migration is empty
    'CREATE TABLE "teams" ("id" bigint PRIMARY KEY, "name" text);--> statement-breakpoint\n'
    'UPDATE "teams" SET "name" = \'x\';',
    # the DDL committed before the backfill runs
    f"{ADD_ROLE}--> statement-breakpoint\nCOMMIT;--> statement-breakpoint\n{BACKFILL}",
])
def test_not_flagged(body):
    assert lint_sql(INIT + f"-- 0001_x.sql\n{body}", RULE) == []


def test_migrator_modes_and_the_pending_window():
    sql = INIT + f"-- 0001_users_role.sql\n{ADD_ROLE}\n-- 0002_backfill.sql\n{BACKFILL}"
    (finding,) = lint_sql(sql, RULE)
    assert "(line 1 of 0001_users_role.sql, when both migrations are pending in the same run)" in finding.message
    assert lint_sql(sql, RULE, migrator="per-file") == []
    assert lint_sql(sql, RULE, migrator="no-transaction") == []
    assert lint_sql(sql, RULE, settings='migrator = "neon-http"\n') == []
    alone = "[rules.options.backfill-in-schema-migration]\npending-migrations = 1\n"
    assert lint_sql(sql, RULE, settings=alone) == []


# --- on a real PostgreSQL ----------------------------------------------------------------------------------------


def test_readers_wait_for_the_whole_backfill(pg):
    for chunk in INIT.replace("-- 0000_init.sql\n", "").split("--> statement-breakpoint"):
        pg.execute(chunk)
    pg.execute("""INSERT INTO "users" SELECT g, 'u' || g || '@x.io' FROM generate_series(1, 1000) AS g""")
    reader = psycopg.connect(pg.info.dsn, autocommit=True)
    try:
        with pg.transaction():
            pg.execute(ADD_ROLE)
            pg.execute(BACKFILL)
            reader.execute("SET lock_timeout = '200ms'")
            with pytest.raises(psycopg.Error) as failure:
                reader.execute('SELECT count(*) FROM "users"')
            assert failure.value.sqlstate == "55P03"
    finally:
        reader.close()
