"""The statements drizzle-kit and people write, each to the right typed operation with exact fields and ranges."""

from __future__ import annotations

import pytest

from drizzle_lsp.model import ConstraintType, OpKind
from drizzle_lsp.sql import parse_migration


def one(sql: str, index: int = 0):
    statements = parse_migration(sql, "m.sql")
    assert all(st.error is None for st in statements), [st.error for st in statements]
    return statements[0].operations[index]


def at(sql: str, rng) -> str:
    return sql[rng.start:rng.end]


IDENTITY_TABLE = (
    'CREATE TABLE "users" (\n\t"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "users_id_seq" '
    'INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),\n\t"email" varchar(255) NOT NULL,\n'
    '\t"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,\n\t"tags" text[] DEFAULT \'{}\'::text[],\n'
    '\t"m" "mood" DEFAULT \'ok\',\n\t"score" numeric(10, 2) DEFAULT \'0\',\n'
    '\tCONSTRAINT "users_email_unique" UNIQUE("email"),\n\tCONSTRAINT "score_pos" CHECK ("users"."score" > 0)\n);'
)


def test_identity_create_table():
    op = one(IDENTITY_TABLE)
    assert op.kind is OpKind.CREATE_TABLE and op.table == "users" and at(IDENTITY_TABLE, op.table_range) == '"users"'
    t = op.table_def
    ident = t.columns["id"].identity
    assert (ident.type, ident.name, ident.increment, ident.max_value, ident.cache) == (
        "always", "users_id_seq", "1", "2147483647", "1")
    assert t.columns["id"].primary_key and t.columns["id"].not_null
    assert t.columns["email"].type == "varchar(255)" and t.columns["email"].not_null
    ts = t.columns["created_at"]
    assert ts.type == "timestamp (3) with time zone" and ts.default == "now()"
    assert at(IDENTITY_TABLE, ts.type_range) == "timestamp (3) with time zone"
    assert at(IDENTITY_TABLE, ts.name_range) == '"created_at"'
    assert t.columns["tags"].type == "text[]" and t.columns["tags"].default == "'{}'::text[]"
    assert t.columns["m"].type == "mood" and t.columns["m"].default == "'ok'"
    assert t.columns["score"].type == "numeric(10, 2)"
    assert t.unique_constraints["users_email_unique"].columns == ["email"]
    assert t.checks["score_pos"].value == '"users"."score" > 0'


DO_FK = ('DO $$ BEGIN\n ALTER TABLE "posts" ADD CONSTRAINT "posts_author_id_users_id_fk" FOREIGN KEY ("author_id") '
         'REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;\nEXCEPTION\n WHEN duplicate_object '
         'THEN null;\nEND $$;')


def test_do_block_with_foreign_key():
    op = one(DO_FK)
    assert op.kind is OpKind.DO_BLOCK and len(op.inner) == 1
    inner = op.inner[0]
    assert inner.kind is OpKind.ADD_CONSTRAINT and inner.constraint_type is ConstraintType.FOREIGN_KEY
    fk = inner.constraint
    assert (fk.table_from, fk.columns_from, fk.table_to, fk.columns_to, fk.on_delete, fk.on_update) == (
        "posts", ["author_id"], "users", ["id"], "cascade", "no action")
    assert at(DO_FK, inner.table_range) == '"posts"'
    assert DO_FK[inner.range.start:inner.range.end].startswith("ALTER TABLE")


def test_do_block_with_if_not_exists_guard():
    sql = ("DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'role') THEN\n"
           "    CREATE TYPE role AS ENUM ('a', 'b');\n  END IF;\nEND\n$$;")
    op = one(sql)
    assert [i.kind for i in op.inner] == [OpKind.CREATE_ENUM]
    assert op.inner[0].values == ["a", "b"]


@pytest.mark.parametrize("sql,kind,fields", [
    ("ALTER TYPE \"public\".\"mood\" ADD VALUE 'meh';", OpKind.ADD_ENUM_VALUE,
     dict(type_name="mood", schema="public", new_value="meh", before_value=None)),
    ("ALTER TYPE \"public\".\"mood\" ADD VALUE 'meh' BEFORE 'ok';", OpKind.ADD_ENUM_VALUE,
     dict(new_value="meh", before_value="ok")),
    ("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'x' AFTER 'ok';", OpKind.ADD_ENUM_VALUE,
     dict(new_value="x", after_value="ok", if_not_exists=True)),
    ("ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';", OpKind.RENAME_ENUM_VALUE, dict(value="sad", new_value="blue")),
    ("CREATE TYPE \"public\".\"role\" AS ENUM('admin', 'user');", OpKind.CREATE_ENUM,
     dict(type_name="role", values=["admin", "user"])),
    ('DROP TYPE "public"."mood";', OpKind.DROP_TYPE, dict(type_name="mood", schema="public")),
    ('ALTER TABLE "t" VALIDATE CONSTRAINT "t_fk";', OpKind.VALIDATE_CONSTRAINT, dict(constraint_name="t_fk")),
    ('ALTER TABLE "t" ADD CONSTRAINT "t_c_key" UNIQUE USING INDEX "t_c_key";', OpKind.ADD_CONSTRAINT,
     dict(constraint_type=ConstraintType.UNIQUE, using_index="t_c_key", constraint_name="t_c_key")),
    ('ALTER TABLE "t" ALTER COLUMN "id" ADD GENERATED ALWAYS AS IDENTITY (sequence name "t_id_seq" START WITH 5);',
     OpKind.ADD_IDENTITY, dict(column="id", value="always")),
    ('ALTER TABLE "t" ALTER COLUMN "id" DROP IDENTITY;', OpKind.DROP_IDENTITY, dict(column="id")),
    ('ALTER TABLE "t" ENABLE ROW LEVEL SECURITY;', OpKind.ENABLE_RLS, dict(table="t")),
    ('ALTER TABLE "t" DISABLE ROW LEVEL SECURITY;', OpKind.DISABLE_RLS, dict(table="t")),
    ('CREATE POLICY "own" ON "t" AS PERMISSIVE FOR SELECT TO "authenticated" USING (user_id = auth.uid());',
     OpKind.CREATE_POLICY, dict(table="t", constraint_name="own")),
    ('DROP POLICY "own" ON "t";', OpKind.DROP_POLICY, dict(table="t", constraint_name="own")),
    ('ALTER TABLE "t" ALTER COLUMN "c" SET DATA TYPE bigint USING "c"::bigint;', OpKind.ALTER_COLUMN_TYPE,
     dict(column="c", new_type="bigint", using='"c"::bigint')),
    ('ALTER TABLE "t" ALTER COLUMN "c" SET DATA TYPE integer;', OpKind.ALTER_COLUMN_TYPE,
     dict(new_type="integer", using=None)),
    ('ALTER TABLE "t" ALTER COLUMN "c" SET NOT NULL;', OpKind.SET_NOT_NULL, dict(column="c")),
    ('ALTER TABLE "t" ALTER COLUMN "c" DROP NOT NULL;', OpKind.DROP_NOT_NULL, dict(column="c")),
    ("ALTER TABLE \"t\" ALTER COLUMN \"c\" SET DEFAULT 'x';", OpKind.SET_DEFAULT, dict(column="c", default="'x'")),
    ('ALTER TABLE "t" ALTER COLUMN "c" DROP DEFAULT;', OpKind.DROP_DEFAULT, dict(column="c")),
    ('ALTER TABLE "t" RENAME COLUMN "a" TO "b";', OpKind.RENAME_COLUMN, dict(column="a", new_name="b")),
    ('ALTER TABLE "t" RENAME TO "u";', OpKind.RENAME_TABLE, dict(table="t", new_name="u")),
    ('ALTER TABLE "t" RENAME CONSTRAINT "a" TO "b";', OpKind.RENAME_CONSTRAINT, dict(constraint_name="a", new_name="b")),
    ('ALTER INDEX "i" RENAME TO "j";', OpKind.RENAME_INDEX, dict(index_name="i", new_name="j")),
    ('ALTER TABLE "t" SET SCHEMA "other";', OpKind.SET_TABLE_SCHEMA, dict(table="t", new_name="other")),
    ('ALTER TABLE "t" DROP COLUMN IF EXISTS "c" CASCADE;', OpKind.DROP_COLUMN,
     dict(column="c", if_exists=True, cascade=True)),
    ('ALTER TABLE "t" ADD COLUMN "tenant_id" integer NOT NULL;', OpKind.ADD_COLUMN,
     dict(column="tenant_id", new_type="integer")),
    ('ALTER TABLE "t" DROP CONSTRAINT IF EXISTS "c";', OpKind.DROP_CONSTRAINT, dict(constraint_name="c", if_exists=True)),
    ("UPDATE \"t\" SET \"c\" = 0 WHERE \"c\" IS NULL;", OpKind.UPDATE, dict(table="t", has_where=True)),
    ('UPDATE "t" SET "c" = 0;', OpKind.UPDATE, dict(has_where=False)),
    ('DELETE FROM "t";', OpKind.DELETE, dict(table="t", has_where=False)),
    ('INSERT INTO "t" ("a") SELECT "a" FROM "u";', OpKind.INSERT, dict(table="t", from_select=True)),
    ("INSERT INTO \"t\" (\"a\") VALUES (1);", OpKind.INSERT, dict(from_select=False)),
    ('TRUNCATE "t" CASCADE;', OpKind.TRUNCATE, dict(table="t", cascade=True)),
    ("SET lock_timeout = '2s';", OpKind.SET_PARAMETER, dict(parameter="lock_timeout", value="2s", local=False)),
    ("SET LOCAL statement_timeout TO '1h';", OpKind.SET_PARAMETER, dict(parameter="statement_timeout", local=True)),
    ("BEGIN;", OpKind.TRANSACTION, dict(transaction="begin")),
    ("COMMIT;", OpKind.TRANSACTION, dict(transaction="commit")),
    ("ROLLBACK;", OpKind.TRANSACTION, dict(transaction="rollback")),
    ('ALTER TABLE "t" SET UNLOGGED;', OpKind.TABLE_REWRITE, dict(rewrite="set_unlogged", table="t")),
    ('ALTER TABLE "t" SET LOGGED;', OpKind.TABLE_REWRITE, dict(rewrite="set_logged")),
    ('VACUUM FULL "t";', OpKind.TABLE_REWRITE, dict(rewrite="vacuum_full", table="t")),
    ('CLUSTER "t" USING "t_pkey";', OpKind.TABLE_REWRITE, dict(rewrite="cluster", table="t", index_name="t_pkey")),
    ('REINDEX TABLE "t";', OpKind.TABLE_REWRITE, dict(rewrite="reindex", table="t")),
    ('REINDEX INDEX CONCURRENTLY "i";', OpKind.TABLE_REWRITE, dict(rewrite="reindex", index_name="i", concurrently=True)),
    ('CREATE SCHEMA "billing";', OpKind.CREATE_SCHEMA, dict(schema="billing")),
    ('CREATE SEQUENCE "public"."s" INCREMENT BY 2 START WITH 100;', OpKind.CREATE_SEQUENCE, dict(value="s")),
    ('DROP SEQUENCE "s";', OpKind.DROP_SEQUENCE, dict(value="s")),
    ('DROP TABLE "t" CASCADE;', OpKind.DROP_TABLE, dict(table="t", cascade=True)),
    ("VACUUM;", OpKind.UNKNOWN, {}),
    ("CREATE VIEW v AS SELECT 1;", OpKind.UNKNOWN, {}),
])
def test_statement_kinds(sql, kind, fields):
    op = one(sql)
    assert op.kind is kind
    for name, value in fields.items():
        assert getattr(op, name) == value, name
    assert op.raw == sql[op.range.start:op.range.end]
    if op.table_range is not None:
        assert at(sql, op.table_range).strip('"') == op.table


def test_create_index_concurrently_partial_unique():
    sql = ('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "u_email" ON "users" USING btree '
           '(lower("email") DESC NULLS LAST, "tenant_id") WHERE "users"."deleted_at" IS NULL;')
    op = one(sql)
    assert op.kind is OpKind.CREATE_INDEX and op.concurrently and op.if_not_exists
    assert sql[op.concurrently_at:].startswith("CONCURRENTLY")
    ix = op.index
    assert ix.unique and ix.method == "btree" and ix.where == '"users"."deleted_at" IS NULL'
    assert [(c.expression, c.is_expression, c.asc, c.nulls) for c in ix.columns] == [
        ('lower("email")', True, False, "last"), ("tenant_id", False, True, "last")]
    assert at(sql, op.table_range) == '"users"'


def test_create_index_without_concurrently_points_after_index_keyword():
    sql = 'CREATE INDEX "i" ON "t" USING gin ("data" jsonb_path_ops);'
    op = one(sql)
    assert not op.concurrently and sql[:op.concurrently_at] == "CREATE INDEX"
    assert op.index.method == "gin" and op.index.columns[0].opclass == "jsonb_path_ops"


def test_drop_index_concurrently():
    sql = 'DROP INDEX CONCURRENTLY IF EXISTS "i";'
    op = one(sql)
    assert op.kind is OpKind.DROP_INDEX and op.concurrently and op.if_exists and op.index_name == "i"
    assert sql[op.concurrently_at:].startswith("CONCURRENTLY")
    plain = 'DROP INDEX "i";'
    assert plain[:one(plain).concurrently_at] == "DROP INDEX"


def test_add_foreign_key_not_valid_and_check():
    sql = ('ALTER TABLE "posts" ADD CONSTRAINT "fk" FOREIGN KEY ("a") REFERENCES "users"("id") ON DELETE SET NULL '
           'NOT VALID;')
    op = one(sql)
    assert op.not_valid and op.constraint.on_delete == "set null" and op.constraint.on_update == "no action"
    chk = one('ALTER TABLE "t" ADD CONSTRAINT "c_nn" CHECK ("c" IS NOT NULL) NOT VALID;')
    assert chk.constraint_type is ConstraintType.CHECK and chk.constraint.value == '"c" IS NOT NULL' and chk.not_valid
    pk = one('ALTER TABLE "t" ADD CONSTRAINT "t_pk" PRIMARY KEY ("a", "b");')
    assert pk.constraint_type is ConstraintType.PRIMARY_KEY and pk.constraint.columns == ["a", "b"]


def test_alter_table_with_several_commands_gives_one_op_each():
    sql = 'ALTER TABLE "t" ADD COLUMN "a" text, ALTER COLUMN "b" SET NOT NULL, DROP COLUMN "c";'
    ops = parse_migration(sql, "m.sql")[0].operations
    assert [o.kind for o in ops] == [OpKind.ADD_COLUMN, OpKind.SET_NOT_NULL, OpKind.DROP_COLUMN]
    assert [at(sql, o.column_range) for o in ops] == ['"a"', '"b"', '"c"']
    assert at(sql, ops[1].range) == 'ALTER COLUMN "b" SET NOT NULL'


def test_hand_written_types_are_spelled_like_drizzle_kit():
    sql = ("CREATE TABLE t (a int, b int8, c timestamptz, d float8, e bool, f VARCHAR(20), g character varying, "
           "h decimal(8,3), i timestamp(6) without time zone, j int[], k public.mood);")
    cols = one(sql).table_def.columns
    assert [c.type for c in cols.values()] == [
        "integer", "bigint", "timestamp with time zone", "double precision", "boolean", "varchar(20)", "varchar",
        "numeric(8, 3)", "timestamp(6)", "integer[]", "mood"]
    assert cols["k"].type_schema == "public"


def test_timestamp_precision_keeps_the_spelling_drizzle_kit_diffs():
    # drizzle-orm writes `timestamp (3)` in mode 'date' and `timestamp(3)` in mode 'string'; the snapshot keeps
    # each, and drizzle-kit emits SET DATA TYPE when a column switches between them.
    cols = one('CREATE TABLE t (a timestamp (3), b timestamp(3) with time zone, c timestamptz (0));').table_def.columns
    assert [c.type for c in cols.values()] == [
        "timestamp (3)", "timestamp(3) with time zone", "timestamp (0) with time zone"]


def test_enum_rename_and_schema_move():
    ops = [op for st in parse_migration('ALTER TYPE "public"."channel" RENAME TO "contact_channel";\n'
                                        'ALTER TYPE "s"."mood" SET SCHEMA "t";', "m.sql") for op in st.operations]
    assert [(o.kind, o.schema, o.type_name, o.new_name) for o in ops] == [
        (OpKind.RENAME_TYPE, "public", "channel", "contact_channel"), (OpKind.SET_TYPE_SCHEMA, "s", "mood", "t")]


def test_identity_changes_as_drizzle_kit_writes_them():
    sql = ('ALTER TABLE "t" ALTER COLUMN "id" SET GENERATED ALWAYS, ALTER COLUMN "id" SET INCREMENT BY 2, '
           'ALTER COLUMN "id" SET MAXVALUE 100, ALTER COLUMN "id" SET NO CYCLE;')
    ops = [op for st in parse_migration(sql, "m.sql") for op in st.operations]
    assert [o.kind for o in ops] == [OpKind.ALTER_IDENTITY] * 4
    assert [(o.value, o.constraint) for o in ops] == [
        ("always", {}), (None, {"increment": "2"}), (None, {"max_value": "100"}), (None, {"cycle": False})]


def test_type_range_and_using_of_set_data_type():
    sql = 'ALTER TABLE "t" ALTER COLUMN "c" SET DATA TYPE varchar(20) USING "c"::varchar(20);'
    op = one(sql)
    assert at(sql, op.type_range) == "varchar(20)" and op.new_type == "varchar(20)"
    assert at(sql, op.column_range) == '"c"'
