"""drop-table: DROP TABLE of a table created by an earlier migration, never drizzle-kit's SQLite rebuild."""

from __future__ import annotations

from breaking_helpers import flagged_text, lint_case, lint_sql, migration_index

RULE = "drop-table"

INIT = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL);--> statement-breakpoint\n'
    'CREATE TABLE "sessions" ("id" text PRIMARY KEY NOT NULL, "user_id" integer NOT NULL);--> statement-breakpoint\n'
    'ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") '
    'REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;\n'
    "-- 0001_change.sql\n"
)


def test_real_drizzle_kit_postgres(tmp_path):
    [finding] = lint_case("pg-breaking", RULE, tmp_path)
    assert migration_index(finding) == 6
    assert flagged_text(finding) == 'DROP TABLE "audit_log" CASCADE;'
    assert finding.message == (
        'DROP TABLE "audit_log" deletes the table and every row in it; the running code fails on every query of '
        '"audit_log" until the new code is deployed'
    )
    assert "backed up" in finding.help and finding.fix is None


def test_real_drizzle_kit_sqlite_rebuild_is_not_a_drop(tmp_path):
    # 0002 drops `sessions`; 0003 rebuilds `users` (CREATE __new_users, copy, DROP users, RENAME): not a drop-table
    findings = lint_case("sqlite-breaking", RULE, tmp_path)
    assert [(migration_index(f), flagged_text(f)) for f in findings] == [(2, "DROP TABLE `sessions`;")]


def test_corpus_rebuilds_are_not_drops(tmp_path):
    # three rebuilds (one of a table renamed in the same migration) and one real drop
    findings = lint_case("03-sqlite-notes-rebuilds", RULE, tmp_path)
    assert [flagged_text(f) for f in findings] == ["DROP TABLE `shares`;"]


def test_cascade_names_the_foreign_keys_it_drops():
    sql = INIT + 'DROP TABLE "users" CASCADE;'
    [finding] = lint_sql(sql, RULE)
    assert finding.message.endswith('; CASCADE also drops the foreign keys of "sessions" that point at it')


def test_without_cascade_a_referenced_table_cannot_be_dropped():
    [finding] = lint_sql(INIT + 'DROP TABLE "users";', RULE)
    assert finding.message.endswith('; it fails while "sessions" still reference it by foreign key')


def test_each_table_of_a_multi_table_drop():
    findings = lint_sql(INIT + 'DROP TABLE "sessions", "users";', RULE)
    assert sorted(f.message.split(" ")[2] for f in findings) == ['"sessions"', '"users"']


def test_a_table_renamed_in_the_same_migration_still_holds_its_rows():
    sql = INIT + 'ALTER TABLE "sessions" RENAME TO "logins";--> statement-breakpoint\nDROP TABLE "logins";'
    [finding] = lint_sql(sql, RULE)
    assert 'DROP TABLE "logins"' in finding.message


def test_not_flagged():
    cases = [
        'CREATE TABLE "tmp" ("id" integer);--> statement-breakpoint\nDROP TABLE "tmp";',
        'DROP TABLE IF EXISTS "never_existed";',
    ]
    for case in cases:
        assert lint_sql(INIT + case, RULE) == [], case
