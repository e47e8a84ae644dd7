"""prefer-bigint-primary-key: 32-bit keys and the columns referencing them."""

from __future__ import annotations

import psycopg
import pytest
from types_helpers import by_column, case_root, fixed, flagged, lint, lint_ts

RULE = "prefer-bigint-primary-key"
CASE = "pg-types-fixed"


def test_real_schema_flags_the_integer_keys_and_the_reference_to_one(tmp_path):
    findings = lint(case_root(tmp_path, CASE, step=1, migrations=1), RULE)
    # the bigserial key of the invitations is not flagged; the integer column referencing a serial key is
    assert sorted(f.message for f in findings) == [
        'column "organization_membership_invitations"."organization_membership_id" is `integer` and references the '
        'integer primary key "organization_memberships"."id": both overflow at 2,147,483,647',
        'primary key column "audit_events"."id" is `serial`: inserts fail once ids pass 2,147,483,647',
        'primary key column "organization_memberships"."id" is `serial`: inserts fail once ids pass 2,147,483,647',
    ]
    assert all(f.fix.applicability == "suggestion" for f in findings)
    assert all("ACCESS EXCLUSIVE" in f.help for f in findings)  # existing tables: the type change rewrites them

    key = by_column(findings, 'primary key column "organization_memberships"."id"')
    assert '  id: bigserial({ mode: "number" }).primaryKey(),\n' in fixed(key)

    reference = by_column(findings, '"organization_membership_id"')
    assert flagged(reference) == 'integer("organization_membership_id")'
    text = fixed(reference)
    assert '  organizationMembershipId: bigint("organization_membership_id", { mode: "number" })\n' in text
    assert text.startswith("import { bigint, pgTable, ")  # imported where it was missing

    callback = by_column(findings, '"audit_events"."id"')
    assert '  id: t.bigserial({ mode: "number" }).primaryKey(),\n' in fixed(callback)


@pytest.mark.parametrize("written, expected", [
    ("integer().primaryKey().generatedAlwaysAsIdentity()",
     'bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity()'),
    ('integer("id").primaryKey()', 'bigint("id", { mode: "number" }).primaryKey()'),
    ("smallint().primaryKey()", 'bigint({ mode: "number" }).primaryKey()'),
    ("smallserial().primaryKey()", 'bigserial({ mode: "number" }).primaryKey()'),
])
def test_fix_variants(tmp_path, written, expected):
    ts = ('import { pgTable, bigint, bigserial, integer, smallint, smallserial } from "drizzle-orm/pg-core";\n\n'
          f'export const things = pgTable("things", {{\n  id: {written},\n}});\n')
    [finding] = lint_ts(tmp_path, RULE, ts)
    assert f"  id: {expected},\n" in fixed(finding)


def test_smallint_key_names_its_own_limit(tmp_path):
    ts = ('import { pgTable, smallint } from "drizzle-orm/pg-core";\n\n'
          'export const things = pgTable("things", {\n  id: smallint().primaryKey(),\n});\n')
    [finding] = lint_ts(tmp_path, RULE, ts)
    assert finding.message == 'primary key column "things"."id" is `smallint`: inserts fail once ids pass 32,767'
    assert "ACCESS EXCLUSIVE" not in finding.help  # no migration creates it yet


def test_single_column_primary_key_declared_in_the_table_config(tmp_path):
    ts = ('import { pgTable, integer, primaryKey } from "drizzle-orm/pg-core";\n\n'
          'export const things = pgTable("things", {\n  id: integer().notNull(),\n}, (t) => [primaryKey({ columns: [t.id] })]);\n')
    [finding] = lint_ts(tmp_path, RULE, ts)
    assert finding.message.startswith('primary key column "things"."id" is `integer`')


def test_not_flagged(tmp_path):
    ts = ('import { pgTable, bigint, integer, primaryKey } from "drizzle-orm/pg-core";\n\n'
          'export const users = pgTable("users", {\n'
          '  id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),\n'
          '  age: integer(),\n'
          '});\n'
          'export const groups = pgTable("groups", {\n'
          '  id: bigint({ mode: "number" }).primaryKey(),\n'
          '  position: integer().notNull(),\n'
          # an integer referencing a bigint key is a type mismatch (foreign-key-type-mismatch), not this rule
          '  ownerId: integer("owner_id").references(() => users.id),\n'
          '});\n'
          'export const memberships = pgTable("memberships", {\n'
          '  userId: bigint("user_id", { mode: "number" }).notNull(),\n'
          '  rank: integer().notNull(),\n'
          '}, (t) => [primaryKey({ columns: [t.userId, t.rank] })]);\n')
    assert lint_ts(tmp_path, RULE, ts) == []


def test_sql_only_project_judges_keys_and_references_as_the_history_leaves_them(tmp_path):
    findings = lint(case_root(tmp_path, CASE, migrations=1, typescript=False), RULE)
    # the reference is added by a later ALTER TABLE of the same migration, and still found
    assert sorted(flagged(f) for f in findings) == ["integer", "serial", "serial"]
    reference = [f for f in findings if flagged(f) == "integer"][0]
    assert '"organization_membership_id" bigint NOT NULL,' in fixed(reference)
    key = by_column(findings, '"audit_events"."id"')
    assert '"id" bigserial PRIMARY KEY NOT NULL,' in fixed(key)
    assert key.fix.applicability == "suggestion"
    # 0001 widened the keys: nothing left
    assert lint(case_root(tmp_path, CASE, typescript=False), RULE) == []


def test_the_overflow_on_postgres(pg):
    pg.execute('CREATE TABLE "t" ("id" integer GENERATED ALWAYS AS IDENTITY (START WITH 2147483647) PRIMARY KEY)')
    pg.execute('INSERT INTO "t" DEFAULT VALUES')
    with pytest.raises(psycopg.errors.SequenceGeneratorLimitExceeded, match="reached maximum value"):
        pg.execute('INSERT INTO "t" DEFAULT VALUES')
    pg.execute('CREATE TABLE "s" ("id" serial PRIMARY KEY)')
    pg.execute("""SELECT setval('"s_id_seq"', 2147483647)""")
    with pytest.raises(psycopg.errors.SequenceGeneratorLimitExceeded):
        pg.execute('INSERT INTO "s" DEFAULT VALUES')
