"""drop-column: DROP COLUMN on an existing table, and a SQLite rebuild that leaves a column out."""

from __future__ import annotations

from breaking_helpers import flagged_text, lint_case, lint_sql, migration_index

RULE = "drop-column"

INIT = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text NOT NULL, "nickname" text);\n'
    "-- 0001_change.sql\n"
)


def test_real_drizzle_kit_postgres(tmp_path):
    findings = lint_case("pg-breaking", RULE, tmp_path)
    # 0001: the rename answered "create column"; 0007: the enum column removed with its enum
    assert [(migration_index(f), flagged_text(f)) for f in findings] == [
        (1, 'ALTER TABLE "users" DROP COLUMN "full_name";'),
        (7, 'ALTER TABLE "articles" DROP COLUMN "status";'),
    ]
    assert findings[0].message == (
        'DROP COLUMN "full_name" deletes "users"."full_name" and all its data; until the new code is deployed, every '
        'query of the running code that names "users"."full_name" fails'
    )
    assert "release that code first and apply this DROP only once it is live" in findings[0].help
    assert findings[0].fix is None


def test_real_drizzle_kit_sqlite_rebuild_that_leaves_a_column_out(tmp_path):
    findings = lint_case("sqlite-breaking", RULE, tmp_path)
    assert [migration_index(f) for f in findings] == [1, 3]
    rebuild = findings[1]
    # drizzle-kit wrote no DROP COLUMN: "display_name" is simply missing from `__new_users`
    assert flagged_text(rebuild) == "DROP TABLE `users`;"
    assert rebuild.message == (
        'the rebuild of "users" does not copy column "display_name" into "__new_users": dropping "users" here deletes '
        '"display_name" and all its data, and the running code that still names it fails until the new code is '
        "deployed"
    )
    [(where, note)] = rebuild.related
    with open(where.path, encoding="utf-8") as handle:
        assert handle.read()[where.start:where.end].startswith("CREATE TABLE `__new_users`")
    assert note == '"__new_users" is created without "display_name"'


def test_rebuilds_that_keep_every_column_are_not_flagged(tmp_path):
    # corpus: notes and users rebuilt (0002), note_links renamed then rebuilt (0004); 0003 drops "color" explicitly
    findings = lint_case("03-sqlite-notes-rebuilds", RULE, tmp_path)
    assert [flagged_text(f) for f in findings] == ["ALTER TABLE `notebooks` DROP COLUMN `color`;"]


def test_one_sub_command_of_a_larger_alter_table():
    sql = INIT + 'ALTER TABLE "users" ADD COLUMN "bio" text, DROP COLUMN "nickname";'
    [finding] = lint_sql(sql, RULE)
    assert flagged_text(finding, sql) == 'DROP COLUMN "nickname"'


def test_a_table_renamed_earlier_in_the_migration_still_holds_its_data():
    sql = INIT + (
        'ALTER TABLE "users" RENAME TO "accounts";--> statement-breakpoint\n'
        'ALTER TABLE "accounts" DROP COLUMN "nickname";'
    )
    [finding] = lint_sql(sql, RULE)
    assert '"accounts"."nickname"' in finding.message


def test_not_flagged():
    cases = [
        # the column was added earlier in the same migration: no data, no reader
        'ALTER TABLE "users" ADD COLUMN "tmp" text;--> statement-breakpoint\nALTER TABLE "users" DROP COLUMN "tmp";',
        # the table was created in the same migration
        'CREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "draft" text);--> statement-breakpoint\n'
        'ALTER TABLE "posts" DROP COLUMN "draft";',
        # IF EXISTS on a column that is not there drops nothing
        'ALTER TABLE "users" DROP COLUMN IF EXISTS "legacy";',
    ]
    for case in cases:
        assert lint_sql(INIT + case, RULE) == [], case
