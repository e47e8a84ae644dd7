"""truncate: TRUNCATE of an existing table (drizzle-kit never emits it: every case is hand-written)."""

from __future__ import annotations

from breaking_helpers import flagged_text, lint_sql

RULE = "truncate"

INIT = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL);--> statement-breakpoint\n'
    'CREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "user_id" integer REFERENCES "users"("id"));'
    "--> statement-breakpoint\n"
    'CREATE TABLE "comments" ("id" serial PRIMARY KEY NOT NULL, "post_id" integer REFERENCES "posts"("id"));'
    "--> statement-breakpoint\n"
    'CREATE TABLE "tags" ("id" serial PRIMARY KEY NOT NULL);\n'
    "-- 0001_change.sql\n"
)


def test_flags_truncate_with_the_lock_it_takes():
    sql = INIT + 'TRUNCATE "tags";'
    [finding] = lint_sql(sql, RULE)
    assert flagged_text(finding, sql) == 'TRUNCATE "tags";'
    assert finding.message == (
        'TRUNCATE "tags" deletes every row of "tags", with no undo, under an ACCESS EXCLUSIVE lock that blocks its '
        "reads and writes until the transaction ends"
    )
    assert "DELETE with a WHERE clause" in finding.help


def test_cascade_names_every_table_it_empties():
    [finding] = lint_sql(INIT + 'TRUNCATE TABLE "users" CASCADE;', RULE)
    assert finding.message.endswith('; CASCADE also empties "comments", "posts"')


def test_each_table_of_a_multi_table_truncate():
    findings = lint_sql(INIT + 'TRUNCATE "tags", "comments";', RULE)
    assert sorted(f.message.split(" ")[1] for f in findings) == ['"comments"', '"tags"']


def test_mysql_message_names_no_postgres_lock():
    sql = "-- 0000_init.sql\nCREATE TABLE `tags` (`id` int PRIMARY KEY);\n-- 0001_change.sql\nTRUNCATE TABLE `tags`;"
    [finding] = lint_sql(sql, RULE, dialect="mysql")
    assert finding.message == 'TRUNCATE "tags" deletes every row of "tags", with no undo'


def test_not_flagged():
    cases = [
        'CREATE TABLE "staging" ("id" integer);--> statement-breakpoint\nTRUNCATE "staging";',
        "DELETE FROM \"tags\" WHERE \"id\" > 100;",
    ]
    for case in cases:
        assert lint_sql(INIT + case, RULE) == [], case
