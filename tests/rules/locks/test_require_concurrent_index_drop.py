"""require-concurrent-index-drop: DROP INDEX on an existing table without CONCURRENTLY."""

from __future__ import annotations

from locks_helpers import fixed_statement, flagged_text, lint_case, lint_sql, only

RULE = "require-concurrent-index-drop"

EXISTING = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "users" ("id" integer PRIMARY KEY, "email" text, "nickname" text,\n'
    '  CONSTRAINT "users_email_unique" UNIQUE("email"));\n--> statement-breakpoint\n'
    'CREATE INDEX "users_nickname_idx" ON "users" USING btree ("nickname");\n--> statement-breakpoint\n'
    'CREATE INDEX "users_email_idx" ON "users" USING btree ("email");\n'
    "-- 0001_drop.sql\n"
)


def test_real_drizzle_kit_drop_index(tmp_path):
    findings = lint_case("pg-lock-changes", RULE, tmp_path)
    finding = only(findings, 'DROP INDEX "users_nickname_idx"')
    assert len(findings) == 1
    assert finding.message == (
        'DROP INDEX "users_nickname_idx" takes an ACCESS EXCLUSIVE lock on existing table "users": reads and writes '
        'to "users" are blocked while it waits for the lock and until the transaction commits'
    )
    assert flagged_text(finding) == 'DROP INDEX "users_nickname_idx";'
    assert fixed_statement(finding) == 'DROP INDEX CONCURRENTLY "users_nickname_idx";'
    assert finding.fix.applicability == "unsafe"
    assert "outside a transaction" in finding.help


def test_qualified_if_exists_drop_and_safe_fix_without_transaction():
    sql = EXISTING + 'DROP INDEX IF EXISTS "public"."users_nickname_idx";'
    finding = only(lint_sql(sql, RULE, migrator="no-transaction"), "DROP INDEX IF EXISTS", sql)
    assert fixed_statement(finding, sql) == 'DROP INDEX CONCURRENTLY IF EXISTS "public"."users_nickname_idx";'
    assert finding.fix.applicability == "safe"


def test_no_fix_for_several_indexes_or_cascade():
    sql = EXISTING + 'DROP INDEX "users_nickname_idx", "users_email_idx";'
    findings = lint_sql(sql, RULE)
    assert len(findings) == 2 and all(f.fix is None for f in findings)
    assert "its own DROP INDEX CONCURRENTLY statement" in findings[0].help
    cascade = lint_sql(EXISTING + 'DROP INDEX "users_nickname_idx" CASCADE;', RULE)
    assert len(cascade) == 1 and cascade[0].fix is None


def test_unknown_index_is_still_flagged():
    sql = EXISTING + 'DROP INDEX IF EXISTS "made_by_hand_idx";'
    finding = only(lint_sql(sql, RULE), "DROP INDEX IF EXISTS", sql)
    assert "the index's table" in finding.message


def test_not_flagged_when_the_table_was_created_in_the_same_migration():
    sql = (
        'CREATE TABLE "tags" ("id" integer PRIMARY KEY, "name" text);\n--> statement-breakpoint\n'
        'CREATE INDEX "tags_name_idx" ON "tags" USING btree ("name");\n--> statement-breakpoint\n'
        'DROP INDEX "tags_name_idx";'
    )
    assert lint_sql(sql, RULE) == []


def test_not_flagged_for_a_constraint_index_or_a_concurrent_drop():
    # PostgreSQL refuses to drop the index of a constraint (2BP01), with or without CASCADE
    assert lint_sql(EXISTING + 'DROP INDEX "users_email_unique";', RULE) == []
    assert lint_sql(EXISTING + 'DROP INDEX CONCURRENTLY "users_nickname_idx";', RULE) == []
