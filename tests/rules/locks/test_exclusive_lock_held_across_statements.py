"""exclusive-lock-held-across-statements: slow statements run while an existing table stays locked exclusively, and
a second existing table locked exclusively in the same transaction (deadlock risk). The migrator mode and the
pending-migrations window decide what a transaction spans; the lock outliving its statement is shown on PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest

from locks_helpers import flagged_text, lint_case, lint_sql, only

RULE = "exclusive-lock-held-across-statements"

INIT = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "email" text NOT NULL);--> statement-breakpoint\n'
    'CREATE TABLE "orders" ("id" bigint PRIMARY KEY NOT NULL, "user_id" bigint NOT NULL, "total" integer NOT NULL);\n'
)
ADD_TO_USERS = 'ALTER TABLE "users" ADD COLUMN "referrer_id" bigint;'
INDEX_ORDERS = 'CREATE INDEX "orders_user_id_idx" ON "orders" USING btree ("user_id");'


def test_real_drizzle_kit_migration(tmp_path):
    findings = lint_case("pg-lock-changes", RULE, tmp_path)
    # one finding per held table for the slow statements (the others are listed with it), one per new exclusive lock
    assert len(findings) == 5
    first_slow = only([f for f in findings if "reads every row" in f.message], 'ALTER TABLE "order_tags"')
    assert first_slow.message == (
        'ALTER TABLE "order_tags" ADD CONSTRAINT "order_tags_order_id_tag_pk" PRIMARY KEY reads every row of '
        '"order_tags" while "users" is still locked ACCESS EXCLUSIVE by DROP INDEX "users_nickname_idx" (line 10): '
        'reads and writes of "users" wait for it as well; 9 more slow statements of this migration keep it locked'
    )
    assert len(first_slow.related) == 10
    deadlock = only([f for f in findings if "deadlocks" in f.message], 'ALTER TABLE "orders" ADD COLUMN "tenant_id"')
    assert deadlock.message == (
        'ALTER TABLE "orders" ADD COLUMN "tenant_id" locks existing table "orders" ACCESS EXCLUSIVE while "users" is '
        'still locked ACCESS EXCLUSIVE by DROP INDEX "users_nickname_idx" (line 10): both tables stay unavailable '
        'until the transaction commits, and an application transaction that holds "orders" and then needs "users" '
        "deadlocks with the migration"
    )
    assert "separate runs" in deadlock.help
    # the new "shipments" table and the later statements on the already locked "orders" add nothing new
    assert not any(flagged_text(f).startswith(('CREATE TABLE "shipments"', 'ALTER TABLE "shipments"'))
                   for f in findings)


def test_slow_statement_under_another_tables_lock():
    sql = INIT + f"-- 0001_referrals.sql\n{ADD_TO_USERS}--> statement-breakpoint\n{INDEX_ORDERS}"
    (finding,) = lint_sql(sql, RULE)
    assert finding.message == (
        'CREATE INDEX "orders_user_id_idx" on "orders" builds an index over every row of "orders" while "users" is '
        'still locked ACCESS EXCLUSIVE by ALTER TABLE "users" ADD COLUMN "referrer_id" (line 1): reads and writes of '
        '"users" wait for it as well'
    )
    assert flagged_text(finding, sql) == INDEX_ORDERS
    assert finding.related[0][1] == '"users" locked ACCESS EXCLUSIVE here'


def test_index_build_under_its_own_tables_exclusive_lock():
    # CREATE INDEX alone blocks writes; after ADD COLUMN on the same table it blocks reads too
    sql = INIT + ('-- 0001_x.sql\nALTER TABLE "orders" ADD COLUMN "note" text;--> statement-breakpoint\n'
                  + INDEX_ORDERS)
    (finding,) = lint_sql(sql, RULE)
    held = 'while "orders" is still locked ACCESS EXCLUSIVE by ALTER TABLE "orders" ADD COLUMN "note"'
    assert held in finding.message


def test_second_exclusive_lock():
    sql = INIT + f'-- 0001_x.sql\n{ADD_TO_USERS}--> statement-breakpoint\nALTER TABLE "orders" ADD COLUMN "note" text;'
    (finding,) = lint_sql(sql, RULE)
    assert "deadlocks with the migration" in finding.message
    assert flagged_text(finding, sql) == 'ALTER TABLE "orders" ADD COLUMN "note" text;'


@pytest.mark.parametrize("body", [
    # the slow statement first: the exclusive lock is taken last and held briefly
    f"{INDEX_ORDERS}--> statement-breakpoint\n{ADD_TO_USERS}",
    # the same table again: its lock is already held
    f'{ADD_TO_USERS}--> statement-breakpoint\nALTER TABLE "users" ADD COLUMN "name" text;',
    # a new table costs nothing
    f'{ADD_TO_USERS}--> statement-breakpoint\n'
    'CREATE TABLE "coupons" ("id" bigint PRIMARY KEY);--> statement-breakpoint\n'
    'CREATE INDEX "coupons_id_idx" ON "coupons" USING btree ("id");',
    # a backfill of the locked table itself is backfill-in-schema-migration's finding
    f'{ADD_TO_USERS}--> statement-breakpoint\nUPDATE "users" SET "referrer_id" = 0;',
    # an explicit COMMIT releases the lock
    f"{ADD_TO_USERS}--> statement-breakpoint\nCOMMIT;--> statement-breakpoint\n{INDEX_ORDERS}",
])
def test_not_flagged(body):
    assert lint_sql(INIT + f"-- 0001_x.sql\n{body}", RULE) == []


def test_no_transaction_holds_nothing():
    sql = INIT + f"-- 0001_referrals.sql\n{ADD_TO_USERS}--> statement-breakpoint\n{INDEX_ORDERS}"
    assert lint_sql(sql, RULE, migrator="no-transaction") == []


CROSS_FILE = INIT + f"-- 0001_referrals.sql\n{ADD_TO_USERS}\n-- 0002_orders_index.sql\n{INDEX_ORDERS}\n"


def test_transaction_mode_spans_the_previous_migration():
    (finding,) = lint_sql(CROSS_FILE, RULE)
    assert finding.range.path.endswith("0002_orders_index.sql")
    assert ("(line 1 of 0001_referrals.sql, when both migrations are pending in the same run: drizzle applies all "
            "pending migrations in one transaction)") in finding.message


def test_per_file_mode_does_not_span_files():
    assert lint_sql(CROSS_FILE, RULE, migrator="per-file") == []


def test_pending_migrations_option():
    alone = '[rules.options.exclusive-lock-held-across-statements]\npending-migrations = 1\n'
    assert lint_sql(CROSS_FILE, RULE, settings=alone) == []
    far = CROSS_FILE.replace("-- 0002_orders_index.sql", '-- 0002_between.sql\nSELECT 1;\n-- 0003_orders_index.sql')
    assert lint_sql(far, RULE) == []  # two migrations apart: outside the default window of 2
    wider = '[rules.options.exclusive-lock-held-across-statements]\npending-migrations = 3\n'
    assert len(lint_sql(far, RULE, settings=wider)) == 1


def test_settings_file_migrator_mode(tmp_path):
    findings = lint_case("pg-lock-changes", RULE, tmp_path, settings='migrator = "neon-http"\n')
    assert findings == []


# --- on a real PostgreSQL ----------------------------------------------------------------------------------------


def test_lock_outlives_its_statement(pg):
    for chunk in INIT.replace("-- 0000_init.sql\n", "").split("--> statement-breakpoint"):
        pg.execute(chunk)
    other = psycopg.connect(pg.info.dsn, autocommit=True)
    try:
        with pg.transaction():
            pg.execute(ADD_TO_USERS)  # finishes at once, but its ACCESS EXCLUSIVE lock stays
            pg.execute(INDEX_ORDERS)
            other.execute("SET lock_timeout = '200ms'")
            with pytest.raises(psycopg.Error) as failure:
                other.execute('SELECT count(*) FROM "users"')
            assert failure.value.sqlstate == "55P03"
        assert other.execute('SELECT count(*) FROM "users"').fetchone() == (0,)  # released at commit
    finally:
        other.close()
