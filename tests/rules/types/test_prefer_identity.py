"""prefer-identity: serial columns, and why converting an existing one needs more than drizzle-kit generates."""

from __future__ import annotations

import psycopg
import pytest
from types_helpers import by_column, case_root, fixed, flagged, lint, lint_ts, migration_text, statements

RULE = "prefer-identity"
CASE = "pg-types-fixed"


def test_real_schema_flags_every_serial_and_keeps_the_chain(tmp_path):
    root = case_root(tmp_path, CASE, step=1, migrations=1)
    findings = lint(root, RULE)
    assert len(findings) == 3

    serial = by_column(findings, '"organization_memberships"."id"')
    assert serial.message == ('column "organization_memberships"."id" is `serial`: a default taken from a separate '
                              "sequence, not an identity column")
    assert flagged(serial) == "serial()"
    # `integer` is already imported in that file: only the call changes
    text = fixed(serial)
    assert "  id: integer().generatedAlwaysAsIdentity().primaryKey(),\n" in text
    assert text.splitlines()[0] == flagged_import_line(serial)
    # the column exists (migration 0000): the migration drizzle-kit would generate fails, so only a suggestion
    assert serial.fix.applicability == "suggestion"
    assert "DROP DEFAULT, DROP SEQUENCE, ADD GENERATED ALWAYS AS IDENTITY" in serial.help
    assert "setval(pg_get_serial_sequence('\"organization_memberships\"', 'id'), max + 1)" in serial.help

    bigserial = by_column(findings, '"organization_membership_invitations"."id"')
    text = fixed(bigserial)
    assert '  id: bigint({ mode: "number" }).generatedAlwaysAsIdentity().primaryKey(),\n' in text
    # `bigint` was not imported: the fix adds it to the list it takes `bigserial` from
    assert text.startswith('import { bigint, pgTable, serial, bigserial, integer, varchar, char, json, index } from '
                           '"drizzle-orm/pg-core";\n')

    callback = by_column(findings, '"audit_events"."id"')
    assert flagged(callback) == "t.serial()"
    assert "  id: t.integer().generatedAlwaysAsIdentity().primaryKey(),\n" in fixed(callback)


def flagged_import_line(finding) -> str:
    with open(finding.range.path, encoding="utf-8") as handle:
        return handle.readline().rstrip("\n")


def test_new_column_gets_a_safe_fix(tmp_path):
    findings = lint(case_root(tmp_path, CASE, step=1, migrations=0), RULE)
    assert {f.fix.applicability for f in findings} == {"safe"}
    assert all("explicit ids are rejected" in f.help for f in findings)


@pytest.mark.parametrize("imports, column, expected_imports, expected_column", [
    # the import list gains the new builder at its sorted place, in the list's own layout
    ("import { pgTable, smallserial } from 'drizzle-orm/pg-core';", "smallserial('n')",
     "import { pgTable, smallint, smallserial } from 'drizzle-orm/pg-core';",
     "smallint('n').generatedAlwaysAsIdentity()"),
    ("import {\n  pgTable,\n  serial,\n} from 'drizzle-orm/pg-core';", "serial().primaryKey()",
     "import {\n  integer,\n  pgTable,\n  serial,\n} from 'drizzle-orm/pg-core';",
     "integer().generatedAlwaysAsIdentity().primaryKey()"),
    # an aliased import: the new builder is imported under its own name
    ("import { pgTable, serial as s } from 'drizzle-orm/pg-core';", "s().primaryKey()",
     "import { integer, pgTable, serial as s } from 'drizzle-orm/pg-core';",
     "integer().generatedAlwaysAsIdentity().primaryKey()"),
    # already imported under an alias: that alias is used
    ("import { pgTable, serial, integer as int } from 'drizzle-orm/pg-core';", "serial().notNull()",
     "import { pgTable, serial, integer as int } from 'drizzle-orm/pg-core';",
     "int().generatedAlwaysAsIdentity().notNull()"),
])
def test_fix_keeps_imports_valid(tmp_path, imports, column, expected_imports, expected_column):
    ts = f'{imports}\n\nexport const things = pgTable("things", {{\n  id: {column},\n}});\n'
    [finding] = lint_ts(tmp_path, RULE, ts)
    assert fixed(finding) == f'{expected_imports}\n\nexport const things = pgTable("things", {{\n  id: {expected_column},\n}});\n'


def test_no_fix_when_the_new_name_is_taken(tmp_path):
    ts = ('import { pgTable, serial } from "drizzle-orm/pg-core";\n\n'
          "const integer = 42;\n"
          'export const things = pgTable("things", {\n  id: serial().primaryKey(),\n});\n')
    [finding] = lint_ts(tmp_path, RULE, ts)
    assert finding.fix is None


def test_sql_only_project_is_flagged_until_a_migration_converts_the_column(tmp_path):
    findings = lint(case_root(tmp_path, CASE, migrations=1, typescript=False), RULE)
    assert sorted(flagged(f) for f in findings) == ["bigserial", "serial", "serial"]
    big = [f for f in findings if flagged(f) == "bigserial"][0]
    assert '"id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY NOT NULL,' in fixed(big)
    assert big.fix.applicability == "unsafe"
    # 0001 turned them into identity columns (its statements fail on a real database, see below, but that is
    # another rule's business): nothing left for this rule
    assert lint(case_root(tmp_path, CASE, typescript=False), RULE) == []


def test_quoted_smallserial_as_drizzle_kit_writes_it(tmp_path):
    sql = '-- 0000_init.sql\nCREATE TABLE "counters" (\n\t"n" "smallserial" NOT NULL\n);\n'
    root = tmp_path / "p"
    from drizzle_lsp.rules.testing import write_project

    write_project(str(root), sql=sql)
    [finding] = lint(str(root), RULE)
    assert flagged(finding) == '"smallserial"'
    assert '"n" smallint GENERATED ALWAYS AS IDENTITY NOT NULL' in fixed(finding)


def test_not_flagged(tmp_path):
    ts = ('import { pgTable, integer, bigint } from "drizzle-orm/pg-core";\n\n'
          'export const things = pgTable("things", {\n'
          '  id: bigint({ mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),\n'
          '  n: integer().generatedAlwaysAsIdentity(),\n'
          '});\n')
    assert lint_ts(tmp_path, RULE, ts) == []
    mysql = ('import { mysqlTable, serial } from "drizzle-orm/mysql-core";\n\n'
             'export const things = mysqlTable("things", {\n  id: serial().primaryKey(),\n});\n')
    assert lint_ts(tmp_path, RULE, mysql, dialect="mysql") == []


# --- the claims in the help, on a real PostgreSQL ----------------------------------------------------------------------

def test_drizzle_kit_conversion_of_an_existing_serial_fails_on_postgres(pg, tmp_path):
    root = case_root(tmp_path, CASE)
    for statement in statements(migration_text(root, 0)):
        pg.execute(statement)
    add_identity = next(s for s in migration_text(root, 1).split("--> statement-breakpoint")
                        if '"organization_memberships" ALTER COLUMN "id" ADD GENERATED' in s)
    pg.execute('ALTER TABLE "organization_memberships" ALTER COLUMN "id" SET DATA TYPE bigint')
    with pytest.raises(psycopg.errors.DuplicateTable, match='relation "organization_memberships_id_seq" already exists'):
        pg.execute(add_identity.strip())


def test_the_recipe_in_the_help_converts_and_continues_after_the_largest_id(pg):
    pg.execute('CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "name" text)')
    pg.execute("""INSERT INTO "users" ("name") VALUES ('a'), ('b'), ('c')""")
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="already has a default value"):
        pg.execute('ALTER TABLE "users" ALTER COLUMN "id" ADD GENERATED ALWAYS AS IDENTITY (sequence name "other_seq")')
    # the four steps of the docstring
    pg.execute('ALTER TABLE "users" ALTER COLUMN "id" DROP DEFAULT')
    pg.execute('DROP SEQUENCE "users_id_seq"')
    pg.execute('ALTER TABLE "users" ALTER COLUMN "id" ADD GENERATED ALWAYS AS IDENTITY')
    pg.execute("""SELECT setval(pg_get_serial_sequence('"users"', 'id'), coalesce(max("id"), 0) + 1, false) FROM "users\"""")
    assert pg.execute("""INSERT INTO "users" ("name") VALUES ('d') RETURNING "id\"""").fetchone() == (4,)
    with pytest.raises(psycopg.errors.GeneratedAlways):
        pg.execute("""INSERT INTO "users" ("id", "name") VALUES (10, 'e')""")


def test_without_setval_the_next_insert_collides(pg):
    pg.execute('CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL)')
    pg.execute('INSERT INTO "users" DEFAULT VALUES')
    pg.execute('ALTER TABLE "users" ALTER COLUMN "id" DROP DEFAULT')
    pg.execute('DROP SEQUENCE "users_id_seq"')
    pg.execute('ALTER TABLE "users" ALTER COLUMN "id" ADD GENERATED ALWAYS AS IDENTITY (START WITH 1)')
    with pytest.raises(psycopg.errors.UniqueViolation):
        pg.execute('INSERT INTO "users" DEFAULT VALUES')


def test_sql_fix_output_runs(pg):
    pg.execute('CREATE TABLE "t" ("id" integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY NOT NULL, '
               '"n" smallint GENERATED ALWAYS AS IDENTITY NOT NULL)')
    assert pg.execute('INSERT INTO "t" DEFAULT VALUES RETURNING "id", "n"').fetchone() == (1, 1)
