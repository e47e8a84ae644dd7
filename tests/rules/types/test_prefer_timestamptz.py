"""prefer-timestamptz: `timestamp` without time zone, fixed in the schema (or in SQL the schema does not describe)."""

from __future__ import annotations

import os

import pytest
from types_helpers import (
    by_column, case_root, fixed, fixed_together, flagged, lint, lint_ts, migration_text, step_file,
)

RULE = "prefer-timestamptz"
CASE = "pg-types-fixed"


def test_real_schema_flags_each_definition_once_and_the_fix_adds_with_timezone(tmp_path):
    # step 1 of the case with its migration 0000 applied: every column already exists
    root = case_root(tmp_path, CASE, step=1, migrations=1)
    findings = lint(root, RULE)
    assert len(findings) == 3
    shared = by_column(findings, 'column "created_at"')
    # the spread `...timestamps` is one definition in columns.ts: reported once, naming every table using it
    assert shared.message == (
        'column "created_at" (shared by "organization_memberships", "organization_membership_invitations") is '
        "`timestamp` without time zone: it stores a wall-clock time, not an instant"
    )
    assert flagged(shared) == 'timestamp("created_at")'
    assert shared.range.path.endswith(os.path.join("schema", "columns.ts"))
    assert 'createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),' in fixed(shared)
    # existing column: the generated ALTER rewrites the table unless TimeZone is UTC, and converts the values
    assert shared.fix.applicability == "unsafe"
    assert "rewrites the table under an ACCESS EXCLUSIVE lock unless the session TimeZone is UTC" in shared.help
    assert "SET LOCAL TimeZone = 'UTC';" in shared.help

    string_mode = by_column(findings, '"updated_at"')
    assert ('updatedAt: timestamp("updated_at", { mode: "string", precision: 3, withTimezone: true }),'
            in fixed(string_mode))

    callback = by_column(findings, '"audit_events"."seen_at"')
    assert flagged(callback) == 't.timestamp("seen_at", { withTimezone: false })'
    assert 'seenAt: t.timestamp("seen_at", { withTimezone: true }),' in fixed(callback)


def test_fixed_file_is_the_one_drizzle_kit_turned_into_timestamptz(tmp_path):
    root = case_root(tmp_path, CASE, step=1, migrations=1)
    columns = os.path.join(root, "schema", "columns.ts")
    # both fixes in columns.ts applied together give step 2 of the case, the file drizzle-kit generated 0001 from
    assert fixed_together(lint(root, RULE), columns) == step_file(CASE, 2, "columns.ts")
    migration = migration_text(case_root(tmp_path, CASE), 1)
    assert ('ALTER TABLE "organization_memberships" ALTER COLUMN "created_at" SET DATA TYPE timestamp with time zone;'
            in migration)
    assert ('ALTER TABLE "organization_membership_invitations" ALTER COLUMN "updated_at" SET DATA TYPE timestamp(3) '
            "with time zone;" in migration)
    assert 'ALTER TABLE "audit_events" ALTER COLUMN "seen_at" SET DATA TYPE timestamp with time zone;' in migration


def test_new_columns_get_a_safe_fix_except_in_string_mode(tmp_path):
    root = case_root(tmp_path, CASE, step=1, migrations=0)
    findings = lint(root, RULE)
    assert by_column(findings, 'column "created_at"').fix.applicability == "safe"
    assert "creates it as timestamptz" in by_column(findings, 'column "created_at"').help
    # mode 'string': the strings drizzle returns would gain an offset, so never applied silently
    assert by_column(findings, '"updated_at"').fix.applicability == "unsafe"


def test_the_fixed_project_has_no_finding_on_either_side(tmp_path):
    # final schema + all migrations: the TypeScript is right, and the SQL of 0000 is not reported again because the
    # schema declares those columns (and 0001 changed them anyway)
    assert lint(case_root(tmp_path, CASE), RULE) == []


def test_sql_only_project_is_flagged_in_the_migration_until_a_later_one_fixes_it(tmp_path):
    root = case_root(tmp_path, CASE, migrations=1, typescript=False)
    findings = lint(root, RULE)
    assert sorted(flagged(f) for f in findings) == ["timestamp", "timestamp", "timestamp", "timestamp(3)",
                                                     "timestamp(3)"]
    seen = by_column(findings, '"audit_events"."seen_at"')
    assert seen.fix.applicability == "unsafe"
    assert '"seen_at" timestamp with time zone\n' in fixed(seen)
    precise = [f for f in findings if flagged(f) == "timestamp(3)"][0]
    assert '"updated_at" timestamp(3) with time zone\n' in fixed(precise)
    # with migration 0001 (which changed every column to timestamptz) there is nothing left to fix
    assert lint(case_root(tmp_path, CASE, typescript=False), RULE) == []


def test_sql_column_the_schema_does_not_declare(tmp_path):
    ts = ('import { pgTable, bigint } from "drizzle-orm/pg-core";\n\n'
          'export const orders = pgTable("orders", {\n  id: bigint({ mode: "number" }).primaryKey(),\n});\n')
    sql = ('-- 0000_init.sql\nCREATE TABLE "orders" ("id" bigint PRIMARY KEY NOT NULL);\n'
           '-- 0001_custom.sql\nALTER TABLE "orders" ADD COLUMN "shipped_at" timestamp without time zone;\n'
           'ALTER TABLE "orders" ADD COLUMN "paid_at" timestamptz;\n')
    [finding] = lint_ts(tmp_path, RULE, ts, sql=sql)
    assert finding.message == ('column "orders"."shipped_at" is `timestamp` without time zone: it stores a '
                               "wall-clock time, not an instant")
    assert flagged(finding) == "timestamp without time zone"
    assert 'ADD COLUMN "shipped_at" timestamp with time zone;' in fixed(finding)


@pytest.mark.parametrize("written, expected", [
    ("timestamp()", "timestamp({ withTimezone: true })"),
    ('timestamp("at")', 'timestamp("at", { withTimezone: true })'),
    ("timestamp({ mode: 'date' })", "timestamp({ mode: 'date', withTimezone: true })"),
    ("timestamp({ withTimezone: false })", "timestamp({ withTimezone: true })"),
    ('timestamp("at", {})', 'timestamp("at", { withTimezone: true })'),
    ("timestamp({\n    precision: 6,\n  })", "timestamp({\n    precision: 6, withTimezone: true,\n  })"),
    ("timestamp().array()", "timestamp({ withTimezone: true }).array()"),
])
def test_fix_edits_the_builder_options(tmp_path, written, expected):
    ts = ('import { pgTable, timestamp } from "drizzle-orm/pg-core";\n\n'
          f'export const events = pgTable("events", {{\n  at: {written},\n}});\n')
    [finding] = lint_ts(tmp_path, RULE, ts)
    assert finding.fix.applicability == "safe"
    assert f"  at: {expected},\n" in fixed(finding)


def test_options_held_in_a_variable_are_flagged_without_a_guessed_edit(tmp_path):
    ts = ('import { pgTable, timestamp } from "drizzle-orm/pg-core";\n\n'
          'const options = { mode: "date" } as const;\n'
          'export const events = pgTable("events", {\n  at: timestamp("at", options),\n});\n')
    [finding] = lint_ts(tmp_path, RULE, ts)
    assert finding.fix is None


def test_not_flagged(tmp_path):
    ts = ('import { pgTable, timestamp, date, time } from "drizzle-orm/pg-core";\n\n'
          'export const events = pgTable("events", {\n'
          '  at: timestamp({ withTimezone: true, mode: "string" }),\n'
          '  day: date(),\n'
          '  clock: time(),\n'
          '});\n')
    sql = '-- 0000_init.sql\nCREATE TABLE "events" ("at" timestamp with time zone, "day" date, "clock" time);\n'
    assert lint_ts(tmp_path, RULE, ts, sql=sql) == []


def test_mysql_timestamp_is_not_flagged(tmp_path):
    ts = ('import { mysqlTable, timestamp } from "drizzle-orm/mysql-core";\n\n'
          'export const events = mysqlTable("events", {\n  at: timestamp(),\n});\n')
    assert lint_ts(tmp_path, RULE, ts, dialect="mysql") == []


def test_the_conversion_claims_on_postgres(pg):
    """The help's advice: the stored values are read in the session TimeZone, so run the change in UTC."""
    def convert(setup: str, alter: str) -> str:
        pg.execute('DROP TABLE IF EXISTS "events"')
        pg.execute('CREATE TABLE "events" ("at" timestamp)')
        # what drizzle stores for new Date("2024-01-01T12:00:00Z") in a timestamp column
        pg.execute("""INSERT INTO "events" VALUES ('2024-01-01T12:00:00.000Z')""")
        pg.execute("BEGIN")
        pg.execute("SET LOCAL TimeZone = 'America/New_York'")
        if setup:
            pg.execute(setup)
        pg.execute(alter)
        pg.execute("COMMIT")
        return pg.execute("""SELECT to_char("at" AT TIME ZONE 'UTC', 'HH24:MI') FROM "events\"""").fetchone()[0]

    plain = 'ALTER TABLE "events" ALTER COLUMN "at" SET DATA TYPE timestamp with time zone'
    assert convert("", plain) == "17:00"  # shifted by the session's offset
    assert convert("SET LOCAL TimeZone = 'UTC'", plain) == "12:00"
    assert convert("", plain + """ USING "at" AT TIME ZONE 'UTC'""") == "12:00"
