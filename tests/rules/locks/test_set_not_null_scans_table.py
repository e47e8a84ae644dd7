"""set-not-null-scans-table: SET NOT NULL on an existing table without a validated CHECK (col IS NOT NULL)."""

from __future__ import annotations

from locks_helpers import flagged_text, help_statements, lint_case, lint_sql, only

RULE = "set-not-null-scans-table"

EXISTING = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "users" ("id" integer PRIMARY KEY, "nickname" text, "email" text NOT NULL);\n'
)
SET_NOT_NULL = '-- 0009_not_null.sql\nALTER TABLE "users" ALTER COLUMN "nickname" SET NOT NULL;\n'


def test_real_drizzle_kit_set_not_null(tmp_path):
    findings = lint_case("pg-lock-changes", RULE, tmp_path)
    finding = only(findings, 'ALTER TABLE "users" ALTER COLUMN "nickname" SET NOT NULL')
    assert len(findings) == 1
    assert finding.message == (
        'SET NOT NULL on "users"."nickname" scans every row of existing table "users" under an ACCESS EXCLUSIVE '
        'lock: reads and writes to "users" are blocked for the whole scan'
    )
    assert flagged_text(finding) == 'ALTER TABLE "users" ALTER COLUMN "nickname" SET NOT NULL;'
    assert help_statements(finding) == [
        'ALTER TABLE "users" ADD CONSTRAINT "users_nickname_not_null" CHECK ("nickname" IS NOT NULL) NOT VALID;',
        'ALTER TABLE "users" VALIDATE CONSTRAINT "users_nickname_not_null";',
        'ALTER TABLE "users" DROP CONSTRAINT "users_nickname_not_null";',
    ]
    assert "PostgreSQL 18" not in finding.help  # the default version is 16


def test_validated_check_makes_it_free_but_a_not_valid_one_does_not():
    check = '-- 0001_check.sql\nALTER TABLE "users" ADD CONSTRAINT "users_nickname_not_null" CHECK ("nickname" IS NOT NULL) NOT VALID;\n'
    validate = '-- 0002_validate.sql\nALTER TABLE "users" VALIDATE CONSTRAINT "users_nickname_not_null";\n'
    assert lint_sql(EXISTING + check + validate + SET_NOT_NULL, RULE) == []
    assert len(lint_sql(EXISTING + check + SET_NOT_NULL, RULE)) == 1


def test_postgres_18_help_offers_not_null_not_valid():
    findings = lint_sql(EXISTING + SET_NOT_NULL, RULE, settings="postgres-version = 18\n")
    assert 'ADD CONSTRAINT "users_nickname_not_null" NOT NULL "nickname" NOT VALID;' in findings[0].help


def test_not_flagged_on_a_new_table_or_an_already_not_null_column():
    new_table = EXISTING.replace("-- 0000_init.sql\n", "") + SET_NOT_NULL.replace("-- 0009_not_null.sql\n", "")
    assert lint_sql(new_table, RULE) == []
    already = EXISTING + '-- 0001_email.sql\nALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;\n'
    assert lint_sql(already, RULE) == []


def test_help_recipe_skips_the_scan_on_postgres(pg):
    """Following the help on a table with rows, PostgreSQL proves NOT NULL from the validated check instead of
    scanning (it says so at DEBUG1), and the column ends NOT NULL."""
    pg.execute('CREATE TABLE "users" ("id" integer PRIMARY KEY, "nickname" text, "email" text NOT NULL)')
    pg.execute("INSERT INTO \"users\" VALUES (1, 'ann', 'a@example.com')")
    finding = lint_sql(EXISTING + SET_NOT_NULL, RULE)[0]
    add_check, validate, drop_check = help_statements(finding)
    pg.execute(add_check)
    pg.execute(validate)
    notices: list[str] = []
    pg.add_notice_handler(lambda diagnostic: notices.append(diagnostic.message_primary or ""))
    pg.execute("SET client_min_messages = debug1")
    pg.execute('ALTER TABLE "users" ALTER COLUMN "nickname" SET NOT NULL')
    pg.execute("RESET client_min_messages")
    pg.execute(drop_check)
    assert any("sufficient to prove" in notice for notice in notices), notices
    assert pg.execute(
        "SELECT attnotnull FROM pg_attribute WHERE attrelid = '\"users\"'::regclass AND attname = 'nickname'"
    ).fetchone() == (True,)
