"""prefer-text: varchar(n) and char(n) on PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest
from types_helpers import by_column, case_root, fixed, fixed_together, flagged, lint, lint_ts, migration_text

RULE = "prefer-text"
CASE = "pg-types-fixed"


def test_real_schema_flags_limited_strings_and_keeps_the_other_options(tmp_path):
    root = case_root(tmp_path, CASE, step=1, migrations=1)
    findings = lint(root, RULE)
    assert len(findings) == 3

    email = by_column(findings, '"organization_memberships"."email"')
    assert email.message == ('column "organization_memberships"."email" is `varchar(255)`: the length is only a check '
                             "(same storage as text) and longer values fail at run time")
    assert flagged(email) == 'varchar("email", { length: 255 })'
    assert '  email: text("email").notNull(),\n' in fixed(email)
    assert email.fix.applicability == "unsafe"  # longer values stop being rejected
    assert "binary-coercible: no rewrite" in email.help  # existing column, varchar -> text

    code = by_column(findings, '"country_code"')
    assert "char pads values with spaces" in code.message
    assert '  countryCode: text("country_code"),\n' in fixed(code)
    assert "rewrites the table" in code.help  # char -> text is not binary-coercible

    note = by_column(findings, '"note"')
    assert '  note: text({ enum: ["pending", "sent"] }),\n' in fixed(note)


def test_fixes_together_give_what_drizzle_kit_turned_into_text(tmp_path):
    root = case_root(tmp_path, CASE, step=1, migrations=1)
    text = fixed_together(lint(root, RULE), f"{root}/schema/schema.ts")
    for line in ('  email: text("email").notNull(),', '  countryCode: text("country_code"),',
                 '  note: text({ enum: ["pending", "sent"] }),'):
        assert line in text
    assert text.startswith('import { pgTable, serial, bigserial, integer, text, varchar, char, json, index } from')
    migration = migration_text(case_root(tmp_path, CASE), 1)
    assert 'ALTER TABLE "organization_memberships" ALTER COLUMN "email" SET DATA TYPE text;' in migration
    assert 'ALTER TABLE "organization_memberships" ALTER COLUMN "country_code" SET DATA TYPE text;' in migration
    assert 'ALTER TABLE "organization_membership_invitations" ALTER COLUMN "note" SET DATA TYPE text;' in migration


@pytest.mark.parametrize("written, expected", [
    ("varchar({ length: 255 })", "text()"),
    ("varchar('name', { length: 255 })", "text('name')"),
    ("varchar({ enum: ['a', 'b'], length: 10 })", "text({ enum: ['a', 'b'] })"),
    ("char()", "text()"),
    ("varchar({ length: 50 }).array()", "text().array()"),
])
def test_fix_variants(tmp_path, written, expected):
    ts = ('import { pgTable, text, varchar, char } from "drizzle-orm/pg-core";\n\n'
          f'export const things = pgTable("things", {{\n  v: {written},\n}});\n')
    [finding] = lint_ts(tmp_path, RULE, ts)
    assert f"  v: {expected},\n" in fixed(finding)


def test_not_flagged(tmp_path):
    ts = ('import { pgTable, text, varchar } from "drizzle-orm/pg-core";\n\n'
          'export const things = pgTable("things", {\n  a: text(),\n  b: varchar(),\n});\n')
    assert lint_ts(tmp_path, RULE, ts) == []
    mysql = ('import { mysqlTable, varchar, char } from "drizzle-orm/mysql-core";\n\n'
             'export const things = mysqlTable("things", {\n  a: varchar({ length: 255 }),\n  b: char({ length: 2 }),\n});\n')
    assert lint_ts(tmp_path, RULE, mysql, dialect="mysql") == []


def test_sql_only_project(tmp_path):
    findings = lint(case_root(tmp_path, CASE, migrations=1, typescript=False), RULE)
    assert sorted(flagged(f) for f in findings) == ["char(2)", "varchar(255)", "varchar(500)"]
    email = [f for f in findings if flagged(f) == "varchar(255)"][0]
    assert '"email" text NOT NULL,' in fixed(email)
    assert lint(case_root(tmp_path, CASE, typescript=False), RULE) == []


def test_hand_written_alter_to_a_limited_type(tmp_path):
    sql = ('-- 0000_init.sql\nCREATE TABLE "notes" ("body" text);\n'
           '-- 0001_limit.sql\nALTER TABLE "notes" ALTER COLUMN "body" SET DATA TYPE character varying(100)[];\n')
    from drizzle_lsp.rules.testing import write_project

    write_project(str(tmp_path / "p"), sql=sql)
    [finding] = lint(str(tmp_path / "p"), RULE)
    assert 'SET DATA TYPE text[];' in fixed(finding)


def test_the_claims_on_postgres(pg):
    pg.execute('CREATE TABLE "t" ("v" varchar(3), "c" char(5))')
    with pytest.raises(psycopg.errors.StringDataRightTruncation, match=r"value too long for type character varying\(3\)"):
        pg.execute("""INSERT INTO "t" ("v") VALUES ('abcd')""")
    # char(n): padded, trailing spaces ignored in comparisons and dropped when cast to text
    pg.execute("""INSERT INTO "t" ("c") VALUES ('ab')""")
    assert pg.execute("""SELECT octet_length("c"), "c" = 'ab   ', "c"::text FROM "t" WHERE "c" IS NOT NULL""").fetchone() \
        == (5, True, "ab")
