"""Every split recipe on a real PostgreSQL, on tables that already hold rows.

For each recipe the original migration goes to one database and the split steps to another, both starting from the
same filled tables. The catalogs must then be equal (columns, types, nullability, defaults, constraints and whether
they are validated, indexes and whether they are valid), and no step may read or rewrite an existing table while its
transaction holds a lock that blocks writes (SHARE and stronger) on an existing table. The same measurement applied to
the original shows what the split avoids.

Each case runs on the embedded PostgreSQL (18) and on the distribution's older one (15 on Debian bookworm), where
installed: SET NOT NULL proven by a validated CHECK, and the catalogs compared, on both.
"""

from __future__ import annotations

import psycopg
import pytest

from tests.split.harness import (
    apply_original,
    apply_plan,
    catalog,
    concurrent_locks,
    make_plan,
    measured_matches_promised,
    scans_under_blocking_locks,
)

ROWS = 25_000  # more than two batches of the backfill
TABLES = ["parent", "orders", "legacy"]
SETUP = """CREATE TABLE "parent" ("id" integer PRIMARY KEY NOT NULL);--> statement-breakpoint
CREATE TABLE "orders" (
\t"id" integer PRIMARY KEY NOT NULL,
\t"customer_id" integer,
\t"amount" integer DEFAULT 0 NOT NULL,
\t"note" text,
\t"code" text,
\t"status" text
);--> statement-breakpoint
CREATE TABLE "legacy" ("ref" integer, "label" text);--> statement-breakpoint
CREATE INDEX "orders_note_idx" ON "orders" USING btree ("note");
"""
FILL = f"""
INSERT INTO "parent" SELECT g FROM generate_series(1, 10) g;
INSERT INTO "orders" ("id", "customer_id", "amount", "note", "code", "status")
  SELECT g, g % 10 + 1, g, 'note ' || g, 'code ' || g, CASE WHEN g % 2 = 0 THEN 'paid' END
  FROM generate_series(1, {ROWS}) g;
INSERT INTO "legacy" SELECT g, 'label ' || g FROM generate_series(1, 3000) g;
ANALYZE;
"""


def _prepare(pair):
    for connection in pair.both():
        connection.execute(SETUP.replace("--> statement-breakpoint", ""))
        connection.execute(FILL)


def _split_and_compare(pair, change: str, *, version: int = 16, reference: str | None = None,
                       replace: dict[str, str] | None = None, run_concurrently=None):
    """Apply ``reference`` (default: the original) and the plan of ``change``; check the catalogs and the locks."""
    plan = make_plan(SETUP, change)
    assert plan is not None and plan.is_split, "this migration needs a split"
    _prepare(pair)
    original = apply_original(pair.original, reference or change, TABLES)
    runs = apply_plan(pair.split, plan, TABLES, replace=replace, run_concurrently=run_concurrently)
    assert catalog(pair.split, TABLES) == catalog(pair.original, TABLES)
    for run in runs:
        assert scans_under_blocking_locks(run.traces) == [], run.slug
    assert measured_matches_promised(SETUP, plan, runs) == []
    return plan, original, runs


def _traces(runs, fragment: str):
    return [t for run in runs for t in run.traces if fragment in t.statement]


def _rows(connection, query: str):
    return connection.execute(query).fetchall()


def test_foreign_key_and_check_become_not_valid_then_validate(pair):
    change = ('ALTER TABLE "orders" ADD CONSTRAINT "orders_customer_id_parent_id_fk" FOREIGN KEY ("customer_id") '
              'REFERENCES "public"."parent"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint\n'
              'ALTER TABLE "orders" ADD CONSTRAINT "orders_amount_check" CHECK ("amount" >= 0);--> statement-breakpoint\n'
              'CREATE INDEX "orders_customer_id_idx" ON "orders" USING btree ("customer_id");')
    plan, original, runs = _split_and_compare(pair, change)
    # the original checks every row under SHARE ROW EXCLUSIVE (FK) and ACCESS EXCLUSIVE (CHECK)
    assert scans_under_blocking_locks(original)
    validated = {name: valid for _, name, kind, valid, _ in catalog(pair.split, TABLES)["constraints"] if kind in "fc"}
    assert validated == {"orders_customer_id_parent_id_fk": True, "orders_amount_check": True}
    for validate in _traces(runs, "VALIDATE CONSTRAINT"):
        assert validate.read_rows("orders")
        assert validate.lock("orders") == "ShareUpdateExclusiveLock"
    added = _traces(runs, "NOT VALID")
    assert added and not any(t.read_rows("orders") for t in added)
    assert [s.slug for s in plan.steps] == ["original", "concurrent_index", "validate"]


def test_unique_and_primary_key_go_through_a_concurrent_index(pair):
    change = ('ALTER TABLE "orders" ADD CONSTRAINT "orders_code_unique" UNIQUE("code");--> statement-breakpoint\n'
              'ALTER TABLE "legacy" ADD CONSTRAINT "legacy_pkey" PRIMARY KEY("ref");')
    locks = []
    plan, original, runs = _split_and_compare(
        pair, change,
        run_concurrently=lambda statement: locks.append(concurrent_locks(pair.split_uri, statement, _table(statement))))
    assert scans_under_blocking_locks(original)
    for measured in locks:  # measured while each build ran, from another connection
        assert measured["modes"] == ["ShareUpdateExclusiveLock"] and measured["write_while_running"]
    indexes = {name: valid for _, name, valid, _, _ in catalog(pair.split, TABLES)["indexes"]}
    assert indexes["orders_code_unique"] and indexes["legacy_pkey"]
    for attach in _traces(runs, "USING INDEX"):
        assert not attach.read_rows("orders") and not attach.read_rows("legacy")
    # "ref" was nullable: the primary key would set NOT NULL with a scan under ACCESS EXCLUSIVE; the plan proves it
    # first, so that nothing reads the table once the lock is taken
    nullability = _traces(runs, 'ALTER COLUMN "ref" SET NOT NULL')
    assert nullability and not any(t.read_rows("legacy") for t in nullability)


def _table(statement: str) -> str:
    return "legacy" if '"legacy"' in statement else "orders"


def test_set_not_null_is_proven_by_a_validated_check_without_a_scan(pair):
    change = 'ALTER TABLE "orders" ALTER COLUMN "note" SET NOT NULL;'
    plan, original, runs = _split_and_compare(pair, change)
    (set_not_null,) = original
    assert set_not_null.read_rows("orders") and set_not_null.lock("orders") == "AccessExclusiveLock"
    (proven,) = _traces(runs, "SET NOT NULL")
    assert proven.lock("orders") == "AccessExclusiveLock" and not proven.read_rows("orders")
    assert not proven.rewrote("orders")
    (validate,) = _traces(runs, "VALIDATE")
    assert validate.read_rows("orders") and validate.lock("orders") == "ShareUpdateExclusiveLock"


def test_index_create_and_drop_become_concurrent(pair):
    change = ('DROP INDEX "orders_note_idx";--> statement-breakpoint\n'
              'CREATE INDEX "orders_status_idx" ON "orders" USING btree ("status") WHERE "status" IS NOT NULL;')
    locks = []
    plan, original, runs = _split_and_compare(
        pair, change,
        run_concurrently=lambda statement: locks.append(concurrent_locks(pair.split_uri, statement, "orders")))
    drop, create = original
    # the original builds the index while the transaction holds the DROP's ACCESS EXCLUSIVE lock
    assert drop.lock("orders") == "AccessExclusiveLock" and create.read_rows("orders")
    assert scans_under_blocking_locks(original)
    assert [s.slug for s in plan.steps] == ["original", "concurrent_index"] and plan.steps[1].no_transaction
    assert plan.steps[0].statements == ()
    assert len(locks) == 2
    for measured in locks:
        assert measured["modes"] == ["ShareUpdateExclusiveLock"] and measured["write_while_running"]


def test_concurrent_step_can_run_again_after_it_succeeded(pair):
    """IF NOT EXISTS / IF EXISTS: a step retried after a partial failure does not stop at what it already did."""
    change = ('DROP INDEX "orders_note_idx";--> statement-breakpoint\n'
              'CREATE INDEX "orders_status_idx" ON "orders" USING btree ("status");')
    plan = make_plan(SETUP, change)
    _prepare(pair)
    apply_plan(pair.split, plan, TABLES)
    apply_plan(pair.split, plan, TABLES)
    indexes = {name for _, name, _, _, _ in catalog(pair.split, TABLES)["indexes"]}
    assert "orders_status_idx" in indexes and "orders_note_idx" not in indexes


def test_not_null_column_with_volatile_default_is_added_then_backfilled(pair):
    change = 'ALTER TABLE "orders" ADD COLUMN "public_id" uuid DEFAULT gen_random_uuid() NOT NULL;'
    plan, original, runs = _split_and_compare(pair, change)
    assert original[0].rewrote("orders") and original[0].lock("orders") == "AccessExclusiveLock"
    backfill = next(run for run in runs if run.slug == "backfill")
    assert list(backfill.batches.values()) == [ROWS // 10_000 + 2]  # 3 full-or-partial batches, then one with 0 rows
    assert all(t.lock("orders") == "RowExclusiveLock" and not t.rewrote("orders") for t in backfill.traces)
    distinct = _rows(pair.split, 'SELECT count(DISTINCT "public_id"), count(*) FROM "orders"')
    assert distinct == [(ROWS, ROWS)]


def test_nullable_column_with_volatile_default_gets_its_default_after_it_is_added(pair):
    change = 'ALTER TABLE "orders" ADD COLUMN "score" double precision DEFAULT random();'
    plan, original, runs = _split_and_compare(pair, change)
    assert original[0].rewrote("orders")
    assert [s.slug for s in plan.steps] == ["original", "backfill"]
    assert not any(t.rewrote("orders") for run in runs for t in run.traces)
    assert _rows(pair.split, 'SELECT count(*) FROM "orders" WHERE "score" IS NULL') == [(0,)]


def test_not_null_column_without_default_needs_the_value_and_fails_loudly_until_given(pair):
    """The original cannot run on a table with rows (23502). The plan's backfill holds a placeholder that fails
    (42703) instead of writing a guessed value; once the value (7) is written in, the result equals the original
    applied with that value decided: ADD COLUMN … NOT NULL DEFAULT 7, then DROP DEFAULT."""
    change = 'ALTER TABLE "orders" ADD COLUMN "tenant_id" integer NOT NULL;'
    plan = make_plan(SETUP, change)
    assert any("tenant_id" in warning for warning in plan.warnings)
    _prepare(pair)
    with pytest.raises(psycopg.errors.NotNullViolation):
        apply_original(pair.original, change, TABLES)
    with pytest.raises(psycopg.errors.UndefinedColumn, match="replace with the value for existing rows"):
        apply_plan(pair.split, plan, TABLES)
    pair.split.execute("ROLLBACK")
    assert _rows(pair.split, 'SELECT count(*) FROM "orders" WHERE "tenant_id" IS NOT NULL') == [(0,)]

    # start again from the filled tables, with the value decided
    for connection in pair.both():
        connection.execute('DROP TABLE "orders", "legacy", "parent"')
    decided = ('ALTER TABLE "orders" ADD COLUMN "tenant_id" integer DEFAULT 7 NOT NULL;--> statement-breakpoint\n'
               'ALTER TABLE "orders" ALTER COLUMN "tenant_id" DROP DEFAULT;')
    from tests.split.harness import apply_plan as run_plan
    _prepare(pair)
    apply_original(pair.original, decided, TABLES)
    runs = run_plan(pair.split, plan, TABLES,
                    replace={'"drizzle-lsp: replace with the value for existing rows"': "7"})
    assert catalog(pair.split, TABLES) == catalog(pair.original, TABLES)
    for run in runs:
        assert scans_under_blocking_locks(run.traces) == []
    assert _rows(pair.split, 'SELECT DISTINCT "tenant_id" FROM "orders"') == [(7,)]


def test_type_change_that_rewrites_becomes_expand_contract(pair):
    change = 'ALTER TABLE "orders" ALTER COLUMN "amount" SET DATA TYPE bigint;'
    plan, original, runs = _split_and_compare(pair, change)
    assert original[0].rewrote("orders") and original[0].lock("orders") == "AccessExclusiveLock"
    assert not any(t.rewrote("orders") for run in runs for t in run.traces)
    assert any("review" in warning for warning in plan.warnings)
    query = 'SELECT "id", "amount" FROM "orders" ORDER BY "id"'
    assert _rows(pair.split, query) == _rows(pair.original, query)


def test_backfill_written_in_the_migration_moves_to_batches(pair):
    change = ('ALTER TABLE "orders" ADD COLUMN "priority" text;--> statement-breakpoint\n'
              'UPDATE "orders" SET "priority" = \'normal\' WHERE "priority" IS NULL;--> statement-breakpoint\n'
              'ALTER TABLE "orders" ALTER COLUMN "priority" SET NOT NULL;--> statement-breakpoint\n'
              'DELETE FROM "orders" WHERE "amount" > 24000;')
    plan, original, runs = _split_and_compare(pair, change)
    # in the original, the UPDATE rewrites every row while ADD COLUMN's ACCESS EXCLUSIVE lock is still held
    assert scans_under_blocking_locks(original)
    backfill = next(run for run in runs if run.slug == "backfill")
    assert sorted(backfill.batches.values()) == [2, 4]  # 1,000 rows deleted in one batch; 25,000 updated in three
    for query in ('SELECT count(*), count(DISTINCT "priority") FROM "orders"',
                  'SELECT min("id"), max("id") FROM "orders"'):
        assert _rows(pair.split, query) == _rows(pair.original, query)


def test_foreign_key_without_index_gets_a_concurrent_index(pair):
    """The plan adds what the original lacks: the final schema is the original's plus that index, built
    concurrently and valid."""
    change = ('ALTER TABLE "orders" ADD CONSTRAINT "orders_customer_fk" FOREIGN KEY ("customer_id") '
              'REFERENCES "parent"("id");')
    reference = change + '--> statement-breakpoint\nCREATE INDEX "orders_customer_id_idx" ON "orders" USING btree ("customer_id");'
    plan, _, _ = _split_and_compare(pair, change, version=16, reference=reference)
    assert ("foreign-key-without-index", 0) in plan.addresses
    indexes = {name: valid for _, name, valid, _, _ in catalog(pair.split, TABLES)["indexes"]}
    assert indexes["orders_customer_id_idx"] is True


def test_every_recipe_in_one_migration_gives_one_plan(pair):
    change = "\n".join([
        'CREATE TABLE "audit" ("id" integer PRIMARY KEY NOT NULL, "order_id" integer);--> statement-breakpoint',
        'ALTER TABLE "orders" ADD COLUMN "public_id" uuid DEFAULT gen_random_uuid() NOT NULL;--> statement-breakpoint',
        'ALTER TABLE "orders" ADD COLUMN "flag" boolean DEFAULT false NOT NULL;--> statement-breakpoint',
        'ALTER TABLE "orders" ALTER COLUMN "note" SET NOT NULL;--> statement-breakpoint',
        'ALTER TABLE "orders" ADD CONSTRAINT "orders_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "parent"("id");--> statement-breakpoint',
        'ALTER TABLE "orders" ADD CONSTRAINT "orders_code_unique" UNIQUE("code");--> statement-breakpoint',
        'CREATE INDEX "orders_customer_id_idx" ON "orders" USING btree ("customer_id");--> statement-breakpoint',
        'ALTER TABLE "orders" ALTER COLUMN "amount" SET DATA TYPE bigint;--> statement-breakpoint',
        'ALTER TABLE "legacy" ADD CONSTRAINT "legacy_ref_check" CHECK ("ref" > 0);',
    ])
    plan, original, runs = _split_and_compare(pair, change)
    assert [s.slug for s in plan.steps] == ["original", "backfill", "concurrent_index", "not_null_check", "validate"]
    # public_id, note and amount_new are all proven NOT NULL on "orders": one table, one step
    assert [s.split('"')[1] for s in plan.steps[3].statements] == ["orders"] * 3
    # the harmless statements stay in the file, in their order
    first = plan.steps[0].statements
    assert first[0].startswith('CREATE TABLE "audit"')
    assert 'ALTER TABLE "orders" ADD COLUMN "flag" boolean DEFAULT false NOT NULL;' in first


def test_backfill_of_a_table_without_primary_key_goes_by_row_address(pair):
    change = 'ALTER TABLE "legacy" ADD COLUMN "token" uuid DEFAULT gen_random_uuid() NOT NULL;'
    plan, original, runs = _split_and_compare(pair, change)
    (backfill,) = [s for s in plan.steps if s.backfill]
    assert "WHERE ctid IN (SELECT ctid FROM" in backfill.statements[0]
    assert _rows(pair.split, 'SELECT count(DISTINCT "token"), count(*) FROM "legacy"') == [(3000, 3000)]


def test_type_change_of_a_nullable_column_keeps_its_nulls(pair):
    change = 'ALTER TABLE "orders" ALTER COLUMN "status" SET DATA TYPE varchar(10);'
    plan, original, runs = _split_and_compare(pair, change)
    assert original[0].rewrote("orders")
    assert not any(s.slug == "not_null_check" for s in plan.steps)
    query = 'SELECT count(*), count("status"), count(DISTINCT "status") FROM "orders"'
    assert _rows(pair.split, query) == _rows(pair.original, query) == [(ROWS, ROWS // 2, 1)]


def test_foreign_key_in_a_do_block_of_older_drizzle_kit_becomes_not_valid_in_place(pair):
    change = ('DO $$ BEGIN\n'
              ' ALTER TABLE "orders" ADD CONSTRAINT "orders_customer_id_parent_id_fk" FOREIGN KEY ("customer_id") '
              'REFERENCES "public"."parent"("id") ON DELETE cascade ON UPDATE no action;\n'
              'EXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;--> statement-breakpoint\n'
              'CREATE INDEX "orders_customer_id_idx" ON "orders" USING btree ("customer_id");')
    plan, original, runs = _split_and_compare(pair, change)
    assert scans_under_blocking_locks(original)
    assert plan.steps[0].statements[0].startswith("DO $$ BEGIN") and "no action NOT VALID;" in plan.steps[0].statements[0]
    (validate,) = _traces(runs, "VALIDATE CONSTRAINT")
    assert validate.read_rows("orders") and validate.lock("orders") == "ShareUpdateExclusiveLock"


def test_type_change_of_an_indexed_column_builds_the_index_again_concurrently(pair):
    change = 'ALTER TABLE "orders" ALTER COLUMN "note" SET DATA TYPE varchar(50);'
    plan, original, runs = _split_and_compare(pair, change)
    assert original[0].rewrote("orders")
    (concurrent,) = [s for s in plan.steps if s.no_transaction]
    assert concurrent.statements == ('CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_note_idx_new" ON "orders" '
                                     'USING btree ("note_new");',)
    indexes = {name: valid for _, name, valid, _, _ in catalog(pair.split, TABLES)["indexes"]}
    assert indexes["orders_note_idx"] is True and "orders_note_idx_new" not in indexes


def test_data_changes_that_cannot_be_batched_leave_the_schema_change_transaction(pair):
    change = ('ALTER TABLE "orders" ADD COLUMN "rank" integer;--> statement-breakpoint\n'
              'UPDATE "orders" SET "amount" = "amount" + 1 WHERE "amount" < 100;--> statement-breakpoint\n'
              'INSERT INTO "orders" ("id", "amount") SELECT "id" + 1000000, 0 FROM "parent";')
    plan, original, runs = _split_and_compare(pair, change)
    assert scans_under_blocking_locks(original)  # the UPDATE reads "orders" under ADD COLUMN's lock
    assert [s.slug for s in plan.steps] == ["original", "data"]
    for query in ('SELECT sum("amount"), count(*) FROM "orders"', 'SELECT max("id") FROM "orders"'):
        assert _rows(pair.split, query) == _rows(pair.original, query)
