"""drop-and-add-looks-like-rename: DROP COLUMN a + ADD COLUMN b of the same type on one table, in one migration."""

from __future__ import annotations

from breaking_helpers import fixed_file, flagged_text, lint_case, lint_sql, migration_index

from drizzle_lsp.rules.testing import build_workspace, split_migrations

RULE = "drop-and-add-looks-like-rename"

INIT = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "full_name" text NOT NULL, "age" integer);\n'
    "-- 0001_change.sql\n"
)


def test_real_drizzle_kit_default_answer_postgres(tmp_path):
    findings = lint_case("pg-breaking", RULE, tmp_path)
    assert [migration_index(f) for f in findings] == [1]  # the "rename column" answer (0002) is rename-column's
    finding = findings[0]
    assert finding.message == (
        'DROP COLUMN "full_name" and ADD COLUMN "display_name" (text) on "users" look like a rename answered '
        '"create column" at drizzle-kit\'s prompt: every value of "full_name" is lost and "display_name" starts empty; '
        "NOT NULL without a default, its ADD COLUMN even fails once the table has rows"
    )
    assert flagged_text(finding) == 'ALTER TABLE "users" DROP COLUMN "full_name";'
    assert "`displayName: text(\"full_name\")`" in finding.help  # the key as the schema file names it
    assert [flagged_text_at(finding, r) for r, _ in finding.related] == [
        'ALTER TABLE "users" ADD COLUMN "display_name" text NOT NULL;'
    ]
    assert finding.fix is not None and finding.fix.applicability == "unsafe"
    assert finding.fix.title == 'Replace with RENAME COLUMN "full_name" TO "display_name"'
    assert fixed_file(finding) == 'ALTER TABLE "users" RENAME COLUMN "full_name" TO "display_name";'


def flagged_text_at(finding, source_range) -> str:
    with open(source_range.path, encoding="utf-8") as handle:
        return handle.read()[source_range.start:source_range.end]


def test_real_drizzle_kit_default_answer_sqlite(tmp_path):
    findings = lint_case("sqlite-breaking", RULE, tmp_path)
    assert [migration_index(f) for f in findings] == [1]
    assert flagged_text(findings[0]) == "ALTER TABLE `users` DROP COLUMN `full_name`;"
    # The rename keeps the file's own quoting.
    assert fixed_file(findings[0]) == "ALTER TABLE `users` RENAME COLUMN `full_name` TO `display_name`;"


def test_columns_of_different_types_are_not_a_rename(tmp_path):
    # corpus: agents.team (text) dropped, agents.team_id (integer) added with the "create" answer
    assert lint_case("09-pg-helpdesk-enums-renames", RULE, tmp_path) == []


def test_fix_keeps_the_rest_of_the_file_byte_identical():
    sql = INIT + (
        'CREATE TABLE "teams" ("id" serial PRIMARY KEY NOT NULL);\n--> statement-breakpoint\n'
        'ALTER TABLE "users" ADD COLUMN "display_name" text NOT NULL;--> statement-breakpoint\n'
        'CREATE INDEX "users_age_idx" ON "users" USING btree ("age");--> statement-breakpoint\n'
        "-- the old name goes\n"
        'ALTER TABLE "users" DROP COLUMN "full_name";\n'
    )
    [finding] = lint_sql(sql, RULE)
    assert fixed_file(finding, sql) == (
        'CREATE TABLE "teams" ("id" serial PRIMARY KEY NOT NULL);\n--> statement-breakpoint\n'
        'ALTER TABLE "users" RENAME COLUMN "full_name" TO "display_name";--> statement-breakpoint\n'
        'CREATE INDEX "users_age_idx" ON "users" USING btree ("age");\n'
    )


def test_fix_when_the_drop_comes_first():
    sql = INIT + (
        'ALTER TABLE "users" DROP COLUMN "full_name";--> statement-breakpoint\n'
        'ALTER TABLE "users" ADD COLUMN "age2" integer;--> statement-breakpoint\n'
        'ALTER TABLE "users" ADD COLUMN "display_name" text NOT NULL;'
    )
    [finding] = lint_sql(sql, RULE)
    assert fixed_file(finding, sql) == (
        'ALTER TABLE "users" RENAME COLUMN "full_name" TO "display_name";--> statement-breakpoint\n'
        'ALTER TABLE "users" ADD COLUMN "age2" integer;'
    )


def test_fix_gives_the_renamed_column_the_new_nullability_and_default():
    sql = INIT + (
        "ALTER TABLE \"users\" ADD COLUMN \"display_name\" text DEFAULT 'anon';--> statement-breakpoint\n"
        'ALTER TABLE "users" DROP COLUMN "full_name";'
    )
    [finding] = lint_sql(sql, RULE)
    assert fixed_file(finding, sql) == (
        'ALTER TABLE "users" RENAME COLUMN "full_name" TO "display_name";--> statement-breakpoint\n'
        'ALTER TABLE "users" ALTER COLUMN "display_name" DROP NOT NULL;--> statement-breakpoint\n'
        "ALTER TABLE \"users\" ALTER COLUMN \"display_name\" SET DEFAULT 'anon';"
    )


def test_fixed_migration_replays_to_the_same_columns():
    sql = INIT + (
        'ALTER TABLE "users" ADD COLUMN "display_name" text;--> statement-breakpoint\n'
        'ALTER TABLE "users" DROP COLUMN "full_name";'
    )
    [finding] = lint_sql(sql, RULE)
    migrations = split_migrations(sql)
    fixed = migrations[:-1] + [(migrations[-1][0], fixed_file(finding, sql))]

    def columns(snippets):
        replay = build_workspace(sql=snippets).projects[0].replay
        table = replay.final.table("users")
        return sorted((c.name, c.type, c.not_null, c.default) for c in table.columns.values())

    assert columns(fixed) == columns(migrations)


def test_sqlite_nullability_difference_is_flagged_without_a_fix():
    sql = (
        "-- 0000_init.sql\nCREATE TABLE `users` (`id` integer PRIMARY KEY NOT NULL, `full_name` text);\n"
        "-- 0001_change.sql\n"
        "ALTER TABLE `users` ADD `display_name` text NOT NULL DEFAULT '';--> statement-breakpoint\n"
        "ALTER TABLE `users` DROP COLUMN `full_name`;"
    )
    [finding] = lint_sql(sql, RULE, dialect="sqlite")
    assert finding.fix is None  # SQLite cannot change a column's nullability in place


def test_ambiguous_pairs_are_flagged_without_a_fix():
    sql = (
        "-- 0000_init.sql\n"
        'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "first" text, "last" text);\n'
        "-- 0001_change.sql\n"
        'ALTER TABLE "users" ADD COLUMN "given_name" text;--> statement-breakpoint\n'
        'ALTER TABLE "users" ADD COLUMN "family_name" text;--> statement-breakpoint\n'
        'ALTER TABLE "users" DROP COLUMN "first";--> statement-breakpoint\n'
        'ALTER TABLE "users" DROP COLUMN "last";'
    )
    findings = lint_sql(sql, RULE)
    assert len(findings) == 2
    assert all(f.fix is None for f in findings)
    assert 'ADD COLUMN "given_name" or "family_name"' in findings[0].message


def test_one_statement_pair_is_flagged_without_a_fix():
    sql = INIT + 'ALTER TABLE "users" ADD COLUMN "display_name" text NOT NULL, DROP COLUMN "full_name";'
    [finding] = lint_sql(sql, RULE)
    assert flagged_text(finding, sql) == 'DROP COLUMN "full_name"'
    assert finding.fix is None


def test_inline_constraint_on_the_new_column_means_no_fix():
    sql = INIT + (
        'ALTER TABLE "users" ADD COLUMN "display_name" text NOT NULL UNIQUE;--> statement-breakpoint\n'
        'ALTER TABLE "users" DROP COLUMN "full_name";'
    )
    [finding] = lint_sql(sql, RULE)
    assert finding.fix is None


def test_not_flagged():
    cases = [
        # a table created in the same migration holds no data
        'CREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "a" text);--> statement-breakpoint\n'
        'ALTER TABLE "posts" ADD COLUMN "b" text;--> statement-breakpoint\n'
        'ALTER TABLE "posts" DROP COLUMN "a";',
        # different types
        'ALTER TABLE "users" ADD COLUMN "display_name" varchar(100);--> statement-breakpoint\n'
        'ALTER TABLE "users" DROP COLUMN "full_name";',
        # different tables
        'CREATE TABLE "profiles" ("id" serial PRIMARY KEY NOT NULL);--> statement-breakpoint\n'
        'ALTER TABLE "profiles" ADD COLUMN "display_name" text;--> statement-breakpoint\n'
        'ALTER TABLE "users" DROP COLUMN "full_name";',
        # the data is copied on purpose before the drop
        'ALTER TABLE "users" ADD COLUMN "display_name" text;--> statement-breakpoint\n'
        'UPDATE "users" SET "display_name" = "full_name";--> statement-breakpoint\n'
        'ALTER TABLE "users" DROP COLUMN "full_name";',
    ]
    for case in cases:
        assert lint_sql(INIT + case, RULE) == [], case


def test_enum_columns_compare_by_enum():
    init = (
        "-- 0000_init.sql\n"
        "CREATE TYPE \"public\".\"mood\" AS ENUM('a', 'b');--> statement-breakpoint\n"
        "CREATE TYPE \"public\".\"tone\" AS ENUM('a', 'b');--> statement-breakpoint\n"
        'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "mood" "mood");\n'
        "-- 0001_change.sql\n"
    )
    drop = '--> statement-breakpoint\nALTER TABLE "users" DROP COLUMN "mood";'
    same = 'ALTER TABLE "users" ADD COLUMN "feeling" "mood";' + drop
    other = 'ALTER TABLE "users" ADD COLUMN "feeling" "tone";' + drop
    assert len(lint_sql(init + same, RULE)) == 1
    assert lint_sql(init + other, RULE) == []
