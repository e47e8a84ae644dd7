"""foreign-key-type-mismatch: a foreign-key column whose type differs from the column it references."""

from __future__ import annotations

import os

import pytest
from indexes_helpers import FIXTURES, fixed, fixture_project, flagged, lint, lint_ts, only, read

from drizzle_lsp.rules.indexes.foreign_key_type_mismatch import compare_key_types

RULE = "foreign-key-type-mismatch"
CASE = "keys-and-names"

# (referencing type, referenced type): does PostgreSQL refuse the key? None: the rule accepts the pair as it is.
PAIRS = [
    ("integer", "bigint", False), ("bigint", "integer", False), ("smallint", "integer", False),
    ("serial", "integer", None), ("integer", "serial", None), ("bigint", "bigserial", None),
    ("text", "uuid", True), ("uuid", "text", True), ("integer", "text", True), ("text", "integer", True),
    ("varchar(10)", "text", False), ("text", "varchar(10)", None), ("varchar(20)", "varchar(10)", None),
    ("varchar", "varchar(5)", None), ("varchar(5)", "varchar(10)", False),
    ("char(10)", "text", False), ("text", "char(10)", False), ("char(3)", "varchar(10)", False),
    ("integer", "numeric", False), ("numeric", "integer", True), ("bigint", "numeric", False),
    ("numeric(10,2)", "numeric(12,2)", False), ("real", "numeric", True), ("integer", "real", False),
    ("real", "double precision", False), ("numeric", "double precision", False),
    ("timestamp", "timestamp with time zone", False), ("timestamp with time zone", "timestamp", False),
    ("date", "timestamp", False), ("time", "time with time zone", False), ("time with time zone", "time", True),
    ("citext", "text", False), ("text", "citext", True), ("cidr", "inet", False), ("boolean", "integer", True),
    ('"public"."mood"', "mood", None), ("mood", "mood2", True), ("mood", "text", True),
    ("integer[]", "bigint[]", True), ("integer[]", "integer[]", None), ("uuid", "uuid", None),
]


@pytest.mark.parametrize("child, parent, refused", PAIRS, ids=[f"{c}->{p}" for c, p, _ in PAIRS])
def test_compare_key_types(child, parent, refused):
    verdict = compare_key_types(child, parent)
    assert (None if verdict is None else verdict.refused) == refused


@pytest.mark.slow
def test_refusals_match_a_real_postgresql(pg):
    """Every pair the rule calls refused fails with 42804 on PostgreSQL, and every other pair is created."""
    import psycopg

    pg.execute("CREATE EXTENSION IF NOT EXISTS citext")
    pg.execute("CREATE TYPE mood AS ENUM ('a', 'b')")
    pg.execute("CREATE TYPE mood2 AS ENUM ('a', 'b')")
    for number, (child, parent, refused) in enumerate(PAIRS):
        pg.execute(f"CREATE TABLE p{number} (id {parent} PRIMARY KEY)")
        try:
            pg.execute(f"CREATE TABLE c{number} (x {child} REFERENCES p{number} (id))")
            created = True
        except psycopg.errors.DatatypeMismatch:
            created = False
        assert created == (not refused), f"{child} -> {parent}: PostgreSQL {'created' if created else 'refused'} it"


@pytest.mark.slow
def test_real_drizzle_kit_migration_fails_on_the_refused_key(pg):
    import psycopg

    sql = read(os.path.join(FIXTURES, CASE, "drizzle", "0000_init.sql"))
    with pytest.raises(psycopg.errors.DatatypeMismatch, match="sessions_user_id_users_id_fk"):
        for statement in sql.split("--> statement-breakpoint"):
            pg.execute(statement)


def test_real_schema_flags_both_references(tmp_path):
    root = fixture_project(tmp_path, CASE, migrations=1)
    findings = lint(root, RULE)
    assert len(findings) == 2
    refused = only(findings, '"sessions_user_id_users_id_fk"')
    assert refused.severity == "error"
    assert refused.message == (
        'foreign key "sessions_user_id_users_id_fk": "sessions"."user_id" is `text` but references "users"."id", which '
        "is `uuid`: PostgreSQL refuses to create the key (42804), so the migration fails (PostgreSQL has no equality "
        "operator between them that the key's index can use)"
    )
    assert flagged(refused) == 'text("user_id").notNull().references(() => users.id, { onDelete: "cascade" })'
    assert refused.help == 'Give the referencing column the key\'s type: "user_id" uuid.'
    assert fixed(refused) == read(os.path.join(root, "schema.ts")).replace(
        'userId: text("user_id")', 'userId: uuid("user_id")')
    narrow = only(findings, '"orders_customer_id_customers_id_fk"')
    assert narrow.severity == "warning"
    assert narrow.message.endswith("which is `bigint`: keys beyond the integer range can never be referenced")
    assert narrow.fix is not None and narrow.fix.applicability == "suggestion"
    assert fixed(narrow) == read(os.path.join(root, "schema.ts")).replace(
        'customerId: integer("customer_id")', 'customerId: bigint("customer_id", { mode: "number" })')


def test_sql_only_project_flags_the_constraint(tmp_path):
    root = fixture_project(tmp_path, CASE, schema=None, migrations=1)
    findings = lint(root, RULE)
    refused = only(findings, '"sessions_user_id_users_id_fk"')
    assert flagged(refused).startswith('CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id")')
    # the column was created in the latest migration: its type can still be changed in place
    assert refused.fix is not None
    text = read(refused.range.path)
    edit = refused.fix.edits[0]
    assert text[edit.start:edit.end] == "text" and edit.new_text == "uuid"
    assert text[edit.start - 10:edit.end] == '"user_id" text'


def test_sql_fix_is_withheld_for_an_older_migration(tmp_path):
    root = fixture_project(tmp_path, CASE, schema=None)  # 0001 follows: 0000 has probably run somewhere
    refused = only(lint(root, RULE), '"sessions_user_id_users_id_fk"')
    assert refused.fix is None


def test_schema_side_reports_once(tmp_path):
    root = fixture_project(tmp_path, CASE)
    assert all(f.range.path.endswith("schema.ts") for f in lint(root, RULE))


HEAD = 'import { pgTable, integer, serial, text, varchar, bigserial, uuid } from "drizzle-orm/pg-core";\n'


def test_serial_reference_and_wider_text_are_fine(tmp_path):
    ts = HEAD + '''
export const teams = pgTable("teams", { id: serial().primaryKey(), code: varchar({ length: 8 }).unique() });
export const members = pgTable("members", {
  teamId: integer("team_id").references(() => teams.id),
  teamCode: text("team_code").references(() => teams.code),
});
'''
    assert lint_ts(tmp_path, RULE, ts) == []


def test_fix_takes_the_builder_of_a_bigserial_key(tmp_path):
    ts = HEAD + '''
export const teams = pgTable("teams", { id: bigserial({ mode: "number" }).primaryKey() });
export const members = pgTable("members", {
  teamId: t_integer(),
});
'''.replace("t_integer()", 'integer("team_id").notNull().references(() => teams.id)')
    finding = lint_ts(tmp_path, RULE, ts)[0]
    assert finding.message.endswith("which is `bigserial`: keys beyond the integer range can never be referenced")
    result = fixed(finding)
    assert 'teamId: bigint("team_id", { mode: "number" }).notNull().references(() => teams.id)' in result
    assert result.startswith("import { bigint, ") or ", bigint" in result.split("\n")[0]


def test_only_postgresql(tmp_path):
    ts = '''import { sqliteTable, integer, text } from "drizzle-orm/sqlite-core";
export const users = sqliteTable("users", { id: integer().primaryKey() });
export const notes = sqliteTable("notes", { authorId: text().references(() => users.id) });
'''
    assert lint_ts(tmp_path, RULE, ts, dialect="sqlite") == []
