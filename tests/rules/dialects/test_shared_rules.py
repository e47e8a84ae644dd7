"""Rules that apply to every dialect, run on the SQL drizzle-kit writes for SQLite and MySQL."""

from __future__ import annotations

import pytest

from drizzle_lsp.rules.testing import assert_clean, assert_flags, lint_memory

from .dialect_helpers import copy_corpus, lint, only

_CHANGES = {
    "sqlite": """-- 0000_init.sql
CREATE TABLE `users` (`id` integer PRIMARY KEY NOT NULL, `full_name` text, `email` text);
--> statement-breakpoint
CREATE TABLE `logs` (`id` integer PRIMARY KEY NOT NULL, `msg` text);
-- 0001_changes.sql
ALTER TABLE `users` ADD `display_name` text;--> statement-breakpoint
ALTER TABLE `users` DROP COLUMN `full_name`;--> statement-breakpoint
ALTER TABLE `users` RENAME COLUMN `email` TO `email_address`;--> statement-breakpoint
ALTER TABLE `logs` RENAME TO `audit_logs`;--> statement-breakpoint
CREATE TABLE `users` (`id` integer);--> statement-breakpoint
ALTER TABLE `ghosts` ADD `x` integer;
""",
    "mysql": """-- 0000_init.sql
CREATE TABLE `users` (`id` serial AUTO_INCREMENT NOT NULL, `full_name` varchar(100), `email` varchar(100), CONSTRAINT `users_id` PRIMARY KEY(`id`));
--> statement-breakpoint
CREATE TABLE `logs` (`id` serial AUTO_INCREMENT NOT NULL, `msg` text, CONSTRAINT `logs_id` PRIMARY KEY(`id`));
-- 0001_changes.sql
ALTER TABLE `users` ADD `display_name` varchar(100);--> statement-breakpoint
ALTER TABLE `users` DROP COLUMN `full_name`;--> statement-breakpoint
ALTER TABLE `users` RENAME COLUMN `email` TO `email_address`;--> statement-breakpoint
RENAME TABLE `logs` TO `audit_logs`;--> statement-breakpoint
CREATE TABLE `users` (`id` int);--> statement-breakpoint
ALTER TABLE `ghosts` ADD `x` int;
""",
}


@pytest.mark.parametrize("dialect", ["sqlite", "mysql"])
@pytest.mark.parametrize("rule, fragment", [
    ("drop-and-add-looks-like-rename", '"full_name"'),
    ("drop-column", '"full_name"'),
    ("rename-column", '"email_address"'),
    ("rename-table", '"audit_logs"'),
    ("object-already-exists", '"users"'),
    ("reference-to-missing-object", '"ghosts"'),
])
def test_breaking_and_integrity_rules(dialect, rule, fragment):
    assert_flags(lint_memory(sql=_CHANGES[dialect], dialect=dialect), rule, message_contains=fragment)


_INDEXES = """CREATE TABLE `users` (`id` integer PRIMARY KEY NOT NULL, `full_name` text, `email` varchar(100));
--> statement-breakpoint
CREATE INDEX `users_email_idx` ON `users` (`email`);--> statement-breakpoint
CREATE INDEX `users_email_name_idx` ON `users` (`email`,`full_name`);"""


@pytest.mark.parametrize("dialect", ["sqlite", "mysql"])
def test_duplicate_index(dialect):
    assert_flags(lint_memory(sql=_INDEXES, dialect=dialect), "duplicate-index", message_contains="users_email_idx")
    distinct = _INDEXES.replace("(`email`,`full_name`)", "(`full_name`,`email`)")
    assert_clean(lint_memory(sql=distinct, dialect=dialect), "duplicate-index")


def test_sqlite_rebuilds_are_not_drops_or_renames(tmp_path):
    # corpus 03 rebuilds tables in steps 3 to 5; only the real table rename and drop of step 5 are flagged
    findings = lint(copy_corpus("03-sqlite-notes-rebuilds", tmp_path))
    assert len(only(findings, "drop-table")) == 1 and len(only(findings, "rename-table")) == 1
    assert all("__new_" not in f.message for f in only(findings, "drop-table") + only(findings, "rename-table"))


def test_sqlite_foreign_keys_need_their_own_index():
    ts = """import { sqliteTable, integer, text, index } from "drizzle-orm/sqlite-core";
export const users = sqliteTable("users", { id: integer().primaryKey() });
export const posts = sqliteTable("posts", { id: integer().primaryKey(), authorId: integer("author_id").references(() => users.id) }%s);
"""
    assert_flags(lint_memory(ts=ts % "", dialect="sqlite"), "foreign-key-without-index")
    indexed = ts % ', (t) => [index("posts_author_id_idx").on(t.authorId)]'
    assert_clean(lint_memory(ts=indexed, dialect="sqlite"), "foreign-key-without-index")


@pytest.mark.parametrize("case, dialect", [
    ("03-sqlite-notes-rebuilds", "sqlite"), ("07-sqlite-d1-better-auth-no-breakpoints", "sqlite"),
    ("13-sqlite-d1-wrangler-cascade", "sqlite"), ("04-mysql-shop", "mysql"),
    ("11-mysql-events-no-breakpoints", "mysql"), ("14-mysql-crm-catalogue", "mysql"),
])
def test_postgres_only_rules_stay_silent_on_the_corpus(tmp_path, case, dialect):
    from drizzle_lsp.rules.registry import all_rules

    by_name = {rule.name: rule for rule in all_rules()}
    findings = lint(copy_corpus(case, tmp_path))
    assert findings, "the case breaks at least one rule"
    for finding in findings:
        rule = by_name.get(finding.rule)
        assert rule is None or rule.applies_to(dialect), (finding.rule, finding.message)
        assert finding.rule not in ("internal-error", "syntax-error"), finding.message


_MIXED_CASING = {
    "sqlite": ('import { sqliteTable as table, integer as key, text } from "drizzle-orm/sqlite-core";', "key().primaryKey()"),
    "mysql": ('import { mysqlTable as table, serial as key, text } from "drizzle-orm/mysql-core";', "key().primaryKey()"),
}


@pytest.mark.parametrize("dialect", ["sqlite", "mysql"])
def test_casing_mismatch(dialect):
    imports, pk = _MIXED_CASING[dialect]
    mixed = f"""{imports}
export const people = table("people", {{
  id: {pk},
  firstName: text(),
  middleName: text(),
  lastName: text("last_name"),
  nickName: text("nick_name"),
  birthPlace: text("birth_place"),
}});
"""
    assert_flags(lint_memory(ts=mixed, dialect=dialect), "casing-mismatch", message_contains='"people"."firstName"')
    consistent = mixed.replace("firstName: text()", 'firstName: text("first_name")').replace(
        "middleName: text()", 'middleName: text("middle_name")')
    assert_clean(lint_memory(ts=consistent, dialect=dialect), "casing-mismatch")
