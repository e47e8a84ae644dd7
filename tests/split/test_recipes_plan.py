"""``plan_split`` without a database: what it splits, what it leaves in place, the names and warnings it produces,
and that the rules find no lock problem left in the steps it writes."""

from __future__ import annotations

from drizzle_lsp.fixes.split.plan import NO_TRANSACTION_MARKER
from drizzle_lsp.rules.testing import lint_memory
from tests.split.harness import make_plan

SETUP = """CREATE TABLE "parent" ("id" integer PRIMARY KEY NOT NULL);--> statement-breakpoint
CREATE TABLE "orders" ("id" integer PRIMARY KEY NOT NULL, "customer_id" integer, "amount" integer DEFAULT 0 NOT NULL,
  "note" text, "status" text);--> statement-breakpoint
CREATE INDEX "orders_note_idx" ON "orders" USING btree ("note");
"""


def test_a_migration_with_nothing_risky_gets_no_plan():
    change = ('ALTER TABLE "orders" ADD COLUMN "flag" boolean DEFAULT false NOT NULL;--> statement-breakpoint\n'
              'ALTER TABLE "orders" ADD COLUMN "seen_at" timestamp with time zone DEFAULT now();--> statement-breakpoint\n'
              'ALTER TABLE "orders" ALTER COLUMN "note" SET DEFAULT \'\';')
    assert make_plan(SETUP, change) is None


def test_risky_statements_on_a_table_created_in_the_same_migration_need_no_split():
    change = "\n".join([
        'CREATE TABLE "audit" ("id" integer PRIMARY KEY NOT NULL, "order_id" integer, "note" text);--> statement-breakpoint',
        'ALTER TABLE "audit" ADD COLUMN "tenant_id" integer NOT NULL;--> statement-breakpoint',
        'ALTER TABLE "audit" ADD CONSTRAINT "audit_order_fk" FOREIGN KEY ("order_id") REFERENCES "orders"("id");--> statement-breakpoint',
        'ALTER TABLE "audit" ALTER COLUMN "note" SET NOT NULL;--> statement-breakpoint',
        'CREATE UNIQUE INDEX "audit_note_idx" ON "audit" USING btree ("note");',
    ])
    assert make_plan(SETUP, change) is None


def test_harmless_statements_keep_their_place_and_order():
    change = "\n".join([
        'CREATE TABLE "audit" ("id" integer PRIMARY KEY NOT NULL);--> statement-breakpoint',
        'ALTER TABLE "orders" ALTER COLUMN "note" SET NOT NULL;--> statement-breakpoint',
        'ALTER TABLE "orders" ADD COLUMN "flag" boolean DEFAULT false NOT NULL;--> statement-breakpoint',
        'CREATE INDEX "orders_status_idx" ON "orders" USING btree ("status");--> statement-breakpoint',
        'ALTER TABLE "orders" RENAME COLUMN "amount" TO "total";',
    ])
    plan = make_plan(SETUP, change)
    assert plan is not None
    first = plan.steps[0].statements
    assert first == (
        'CREATE TABLE "audit" ("id" integer PRIMARY KEY NOT NULL);',
        'ALTER TABLE "orders" ADD CONSTRAINT "orders_note_not_null_check" CHECK ("note" IS NOT NULL) NOT VALID;',
        'ALTER TABLE "orders" ADD COLUMN "flag" boolean DEFAULT false NOT NULL;',
        'ALTER TABLE "orders" RENAME COLUMN "amount" TO "total";',
    )
    assert [s.slug for s in plan.steps] == ["original", "concurrent_index", "validate"]
    assert plan.steps[1].statements == (
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_status_idx" ON "orders" USING btree ("status");',)
    assert plan.steps[1].no_transaction
    assert plan.steps[2].statements == (
        'ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_note_not_null_check";',
        'ALTER TABLE "orders" ALTER COLUMN "note" SET NOT NULL;',
        'ALTER TABLE "orders" DROP CONSTRAINT "orders_note_not_null_check";',
    )
    assert set(plan.addresses) == {("set-not-null-scans-table", 1), ("require-concurrent-index", 3)}


def test_a_suppressed_finding_is_left_as_written():
    change = ('-- drizzle-lsp-ignore set-not-null-scans-table\n'
              'ALTER TABLE "orders" ALTER COLUMN "note" SET NOT NULL;')
    assert make_plan(SETUP, change) is None


def test_comments_above_a_rewritten_statement_travel_with_it():
    change = ('-- tenants are required from now on\n'
              'ALTER TABLE "orders" ADD CONSTRAINT "orders_amount_check" CHECK ("amount" >= 0);')
    plan = make_plan(SETUP, change)
    assert plan.steps[0].statements == ('-- tenants are required from now on\nALTER TABLE "orders" ADD CONSTRAINT '
                                        '"orders_amount_check" CHECK ("amount" >= 0) NOT VALID;',)


def test_an_unnamed_constraint_is_named_so_that_it_can_be_validated():
    change = 'ALTER TABLE "orders" ADD FOREIGN KEY ("customer_id") REFERENCES "parent"("id");'
    plan = make_plan(SETUP, change)
    assert plan.steps[0].statements == (
        'ALTER TABLE "orders" ADD CONSTRAINT "orders_customer_id_fkey" FOREIGN KEY ("customer_id") '
        'REFERENCES "parent"("id") NOT VALID;',)
    assert 'ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_customer_id_fkey";' in plan.steps[-1].statements


def test_generated_names_fit_in_63_bytes_and_do_not_collide():
    table = "customer_subscription_invoice_line_items_archive"  # 48 bytes: "<table>_<column>" is cut to fit
    column = "external_billing_reference"
    taken = f"{table}_not_null_check"  # 63 bytes: what the cut name would be, already used by another check
    setup = (f'CREATE TABLE "{table}" ("id" integer PRIMARY KEY NOT NULL, "{column}" text);--> statement-breakpoint\n'
             f'ALTER TABLE "{table}" ADD CONSTRAINT "{taken}" CHECK (true);')
    plan = make_plan(setup, f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET NOT NULL;')
    name = plan.steps[0].statements[0].split('ADD CONSTRAINT "')[1].split('"')[0]
    assert len(taken.encode()) == 63
    assert name == f"{table[:47]}_not_null_check2" and len(name.encode()) == 63


def test_a_not_null_column_without_default_gets_a_placeholder_that_fails_and_a_warning():
    change = 'ALTER TABLE "orders" ADD COLUMN "tenant_id" integer NOT NULL;'
    plan = make_plan(SETUP, change)
    (backfill,) = [s for s in plan.steps if s.backfill]
    assert backfill.statements == (
        'UPDATE "orders" SET "tenant_id" = "drizzle-lsp: replace with the value for existing rows" WHERE "id" IN '
        '(SELECT "id" FROM "orders" WHERE "tenant_id" IS NULL LIMIT 10000);',)
    assert any("42703" in w and "tenant_id" in w for w in plan.warnings)
    assert plan.addresses == (("add-column-not-null-without-default", 0),)


def test_a_backfill_that_might_never_end_in_batches_moves_as_written_into_a_data_step():
    change = ('ALTER TABLE "orders" ADD COLUMN "rank" integer;--> statement-breakpoint\n'
              'UPDATE "orders" SET "amount" = "amount" + 1 WHERE "amount" < 100;--> statement-breakpoint\n'
              'INSERT INTO "orders" ("id", "amount") SELECT "id" + 1000000, 0 FROM "parent";--> statement-breakpoint\n'
              'ALTER TABLE "orders" ADD CONSTRAINT "orders_amount_check" CHECK ("amount" >= 0);')
    plan = make_plan(SETUP, change)
    assert [s.slug for s in plan.steps] == ["original", "data", "validate"]
    assert plan.steps[1].statements == (
        'UPDATE "orders" SET "amount" = "amount" + 1 WHERE "amount" < 100;',
        'INSERT INTO "orders" ("id", "amount") SELECT "id" + 1000000, 0 FROM "parent";')
    assert not any(s.backfill for s in plan.steps)
    assert ("backfill-in-schema-migration", 1) in plan.addresses and ("backfill-in-schema-migration", 2) in plan.addresses


def test_a_data_change_reading_a_table_dropped_later_stays_in_place():
    change = ('ALTER TABLE "orders" ADD COLUMN "parent_ref" integer;--> statement-breakpoint\n'
              'INSERT INTO "orders" ("id", "amount") SELECT "id" + 1000000, 0 FROM "parent";--> statement-breakpoint\n'
              'DROP TABLE "parent";')
    assert make_plan(SETUP, change) is None


def test_a_statement_whose_table_is_renamed_later_is_not_moved():
    change = ('CREATE INDEX "orders_status_idx" ON "orders" USING btree ("status");--> statement-breakpoint\n'
              'ALTER TABLE "orders" RENAME TO "purchases";')
    assert make_plan(SETUP, change) is None


def test_a_unique_key_a_later_foreign_key_needs_is_left_in_place():
    change = ('ALTER TABLE "orders" ADD CONSTRAINT "orders_note_unique" UNIQUE("note");--> statement-breakpoint\n'
              'CREATE TABLE "notes" ("note" text REFERENCES "orders"("note"));')
    plan = make_plan(SETUP, change)
    assert plan is None


def test_drop_index_of_a_constraint_is_not_made_concurrent():
    setup = SETUP + ('--> statement-breakpoint\nALTER TABLE "orders" ADD CONSTRAINT "orders_status_key" '
                     'UNIQUE("status");')
    assert make_plan(setup, 'DROP INDEX "orders_status_key";') is None


def test_several_sub_commands_in_one_statement_are_reported():
    change = 'ALTER TABLE "orders" ALTER COLUMN "note" SET NOT NULL, ADD COLUMN "x" integer;'
    assert make_plan(SETUP, change) is None
    change += '--> statement-breakpoint\nCREATE INDEX "orders_status_idx" ON "orders" ("status");'
    plan = make_plan(SETUP, change)
    assert any("several sub-commands" in w for w in plan.warnings)


def test_an_existing_concurrent_build_moves_out_of_the_transaction_unless_nothing_is_transactional():
    change = 'CREATE INDEX CONCURRENTLY "orders_status_idx" ON "orders" USING btree ("status");'
    plan = make_plan(SETUP, change)
    assert plan.steps[1].statements == (
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_status_idx" ON "orders" USING btree ("status");',)
    assert make_plan(SETUP, change, migrator="no-transaction") is None


def test_the_split_steps_leave_no_lock_finding():
    """Re-checking the steps as migrations of their own (each file in its own transaction) finds none of the lock
    problems of the original. Placement adds ``SET LOCAL lock_timeout`` to the new steps and handles drizzle's
    one-transaction migrator, so those two findings are its business, not the recipes'."""
    change = "\n".join([
        'ALTER TABLE "orders" ADD COLUMN "public_id" uuid DEFAULT gen_random_uuid() NOT NULL;--> statement-breakpoint',
        'ALTER TABLE "orders" ALTER COLUMN "note" SET NOT NULL;--> statement-breakpoint',
        'ALTER TABLE "orders" ADD CONSTRAINT "orders_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "parent"("id");--> statement-breakpoint',
        'ALTER TABLE "orders" ADD CONSTRAINT "orders_status_unique" UNIQUE("status");--> statement-breakpoint',
        'DROP INDEX "orders_note_idx";--> statement-breakpoint',
        'UPDATE "orders" SET "status" = \'new\' WHERE "status" IS NULL;--> statement-breakpoint',
        'ALTER TABLE "parent" ADD CONSTRAINT "parent_id_check" CHECK ("id" > 0);',
    ])
    before = {v.rule for v in lint_memory(sql=[("0000_setup", SETUP), ("0001_change", change)], migrator="per-file")}
    assert {"add-column-rewrites-table", "set-not-null-scans-table", "constraint-missing-not-valid",
            "unique-constraint-builds-index", "require-concurrent-index-drop", "backfill-in-schema-migration",
            "foreign-key-without-index"} <= before
    plan = make_plan(SETUP, change)
    migrations = [("0000_setup", SETUP)]
    for number, step in enumerate(plan.steps, start=1):
        marker = NO_TRANSACTION_MARKER + "\n" if step.no_transaction else ""
        migrations.append((f"{number:04d}_{step.slug}", marker + "--> statement-breakpoint\n".join(step.statements)))
    after = lint_memory(sql=migrations, migrator="per-file")
    left = [(v.rule, v.path.rsplit("/", 1)[-1], v.message) for v in after
            if (v.group == "locks" and v.rule != "require-lock-timeout") or v.rule == "foreign-key-without-index"
            or (v.rule == "concurrent-index-in-transaction" and not v.path.endswith("_concurrent_index.sql"))]
    # The original already locks "orders" and "parent" exclusively in one transaction; the rewritten file keeps the
    # two brief locks (ADD COLUMN, CHECK … NOT VALID) side by side, and no later step adds such a pair.
    assert [(rule, path) for rule, path, _ in left] == [("exclusive-lock-held-across-statements", "0001_original.sql")]
    assert "exclusive-lock-held-across-statements" in before


def test_a_silenced_foreign_key_index_finding_adds_no_index():
    change = ('-- drizzle-lsp-ignore foreign-key-without-index\n'
              'ALTER TABLE "orders" ADD CONSTRAINT "orders_customer_fk" FOREIGN KEY ("customer_id") '
              'REFERENCES "parent"("id") NOT VALID;')
    assert make_plan(SETUP, change) is None
    plan = make_plan(SETUP, change.split("\n", 1)[1])
    assert plan.steps[1].statements == (
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_customer_id_idx" ON "orders" USING btree ("customer_id");',)
    assert plan.addresses == (("foreign-key-without-index", 0),)


def test_a_data_change_before_a_metadata_only_column_still_moves():
    change = ('ALTER TABLE "orders" ADD COLUMN "kind" text;--> statement-breakpoint\n'
              'UPDATE "orders" SET "kind" = \'retail\' WHERE "kind" IS NULL;--> statement-breakpoint\n'
              'ALTER TABLE "orders" ADD COLUMN "flag" boolean DEFAULT false NOT NULL;')
    plan = make_plan(SETUP, change)
    assert plan.steps[1].backfill and plan.steps[1].statements == (
        'UPDATE "orders" SET "kind" = \'retail\' WHERE "id" IN (SELECT "id" FROM "orders" WHERE "kind" IS NULL '
        'LIMIT 10000);',)


def test_a_data_change_a_kept_statement_needs_stays_in_place():
    change = ('ALTER TABLE "orders" ADD COLUMN "kind" text;--> statement-breakpoint\n'
              'UPDATE "orders" SET "kind" = \'retail\' WHERE "kind" IS NULL;--> statement-breakpoint\n'
              '-- drizzle-lsp-ignore set-not-null-scans-table\n'
              'ALTER TABLE "orders" ALTER COLUMN "kind" SET NOT NULL;')
    assert make_plan(SETUP, change) is None


def test_before_postgresql_12_the_plan_says_set_not_null_still_scans():
    change = 'ALTER TABLE "orders" ALTER COLUMN "note" SET NOT NULL;'
    assert not any("still reads" in w for w in make_plan(SETUP, change).warnings)
    assert any("PostgreSQL 11" in w and "still reads" in w for w in make_plan(SETUP, change, version=11).warnings)
