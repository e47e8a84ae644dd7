"""missing-primary-key: a table without a primary key."""

from __future__ import annotations

from naming_helpers import fixture_project, flagged, lint, only, project

RULE = "missing-primary-key"


def test_real_drizzle_kit_schema(tmp_path):
    findings = lint(fixture_project(tmp_path, "keys-and-names", migrations=1), RULE)
    finding = only(findings, '"auditEntry"')
    assert len(findings) == 1
    assert finding.message == (
        'table "auditEntry" has no primary key: duplicate rows cannot be told apart, and logical replication cannot '
        "replicate its updates and deletes"
    )
    assert flagged(finding) == '"auditEntry"'
    assert finding.range.path.endswith("schema.ts")
    assert "primaryKey()" in finding.help


def test_sql_only_project(tmp_path):
    findings = lint(fixture_project(tmp_path, "keys-and-names", typescript=False), RULE)
    finding = only(findings, '"auditEntry"')
    assert finding.range.path.endswith("0000_init.sql") and flagged(finding) == '"auditEntry"'
    assert "GENERATED ALWAYS AS IDENTITY" in finding.help


HEAD = 'import { pgTable, integer, text, primaryKey } from "drizzle-orm/pg-core";\n'


def test_composite_key_counts_and_a_join_table_is_told_so(tmp_path):
    ts = HEAD + '''
export const users = pgTable("users", { id: integer().primaryKey() });
export const groups = pgTable("groups", { id: integer().primaryKey() });
export const memberships = pgTable("memberships", {
  userId: integer("user_id").notNull().references(() => users.id),
  groupId: integer("group_id").notNull().references(() => groups.id),
}, (t) => [primaryKey({ columns: [t.userId, t.groupId] })]);
export const usersToGroups = pgTable("users_to_groups", {
  userId: integer("user_id").notNull().references(() => users.id),
  groupId: integer("group_id").notNull().references(() => groups.id),
});
'''
    finding = only(lint(project(tmp_path, ts), RULE), '"users_to_groups"')
    assert "join table" in finding.help and "primaryKey({ columns: [t.userId, t.groupId] })" in finding.help


def test_key_added_by_a_later_migration_counts(tmp_path):
    sql = (
        "-- 0000_init.sql\n"
        'CREATE TABLE "events" ("id" bigint NOT NULL, "name" text);\n'
        "-- 0001_key.sql\n"
        'ALTER TABLE "events" ADD PRIMARY KEY ("id");\n'
    )
    assert lint(project(tmp_path, sql=sql), RULE) == []
    assert len(lint(project(tmp_path / "without", sql=sql.split("-- 0001")[0]), RULE)) == 1


def test_unique_constraint_is_not_a_key(tmp_path):
    ts = HEAD + '\nexport const tags = pgTable("tags", { name: text().notNull().unique() });\n'
    assert len(lint(project(tmp_path, ts), RULE)) == 1
