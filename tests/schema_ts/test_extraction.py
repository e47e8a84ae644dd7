"""Behaviour of the extractor beyond snapshot fidelity: ranges, casing, imports, errors, incremental updates."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from drizzle_lsp.schema_ts import SchemaExtractor, extract_schema

HEADER = 'import { pgTable, integer, text, varchar, timestamp, index } from "drizzle-orm/pg-core";\n'
USERS = HEADER + '''export const users = pgTable("users", {
  id: integer().primaryKey(),
  fullName: text("full_name").notNull(),
  createdAt: timestamp({ withTimezone: true }),
  email: varchar({ length: 255 }),
}, (t) => [index("users_email_idx").on(t.email)]);
'''


def _columns(result, table="public.users"):
    return result.schema.tables[table].columns


def test_column_range_covers_its_definition_and_name_range_its_name() -> None:
    result = extract_schema({"/p/schema.ts": USERS})
    columns = _columns(result)
    full_name = columns["full_name"]
    assert USERS[full_name.range.start:full_name.range.end] == 'fullName: text("full_name").notNull()'
    assert USERS[full_name.type_range.start:full_name.type_range.end] == 'text("full_name")'
    assert USERS[full_name.name_range.start:full_name.name_range.end] == '"full_name"'
    created = columns["createdAt"]
    assert USERS[created.name_range.start:created.name_range.end] == "createdAt"
    table = result.schema.tables["public.users"]
    assert USERS[table.name_range.start:table.name_range.end] == '"users"'
    assert USERS[table.extra_config_range.start:table.extra_config_range.end].startswith("(t) => [index(")
    assert table.key == "users" and full_name.key == "fullName" and full_name.builder == "text"
    assert created.options == {"withTimezone": True}


def test_non_ascii_text_before_a_column_does_not_shift_ranges() -> None:
    text = USERS.replace("export const users", "// Benutzer — 用户 👤 tablé\nexport const users")
    result = extract_schema({"/p/schema.ts": text})
    email = _columns(result)["email"]
    assert text[email.range.start:email.range.end] == "email: varchar({ length: 255 })"
    index = result.schema.tables["public.users"].indexes["users_email_idx"]
    assert text[index.range.start:index.range.end] == 'index("users_email_idx").on(t.email)'


def test_non_ascii_after_update_keeps_ranges() -> None:
    extractor = SchemaExtractor()
    extractor.update("/p/schema.ts", USERS)
    extractor.extract()
    edited = USERS.replace("  id:", "  // ünïcödé 🎉\n  id:")
    extractor.update("/p/schema.ts", edited)
    email = _columns(extractor.extract())["email"]
    assert edited[email.range.start:email.range.end] == "email: varchar({ length: 255 })"


def test_casing_snake_and_camel_apply_to_key_derived_names_only() -> None:
    source = HEADER + '''export const t = pgTable("t", {
  createdAt: timestamp(),
  updated_at: timestamp(),
  explicitOne: text("Keep_This"),
  HTTPStatus: integer(),
});
'''
    snake = _columns(extract_schema({"/p/s.ts": source}, casing="snake_case"), "public.t")
    assert list(snake) == ["created_at", "updated_at", "Keep_This", "http_status"]
    camel = _columns(extract_schema({"/p/s.ts": source}, casing="camelCase"), "public.t")
    assert list(camel) == ["createdAt", "updatedAt", "Keep_This", "httpStatus"]
    plain = _columns(extract_schema({"/p/s.ts": source}), "public.t")
    assert list(plain) == ["createdAt", "updated_at", "Keep_This", "HTTPStatus"]


def test_spread_and_reference_from_imported_files() -> None:
    shared = 'import { timestamp } from "drizzle-orm/pg-core";\nexport const timestamps = {\n' \
             '  createdAt: timestamp().defaultNow().notNull(),\n};\n'
    users = HEADER + 'export const users = pgTable("users", { id: integer().primaryKey() });\n'
    posts = HEADER + '''import { timestamps } from "./columns";
import { users as people } from "./users";
export const posts = pgTable("posts", {
  authorId: integer().references(() => people.id, { onDelete: "cascade" }),
  ...timestamps,
});
'''
    disk = {"/p/columns.ts": shared, "/p/users.ts": users}
    result = extract_schema({"/p/posts.ts": posts}, casing="snake_case", read_file=disk.get)
    table = result.schema.tables["public.posts"]
    assert list(table.columns) == ["author_id", "created_at"]
    created = table.columns["created_at"]
    assert created.default == "now()" and created.not_null
    assert created.range.path == "/p/columns.ts"
    fk = table.foreign_keys["posts_author_id_users_id_fk"]
    assert (fk.table_to, fk.columns_to, fk.on_delete) == ("users", ["id"], "cascade")
    # users.ts was only read to resolve the import: it is not one of the schema files given.
    assert "public.users" not in result.schema.tables


def test_missing_paren_keeps_the_other_columns_and_reports_where() -> None:
    broken = USERS.replace('text("full_name").notNull()', 'text("full_name".notNull()')
    result = extract_schema({"/p/schema.ts": broken})
    errors = [p for p in result.problems if p.code == "syntax-error"]
    assert errors and errors[0].range is not None
    assert errors[0].range.path == "/p/schema.ts"
    assert abs(errors[0].range.start - broken.index('"full_name".notNull()')) < 40
    columns = _columns(result)
    assert {"id", "createdAt", "email"} <= set(columns)
    assert columns["email"].type == "varchar(255)"


def test_computed_table_name_is_a_located_problem_not_an_exception() -> None:
    source = HEADER + '''const suffix = process.env.SUFFIX;
export const dyn = pgTable(`t_${suffix}`, { id: integer() });
export const ok = pgTable("ok", { id: integer(), weird: customThing() });
'''
    result = extract_schema({"/p/s.ts": source})
    unresolved = [p for p in result.problems if p.code == "schema-unresolved"]
    assert len(unresolved) == 2
    table_problem = next(p for p in unresolved if "template" in p.message)
    assert source[table_problem.range.start:table_problem.range.end] == "`t_${suffix}`"
    assert list(result.schema.tables) == ["public.ok"]
    assert list(result.schema.tables["public.ok"].columns) == ["id"]


def test_unexported_tables_are_left_out_like_drizzle_kit_does() -> None:
    source = HEADER + 'const hidden = pgTable("hidden", { id: integer() });\n' \
                      'const shown = pgTable("shown", { id: integer() });\nexport { shown };\n'
    assert list(extract_schema({"/p/s.ts": source}).schema.tables) == ["public.shown"]


def test_incremental_update_only_rereads_the_edited_declaration() -> None:
    source = USERS + 'export const posts = pgTable("posts", { id: integer(), uid: integer().references(() => users.id) });\n'
    extractor = SchemaExtractor()
    extractor.update("/p/s.ts", source)
    first = extractor.extract()
    edited = source.replace('"posts", { id: integer()', '"posts", { id: integer().notNull()')
    extractor.update("/p/s.ts", edited)
    second = extractor.extract()
    assert second.schema.tables["public.users"] is first.schema.tables["public.users"]
    assert second.schema.tables["public.posts"] is not first.schema.tables["public.posts"]
    assert second.schema.tables["public.posts"].columns["id"].not_null
    # Renaming a referenced column must invalidate the dependent table too.
    renamed = edited.replace("id: integer().primaryKey()", 'id: integer("user_id").primaryKey()')
    extractor.update("/p/s.ts", renamed)
    third = extractor.extract()
    assert third.schema.tables["public.posts"].foreign_keys["posts_uid_users_user_id_fk"].columns_to == ["user_id"]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_incremental_edits_equal_a_fresh_extraction_and_never_raise(data) -> None:
    extractor = SchemaExtractor(casing="snake_case")
    text = USERS
    extractor.update("/p/s.ts", text)
    extractor.extract()
    for _ in range(3):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 8)))
        insert = data.draw(st.text(alphabet='ab()"{},.é€ \n', max_size=4))
        text = text[:start] + insert + text[end:]
        extractor.update("/p/s.ts", text)
        incremental = extractor.extract()
        fresh = extract_schema({"/p/s.ts": text}, casing="snake_case")
        assert incremental.schema == fresh.schema
        fresh_root = fresh_tree(text).root_node
        # tree-sitter recovers from errors differently when it reuses the old tree (an edit to `{a` after an
        # earlier broken edit leaves ERROR nodes in other places), so only error-free trees must be identical; the
        # extracted schema above must be equal either way.
        if not fresh_root.has_error:
            assert str(extractor._files["/p/s.ts"].parsed.tree.root_node) == str(fresh_root)


def fresh_tree(text: str):
    from drizzle_lsp.schema_ts.parser import ParsedFile

    return ParsedFile("/p/s.ts", text).tree
