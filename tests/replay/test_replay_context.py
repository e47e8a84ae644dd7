"""Per-operation context (state before, table is new) and problems for missing or duplicate objects."""

from __future__ import annotations

from drizzle_lsp.analysis.replay import replay
from drizzle_lsp.model import Migration, OpKind
from drizzle_lsp.sql import parse_migration


def migrations(*texts: str, dialect: str = "postgresql") -> list[Migration]:
    return [Migration(tag=f"{n:04d}_m", sql_path=f"{n:04d}_m.sql", dialect=dialect, index=n, text=t,
                      statements=parse_migration(t, f"{n:04d}_m.sql", dialect)) for n, t in enumerate(texts)]


def ops(migration: Migration):
    return migration.operations


def test_table_is_new_only_in_the_migration_that_creates_it():
    ms = migrations('CREATE TABLE "t" ("id" integer);--> statement-breakpoint\nCREATE INDEX "i" ON "t" ("id");',
                    'CREATE INDEX "j" ON "t" ("id");')
    r = replay(ms, "postgresql")
    first_index = ops(ms[0])[1]
    second_index = ops(ms[1])[0]
    assert not r.table_existed_before(first_index) and r.context(first_index).table_is_new
    assert r.table_existed_before(second_index)
    assert "public.t" in r.state_before(first_index).tables
    assert "i" not in r.state_before(first_index).tables["public.t"].indexes
    assert set(r.after["0001_m"].tables["public.t"].indexes) == {"i", "j"}
    assert r.problems == []


def test_missing_and_duplicate_objects_are_problems_not_exceptions():
    ms = migrations('CREATE TABLE "t" ("id" integer);--> statement-breakpoint\n'
                    'CREATE TABLE "t" ("id" integer);--> statement-breakpoint\n'
                    'ALTER TABLE "nope" ADD COLUMN "x" text;--> statement-breakpoint\n'
                    'ALTER TABLE "t" DROP COLUMN "ghost";--> statement-breakpoint\n'
                    'DROP INDEX "no_index";--> statement-breakpoint\n'
                    'ALTER TYPE "mood" ADD VALUE \'x\';--> statement-breakpoint\n'
                    'ALTER TABLE "t" ADD CONSTRAINT "fk" FOREIGN KEY ("id") REFERENCES "missing"("id");--> '
                    'statement-breakpoint\nDROP TABLE IF EXISTS "nope";')
    r = replay(ms, "postgresql")
    codes = [p.code for p in r.problems]
    assert codes == ["object-already-exists"] + ["reference-to-missing-object"] * 5
    text = ms[0].text
    assert text[r.problems[1].range.start:r.problems[1].range.end] == '"nope"'
    assert text[r.problems[2].range.start:r.problems[2].range.end] == '"ghost"'


def test_do_block_inner_operations_apply_and_swallow_duplicates():
    fk = ('DO $$ BEGIN\n ALTER TABLE "p" ADD CONSTRAINT "p_fk" FOREIGN KEY ("u") REFERENCES "public"."u"("id") '
          'ON DELETE cascade ON UPDATE no action;\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;')
    ms = migrations(f'CREATE TABLE "u" ("id" integer PRIMARY KEY);--> statement-breakpoint\n'
                    f'CREATE TABLE "p" ("u" integer);--> statement-breakpoint\n{fk}--> statement-breakpoint\n{fk}')
    r = replay(ms, "postgresql")
    assert r.problems == []
    assert r.after["0000_m"].tables["public.p"].foreign_keys["p_fk"].on_delete == "cascade"
    inner = ops(ms[0])[2].inner[0]
    assert r.context(inner).parent is ops(ms[0])[2]


def test_renames_enum_values_and_using_index():
    ms = migrations('CREATE TYPE "mood" AS ENUM(\'a\', \'c\');--> statement-breakpoint\n'
                    'CREATE TABLE "t" ("id" integer, "m" "mood", "e" text);--> statement-breakpoint\n'
                    'CREATE UNIQUE INDEX CONCURRENTLY "t_e_key" ON "t" ("e");',
                    'ALTER TYPE "mood" ADD VALUE \'b\' BEFORE \'c\';--> statement-breakpoint\n'
                    'ALTER TABLE "t" ADD CONSTRAINT "t_e_key" UNIQUE USING INDEX "t_e_key";--> statement-breakpoint\n'
                    'ALTER TABLE "t" RENAME COLUMN "e" TO "email";--> statement-breakpoint\n'
                    'ALTER TABLE "t" RENAME TO "people";')
    r = replay(ms, "postgresql")
    assert r.problems == []
    final = r.final
    assert final.enums["public.mood"].values == ["a", "b", "c"]
    people = final.tables["public.people"]
    assert people.columns["m"].type_schema == "public"
    assert people.indexes == {} and people.unique_constraints["t_e_key"].columns == ["email"]


def test_sqlite_rebuild_keeps_final_names():
    ms = migrations("CREATE TABLE `users` (`id` integer PRIMARY KEY, `s` real);",
                    "PRAGMA foreign_keys=OFF;--> statement-breakpoint\n"
                    "CREATE TABLE `__new_users` (`id` integer PRIMARY KEY, `s` integer NOT NULL, "
                    'CONSTRAINT "c" CHECK("__new_users"."s" >= 0));--> statement-breakpoint\n'
                    'INSERT INTO `__new_users`("id", "s") SELECT "id", "s" FROM `users`;--> statement-breakpoint\n'
                    "DROP TABLE `users`;--> statement-breakpoint\n"
                    "ALTER TABLE `__new_users` RENAME TO `users`;--> statement-breakpoint\nPRAGMA foreign_keys=ON;",
                    dialect="sqlite")
    r = replay(ms, "sqlite")
    assert r.problems == []
    users = r.final.tables["users"]
    assert users.columns["s"].type == "integer" and users.checks["c"].value == '"users"."s" >= 0'
    kinds = [(o.kind, r.table_existed_before(o)) for o in ops(ms[1]) if o.table]
    assert (OpKind.CREATE_TABLE, False) in kinds and (OpKind.DROP_TABLE, True) in kinds


def test_enum_rename_and_move_carry_the_columns_of_that_type():
    ms = migrations('CREATE TYPE "public"."channel" AS ENUM(\'email\', \'chat\');--> statement-breakpoint\n'
                    'CREATE TABLE "t" ("c" "channel", "cs" "channel"[]);',
                    'ALTER TYPE "public"."channel" RENAME TO "contact_channel";--> statement-breakpoint\n'
                    'CREATE SCHEMA "crm";--> statement-breakpoint\n'
                    'ALTER TYPE "public"."contact_channel" SET SCHEMA "crm";')
    r = replay(ms, "postgresql")
    assert r.problems == []
    assert list(r.after["0000_m"].enums) == ["public.channel"]
    assert list(r.final.enums) == ["crm.contact_channel"]
    cols = r.final.tables["public.t"].columns
    assert [(c.type, c.type_schema) for c in cols.values()] == [("contact_channel", "crm"),
                                                                 ("contact_channel[]", "crm")]


def test_identity_type_and_options_change():
    ms = migrations('CREATE TABLE "t" ("id" integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY '
                    '(sequence name "t_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1));',
                    'ALTER TABLE "t" ALTER COLUMN "id" SET GENERATED ALWAYS;--> statement-breakpoint\n'
                    'ALTER TABLE "t" ALTER COLUMN "id" SET INCREMENT BY 5;--> statement-breakpoint\n'
                    'ALTER TABLE "t" ALTER COLUMN "id" SET CYCLE;')
    r = replay(ms, "postgresql")
    identity = r.final.tables["public.t"].columns["id"].identity
    assert (identity.type, identity.increment, identity.cycle, identity.cache) == ("always", "5", True, "1")
    assert r.problems == []


def test_mysql_drop_index_removes_a_unique_constraint_of_that_name():
    ms = migrations('CREATE TABLE `e` (`a` int, `b` int, CONSTRAINT `e_uq` UNIQUE(`a`,`b`));',
                    'ALTER TABLE `e` DROP INDEX `e_uq`;', dialect="mysql")
    r = replay(ms, "mysql")
    assert r.problems == []
    assert r.final.tables["e"].unique_constraints == {}


def test_a_table_renamed_in_the_migration_keeps_its_rows():
    # drizzle-kit's table rename: RENAME TO, then the indexes re-created under the new name. The renamed table still
    # holds every row, so an index built on it is on an existing table; a table created and renamed stays new.
    ms = migrations('CREATE TABLE "t" ("id" integer);',
                    'ALTER TABLE "t" RENAME TO "u";--> statement-breakpoint\nCREATE INDEX "u_idx" ON "u" ("id");'
                    '--> statement-breakpoint\nCREATE TABLE "n" ("id" integer);--> statement-breakpoint\n'
                    'ALTER TABLE "n" RENAME TO "m";--> statement-breakpoint\nCREATE INDEX "m_idx" ON "m" ("id");')
    r = replay(ms, "postgresql")
    index_on_renamed, index_on_new = ops(ms[1])[1], ops(ms[1])[4]
    assert r.table_existed_before(index_on_renamed)
    assert not r.table_existed_before(index_on_new)


def test_postgres_18_named_not_null_constraint_is_validated_and_dropped_by_name():
    # PostgreSQL 18: ADD CONSTRAINT n NOT NULL c NOT VALID makes the column NOT NULL for new rows at once; a later
    # VALIDATE or DROP CONSTRAINT names the constraint, which must not read as a reference to a missing object.
    ms = migrations('CREATE TABLE "t" ("id" integer PRIMARY KEY, "a" integer);',
                    'ALTER TABLE "t" ADD CONSTRAINT "t_a_not_null" NOT NULL "a" NOT VALID;',
                    'ALTER TABLE "t" VALIDATE CONSTRAINT "t_a_not_null";',
                    'ALTER TABLE "t" DROP CONSTRAINT "t_a_not_null";')
    (add,) = ops(ms[1])
    assert (add.kind, add.column, add.constraint_name, add.not_valid) == (OpKind.SET_NOT_NULL, "a", "t_a_not_null", True)
    r = replay(ms, "postgresql")
    after_add = r.after["0001_m"].tables["public.t"].columns["a"]
    assert after_add.not_null and after_add.not_null_not_valid
    assert not r.after["0002_m"].tables["public.t"].columns["a"].not_null_not_valid
    assert not r.after["0003_m"].tables["public.t"].columns["a"].not_null
    assert r.problems == []


def test_validating_an_unknown_constraint_is_still_a_problem():
    ms = migrations('CREATE TABLE "t" ("id" integer PRIMARY KEY, "a" integer);',
                    'ALTER TABLE "t" VALIDATE CONSTRAINT "t_a_not_null";')
    assert [p.message for p in replay(ms, "postgresql").problems] == ['constraint "t_a_not_null" does not exist on "t"']
