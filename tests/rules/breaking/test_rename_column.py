"""rename-column: RENAME COLUMN on an existing table."""

from __future__ import annotations

from breaking_helpers import flagged_text, lint_case, lint_sql, migration_index

RULE = "rename-column"

INIT = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" varchar(255) NOT NULL);\n'
    "-- 0001_change.sql\n"
)


def test_real_drizzle_kit_rename_answer(tmp_path):
    [finding] = lint_case("pg-breaking", RULE, tmp_path)
    assert migration_index(finding) == 2
    assert flagged_text(finding) == 'ALTER TABLE "users" RENAME COLUMN "email" TO "contact_email";'
    assert finding.message == (
        'RENAME COLUMN "email" TO "contact_email" on "users": the code deployed before this migration still names '
        '"email", so its queries of "users" fail until the new code is live'
    )
    # the schema file's key for the column, with the old database name
    assert 'rename only the TypeScript key (`contactEmail: text("email")`)' in finding.help
    assert "drizzle-kit drop" in finding.help and "expand and contract" in finding.help


def test_real_drizzle_kit_sqlite(tmp_path):
    [finding] = lint_case("03-sqlite-notes-rebuilds", RULE, tmp_path)
    assert flagged_text(finding) == 'ALTER TABLE `notebooks` RENAME COLUMN "sort_order" TO "position";'
    assert '`position: real("sort_order")`' in finding.help


def test_help_without_a_schema_file_guesses_the_builder_from_the_type():
    [finding] = lint_sql(INIT + 'ALTER TABLE "users" RENAME COLUMN "email" TO "contact_email";', RULE)
    assert '`contactEmail: varchar("email")`' in finding.help


def test_not_flagged():
    cases = [
        'ALTER TABLE "users" ADD COLUMN "tmp" text;--> statement-breakpoint\n'
        'ALTER TABLE "users" RENAME COLUMN "tmp" TO "bio";',
        'CREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "t" text);--> statement-breakpoint\n'
        'ALTER TABLE "posts" RENAME COLUMN "t" TO "title";',
    ]
    for case in cases:
        assert lint_sql(INIT + case, RULE) == [], case
