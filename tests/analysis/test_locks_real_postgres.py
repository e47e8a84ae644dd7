"""The lock facts of ``analysis.locks`` re-measured on a real PostgreSQL.

Each statement runs inside ``BEGIN … ROLLBACK`` against a table that already holds rows; the strongest lock the
backend holds on it is read from ``pg_locks`` and a rewrite is detected by a changed ``relfilenode``. The operation
drizzle-lsp parsed from the same statement must predict both.
"""

import pytest

from drizzle_lsp.analysis.locks import lock_facts
from drizzle_lsp.analysis.replay import replay
from drizzle_lsp.model import Migration
from drizzle_lsp.sql import parse_migration
from tests.pg_probe import MODE_NAMES, held_modes, relfilenode, strongest

SETUP = """
CREATE TABLE "parent" ("id" integer PRIMARY KEY NOT NULL);
CREATE TABLE "t" (
  "id" integer PRIMARY KEY NOT NULL,
  "a" integer,
  "b" text,
  "p" integer,
  "ts" timestamp,
  "v" varchar(10)
);
CREATE INDEX "t_a_idx" ON "t" USING btree ("a");
ALTER TABLE "t" ADD CONSTRAINT "t_b_check" CHECK ("b" IS NOT NULL) NOT VALID;
"""

# statement, expected lock on "t", expected rewrite
CASES = [
    ('ALTER TABLE "t" ADD COLUMN "c" integer', "AccessExclusiveLock", False),
    ('ALTER TABLE "t" ADD COLUMN "c" integer DEFAULT 0 NOT NULL', "AccessExclusiveLock", False),
    ('ALTER TABLE "t" ADD COLUMN "c" timestamp with time zone DEFAULT now()', "AccessExclusiveLock", False),
    ('ALTER TABLE "t" ADD COLUMN "c" uuid DEFAULT gen_random_uuid()', "AccessExclusiveLock", True),
    ('ALTER TABLE "t" ADD COLUMN "c" double precision DEFAULT random()', "AccessExclusiveLock", True),
    ('ALTER TABLE "t" ADD COLUMN "c" serial', "AccessExclusiveLock", True),
    ('ALTER TABLE "t" ADD COLUMN "c" integer GENERATED ALWAYS AS IDENTITY', "AccessExclusiveLock", True),
    ('ALTER TABLE "t" ADD COLUMN "c" integer GENERATED ALWAYS AS ("a" * 2) STORED', "AccessExclusiveLock", True),
    ('ALTER TABLE "t" DROP COLUMN "b"', "AccessExclusiveLock", False),
    ('ALTER TABLE "t" ALTER COLUMN "a" SET DATA TYPE bigint', "AccessExclusiveLock", True),
    ('ALTER TABLE "t" ALTER COLUMN "v" SET DATA TYPE varchar(20)', "AccessExclusiveLock", False),
    ('ALTER TABLE "t" ALTER COLUMN "v" SET DATA TYPE text', "AccessExclusiveLock", False),
    ('ALTER TABLE "t" ALTER COLUMN "b" SET DATA TYPE integer USING "b"::integer', "AccessExclusiveLock", True),
    ('ALTER TABLE "t" ALTER COLUMN "a" SET NOT NULL', "AccessExclusiveLock", False),
    ('ALTER TABLE "t" ALTER COLUMN "a" DROP NOT NULL', "AccessExclusiveLock", False),
    ('ALTER TABLE "t" ALTER COLUMN "a" SET DEFAULT 1', "AccessExclusiveLock", False),
    ('ALTER TABLE "t" ADD CONSTRAINT "t_p_fk" FOREIGN KEY ("p") REFERENCES "public"."parent"("id")', "ShareRowExclusiveLock", False),
    ('ALTER TABLE "t" ADD CONSTRAINT "t_p_fk" FOREIGN KEY ("p") REFERENCES "public"."parent"("id") NOT VALID', "ShareRowExclusiveLock", False),
    ('ALTER TABLE "t" ADD CONSTRAINT "t_a_check" CHECK ("a" > 0)', "AccessExclusiveLock", False),
    ('ALTER TABLE "t" ADD CONSTRAINT "t_a_check" CHECK ("a" > 0) NOT VALID', "AccessExclusiveLock", False),
    ('ALTER TABLE "t" VALIDATE CONSTRAINT "t_b_check"', "ShareUpdateExclusiveLock", False),
    ('ALTER TABLE "t" ADD CONSTRAINT "t_a_unique" UNIQUE("a")', "AccessExclusiveLock", False),
    ('CREATE INDEX "t_b_idx" ON "t" USING btree ("b")', "ShareLock", False),
    ('CREATE UNIQUE INDEX "t_b_idx" ON "t" USING btree ("b") WHERE "b" IS NOT NULL', "ShareLock", False),
    ('DROP INDEX "t_a_idx"', "AccessExclusiveLock", False),
    ('ALTER TABLE "t" RENAME COLUMN "b" TO "bb"', "AccessExclusiveLock", False),
    ('ALTER TABLE "t" RENAME TO "tt"', "AccessExclusiveLock", False),
    ('ALTER TABLE "t" SET UNLOGGED', "AccessExclusiveLock", True),
    ('TRUNCATE "t"', "AccessExclusiveLock", True),
    ('UPDATE "t" SET "a" = 1', "RowExclusiveLock", False),
    ('DELETE FROM "t" WHERE "a" = 1', "RowExclusiveLock", False),
]

def _state_after_setup():
    migration = Migration(tag="0000_setup", sql_path="setup.sql", text=SETUP)
    migration.statements = parse_migration(SETUP, "setup.sql")
    return replay([migration], "postgresql").after["0000_setup"]


@pytest.mark.parametrize("statement,expected_lock,expected_rewrite", CASES, ids=[c[0][:60] for c in CASES])
def test_lock_facts_match_pg_locks(pg, statement, expected_lock, expected_rewrite):
    pg.execute(SETUP)
    pg.execute('INSERT INTO "parent" VALUES (1)')
    pg.execute('INSERT INTO "t" ("id", "a", "b", "p", "ts", "v") VALUES (1, 1, \'1\', 1, now(), \'x\')')
    oid, before = pg.execute("SELECT oid, relfilenode FROM pg_class WHERE relname = 't'").fetchone()

    pg.execute("BEGIN")
    try:
        pg.execute(statement)
        modes = held_modes(pg, oid)
        after = relfilenode(pg, oid)
    finally:
        pg.execute("ROLLBACK")
    measured = strongest(modes)
    assert measured == expected_lock, f"the table data in this test is wrong: {statement} took {measured}"
    assert (after != before) == expected_rewrite

    statements = parse_migration(statement, "m.sql")
    operations = [op for st in statements for op in st.operations]
    assert operations, f"no operation parsed from {statement}"
    facts = lock_facts(operations[0], _state_after_setup())
    assert facts is not None
    assert MODE_NAMES[facts.lock] == measured, f"{statement}: drizzle-lsp says {facts.lock}, PostgreSQL took {measured}"
    if operations[0].kind.value != "truncate":
        assert facts.rewrites == expected_rewrite, f"{statement}: rewrite predicted {facts.rewrites}, measured {expected_rewrite}"


def test_postgres_18_not_null_not_valid_skips_the_scan_and_validate_reads_under_share_update_exclusive(pg):
    from tests.pg_probe import trace

    if pg.execute("SHOW server_version_num").fetchone()[0] < "180000":
        pytest.skip("NOT NULL … NOT VALID is PostgreSQL 18 syntax")
    pg.execute(SETUP)
    pg.execute('INSERT INTO "t" ("id", "a", "b") SELECT g, g, g::text FROM generate_series(1, 500) g')
    add = 'ALTER TABLE "t" ADD CONSTRAINT "t_a_not_null" NOT NULL "a" NOT VALID'
    validate = 'ALTER TABLE "t" VALIDATE CONSTRAINT "t_a_not_null"'
    measured = {}
    pg.execute("BEGIN")
    try:
        measured[add] = trace(pg, add, ["t"])
    finally:
        pg.execute("COMMIT")
    pg.execute("BEGIN")
    try:
        measured[validate] = trace(pg, validate, ["t"])
    finally:
        pg.execute("ROLLBACK")

    migration = Migration(tag="0001_m", sql_path="m.sql", text=f"{add};\n--> statement-breakpoint\n{validate};")
    migration.statements = parse_migration(migration.text, "m.sql")
    setup = Migration(tag="0000_setup", sql_path="setup.sql", text=SETUP,
                      statements=parse_migration(SETUP, "setup.sql"))
    result = replay([setup, migration], "postgresql")
    assert result.problems == []
    for statement in migration.statements:
        op = statement.operations[0]
        facts = lock_facts(op, result.state_before(op), 18)
        seen = measured[statement.text.rstrip(";").strip()]
        assert MODE_NAMES[facts.lock] == seen.lock("t")
        assert facts.scans == seen.read_rows("t"), statement.text
        assert not seen.rewrote("t")
