"""alter-column-type-without-using: a type change PostgreSQL cannot do without USING (42804), and its USING fix.

The real case is drizzle-kit's own output (fixtures/pg-type-changes: text() -> integer()); the claims are checked on
a real PostgreSQL: the statement fails with 42804, the fixed one converts convertible data, and fails on the rest.
"""

from __future__ import annotations

import os

import psycopg
import pytest

from drizzle_lsp.fixes import apply_edits
from locks_helpers import FIXTURES, fixed_statement, flagged_text, lint_case, lint_sql, only

RULE = "alter-column-type-without-using"

EXISTING = (
    "-- 0000_init.sql\n"
    'CREATE TYPE "public"."stage" AS ENUM(\'draft\', \'live\');--> statement-breakpoint\n'
    'CREATE TYPE "public"."phase" AS ENUM(\'draft\', \'live\');--> statement-breakpoint\n'
    'CREATE TABLE "projects" ("id" bigint PRIMARY KEY NOT NULL, "priority" text, "n" integer, "flag" boolean, '
    '"stage" "stage", "tags" text[], "attrs" jsonb, "name" varchar(64));\n'
    "-- 0001_change.sql\n"
)


def test_real_drizzle_kit_text_to_integer(tmp_path):
    findings = lint_case("pg-type-changes", RULE, tmp_path)
    # only text -> integer: bigint, varchar, numeric, timestamptz and jsonb changes have assignment casts, and
    # drizzle-kit writes its own USING for the enum
    assert [flagged_text(f) for f in findings] == [
        'ALTER TABLE "projects" ALTER COLUMN "priority" SET DATA TYPE integer;'
    ]
    finding = findings[0]
    assert finding.severity == "error"
    assert finding.message == (
        'ALTER COLUMN "priority" SET DATA TYPE integer on "projects" has no USING clause: PostgreSQL has no automatic '
        "cast from text to integer (nor for its default '3'), so the migration fails with 42804 (column \"priority\" "
        "cannot be cast automatically to type integer) and every pending migration rolls back with it"
    )
    assert finding.help == (
        'Add `USING "priority"::integer`: it fails at deploy if any row holds a value that does not convert to '
        "integer, so check the data first or write a USING expression that converts every value; drop the default "
        "'3' in the same statement (the SET DEFAULT that follows sets the new one)."
    )
    assert finding.fix.applicability == "unsafe"
    # USING converts the rows, not the text default '3': it must go too (drizzle-kit sets the new one right after)
    assert fixed_statement(finding) == (
        'ALTER TABLE "projects" ALTER COLUMN "priority" SET DATA TYPE integer USING "priority"::integer, '
        'ALTER COLUMN "priority" DROP DEFAULT;'
    )


def test_consequence_follows_the_migrator(tmp_path):
    per_file = lint_case("pg-type-changes", RULE, tmp_path / "a", settings='migrator = "per-file"\n')
    assert per_file[0].message.endswith("and the migration rolls back")
    neon = lint_case("pg-type-changes", RULE, tmp_path / "b", settings='migrator = "neon-http"\n')
    assert neon[0].message.endswith("leaving the statements before it applied (no transaction)")


@pytest.mark.parametrize("column, new_type, expected", [
    ("stage", '"public"."phase"', '"stage"::text::"public"."phase"'),  # enum to enum: through its label
    ("tags", "integer[]", '"tags"::integer[]'),
    ("flag", "integer", '"flag"::integer'),  # an explicit-only cast
    ("attrs", "bigint", '"attrs"::bigint'),  # jsonb number to bigint (PostgreSQL 11+)
    ("priority", "timestamp with time zone", '"priority"::timestamp with time zone'),
    ("name", "uuid", '"name"::uuid'),
])
def test_fix_casts_the_column(column, new_type, expected):
    statement = f'ALTER TABLE "projects" ALTER COLUMN "{column}" SET DATA TYPE {new_type};'
    sql = EXISTING + statement
    finding = only(lint_sql(sql, RULE), statement[:40], sql)
    assert fixed_statement(finding, sql) == statement[:-1] + f" USING {expected};"


def test_no_fix_when_no_cast_exists():
    sql = EXISTING + 'ALTER TABLE "projects" ALTER COLUMN "n" SET DATA TYPE uuid;'
    finding = only(lint_sql(sql, RULE), 'ALTER TABLE "projects" ALTER COLUMN "n"', sql)
    assert finding.fix is None
    assert "cannot cast integer to uuid at all" in finding.help and "expand/contract" in finding.help


def test_using_goes_after_a_collation():
    sql = EXISTING + ('ALTER TABLE "projects" ALTER COLUMN "n" SET DATA TYPE text COLLATE "C", '
                      'ALTER COLUMN "flag" TYPE integer;')
    finding = only(lint_sql(sql, RULE), 'ALTER COLUMN "flag"', sql)
    fixed = apply_edits(sql.split("-- 0001_change.sql\n")[1], finding.fix.edits)
    assert fixed == ('ALTER TABLE "projects" ALTER COLUMN "n" SET DATA TYPE text COLLATE "C", '
                     'ALTER COLUMN "flag" TYPE integer USING "flag"::integer;')
    sql = EXISTING + 'ALTER TABLE "projects" ALTER COLUMN "priority" SET DATA TYPE integer COLLATE "C";'
    finding = only(lint_sql(sql, RULE), "ALTER TABLE", sql)
    assert fixed_statement(finding, sql).endswith('integer COLLATE "C" USING "priority"::integer;')


@pytest.mark.parametrize("statement", [
    'ALTER TABLE "projects" ALTER COLUMN "priority" SET DATA TYPE integer USING "priority"::integer;',
    'ALTER TABLE "projects" ALTER COLUMN "n" SET DATA TYPE bigint;',  # assignment cast
    'ALTER TABLE "projects" ALTER COLUMN "n" SET DATA TYPE text;',  # anything converts to text
    'ALTER TABLE "projects" ALTER COLUMN "name" SET DATA TYPE varchar(128);',
    'ALTER TABLE "projects" ALTER COLUMN "missing" SET DATA TYPE integer;',  # unknown column: another rule's job
])
def test_not_flagged(statement):
    assert lint_sql(EXISTING + statement, RULE) == []


def test_flagged_on_a_table_created_in_the_same_migration():
    # unlike the lock rules: PostgreSQL refuses the statement even on an empty table
    sql = ("-- 0000_init.sql\n"
           'CREATE TABLE "t" ("id" integer PRIMARY KEY, "c" text);--> statement-breakpoint\n'
           'ALTER TABLE "t" ALTER COLUMN "c" SET DATA TYPE integer;')
    assert len(lint_sql(sql, RULE)) == 1


# --- on a real PostgreSQL ----------------------------------------------------------------------------------------


def _migration(name: str) -> str:
    folder = os.path.join(FIXTURES, "pg-type-changes", "drizzle")
    (path,) = [f for f in os.listdir(folder) if f.startswith(name)]
    with open(os.path.join(folder, path), encoding="utf-8") as handle:
        return handle.read()


def _run_migration(pg, text: str) -> None:
    """Apply a migration the way drizzle's migrator does: chunk by chunk, inside one transaction."""
    with pg.transaction():
        for chunk in text.split("--> statement-breakpoint"):
            if chunk.strip():
                pg.execute(chunk)


def test_real_migration_fails_with_42804_and_the_fixed_one_converts(pg, tmp_path):
    _run_migration(pg, _migration("0000_"))
    pg.execute("""INSERT INTO "projects" ("id", "priority", "name", "code", "settings")
                  VALUES (1, '3', 'a', 'x', '{"a": 1}'), (2, '10', 'b', 'y', NULL)""")
    original = _migration("0001_")
    with pytest.raises(psycopg.Error) as failure:
        _run_migration(pg, original)
    assert failure.value.sqlstate == "42804"

    (finding,) = lint_case("pg-type-changes", RULE, tmp_path)
    _run_migration(pg, apply_edits(original, finding.fix.edits))
    rows = pg.execute('SELECT "priority", pg_typeof("priority")::text FROM "projects" ORDER BY "id"').fetchall()
    assert rows == [(3, "integer"), (10, "integer")]


def test_fixed_statement_fails_on_values_that_do_not_convert(pg):
    # why the fix is unsafe
    pg.execute('CREATE TABLE "projects" ("id" integer PRIMARY KEY, "priority" text)')
    pg.execute("""INSERT INTO "projects" VALUES (1, '3'), (2, 'high')""")
    with pytest.raises(psycopg.Error) as failure:
        pg.execute('ALTER TABLE "projects" ALTER COLUMN "priority" SET DATA TYPE integer USING "priority"::integer')
    assert failure.value.sqlstate == "22P02"  # invalid input syntax for type integer: "high"


@pytest.mark.parametrize("column, new_type", [
    ("stage", '"public"."phase"'), ("tags", "integer[]"), ("flag", "integer"), ("attrs", "bigint"),
    ("priority", "timestamp with time zone"), ("name", "uuid"),
])
def test_every_offered_cast_runs(pg, column, new_type):
    for chunk in EXISTING.split("-- 0001_change.sql")[0].split("--> statement-breakpoint"):
        pg.execute(chunk.replace("-- 0000_init.sql", ""))
    pg.execute("""INSERT INTO "projects" VALUES (1, '2026-01-01 10:00+00', 1, true, 'live', '{1,2}', '42',
                  'a8098c1a-f86e-11da-bd1a-00112444be1e')""")
    statement = f'ALTER TABLE "projects" ALTER COLUMN "{column}" SET DATA TYPE {new_type};'
    with pytest.raises(psycopg.Error) as failure:
        pg.execute(statement)
    assert failure.value.sqlstate == "42804"
    sql = EXISTING + statement
    finding = only(lint_sql(sql, RULE), statement[:40], sql)
    pg.execute(fixed_statement(finding, sql))


def test_no_cast_at_all_is_42846(pg):
    # why no fix is offered for integer -> uuid
    pg.execute('CREATE TABLE "t" ("n" integer)')
    with pytest.raises(psycopg.Error) as failure:
        pg.execute('ALTER TABLE "t" ALTER COLUMN "n" SET DATA TYPE uuid USING "n"::uuid')
    assert failure.value.sqlstate == "42846"


WITH_DEFAULT = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "t" ("id" integer PRIMARY KEY, "c" text DEFAULT \'3\');\n'
    "-- 0001_change.sql\n"
)


def test_using_does_not_convert_the_default():
    sql = WITH_DEFAULT + 'ALTER TABLE "t" ALTER COLUMN "c" SET DATA TYPE integer USING "c"::integer;'
    (finding,) = lint_sql(sql, RULE)
    assert finding.message == (
        "ALTER COLUMN \"c\" SET DATA TYPE integer on \"t\" keeps the column's default '3', which PostgreSQL cannot "
        'cast automatically to integer: the migration fails with 42804 (default for column "c" cannot be cast '
        "automatically to type integer) and every pending migration rolls back with it"
    )
    # nothing in the migration sets a new default: the help says so
    assert finding.help == "Drop the default '3' in the same statement (then set a default of type integer again)."
    assert fixed_statement(finding, sql) == (
        'ALTER TABLE "t" ALTER COLUMN "c" SET DATA TYPE integer USING "c"::integer, ALTER COLUMN "c" DROP DEFAULT;'
    )


@pytest.mark.parametrize("statement", [
    # the default is dropped in the same statement
    'ALTER TABLE "t" ALTER COLUMN "c" DROP DEFAULT, ALTER COLUMN "c" SET DATA TYPE integer USING "c"::integer;',
    # text: the default converts like the rows
    'ALTER TABLE "t" ALTER COLUMN "c" SET DATA TYPE varchar(10);',
])
def test_default_that_converts_is_not_flagged(statement):
    assert lint_sql(WITH_DEFAULT + statement, RULE) == []


def test_default_is_not_converted_by_using_on_postgres(pg):
    pg.execute("""CREATE TABLE "t" ("id" integer PRIMARY KEY, "c" text DEFAULT '3')""")
    pg.execute("""INSERT INTO "t" VALUES (1, '7')""")
    with pytest.raises(psycopg.Error) as failure:
        pg.execute('ALTER TABLE "t" ALTER COLUMN "c" SET DATA TYPE integer USING "c"::integer')
    assert failure.value.sqlstate == "42804" and "default for column" in str(failure.value)
    sql = WITH_DEFAULT + 'ALTER TABLE "t" ALTER COLUMN "c" SET DATA TYPE integer USING "c"::integer;'
    (finding,) = lint_sql(sql, RULE)
    pg.execute(fixed_statement(finding, sql))
    assert pg.execute('SELECT "c" FROM "t"').fetchone() == (7,)
