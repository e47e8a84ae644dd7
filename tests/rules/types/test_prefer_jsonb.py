"""prefer-jsonb: json columns on PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest
from types_helpers import by_column, case_root, fixed, flagged, lint, lint_ts, migration_text

RULE = "prefer-jsonb"
CASE = "pg-types-fixed"


def test_real_schema_flags_json_and_imports_jsonb(tmp_path):
    findings = lint(case_root(tmp_path, CASE, step=1, migrations=1), RULE)
    assert len(findings) == 2
    settings = by_column(findings, '"organization_memberships"."settings"')
    assert settings.message == ('column "organization_memberships"."settings" is `json`: stored as text and parsed on '
                                "every access, with no equality operator and no GIN indexing")
    text = fixed(settings)
    assert "  settings: jsonb(),\n" in text
    assert text.startswith("import { jsonb, pgTable, serial, ")
    assert settings.fix.applicability == "unsafe"  # the column exists: the type change rewrites the table
    assert "rewrites the table under an ACCESS EXCLUSIVE lock" in settings.help

    payload = by_column(findings, '"audit_events"."payload"')
    assert flagged(payload) == "t.json()"
    assert "  payload: t.jsonb().notNull(),\n" in fixed(payload)
    assert 'ALTER TABLE "audit_events" ALTER COLUMN "payload" SET DATA TYPE jsonb;' in migration_text(
        case_root(tmp_path, CASE), 1)


def test_new_column_fix_is_safe(tmp_path):
    findings = lint(case_root(tmp_path, CASE, step=1, migrations=0), RULE)
    assert {f.fix.applicability for f in findings} == {"safe"}


def test_two_columns_in_one_file_add_the_import_once(tmp_path):
    ts = ('import { pgTable, json } from "drizzle-orm/pg-core";\n\n'
          'export const events = pgTable("events", {\n  a: json(),\n  b: json().$type<{ x: number }>(),\n});\n')
    findings = lint_ts(tmp_path, RULE, ts)
    from types_helpers import fixed_together

    assert fixed_together(findings, findings[0].range.path) == (
        'import { jsonb, pgTable, json } from "drizzle-orm/pg-core";\n\n'
        'export const events = pgTable("events", {\n  a: jsonb(),\n  b: jsonb().$type<{ x: number }>(),\n});\n'
    )


def test_not_flagged(tmp_path):
    ts = ('import { pgTable, jsonb } from "drizzle-orm/pg-core";\n\n'
          'export const events = pgTable("events", {\n  a: jsonb(),\n});\n')
    assert lint_ts(tmp_path, RULE, ts) == []
    mysql = ('import { mysqlTable, json } from "drizzle-orm/mysql-core";\n\n'
             'export const events = mysqlTable("events", {\n  a: json(),\n});\n')
    assert lint_ts(tmp_path, RULE, mysql, dialect="mysql") == []


def test_sql_only_project(tmp_path):
    findings = lint(case_root(tmp_path, CASE, migrations=1, typescript=False), RULE)
    assert sorted(flagged(f) for f in findings) == ["json", "json"]
    payload = by_column(findings, '"audit_events"."payload"')
    assert '"payload" jsonb NOT NULL,' in fixed(payload)
    assert payload.fix.applicability == "unsafe"
    assert lint(case_root(tmp_path, CASE, typescript=False), RULE) == []


def test_the_claims_on_postgres(pg):
    pg.execute('CREATE TABLE "t" ("j" json, "b" jsonb)')
    pg.execute("""INSERT INTO "t" VALUES ('{"a": 1}', '{"a": 1}')""")
    with pytest.raises(psycopg.errors.UndefinedFunction, match="could not identify an equality operator for type json"):
        pg.execute('SELECT DISTINCT "j" FROM "t"')
    assert pg.execute('SELECT DISTINCT "b" FROM "t"').fetchall() == [({"a": 1},)]
    with pytest.raises(psycopg.errors.UndefinedFunction):
        pg.execute("""SELECT * FROM "t" WHERE "j" @> '{"a": 1}'""")
    pg.execute('CREATE INDEX ON "t" USING gin ("b")')
