"""require-lock-timeout: statements that lock an existing table with no lock_timeout set before them in the same
transaction. Real drizzle-kit output; the migrator mode from .drizzle-lsp.toml and from the project's imports; the
fix's SET LOCAL checked on a real PostgreSQL (a waiting ALTER gives up with 55P03)."""

from __future__ import annotations

import os

import psycopg
import pytest

from drizzle_lsp.fixes import apply_edits
from drizzle_lsp.rules.testing import lint_project
from locks_helpers import flagged_text, lint_case, lint_sql, source_of

RULE = "require-lock-timeout"

EXISTING = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL);--> statement-breakpoint\n'
    'CREATE TABLE "orders" ("id" bigint PRIMARY KEY NOT NULL, "total" integer NOT NULL);\n'
    "-- 0001_change.sql\n"
)


def _migration(sql: str) -> str:
    return sql.split("-- 0001_change.sql\n")[1]


def test_real_drizzle_kit_type_changes(tmp_path):
    (finding,) = lint_case("pg-type-changes", RULE, tmp_path)
    assert flagged_text(finding) == 'ALTER TABLE "projects" ALTER COLUMN "priority" SET DATA TYPE integer;'
    assert finding.message == (
        'ALTER TABLE "projects" ALTER COLUMN "priority" SET DATA TYPE integer takes an ACCESS EXCLUSIVE lock on '
        'existing table "projects" with no lock_timeout set: while it waits for the lock, every new read and write of '
        '"projects" queues behind it; 12 more statements of this transaction lock existing tables without a timeout'
    )
    assert len(finding.related) == 12
    assert "SET LOCAL lock_timeout = '5s';" in finding.help and "transaction-mode pooler" in finding.help
    assert "earlier migration does not count" in finding.help
    assert finding.fix.applicability == "safe"
    text = source_of(finding)
    fixed = apply_edits(text, finding.fix.edits)
    assert fixed == "SET LOCAL lock_timeout = '5s';--> statement-breakpoint\n" + text

    # once fixed, the migration is clean
    with open(finding.range.path, "w", encoding="utf-8") as handle:
        handle.write(fixed)
    root = os.path.dirname(os.path.dirname(finding.range.path))
    assert [f for f in lint_project(root, select=[RULE]) if f.rule == RULE] == []


def test_real_drizzle_kit_drop_index_locks_the_indexed_table(tmp_path):
    (finding,) = lint_case("pg-lock-changes", RULE, tmp_path)
    # the new "shipments" table comes first and is free; DROP INDEX locks the table the index belongs to
    assert flagged_text(finding) == 'DROP INDEX "users_nickname_idx";'
    assert finding.message.startswith(
        'DROP INDEX "users_nickname_idx" takes an ACCESS EXCLUSIVE lock on existing table "users" with no lock_timeout'
    )
    text = source_of(finding)
    fixed = apply_edits(text, finding.fix.edits)
    assert ("--> statement-breakpoint\nSET LOCAL lock_timeout = '5s';--> statement-breakpoint\n"
            'DROP INDEX "users_nickname_idx";') in fixed


def test_lock_timeout_setting_is_used(tmp_path):
    (finding,) = lint_case("pg-type-changes", RULE, tmp_path, settings='[migrate]\nlock-timeout = "2s"\n')
    assert finding.fix.title == "Insert SET LOCAL lock_timeout = '2s'; before it"
    (finding,) = lint_case("pg-type-changes", RULE, tmp_path / "ms", settings="[migrate]\nlock-timeout = 500\n")
    assert "SET LOCAL lock_timeout = '500ms';" in finding.fix.edits[0].new_text


def test_neon_http_setting_gives_no_fix(tmp_path):
    (finding,) = lint_case("pg-type-changes", RULE, tmp_path, settings='migrator = "neon-http"\n')
    assert finding.fix is None
    assert "ALTER ROLE" in finding.help and "separate request" in finding.help
    assert "of this migration lock existing tables" in finding.message  # no transaction to speak of


def test_neon_http_inferred_from_the_migrator_import(tmp_path):
    findings = lint_case("pg-type-changes", RULE, tmp_path)
    root = os.path.dirname(os.path.dirname(findings[0].range.path))
    os.makedirs(os.path.join(root, "src"))
    with open(os.path.join(root, "src", "migrate.ts"), "w", encoding="utf-8") as handle:
        handle.write('import { migrate } from "drizzle-orm/neon-http/migrator";\n')
    with open(os.path.join(root, "package.json"), "w", encoding="utf-8") as handle:
        handle.write('{"dependencies": {"drizzle-orm": "^0.45.4", "@neondatabase/serverless": "^1.0.0"}}')
    (finding,) = [f for f in lint_project(root, select=[RULE]) if f.rule == RULE]
    assert finding.fix is None and "ALTER ROLE" in finding.help


def test_neon_serverless_dependency_keeps_the_transaction(tmp_path):
    findings = lint_case("pg-type-changes", RULE, tmp_path)
    root = os.path.dirname(os.path.dirname(findings[0].range.path))
    with open(os.path.join(root, "package.json"), "w", encoding="utf-8") as handle:
        handle.write('{"dependencies": {"drizzle-orm": "^0.45.4", "@neondatabase/serverless": "^1.0.0"}}')
    (finding,) = [f for f in lint_project(root, select=[RULE]) if f.rule == RULE]
    assert "SET LOCAL" in finding.fix.title


@pytest.mark.parametrize("body", [
    "SET LOCAL lock_timeout = '5s';--> statement-breakpoint\nALTER TABLE \"orders\" ADD COLUMN \"note\" text;",
    "SET lock_timeout TO '3s';--> statement-breakpoint\nALTER TABLE \"orders\" ADD COLUMN \"note\" text;",
    # a table created in the same migration is empty and unknown to the application
    'CREATE TABLE "items" ("id" bigint PRIMARY KEY);--> statement-breakpoint\nALTER TABLE "items" ADD COLUMN "n" text;',
    # SHARE UPDATE EXCLUSIVE blocks neither reads nor writes
    'ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_total_check";',
    'CREATE INDEX CONCURRENTLY "orders_total_idx" ON "orders" USING btree ("total");',
    # row locks only
    'UPDATE "orders" SET "total" = 0 WHERE "total" < 0;',
])
def test_not_flagged(body):
    assert lint_sql(EXISTING + body, RULE) == []


@pytest.mark.parametrize("body", [
    "SET lock_timeout = 0;--> statement-breakpoint\nALTER TABLE \"orders\" ADD COLUMN \"note\" text;",
    "SET lock_timeout = '5s';--> statement-breakpoint\nRESET lock_timeout;--> statement-breakpoint\n"
    "ALTER TABLE \"orders\" ADD COLUMN \"note\" text;",
])
def test_disabled_timeout_does_not_count(body):
    assert len(lint_sql(EXISTING + body, RULE)) == 1


def test_set_in_an_earlier_migration_does_not_count():
    sql = ("-- 0000_init.sql\n"
           'CREATE TABLE "orders" ("id" bigint PRIMARY KEY NOT NULL);\n'
           "-- 0001_timeout.sql\n"
           "SET LOCAL lock_timeout = '5s';\n"
           "-- 0002_change.sql\n"
           'ALTER TABLE "orders" ADD COLUMN "note" text;')
    (finding,) = lint_sql(sql, RULE)
    assert finding.range.path.endswith("0002_change.sql")


def test_foreign_key_locks_the_existing_referenced_table():
    sql = EXISTING + (
        'CREATE TABLE "items" ("id" bigint PRIMARY KEY, "order_id" bigint NOT NULL);--> statement-breakpoint\n'
        'ALTER TABLE "items" ADD CONSTRAINT "items_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES '
        '"public"."orders"("id") ON DELETE cascade ON UPDATE no action;'
    )
    (finding,) = lint_sql(sql, RULE)
    assert finding.message.startswith(
        'ALTER TABLE "items" ADD CONSTRAINT "items_order_id_orders_id_fk" FOREIGN KEY takes a SHARE ROW EXCLUSIVE lock '
        'on existing referenced table "orders" with no lock_timeout set: while it waits for the lock, every new write '
        'of "orders" queues behind it'
    )
    fixed = apply_edits(_migration(sql), finding.fix.edits)
    assert fixed.startswith('CREATE TABLE "items" ("id" bigint PRIMARY KEY, "order_id" bigint NOT NULL);'
                            "--> statement-breakpoint\nSET LOCAL lock_timeout = '5s';--> statement-breakpoint\n"
                            'ALTER TABLE "items" ADD CONSTRAINT')


def test_each_transaction_needs_its_own_timeout():
    sql = EXISTING + (
        "SET LOCAL lock_timeout = '5s';--> statement-breakpoint\n"
        'ALTER TABLE "orders" ADD COLUMN "note" text;--> statement-breakpoint\n'
        "COMMIT;--> statement-breakpoint\n"
        'ALTER TABLE "users" ADD COLUMN "name" text;'
    )
    (finding,) = lint_sql(sql, RULE)
    # after COMMIT the SET LOCAL is gone and the statement runs on its own: a plain SET is what lasts
    assert finding.message.startswith('ALTER TABLE "users" ADD COLUMN "name"')
    assert finding.fix.title == "Insert SET lock_timeout = '5s'; before it"
    assert apply_edits(_migration(sql), finding.fix.edits).endswith(
        "COMMIT;--> statement-breakpoint\nSET lock_timeout = '5s';--> statement-breakpoint\n"
        'ALTER TABLE "users" ADD COLUMN "name" text;')


def test_fix_goes_above_the_comments_of_the_statement():
    sql = EXISTING + (
        "-- the note shown on invoices\n"
        "-- drizzle-lsp-ignore add-column-rewrites-table\n"
        'ALTER TABLE "orders" ADD COLUMN "note" text;'
    )
    (finding,) = lint_sql(sql, RULE)
    assert apply_edits(_migration(sql), finding.fix.edits).startswith(
        "SET LOCAL lock_timeout = '5s';--> statement-breakpoint\n-- the note shown on invoices\n")


def test_fix_without_breakpoints_joins_the_query():
    sql = EXISTING + 'ALTER TABLE "orders" ADD COLUMN "note" text;\nALTER TABLE "users" ADD COLUMN "name" text;'
    (finding,) = lint_sql(sql, RULE)
    assert apply_edits(_migration(sql), finding.fix.edits).startswith(
        "SET LOCAL lock_timeout = '5s';\nALTER TABLE \"orders\"")


# --- on a real PostgreSQL ----------------------------------------------------------------------------------------


def test_fixed_migration_gives_up_instead_of_queueing(pg):
    pg.execute('CREATE TABLE "orders" ("id" bigint PRIMARY KEY NOT NULL, "total" integer NOT NULL)')
    sql = EXISTING + 'ALTER TABLE "orders" ADD COLUMN "note" text;'
    (finding,) = lint_memory_with_timeout(sql)
    fixed = apply_edits(_migration(sql), finding.fix.edits)

    reader = psycopg.connect(pg.info.dsn, autocommit=False)
    reader.execute('SELECT * FROM "orders"')  # an open transaction holding ACCESS SHARE on "orders"
    try:
        with pytest.raises(psycopg.Error) as failure:
            with pg.transaction():  # as drizzle's migrator: one transaction, chunk by chunk
                for chunk in fixed.split("--> statement-breakpoint"):
                    pg.execute(chunk)
        assert failure.value.sqlstate == "55P03"  # lock_not_available
    finally:
        reader.rollback()
        reader.close()


def test_set_local_outside_a_transaction_does_nothing(pg):
    # why statements that run on their own get a plain SET
    pg.execute("SET LOCAL lock_timeout = '5s'")
    assert pg.execute("SHOW lock_timeout").fetchone() == ("0",)
    pg.execute("SET lock_timeout = '5s'")
    assert pg.execute("SHOW lock_timeout").fetchone() == ("5s",)


def lint_memory_with_timeout(sql: str):
    from drizzle_lsp.rules.testing import lint_memory

    return [f for f in lint_memory(sql=sql, select=[RULE], settings='[migrate]\nlock-timeout = "200ms"\n')
            if f.rule == RULE]



def test_reindex_index_locks_the_table_of_the_index():
    sql = ("-- 0000_init.sql\n"
           'CREATE TABLE "orders" ("id" bigint PRIMARY KEY NOT NULL, "total" integer);--> statement-breakpoint\n'
           'CREATE INDEX "orders_total_idx" ON "orders" USING btree ("total");\n'
           "-- 0001_change.sql\n"
           'REINDEX INDEX "orders_total_idx";')
    (finding,) = lint_sql(sql, RULE)
    assert finding.message.startswith(
        'REINDEX INDEX "orders_total_idx" takes a SHARE lock on existing table "orders" with no lock_timeout set: while it waits for the lock, '
        'every new write of "orders" queues behind it')


def test_fix_joins_a_multi_statement_chunk():
    # after COMMIT, the chunk is one query and one implicit transaction: SET LOCAL must be part of it
    sql = EXISTING + ("COMMIT;--> statement-breakpoint\n"
                      'ALTER TABLE "orders" ADD COLUMN "note" text; ALTER TABLE "users" ADD COLUMN "name" text;')
    (finding,) = lint_sql(sql, RULE)
    assert apply_edits(_migration(sql), finding.fix.edits) == (
        "COMMIT;--> statement-breakpoint\nSET LOCAL lock_timeout = '5s';\n"
        'ALTER TABLE "orders" ADD COLUMN "note" text; ALTER TABLE "users" ADD COLUMN "name" text;')


def test_set_local_lasts_through_a_multi_statement_query(pg):
    pg.execute('CREATE TABLE "orders" ("id" bigint PRIMARY KEY NOT NULL)')
    reader = psycopg.connect(pg.info.dsn, autocommit=False)
    reader.execute('SELECT * FROM "orders"')
    try:
        # one simple-protocol query, as drizzle sends a chunk: its statements share an implicit transaction
        result = pg.pgconn.exec_(b"SET LOCAL lock_timeout = '200ms'; ALTER TABLE \"orders\" ADD COLUMN \"note\" text;")
        assert result.error_field(psycopg.pq.DiagnosticField.SQLSTATE) == b"55P03"
    finally:
        reader.rollback()
        reader.close()
