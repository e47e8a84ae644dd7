"""rename-table: ALTER TABLE … RENAME TO (and MySQL's RENAME TABLE) of an existing table, never the SQLite rebuild."""

from __future__ import annotations

from breaking_helpers import flagged_text, lint_case, lint_sql, migration_index

RULE = "rename-table"


def test_real_drizzle_kit_rename_answer(tmp_path):
    [finding] = lint_case("pg-breaking", RULE, tmp_path)
    assert migration_index(finding) == 3
    assert flagged_text(finding) == 'ALTER TABLE "posts" RENAME TO "articles";'
    assert finding.message == (
        'renaming "posts" to "articles": the code deployed before this migration still queries "posts", and every '
        "such query fails until the new code is live"
    )
    # the schema file exports the table as `posts` under its new database name
    assert '`export const posts = pgTable("posts", { … })`' in finding.help
    assert '`CREATE VIEW "posts" AS SELECT * FROM "articles";`' in finding.help


def test_real_drizzle_kit_sqlite_rebuild_renames_are_not_flagged(tmp_path):
    # corpus 03: note_links renamed to backlinks (flagged), then three `__new_x` rebuild renames (not flagged)
    findings = lint_case("03-sqlite-notes-rebuilds", RULE, tmp_path)
    assert [flagged_text(f) for f in findings] == ["ALTER TABLE `note_links` RENAME TO `backlinks`;"]
    assert "CREATE VIEW" not in findings[0].help  # PostgreSQL-only advice
    assert lint_case("sqlite-breaking", RULE, tmp_path) == []


def test_mysql_rename_table_statement():
    sql = (
        "-- 0000_init.sql\nCREATE TABLE `posts` (`id` int PRIMARY KEY);\n"
        "-- 0001_change.sql\nRENAME TABLE `posts` TO `articles`;"
    )
    [finding] = lint_sql(sql, RULE, dialect="mysql")
    assert finding.message.startswith('renaming "posts" to "articles"')
    assert 'mysqlTable("posts"' in finding.help


def test_schema_qualified_view_advice():
    sql = (
        '-- 0000_init.sql\nCREATE SCHEMA "blog";--> statement-breakpoint\n'
        'CREATE TABLE "blog"."posts" ("id" serial PRIMARY KEY NOT NULL);\n'
        '-- 0001_change.sql\nALTER TABLE "blog"."posts" RENAME TO "articles";'
    )
    [finding] = lint_sql(sql, RULE)
    assert '`CREATE VIEW "blog"."posts" AS SELECT * FROM "blog"."articles";`' in finding.help


def test_not_flagged():
    sql = (
        '-- 0000_init.sql\nCREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL);\n'
        '-- 0001_change.sql\nCREATE TABLE "tmp" ("id" integer);--> statement-breakpoint\n'
        'ALTER TABLE "tmp" RENAME TO "staging";'
    )
    assert lint_sql(sql, RULE) == []
