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


# drizzle-kit style: the users/orders tables of an earlier migration, then the foreign key added NOT VALID and
# validated right after it (the squawk side-by-side case that showed the miss).
TABLES = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "users" (\n\t"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "users_id_seq" '
    'INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),\n\t"email" text NOT NULL\n);\n'
    "--> statement-breakpoint\n"
    'CREATE TABLE "orders" (\n\t"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "orders_id_seq" '
    'INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),\n\t"user_id" bigint NOT NULL,\n'
    '\t"total_cents" integer DEFAULT 0 NOT NULL\n);\n'
)
ADD_FK = (
    'ALTER TABLE "orders" ADD CONSTRAINT "orders_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES '
    '"public"."users"("id") ON DELETE cascade ON UPDATE no action NOT VALID;'
)
VALIDATE_FK = 'ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_user_id_users_id_fk";'


def test_validate_in_the_same_file_runs_under_the_add_lock():
    sql = TABLES + "-- 0001_change.sql\n" + ADD_FK + "\n--> statement-breakpoint\n" + VALIDATE_FK
    for migrator in ("transaction", "per-file"):
        finding = only(lint_sql(sql, RULE, migrator=migrator), VALIDATE_FK, sql)
        assert flagged_text(finding, sql) == VALIDATE_FK
        assert finding.message == (
            'VALIDATE CONSTRAINT "orders_user_id_users_id_fk" runs in the same transaction as the ADD CONSTRAINT '
            '"orders_user_id_users_id_fk" NOT VALID it validates (line 1), which holds a SHARE ROW EXCLUSIVE lock on '
            '"orders" and "users", so writes to both are blocked for the whole validation scan'
        )
        assert "to a later migration that runs in a separate transaction" in finding.help
        assert finding.fix is None
        [(where, note)] = finding.related
        assert note == "a SHARE ROW EXCLUSIVE lock taken here, held until commit"


def test_validate_of_a_check_in_the_same_file_blocks_reads_too():
    sql = TABLES + "-- 0001_change.sql\n" + (
        'ALTER TABLE "orders" ADD CONSTRAINT "orders_total_positive" CHECK ("orders"."total_cents" >= 0) NOT VALID;'
        '\n--> statement-breakpoint\nALTER TABLE "orders" VALIDATE CONSTRAINT "orders_total_positive";'
    )
    finding = only(lint_sql(sql, RULE), "ALTER TABLE \"orders\" VALIDATE", sql)
    assert 'an ACCESS EXCLUSIVE lock on "orders", so reads and writes to "orders" are blocked' in finding.message


def test_validate_in_a_later_pending_file_under_the_transactional_migrator():
    sql = TABLES + "-- 0001_fk.sql\n" + ADD_FK + "\n-- 0002_validate.sql\n" + VALIDATE_FK
    finding = only(lint_sql(sql, RULE), VALIDATE_FK, sql)
    assert "(line 1 of 0001_fk.sql, when both migrations are pending in the same run)" in finding.message
    assert "later deploy than the ADD" in finding.help
    # each file commits on its own: the docstring's recipe, not a finding
    assert lint_sql(sql, RULE, migrator="per-file") == []
    # beyond the pending window (default: this migration and the one before it)
    far = TABLES + "-- 0001_fk.sql\n" + ADD_FK + "\n-- 0002_other.sql\nSELECT 1;\n-- 0003_validate.sql\n" + VALIDATE_FK
    assert lint_sql(far, RULE) == []


def test_not_flagged_after_a_commit_without_a_transaction_or_on_a_new_table():
    committed = TABLES + "-- 0001_change.sql\n" + ADD_FK + "\n--> statement-breakpoint\nCOMMIT;\n--> statement-breakpoint\n" + VALIDATE_FK
    assert lint_sql(committed, RULE) == []
    separate = TABLES + "-- 0001_change.sql\n" + ADD_FK + "\n--> statement-breakpoint\n" + VALIDATE_FK
    assert lint_sql(separate, RULE, migrator="no-transaction") == []
    new_table = (
        "-- 0000_init.sql\n" + TABLES.split("\n", 1)[1] + "--> statement-breakpoint\n" + ADD_FK
        + "\n--> statement-breakpoint\n" + VALIDATE_FK
    )
    assert lint_sql(new_table, RULE) == []
    # a constraint that was added validated: VALIDATE has nothing to check, the ADD is the finding
    validated = TABLES + "-- 0001_change.sql\n" + ADD_FK.replace(" NOT VALID", "") + "\n--> statement-breakpoint\n" + VALIDATE_FK
    assert [flagged_text(f, validated) for f in lint_sql(validated, RULE)] == [ADD_FK.replace(" NOT VALID", "")]
