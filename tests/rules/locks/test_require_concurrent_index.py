"""require-concurrent-index: CREATE INDEX on an existing table without CONCURRENTLY."""

from __future__ import annotations

from locks_helpers import fixed_statement, flagged_text, lint_case, lint_sql, only

RULE = "require-concurrent-index"

EXISTING = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "orders" ("id" integer PRIMARY KEY, "customer_id" integer, "status" text);\n'
    "-- 0001_index.sql\n"
)


def test_real_drizzle_kit_indexes_on_existing_table(tmp_path):
    findings = lint_case("pg-lock-changes", RULE, tmp_path)
    # the new "shipments" table, the .concurrently() index and the index of the first migration are not flagged
    assert sorted(flagged_text(f).split('"')[1] for f in findings) == [
        "orders_customer_idx", "orders_customer_status_idx",
    ]
    plain = only(findings, 'CREATE INDEX "orders_customer_idx"')
    assert plain.message == (
        'CREATE INDEX "orders_customer_idx" on existing table "orders" takes a SHARE lock: writes to "orders" are '
        "blocked for the whole index build"
    )
    assert flagged_text(plain) == 'CREATE INDEX "orders_customer_idx" ON "orders" USING btree ("customer_id");'
    assert "outside a transaction" in plain.help and "25001" in plain.help and ".concurrently()" in plain.help
    assert fixed_statement(plain) == (
        'CREATE INDEX CONCURRENTLY "orders_customer_idx" ON "orders" USING btree ("customer_id");'
    )
    # drizzle-kit migrate runs every pending migration in one transaction: the edited statement fails there
    assert plain.fix.applicability == "unsafe"

    unique = only(findings, 'CREATE UNIQUE INDEX "orders_customer_status_idx"')
    assert unique.message.startswith('CREATE UNIQUE INDEX "orders_customer_status_idx" on existing table "orders"')
    assert fixed_statement(unique).startswith('CREATE UNIQUE INDEX CONCURRENTLY "orders_customer_status_idx" ON')


def test_fix_is_safe_when_the_migrator_uses_no_transaction(tmp_path):
    findings = lint_case("pg-lock-changes", RULE, tmp_path, settings='migrator = "neon-http"\n')
    finding = only(findings, 'CREATE INDEX "orders_customer_idx"')
    assert finding.fix.applicability == "safe"
    assert "outside a transaction" not in finding.help and "INVALID" in finding.help


def test_fix_is_safe_after_an_explicit_commit_in_its_own_chunk():
    sql = EXISTING + (
        "COMMIT;--> statement-breakpoint\n"
        'CREATE INDEX "orders_status_idx" ON "orders" USING btree ("status");'
    )
    finding = only(lint_sql(sql, RULE), 'CREATE INDEX "orders_status_idx"', sql)
    assert finding.fix.applicability == "safe"


def test_fix_is_unsafe_when_the_statement_shares_a_query():
    # no breakpoint: drizzle sends both statements as one query, which PostgreSQL runs as one transaction block
    sql = EXISTING + (
        'ALTER TABLE "orders" ADD COLUMN "note" text;\n'
        'CREATE INDEX "orders_status_idx" ON "orders" USING btree ("status");'
    )
    finding = only(lint_sql(sql, RULE, migrator="no-transaction"), 'CREATE INDEX "orders_status_idx"', sql)
    assert finding.fix.applicability == "unsafe"
    assert "one transaction block" in finding.help


def test_unique_if_not_exists_keeps_the_keyword_order():
    sql = EXISTING + 'CREATE UNIQUE INDEX IF NOT EXISTS "orders_status_idx" ON "orders" ("status");'
    finding = only(lint_sql(sql, RULE), 'CREATE UNIQUE INDEX IF NOT EXISTS', sql)
    assert fixed_statement(finding, sql) == (
        'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "orders_status_idx" ON "orders" ("status");'
    )


def test_not_flagged_on_a_table_created_in_the_same_migration():
    sql = (
        'CREATE TABLE "orders" ("id" integer PRIMARY KEY, "status" text);\n--> statement-breakpoint\n'
        'CREATE INDEX "orders_status_idx" ON "orders" USING btree ("status");'
    )
    assert lint_sql(sql, RULE) == []


def test_not_flagged_when_already_concurrent():
    sql = EXISTING + 'CREATE INDEX CONCURRENTLY "orders_status_idx" ON "orders" USING btree ("status");'
    assert lint_sql(sql, RULE) == []


def test_table_renamed_in_the_same_migration_still_holds_its_rows():
    # drizzle-kit's table rename: RENAME TO, then the indexes re-created under the new name
    renamed = (
        "-- 0000_init.sql\n"
        'CREATE TABLE "memberships" ("id" integer PRIMARY KEY, "organization_id" integer);\n'
        "-- 0001_rename.sql\n"
        'ALTER TABLE "memberships" RENAME TO "organization_members";--> statement-breakpoint\n'
        'CREATE INDEX "organization_members_organization_idx" ON "organization_members" USING btree ("organization_id");'
    )
    finding = only(lint_sql(renamed, RULE), "CREATE INDEX", renamed)
    assert 'on existing table "organization_members"' in finding.message
    created_then_renamed = renamed.replace("-- 0001_rename.sql\n", "--> statement-breakpoint\n")
    assert lint_sql(created_then_renamed, RULE) == []
