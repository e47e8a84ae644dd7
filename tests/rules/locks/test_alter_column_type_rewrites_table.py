"""alter-column-type-rewrites-table: type changes that rewrite an existing table, and the binary-coercible ones that
must never be flagged. Real drizzle-kit output (fixtures/pg-type-changes), rewrites checked on a real PostgreSQL."""

from __future__ import annotations

import pytest

from locks_helpers import flagged_text, lint_case, lint_sql, only

RULE = "alter-column-type-rewrites-table"

EXISTING = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "t" ("id" integer PRIMARY KEY, "a" integer, "v" varchar(10), "ts" timestamp, "ts2" timestamp, '
    '"n" numeric(10, 2));--> statement-breakpoint\n'
    'CREATE INDEX "t_ts2_idx" ON "t" USING btree ("ts2");\n'
    "-- 0001_change.sql\n"
)


def test_real_drizzle_kit_type_changes(tmp_path):
    findings = lint_case("pg-type-changes", RULE, tmp_path)
    flagged = sorted(flagged_text(f).split('"')[3] for f in findings)
    # varchar(64) -> varchar(128), varchar(64) -> text and numeric(10, 2) -> numeric(12, 2) are binary-coercible
    assert flagged == ["code", "ends_at", "priority", "seats", "settings", "stage", "starts_at"]

    seats = only(findings, 'ALTER TABLE "projects" ALTER COLUMN "seats"')
    assert seats.message == (
        'ALTER COLUMN "seats" SET DATA TYPE bigint on existing table "projects" rewrites the table and all its '
        'indexes under an ACCESS EXCLUSIVE lock: reads and writes of "projects" are blocked until it finishes '
        "(integer to bigint is not binary-coercible)"
    )
    assert flagged_text(seats) == 'ALTER TABLE "projects" ALTER COLUMN "seats" SET DATA TYPE bigint;'
    assert "expand/contract" in seats.help and "rename the new one" in seats.help
    assert seats.fix is None

    starts = only(findings, 'ALTER TABLE "projects" ALTER COLUMN "starts_at"')
    assert starts.message == (
        'ALTER COLUMN "starts_at" SET DATA TYPE timestamp with time zone on existing table "projects" rewrites the '
        "table and all its indexes under an ACCESS EXCLUSIVE lock unless the session TimeZone is UTC: reads and "
        'writes of "projects" are blocked until it finishes'
    )
    assert "SET LOCAL TimeZone = 'UTC';" in starts.help

    stage = only(findings, 'ALTER TABLE "projects" ALTER COLUMN "stage" SET DATA TYPE')
    assert 'SET DATA TYPE "public"."stage" on existing table' in stage.message  # the type as the migration spells it


@pytest.mark.parametrize("statement", [
    'ALTER TABLE "t" ALTER COLUMN "v" SET DATA TYPE varchar(20);',
    'ALTER TABLE "t" ALTER COLUMN "v" SET DATA TYPE varchar;',
    'ALTER TABLE "t" ALTER COLUMN "v" SET DATA TYPE text;',
    'ALTER TABLE "t" ALTER COLUMN "n" SET DATA TYPE numeric(12, 2);',
    'ALTER TABLE "t" ALTER COLUMN "n" SET DATA TYPE numeric;',
    'ALTER TABLE "t" ALTER COLUMN "v" SET DATA TYPE varchar(20) USING "v"::varchar(20);',  # a plain cast
])
def test_binary_coercible_changes_are_not_flagged(statement):
    assert lint_sql(EXISTING + statement, RULE) == []


def test_table_created_in_the_same_migration_is_not_flagged():
    sql = ("-- 0000_init.sql\n"
           'CREATE TABLE "t" ("id" integer PRIMARY KEY, "a" integer);--> statement-breakpoint\n'
           'ALTER TABLE "t" ALTER COLUMN "a" SET DATA TYPE bigint;')
    assert lint_sql(sql, RULE) == []


@pytest.mark.parametrize("statement, reason", [
    ('ALTER TABLE "t" ALTER COLUMN "v" SET DATA TYPE varchar(5);', "varchar(10) to varchar(5) is not binary-coercible"),
    ('ALTER TABLE "t" ALTER COLUMN "n" SET DATA TYPE numeric(10, 3);',
     "numeric(10, 2) to numeric(10, 3) is not binary-coercible"),
    ('ALTER TABLE "t" ALTER COLUMN "v" SET DATA TYPE varchar(30) USING lower("v");',
     "the USING expression computes every value again"),
])
def test_rewrites_are_flagged(statement, reason):
    sql = EXISTING + statement
    finding = only(lint_sql(sql, RULE), statement[:35], sql)
    assert finding.message.endswith(f"({reason})")


def test_utc_session_leaves_only_the_index_rebuild():
    sql = EXISTING + (
        "SET LOCAL TimeZone = 'UTC';--> statement-breakpoint\n"
        'ALTER TABLE "t" ALTER COLUMN "ts" SET DATA TYPE timestamp with time zone;--> statement-breakpoint\n'
        'ALTER TABLE "t" ALTER COLUMN "ts2" SET DATA TYPE timestamp with time zone;'
    )
    (finding,) = lint_sql(sql, RULE)
    assert finding.message == (
        'ALTER COLUMN "ts2" SET DATA TYPE timestamp with time zone on existing table "t" rebuilds "t_ts2_idx" under '
        'an ACCESS EXCLUSIVE lock: reads and writes of "t" are blocked while the index is rebuilt (TimeZone is UTC, '
        "so the table itself is not rewritten)"
    )


def test_utc_set_in_a_committed_transaction_no_longer_counts():
    sql = EXISTING + (
        "SET LOCAL TimeZone = 'UTC';--> statement-breakpoint\n"
        "COMMIT;--> statement-breakpoint\n"
        'ALTER TABLE "t" ALTER COLUMN "ts" SET DATA TYPE timestamp with time zone;'
    )
    (finding,) = lint_sql(sql, RULE)
    assert "unless the session TimeZone is UTC" in finding.message


# --- on a real PostgreSQL ----------------------------------------------------------------------------------------


def _filenodes(pg) -> dict[str, int]:
    rows = pg.execute("SELECT relname, relfilenode FROM pg_class WHERE relname IN ('t', 't_ts2_idx', 't_pkey')")
    return dict(rows.fetchall())


@pytest.mark.parametrize("statement, setup, table_rewritten, index_rebuilt", [
    ('ALTER TABLE "t" ALTER COLUMN "v" SET DATA TYPE varchar(20) USING "v"::varchar(20)', "", False, False),
    ('ALTER TABLE "t" ALTER COLUMN "v" SET DATA TYPE varchar(30) USING lower("v")', "", True, True),
    ('ALTER TABLE "t" ALTER COLUMN "ts2" SET DATA TYPE timestamp with time zone', "SET TimeZone = 'UTC'", False, True),
    ('ALTER TABLE "t" ALTER COLUMN "ts2" SET DATA TYPE timestamp with time zone', "SET TimeZone = 'Europe/Paris'",
     True, True),
])
def test_rewrite_claims_on_postgres(pg, statement, setup, table_rewritten, index_rebuilt):
    for chunk in EXISTING.split("-- 0001_change.sql")[0].split("--> statement-breakpoint"):
        pg.execute(chunk.replace("-- 0000_init.sql", ""))
    pg.execute("""INSERT INTO "t" VALUES (1, 1, 'Ab', now(), now(), 1.5)""")
    if setup:
        pg.execute(setup)
    before = _filenodes(pg)
    pg.execute(statement)
    after = _filenodes(pg)
    assert (before["t"] != after["t"]) is table_rewritten
    assert (before["t_ts2_idx"] != after["t_ts2_idx"]) is index_rebuilt
