"""enum-value-used-in-same-transaction: ALTER TYPE … ADD VALUE 'x', then 'x' used before the transaction commits."""

from __future__ import annotations

import psycopg
import pytest
from breaking_helpers import flagged_text, lint_case, lint_sql, migration_index, migration_sql

RULE = "enum-value-used-in-same-transaction"

BREAKPOINT = "--> statement-breakpoint"

INIT = (
    "-- 0000_init.sql\n"
    "CREATE TYPE \"public\".\"status\" AS ENUM('draft', 'published');--> statement-breakpoint\n"
    "CREATE TYPE \"public\".\"color\" AS ENUM('red');--> statement-breakpoint\n"
    'CREATE TABLE "articles" ("id" serial PRIMARY KEY NOT NULL, "status" "status" DEFAULT \'draft\' NOT NULL, '
    '"color" "color", "note" text);\n'
    "-- 0001_change.sql\n"
    "ALTER TYPE \"public\".\"status\" ADD VALUE 'review' BEFORE 'published';--> statement-breakpoint\n"
)


def test_real_drizzle_kit_value_added_and_made_the_default(tmp_path):
    [finding] = lint_case("pg-breaking", RULE, tmp_path)
    assert migration_index(finding) == 5
    assert finding.severity == "error"
    assert flagged_text(finding) == "ALTER TABLE \"articles\" ALTER COLUMN \"status\" SET DEFAULT 'review';"
    name = finding.range.path.rsplit("/", 1)[-1]
    assert finding.message == (
        f"this statement on \"articles\" uses 'review', which {name} line 1 adds to enum \"public\".\"status\" in the "
        "same transaction: PostgreSQL rejects a new enum value until the transaction that added it commits (55P04 "
        "unsafe use of new value), so the statement fails and the whole transaction rolls back"
    )
    assert "separate `drizzle-kit migrate` runs" in finding.help
    [(where, note)] = finding.related
    assert note == "'review' added to \"public\".\"status\" here"


def test_real_drizzle_kit_batch_of_two_migrations(tmp_path):
    """The value is added by one generate and used by the next: one `migrate` of both runs them in one transaction."""
    [finding] = lint_case("pg-enum-batch", RULE, tmp_path)
    assert migration_index(finding) == 2
    assert flagged_text(finding) == "ALTER TABLE \"tickets\" ALTER COLUMN \"status\" SET DEFAULT 'pending';"
    assert "in the same transaction when both migrations are pending (drizzle's migrator applies them all in one)" in (
        finding.message
    )
    # A migrator that commits each file, or none at all, runs them apart.
    assert lint_case("pg-enum-batch", RULE, tmp_path / "per-file", settings='migrator = "per-file"') == []
    assert lint_case("pg-enum-batch", RULE, tmp_path / "neon-http", settings='migrator = "neon-http"') == []


@pytest.mark.parametrize("use", [
    "UPDATE \"articles\" SET \"status\" = 'review' WHERE \"id\" = 1;",
    "INSERT INTO \"articles\" (\"status\") VALUES ('review');",
    "ALTER TABLE \"articles\" ADD CONSTRAINT \"no_review\" CHECK (\"status\" <> 'review');",
    "CREATE INDEX \"articles_review_idx\" ON \"articles\" USING btree (\"id\") WHERE \"status\" = 'review';",
    "ALTER TABLE \"articles\" ADD COLUMN \"previous\" \"status\" DEFAULT 'review';",
    "CREATE TABLE \"drafts\" (\"status\" \"status\" DEFAULT 'review');",
    "SELECT 'review'::\"public\".\"status\";",
])
def test_every_kind_of_use_is_flagged(use):
    sql = INIT + use
    [finding] = lint_sql(sql, RULE)
    assert flagged_text(finding, sql) == use


@pytest.mark.parametrize("later", [
    # the value of another enum, or plain text
    "UPDATE \"articles\" SET \"color\" = 'red', \"note\" = 'in review';",
    "INSERT INTO \"log\" (\"msg\") VALUES ('review');",
    # cast to text right away: no enum value is read
    "SELECT count(*) FROM \"articles\" WHERE \"status\"::text = 'review'::text;",
    # adding a value next to the new one is allowed
    "ALTER TYPE \"public\".\"status\" ADD VALUE 'second_review' AFTER 'review';",
    # in a comment only
    "-- later: UPDATE \"articles\" SET \"status\" = 'review';\nSELECT 1;",
])
def test_statements_that_do_not_use_the_value(later):
    sql = INIT.replace('"note" text);', '"note" text);--> statement-breakpoint\nCREATE TABLE "log" ("msg" text);')
    assert lint_sql(sql + later, RULE) == []


def test_an_explicit_commit_ends_the_transaction():
    use = "ALTER TABLE \"articles\" ALTER COLUMN \"status\" SET DEFAULT 'review';"
    sql = INIT + "COMMIT;--> statement-breakpoint\n" + use
    assert lint_sql(sql, RULE) == []


def test_an_enum_created_in_the_same_transaction_may_use_its_new_values():
    sql = (
        "-- 0000_init.sql\n"
        "CREATE TYPE \"mood\" AS ENUM('ok');--> statement-breakpoint\n"
        "ALTER TYPE \"mood\" ADD VALUE 'great';--> statement-breakpoint\n"
        "CREATE TABLE \"users\" (\"mood\" \"mood\" DEFAULT 'great');"
    )
    assert lint_sql(sql, RULE) == []


def test_neon_http_without_breakpoints_sends_one_query():
    """neon-http has no transaction, but a file without breakpoints is one query: one implicit transaction."""
    one_query = (
        "-- 0000_init.sql\n"
        "CREATE TYPE \"status\" AS ENUM('draft');\n"
        'CREATE TABLE "articles" ("status" "status");\n'
        "-- 0001_change.sql\n"
        "ALTER TYPE \"status\" ADD VALUE 'review';\n"
        "UPDATE \"articles\" SET \"status\" = 'review';\n"
    )
    assert len(lint_sql(one_query, RULE, settings='migrator = "neon-http"')) == 1
    with_breakpoints = one_query.replace("'review';\nUPDATE", f"'review';{BREAKPOINT}\nUPDATE")
    assert lint_sql(with_breakpoints, RULE, settings='migrator = "neon-http"') == []


def test_a_recreated_type_is_another_type():
    sql = INIT + (
        'ALTER TABLE "articles" ALTER COLUMN "status" SET DATA TYPE text;--> statement-breakpoint\n'
        'DROP TYPE "public"."status";--> statement-breakpoint\n'
        "CREATE TYPE \"public\".\"status\" AS ENUM('draft', 'review');--> statement-breakpoint\n"
        'ALTER TABLE "articles" ALTER COLUMN "status" SET DATA TYPE "public"."status" '
        'USING "status"::"public"."status";--> statement-breakpoint\n'
        "UPDATE \"articles\" SET \"status\" = 'review';"
    )
    assert lint_sql(sql, RULE) == []


# --- the claim, on a real PostgreSQL --------------------------------------------------------------------------------


def _apply(pg, sql: str) -> None:
    for chunk in sql.split(BREAKPOINT):
        if chunk.strip():
            pg.execute(chunk)


def test_the_claim_on_postgres_pending_together(pg):
    """drizzle's migrator runs both pending migrations in one transaction: the second fails with 55P04."""
    init, add_value, use_value = migration_sql("pg-enum-batch")
    _apply(pg, init)
    pg.execute("BEGIN")
    try:
        _apply(pg, add_value)
        with pytest.raises(psycopg.errors.UnsafeNewEnumValueUsage) as raised:
            _apply(pg, use_value)
        assert raised.value.sqlstate == "55P04"
    finally:
        pg.execute("ROLLBACK")


def test_the_claim_on_postgres_separate_transactions(pg):
    init, add_value, use_value = migration_sql("pg-enum-batch")
    _apply(pg, init)
    for sql in (add_value, use_value):  # one transaction each: what a per-file migrator or two `migrate` runs do
        pg.execute("BEGIN")
        _apply(pg, sql)
        pg.execute("COMMIT")
    assert pg.execute("SELECT column_default FROM information_schema.columns WHERE column_name = 'status'").fetchone() \
        == ("'pending'::ticket_status",)


def test_the_claim_on_postgres_same_file(pg):
    migrations = migration_sql("pg-breaking")
    for sql in migrations[:5]:
        _apply(pg, sql)
    pg.execute("BEGIN")
    try:
        with pytest.raises(psycopg.errors.UnsafeNewEnumValueUsage):
            _apply(pg, migrations[5])
    finally:
        pg.execute("ROLLBACK")


def test_the_claim_on_postgres_explicit_commit(pg):
    init, add_value, use_value = migration_sql("pg-enum-batch")
    _apply(pg, init)
    pg.execute("BEGIN")
    _apply(pg, add_value)
    pg.execute("COMMIT")  # what `COMMIT;--> statement-breakpoint` after the ADD VALUE does inside drizzle's transaction
    _apply(pg, use_value)
