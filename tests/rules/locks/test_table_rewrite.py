"""table-rewrite: SET LOGGED/UNLOGGED, VACUUM FULL, CLUSTER, REINDEX without CONCURRENTLY and ADD … EXCLUDE on an
existing table, and the CONCURRENTLY fix for REINDEX. drizzle-kit never writes these statements (they are
hand-written); the claims are checked on a real PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest

from locks_helpers import fixed_statement, flagged_text, lint_sql

RULE = "table-rewrite"

INIT = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "events" ("id" bigint PRIMARY KEY NOT NULL, "payload" jsonb, "during" tstzrange);'
    "--> statement-breakpoint\n"
    'CREATE INDEX "events_payload_idx" ON "events" USING gin ("payload");\n'
)


def _lint(body: str, **kwargs):
    sql = INIT + f"-- 0001_maintenance.sql\n{body}"
    return sql, lint_sql(sql, RULE, **kwargs)


def test_reindex_table():
    sql, (finding,) = _lint('REINDEX TABLE "events";')
    assert finding.message == (
        'REINDEX TABLE "events" rebuilds every index of existing table "events" under a SHARE lock (writes blocked) '
        "and an ACCESS EXCLUSIVE lock on each index while it is rebuilt (queries that use it wait)"
    )
    assert flagged_text(finding, sql) == 'REINDEX TABLE "events";'
    # drizzle's migrator runs it in a transaction, where the concurrent form fails: the fix is unsafe there
    assert finding.fix.applicability == "unsafe"
    assert "move the statement to a step that runs outside a transaction" in finding.fix.title
    assert fixed_statement(finding, sql) == 'REINDEX TABLE CONCURRENTLY "events";'


def test_reindex_index_locks_its_table():
    sql, (finding,) = _lint('REINDEX (VERBOSE) INDEX "events_payload_idx";')
    assert finding.message.startswith(
        'REINDEX INDEX "events_payload_idx" rebuilds the index of existing table "events" under a SHARE lock')
    assert fixed_statement(finding, sql) == 'REINDEX (VERBOSE) INDEX CONCURRENTLY "events_payload_idx";'


def test_reindex_fix_is_safe_outside_a_transaction():
    sql, (finding,) = _lint('REINDEX TABLE "events";', settings='migrator = "neon-http"\n')
    assert finding.fix.applicability == "safe"
    sql, (finding,) = _lint('COMMIT;--> statement-breakpoint\nREINDEX TABLE "events";')
    assert finding.fix.applicability == "safe"


def test_reindex_system_has_no_concurrent_form():
    sql, (finding,) = _lint("REINDEX SYSTEM postgres;")
    assert finding.fix is None and "maintenance window" in finding.help


@pytest.mark.parametrize("statement, start", [
    ('VACUUM FULL "events";', 'VACUUM FULL "events" rewrites existing table "events" and all its indexes under an '
                              "ACCESS EXCLUSIVE lock: reads and writes are blocked until it finishes, and VACUUM "
                              "cannot run inside the migrator's transaction at all (it fails with 25001)"),
    ('CLUSTER "events" USING "events_pkey";', 'CLUSTER "events" rewrites existing table "events" and all its indexes'),
    ('ALTER TABLE "events" SET UNLOGGED;', 'ALTER TABLE "events" SET UNLOGGED on existing table "events" rewrites '
                                           "the whole table under an ACCESS EXCLUSIVE lock"),
    ('ALTER TABLE "events" SET LOGGED;', 'ALTER TABLE "events" SET LOGGED on existing table "events" rewrites the '
                                         "whole table (writing all of it to the WAL)"),
    ('ALTER TABLE "events" ADD CONSTRAINT "events_no_overlap" EXCLUDE USING gist ("during" WITH &&);',
     'ADD CONSTRAINT "events_no_overlap" EXCLUDE on existing table "events" builds its index under an ACCESS '
     'EXCLUSIVE lock: reads and writes of "events" are blocked for the whole build, and there is no concurrent form'),
    ("VACUUM FULL;", "VACUUM FULL rewrites every table of the database and their indexes, each under an ACCESS "
                     "EXCLUSIVE lock"),
    ("REINDEX SCHEMA public;", "REINDEX SCHEMA public rebuilds the indexes of every table in it"),
])
def test_flagged(statement, start):
    sql, (finding,) = _lint(statement)
    assert finding.message.startswith(start)
    assert flagged_text(finding, sql) == statement


def test_vacuum_outside_a_transaction_only_rewrites():
    sql, (finding,) = _lint('VACUUM FULL "events";', settings='migrator = "neon-http"\n')
    assert "25001" not in finding.message and "pg_repack" in finding.help


@pytest.mark.parametrize("body", [
    'REINDEX TABLE CONCURRENTLY "events";',
    'VACUUM "events";',  # a plain VACUUM works alongside reads and writes
    'CREATE TABLE "logs" ("id" bigint PRIMARY KEY, "during" tstzrange);--> statement-breakpoint\n'
    'ALTER TABLE "logs" SET UNLOGGED;--> statement-breakpoint\n'
    'ALTER TABLE "logs" ADD CONSTRAINT "logs_no_overlap" EXCLUDE USING gist ("during" WITH &&);'
    '--> statement-breakpoint\n'
    'REINDEX TABLE "logs";',
])
def test_not_flagged(body):
    assert _lint(body)[1] == []


# --- on a real PostgreSQL ----------------------------------------------------------------------------------------


def _setup(pg):
    for chunk in INIT.replace("-- 0000_init.sql\n", "").split("--> statement-breakpoint"):
        pg.execute(chunk)


def test_fixed_reindex_runs_alone_and_fails_in_a_transaction(pg):
    _setup(pg)
    sql, (finding,) = _lint('REINDEX TABLE "events";')
    fixed = fixed_statement(finding, sql)
    with pytest.raises(psycopg.Error) as failure:
        with pg.transaction():
            pg.execute(fixed)
    assert failure.value.sqlstate == "25001"
    pg.execute(fixed)


def test_vacuum_full_fails_in_the_migrators_transaction(pg):
    _setup(pg)
    with pytest.raises(psycopg.Error) as failure:
        with pg.transaction():
            pg.execute('VACUUM FULL "events"')
    assert failure.value.sqlstate == "25001"


@pytest.mark.parametrize("statement", ['VACUUM FULL "events"', 'CLUSTER "events" USING "events_pkey"',
                                       'ALTER TABLE "events" SET UNLOGGED'])
def test_rewrites_on_postgres(pg, statement):
    _setup(pg)
    before = pg.execute("SELECT relfilenode FROM pg_class WHERE relname = 'events'").fetchone()
    pg.execute(statement)
    after = pg.execute("SELECT relfilenode FROM pg_class WHERE relname = 'events'").fetchone()
    assert before != after


def test_reindex_locks_writes_not_reads(pg):
    _setup(pg)
    with pg.transaction():
        pg.execute('REINDEX TABLE "events"')
        modes = {row[0] for row in pg.execute(
            "SELECT mode FROM pg_locks WHERE relation = 'events'::regclass AND pid = pg_backend_pid()")}
    assert modes == {"ShareLock"}
