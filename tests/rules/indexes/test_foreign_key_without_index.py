"""foreign-key-without-index: foreign-key columns that lead no index of their table."""

from __future__ import annotations

import os

from indexes_helpers import FIXTURES, fix_all, fixed, fixture_project, flagged, lint, lint_ts, only, read, ts_project

from drizzle_lsp.model import OpKind
from drizzle_lsp.schema_ts.extractor import extract_schema
from drizzle_lsp.sql import parse_migration
from drizzle_lsp.workspace.snapshots import read_snapshot

RULE = "foreign-key-without-index"
CASE = "fk-index-fix"
INTENDED = {  # what the fix adds: index name -> (table, column), as drizzle-kit must generate it
    "posts_author_id_idx": ("posts", "author_id"),
    "comments_post_id_idx": ("comments", "post_id"),
    "likes_user_id_idx": ("likes", "user_id"),
    "follows_followed_id_idx": ("follows", "followed_id"),
}


# --- a real drizzle-kit project, before and after the fix -------------------------------------------------------------

def test_real_schema_flags_every_unindexed_reference(tmp_path):
    root = fixture_project(tmp_path, CASE, migrations=1)
    findings = lint(root, RULE)
    # follows.follower_id leads the composite primary key; likes.user_id's partial index does not count
    assert sorted(f.message.split('"')[1] for f in findings) == sorted([
        "comments_post_id_posts_id_fk", "follows_followed_id_users_id_fk", "likes_user_id_users_id_fk",
        "posts_author_id_users_id_fk",
    ])
    posts = only(findings, '"posts_author_id_users_id_fk"')
    assert posts.message == (
        'foreign key "posts_author_id_users_id_fk" on "posts" ("author_id") has no index starting with its column: '
        'each delete or key update in "users" scans all of "posts", and joins from it cannot use an index'
    )
    assert flagged(posts) == 'integer().notNull().references(() => users.id, { onDelete: "cascade" })'
    assert 'index("posts_author_id_idx").on(t.authorId)' in posts.help
    assert "CONCURRENTLY" in posts.help and "require-concurrent-index" in posts.help
    assert posts.fix is not None and posts.fix.applicability == "safe"


def test_fix_gives_the_schema_drizzle_kit_accepted(tmp_path):
    """The fixed schema equals ``after.ts``, from which drizzle-kit 0.31.11 generated ``0001_fk_indexes.sql``."""
    root = fixture_project(tmp_path, CASE, migrations=1)
    assert fix_all(root, RULE) == 4
    assert read(os.path.join(root, "schema.ts")) == read(os.path.join(FIXTURES, CASE, "after.ts"))
    assert lint(root, RULE) == []


def test_drizzle_kit_generated_exactly_the_intended_indexes():
    folder = os.path.join(FIXTURES, CASE)
    # the TypeScript drizzle-lsp reads from the fixed schema ...
    fixed_schema = extract_schema({"after.ts": read(os.path.join(folder, "after.ts"))}, "postgresql",
                                  casing="snake_case").schema
    # ... drizzle-kit's snapshot of it, and the SQL drizzle-kit emitted
    snapshot = read_snapshot(os.path.join(folder, "drizzle", "meta", "0001_snapshot.json")).schema
    sql_path = os.path.join(folder, "drizzle", "0001_fk_indexes.sql")
    operations = [op for st in parse_migration(read(sql_path), sql_path, "postgresql") for op in st.operations]
    created = {op.index.name: (op.table, op.index.column_names) for op in operations if op.kind is OpKind.CREATE_INDEX}
    assert created == {name: (table, [column]) for name, (table, column) in INTENDED.items()}
    for name, (table, column) in INTENDED.items():
        ours = fixed_schema.table(table, "public").indexes[name]
        theirs = snapshot.table(table, "public").indexes[name]
        assert (ours.column_names, ours.unique, ours.method, ours.where) == ([column], False, "btree", None)
        assert (theirs.column_names, theirs.unique, theirs.method, theirs.where) == ([column], False, "btree", None)


def test_sql_only_project_flags_the_constraints(tmp_path):
    root = fixture_project(tmp_path, CASE, schema=None, migrations=1)
    findings = lint(root, RULE)
    assert len(findings) == 4
    posts = only(findings, '"posts_author_id_users_id_fk"')
    assert flagged(posts).startswith('CONSTRAINT "posts_author_id_users_id_fk" FOREIGN KEY ("author_id")')
    assert posts.fix is None
    assert 'CREATE INDEX CONCURRENTLY "posts_author_id_idx" ON "posts" ("author_id");' in posts.help
    assert "outside a transaction" in posts.help


def test_sql_side_is_quiet_when_the_schema_declares_the_key(tmp_path):
    root = fixture_project(tmp_path, CASE, migrations=1)
    assert all(f.range.path.endswith("schema.ts") for f in lint(root, RULE))


def test_index_of_a_later_migration_counts(tmp_path):
    root = fixture_project(tmp_path, CASE, schema=None)  # 0001 creates the four indexes
    assert lint(root, RULE) == []


# --- what counts as an index -------------------------------------------------------------------------------------------

USERS = '''import { pgTable, integer, text, index, primaryKey, unique, foreignKey } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
  id: integer().primaryKey(),
});
'''


def test_unique_constraint_and_reordered_composite_index_count(tmp_path):
    ts = USERS + '''
export const members = pgTable("members", {
  userId: integer("user_id").references(() => users.id),
  orgId: integer("org_id"),
  role: text(),
}, (t) => [
  unique().on(t.userId, t.role),
]);

export const grants = pgTable("grants", {
  orgId: integer("org_id").notNull(),
  userId: integer("user_id").notNull(),
}, (t) => [
  foreignKey({ columns: [t.userId, t.orgId], foreignColumns: [members.userId, members.orgId] }),
  index("grants_org_user_idx").on(t.orgId, t.userId),
]);
'''
    assert lint_ts(tmp_path, RULE, ts) == []


def test_index_not_leading_with_the_column_does_not_count(tmp_path):
    ts = USERS + '''
export const posts = pgTable("posts", {
  id: integer().primaryKey(),
  authorId: integer("author_id").references(() => users.id),
  title: text(),
}, (t) => [
  index("posts_title_author_idx").on(t.title, t.authorId),
  index("posts_author_lower_idx").using("hash", t.title),
]);
'''
    findings = lint_ts(tmp_path, RULE, ts)
    assert [f.message.split('"')[1] for f in findings] == ["posts_author_id_users_id_fk"]


def test_primary_key_of_a_one_to_one_table_counts(tmp_path):
    ts = USERS + '''
export const profiles = pgTable("profiles", {
  userId: integer("user_id").primaryKey().references(() => users.id),
});
'''
    assert lint_ts(tmp_path, RULE, ts) == []


def test_index_created_by_a_hand_written_migration_counts(tmp_path):
    ts = USERS + '''
export const posts = pgTable("posts", {
  id: integer().primaryKey(),
  authorId: integer("author_id").references(() => users.id),
});
'''
    sql = (
        "-- 0000_init.sql\n"
        'CREATE TABLE "users" ("id" integer PRIMARY KEY NOT NULL);\n--> statement-breakpoint\n'
        'CREATE TABLE "posts" ("id" integer PRIMARY KEY NOT NULL, "author_id" integer);\n--> statement-breakpoint\n'
        'ALTER TABLE "posts" ADD CONSTRAINT "posts_author_id_users_id_fk" FOREIGN KEY ("author_id") '
        'REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;\n'
        "-- 0001_custom_index.sql\n"
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "posts_author_idx" ON "posts" ("author_id");\n'
    )
    assert lint_ts(tmp_path, RULE, ts, sql=sql) == []
    assert len(lint_ts(tmp_path / "without", RULE, ts, sql=sql.split("-- 0001")[0])) == 1


def test_sqlite_fix_imports_from_sqlite_core(tmp_path):
    ts = '''import { sqliteTable, integer, text } from "drizzle-orm/sqlite-core";

export const users = sqliteTable("users", { id: integer().primaryKey() });
export const notes = sqliteTable("notes", {
  id: integer().primaryKey(),
  authorId: integer("author_id").references(() => users.id),
});
'''
    finding = lint_ts(tmp_path, RULE, ts, dialect="sqlite")[0]
    assert fixed(finding) == ts.replace("integer, text }", "integer, text, index }").replace(
        '  authorId: integer("author_id").references(() => users.id),\n});',
        '  authorId: integer("author_id").references(() => users.id),\n}, (t) => [\n'
        '  index("notes_author_id_idx").on(t.authorId),\n]);',
    )


def test_mysql_is_not_checked(tmp_path):
    ts = '''import { mysqlTable, int } from "drizzle-orm/mysql-core";

export const users = mysqlTable("users", { id: int().primaryKey() });
export const posts = mysqlTable("posts", { id: int().primaryKey(), authorId: int().references(() => users.id) });
'''
    assert lint_ts(tmp_path, RULE, ts, dialect="mysql") == []


# --- the fix follows the code around it --------------------------------------------------------------------------------

def _fixed(tmp_path, table_source: str, imports: str = 'import { pgTable, integer } from "drizzle-orm/pg-core";\n') -> str:
    ts = imports + '\nexport const users = pgTable("users", { id: integer().primaryKey() });\n\n' + table_source
    root = ts_project(tmp_path, ts)
    fix_all(root, RULE)
    return read(os.path.join(root, "src", "schema.ts")).split("\n\n", 2)[2]


def test_fix_appends_to_an_array_with_a_trailing_comma(tmp_path):
    source = '''export const posts = pgTable(
  "posts",
  {
    id: integer().primaryKey(),
    authorId: integer().references(() => users.id), // who wrote it
  },
  (table) => [
    index("posts_id_idx").on(table.id), // redundant on purpose
  ],
);
'''
    assert _fixed(tmp_path, source, 'import { pgTable, integer, index } from "drizzle-orm/pg-core";\n') == source.replace(
        "// redundant on purpose\n", '// redundant on purpose\n    index("posts_authorId_idx").on(table.authorId),\n')


def test_fix_appends_to_a_one_line_array(tmp_path):
    source = ('export const posts = pgTable("posts", { id: integer().primaryKey(), '
              'authorId: integer().references(() => users.id) }, (t) => [index("a").on(t.id)]);\n')
    assert _fixed(tmp_path, source, 'import { pgTable, integer, index } from "drizzle-orm/pg-core";\n') == (
        source.replace('[index("a").on(t.id)]', '[index("a").on(t.id), index("posts_authorId_idx").on(t.authorId)]'))


def test_fix_fills_an_empty_callback_and_names_its_parameter(tmp_path):
    source = ('export const posts = pgTable("posts", { id: integer().primaryKey(), '
              'authorId: integer().references(() => users.id) }, () => []);\n')
    assert _fixed(tmp_path, source) == source.replace(
        "() => []", '(t) => [index("posts_authorId_idx").on(t.authorId)]')


def test_fix_keeps_the_deprecated_object_form_and_a_block_body(tmp_path):
    source = '''export const posts = pgTable("posts", {
  id: integer().primaryKey(),
  authorId: integer().references(() => users.id),
}, (t) => {
  return {
    idIdx: index("posts_id_idx").on(t.id)
  };
});
'''
    assert _fixed(tmp_path, source, 'import { pgTable, integer, index } from "drizzle-orm/pg-core";\n') == (
        source.replace('on(t.id)\n', 'on(t.id),\n    postsAuthorIdIdx: index("posts_authorId_idx").on(t.authorId)\n'))


def test_fix_prefers_a_named_import_and_keeps_an_alias(tmp_path):
    source = '''export const posts = pgTable("posts", {
  id: integer().primaryKey(),
  authorId: integer().references(() => users.id),
});
'''
    # a named import wins over a namespace import: drizzle-lsp reads `index(...)` entries, not `p.index(...)`
    imports = 'import * as p from "drizzle-orm/pg-core";\nimport { pgTable, integer } from "drizzle-orm/pg-core";\n'
    assert '(t) => [\n  index("posts_authorId_idx").on(t.authorId),\n]' in _fixed(tmp_path, source, imports)
    aliased = 'import { pgTable, integer, index as idx } from "drizzle-orm/pg-core";\n'
    assert 'idx("posts_authorId_idx").on(t.authorId)' in _fixed(tmp_path / "alias", source, aliased)


def test_fix_aliases_index_when_the_name_is_taken(tmp_path):
    source = '''const index = 3;
export const posts = pgTable("posts", {
  id: integer().primaryKey(),
  authorId: integer().references(() => users.id),
});
'''
    ts = 'import { pgTable, integer } from "drizzle-orm/pg-core";\n\nexport const users = pgTable("users", { id: integer().primaryKey() });\n\n' + source
    root = ts_project(tmp_path, ts)
    fix_all(root, RULE)
    text = read(os.path.join(root, "src", "schema.ts"))
    assert 'import { pgTable, integer, index as pgIndex } from "drizzle-orm/pg-core";' in text
    assert 'pgIndex("posts_authorId_idx").on(t.authorId)' in text


def test_fix_adds_an_import_statement_when_pg_core_is_not_imported(tmp_path):
    ts = '''import { users, pgTable, integer } from "./base";

export const posts = pgTable("posts", {
  id: integer().primaryKey(),
  authorId: integer().references(() => users.id),
});
'''
    base = '''import { pgTable, integer } from "drizzle-orm/pg-core";
export { pgTable, integer };
export const users = pgTable("users", { id: integer().primaryKey() });
'''
    root = ts_project(tmp_path, ts)
    with open(os.path.join(root, "src", "base.ts"), "w") as handle:
        handle.write(base)
    finding = lint(root, RULE)[0]
    assert fixed(finding).startswith(
        'import { users, pgTable, integer } from "./base";\nimport { index } from "drizzle-orm/pg-core";\n')
