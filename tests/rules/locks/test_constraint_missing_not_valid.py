"""constraint-missing-not-valid: ADD FOREIGN KEY / ADD CHECK on an existing table without NOT VALID."""

from __future__ import annotations

from locks_helpers import fixed_statement, flagged_text, lint_case, lint_sql, only

RULE = "constraint-missing-not-valid"

EXISTING = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "users" ("id" integer PRIMARY KEY);\n--> statement-breakpoint\n'
    'CREATE TABLE "orders" ("id" integer PRIMARY KEY, "customer_id" integer, "total" numeric(12, 2));\n'
    "-- 0001_constraints.sql\n"
)


def test_real_drizzle_kit_foreign_key_and_check(tmp_path):
    findings = lint_case("pg-lock-changes", RULE, tmp_path)
    # the foreign key and check of the new "shipments" table are not flagged
    assert len(findings) == 2
    fk = only(findings, 'ALTER TABLE "orders" ADD CONSTRAINT "orders_customer_id_users_id_fk"')
    assert fk.message == (
        'ADD CONSTRAINT "orders_customer_id_users_id_fk" FOREIGN KEY on existing table "orders" checks every '
        'existing row under a SHARE ROW EXCLUSIVE lock on "orders" and "users": writes to both are blocked for the '
        "whole scan"
    )
    assert 'VALIDATE CONSTRAINT "orders_customer_id_users_id_fk";' in fk.help
    assert "later deploy" in fk.help
    assert fixed_statement(fk) == (
        'ALTER TABLE "orders" ADD CONSTRAINT "orders_customer_id_users_id_fk" FOREIGN KEY ("customer_id") '
        'REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action NOT VALID;'
    )
    assert fk.fix.applicability == "unsafe"

    check = only(findings, 'ALTER TABLE "orders" ADD CONSTRAINT "orders_total_positive"')
    assert check.message == (
        'ADD CONSTRAINT "orders_total_positive" CHECK on existing table "orders" checks every existing row under an '
        'ACCESS EXCLUSIVE lock: reads and writes to "orders" are blocked for the whole scan'
    )
    assert flagged_text(check) == 'ALTER TABLE "orders" ADD CONSTRAINT "orders_total_positive" CHECK ("orders"."total" >= 0);'
    assert fixed_statement(check) == (
        'ALTER TABLE "orders" ADD CONSTRAINT "orders_total_positive" CHECK ("orders"."total" >= 0) NOT VALID;'
    )


def test_old_drizzle_kit_do_block_gets_not_valid_inside_the_block():
    sql = EXISTING + (
        'DO $$ BEGIN\n'
        ' ALTER TABLE "orders" ADD CONSTRAINT "orders_customer_id_users_id_fk" FOREIGN KEY ("customer_id") '
        'REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;\n'
        "EXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;\n"
    )
    finding = only(lint_sql(sql, RULE), 'ALTER TABLE "orders"', sql)
    assert fixed_statement(finding, sql).endswith("ON DELETE cascade ON UPDATE no action NOT VALID")


def test_self_reference_names_one_table_and_help_follows_the_migrator():
    sql = EXISTING + 'ALTER TABLE "orders" ADD CONSTRAINT "orders_parent_fk" FOREIGN KEY ("customer_id") REFERENCES "orders"("id");'
    finding = only(lint_sql(sql, RULE, migrator="no-transaction"), "ALTER TABLE", sql)
    assert 'lock: writes to "orders" are blocked' in finding.message
    assert "separate statement after it" in finding.help


def test_not_flagged_when_not_valid_or_on_a_new_table():
    not_valid = EXISTING + 'ALTER TABLE "orders" ADD CONSTRAINT "orders_total_positive" CHECK ("total" >= 0) NOT VALID;'
    assert lint_sql(not_valid, RULE) == []
    new_table = (
        'CREATE TABLE "users" ("id" integer PRIMARY KEY);\n--> statement-breakpoint\n'
        'CREATE TABLE "orders" ("id" integer PRIMARY KEY, "customer_id" integer);\n--> statement-breakpoint\n'
        'ALTER TABLE "orders" ADD CONSTRAINT "orders_customer_id_users_id_fk" FOREIGN KEY ("customer_id") '
        'REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;'
    )
    assert lint_sql(new_table, RULE) == []


def test_fixed_statements_run_and_validate_on_postgres(pg):
    """The fix's output is valid SQL, and the VALIDATE step of the help then succeeds, on a table with rows."""
    pg.execute('CREATE TABLE "users" ("id" integer PRIMARY KEY)')
    pg.execute('CREATE TABLE "orders" ("id" integer PRIMARY KEY, "customer_id" integer, "total" numeric(12, 2))')
    pg.execute('INSERT INTO "users" VALUES (1)')
    pg.execute('INSERT INTO "orders" VALUES (1, 1, 10)')
    sql = EXISTING + (
        'ALTER TABLE "orders" ADD CONSTRAINT "orders_customer_id_users_id_fk" FOREIGN KEY ("customer_id") '
        'REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint\n'
        'ALTER TABLE "orders" ADD CONSTRAINT "orders_total_positive" CHECK ("orders"."total" >= 0);'
    )
    findings = lint_sql(sql, RULE)
    assert len(findings) == 2
    for finding in findings:
        pg.execute(fixed_statement(finding, sql))
    for name in ("orders_customer_id_users_id_fk", "orders_total_positive"):
        assert pg.execute("SELECT convalidated FROM pg_constraint WHERE conname = %s", (name,)).fetchone() == (False,)
        pg.execute(f'ALTER TABLE "orders" VALIDATE CONSTRAINT "{name}"')
        assert pg.execute("SELECT convalidated FROM pg_constraint WHERE conname = %s", (name,)).fetchone() == (True,)
