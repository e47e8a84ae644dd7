"""duplicate-index: an index another index, a unique constraint or the primary key already provides."""

from __future__ import annotations

import os

from indexes_helpers import FIXTURES, fix_all, fixed, fixture_project, flagged, lint, lint_ts, only, read

from drizzle_lsp.model import OpKind
from drizzle_lsp.sql import parse_migration

RULE = "duplicate-index"
CASE = "keys-and-names"


def test_real_schema_flags_the_prefix_index_and_the_repeated_key(tmp_path):
    root = fixture_project(tmp_path, CASE, migrations=1)
    findings = lint(root, RULE)
    assert len(findings) == 2
    prefix = only(findings, '"orders_customer_idx"')
    assert prefix.message == (
        'index "orders_customer_idx" on "orders" ("customer_id") is redundant: its column is the leading part of '
        'index "orders_customer_created_idx" ("customer_id", "created_at"), which serves the same lookups'
    )
    assert flagged(prefix) == 'index("orders_customer_idx").on(t.customerId)'
    assert "DROP INDEX CONCURRENTLY" in prefix.help and "require-concurrent-index-drop" in prefix.help
    repeat = only(findings, '"orders_id_idx"')
    assert repeat.message == (
        'unique index "orders_id_idx" on "orders" ("id") repeats primary key "orders_pkey": the same index is built '
        "and maintained twice"
    )
    assert repeat.fix is not None and repeat.fix.applicability == "unsafe"


def test_fix_gives_the_schema_drizzle_kit_turned_into_drop_index(tmp_path):
    root = fixture_project(tmp_path, CASE, migrations=1)
    assert fix_all(root, RULE, ("unsafe",)) == 2
    assert read(os.path.join(root, "schema.ts")) == read(os.path.join(FIXTURES, CASE, "after.ts"))
    sql_path = os.path.join(FIXTURES, CASE, "drizzle", "0001_drop_duplicates.sql")
    dropped = [op.index_name for st in parse_migration(read(sql_path), sql_path, "postgresql")
               for op in st.operations if op.kind is OpKind.DROP_INDEX]
    assert dropped == ["orders_customer_idx", "orders_id_idx"]


def test_schema_dropping_the_index_before_generate_is_quiet(tmp_path):
    # the indexes still exist after migration 0000, but drizzle-kit's snapshot knows them: the next generate drops them
    root = fixture_project(tmp_path, CASE, schema="after.ts", migrations=1)
    assert lint(root, RULE) == []


def test_sql_only_project_flags_the_create_index(tmp_path):
    root = fixture_project(tmp_path, CASE, schema=None, migrations=1)
    findings = lint(root, RULE)
    prefix = only(findings, '"orders_customer_idx"')
    assert flagged(prefix) == 'CREATE INDEX "orders_customer_idx" ON "orders" USING btree ("customer_id");'
    assert prefix.fix is None and 'DROP INDEX CONCURRENTLY "orders_customer_idx";' in prefix.help
    assert len(findings) == 2


def test_index_dropped_by_a_later_migration_is_gone(tmp_path):
    assert lint(fixture_project(tmp_path, CASE, schema=None), RULE) == []


HEAD = '''import { pgTable, integer, text, timestamp, index, uniqueIndex, unique, uuid } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
'''


def test_partial_expression_and_differently_ordered_indexes_are_not_duplicates(tmp_path):
    ts = HEAD + '''
export const orders = pgTable("orders", {
  id: integer().primaryKey(),
  customerId: integer("customer_id").notNull(),
  email: text(),
  createdAt: timestamp("created_at").notNull(),
}, (t) => [
  index("orders_customer_created_idx").on(t.customerId, t.createdAt),
  index("orders_open_idx").on(t.customerId).where(sql`${t.createdAt} > now()`),
  index("orders_lower_email_idx").on(sql`lower(${t.email})`),
  index("orders_email_idx").on(t.email),
  index("orders_created_customer_idx").on(t.createdAt.desc(), t.customerId),
  index("orders_created_idx").on(t.createdAt),
  index("orders_email_hash_idx").using("hash", t.email),
  uniqueIndex("orders_customer_email_key").on(t.customerId, t.email),
]);
'''
    findings = lint_ts(tmp_path, RULE, ts)
    # a b-tree scanned backwards serves created_at DESC too, but only identical sort orders are compared
    assert findings == []


def test_unique_index_on_fewer_columns_is_not_redundant(tmp_path):
    ts = HEAD + '''
export const members = pgTable("members", {
  orgId: integer("org_id").notNull(),
  userId: integer("user_id").notNull(),
}, (t) => [
  uniqueIndex("members_org_idx").on(t.orgId),
  index("members_org_user_idx").on(t.orgId, t.userId),
]);
'''
    assert lint_ts(tmp_path, RULE, ts) == []


def test_identical_indexes_flag_the_later_one(tmp_path):
    ts = HEAD + '''
export const posts = pgTable("posts", {
  id: integer().primaryKey(),
  authorId: integer("author_id"),
}, (t) => [
  index("posts_author_idx").on(t.authorId),
  index("posts_author_again_idx").on(t.authorId),
]);
'''
    finding = lint_ts(tmp_path, RULE, ts)
    assert [f.message.split('"')[1] for f in finding] == ["posts_author_again_idx"]
    assert finding[0].message.endswith('repeats index "posts_author_idx": the same index is built and maintained twice')
    assert fixed(finding[0]) == ts.replace('  index("posts_author_again_idx").on(t.authorId),\n', "")


def test_unique_call_on_a_primary_key_is_removed_from_the_chain(tmp_path):
    ts = HEAD + '''
export const users = pgTable("users", {
  id: uuid()
    .primaryKey()
    .unique()
    .defaultRandom(),
  email: text(),
});
'''
    finding = only(lint_ts(tmp_path, RULE, ts), '"users_id_unique"')
    assert finding.message == (
        'unique constraint "users_id_unique" on "users" ("id") repeats primary key "users_pkey": the same index is '
        "built and maintained twice"
    )
    assert "Remove the unique constraint" in finding.help
    assert fixed(finding) == ts.replace("\n    .unique()", "")


def test_fix_on_one_line_array_keeps_the_others(tmp_path):
    ts = HEAD + '''
export const t1 = pgTable("t1", { a: integer(), b: integer() }, (t) => [index("t1_a").on(t.a), index("t1_ab").on(t.a, t.b)]);
export const t2 = pgTable("t2", { a: integer(), b: integer() }, (t) => [index("t2_ab").on(t.a, t.b), index("t2_a").on(t.a)]);
export const t3 = pgTable("t3", { a: integer(), b: integer() }, (t) => ({ ab: index("t3_ab").on(t.a, t.b), a: index("t3_a").on(t.a) }));
'''
    findings = lint_ts(tmp_path, RULE, ts)
    assert fixed(only(findings, '"t1_a"')) == ts.replace('[index("t1_a").on(t.a), ', "[")
    assert fixed(only(findings, '"t2_a"')) == ts.replace(', index("t2_a").on(t.a)]', "]")
    assert fixed(only(findings, '"t3_a"')) == ts.replace(', a: index("t3_a").on(t.a) }', " }")


def test_hand_written_index_on_a_schema_table_is_flagged_in_the_migration(tmp_path):
    ts = HEAD + '''
export const posts = pgTable("posts", {
  id: integer().primaryKey(),
  authorId: integer("author_id"),
}, (t) => [index("posts_author_idx").on(t.authorId)]);
'''
    sql = (
        "-- 0000_init.sql\n"
        'CREATE TABLE "posts" ("id" integer PRIMARY KEY NOT NULL, "author_id" integer);\n--> statement-breakpoint\n'
        'CREATE INDEX "posts_author_idx" ON "posts" USING btree ("author_id");\n'
        "-- 0001_custom.sql\n"
        'CREATE INDEX "posts_author_id_hand_idx" ON "posts" ("author_id");\n'
    )
    finding = only(lint_ts(tmp_path, RULE, ts, sql=sql), '"posts_author_id_hand_idx"')
    assert finding.range.path.endswith("0001_custom.sql")
    assert finding.message.endswith('repeats index "posts_author_idx": the same index is built and maintained twice')
