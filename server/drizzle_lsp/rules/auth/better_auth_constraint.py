from __future__ import annotations

from collections.abc import Hashable, Iterable

from drizzle_lsp.better_auth import AuthField, AuthTable
from drizzle_lsp.model import Column, ForeignKey, Table
from drizzle_lsp.rules._support.table_keys import covering_key, table_keys
from drizzle_lsp.rules._support.ts_builders import append_modifier, builder_call
from drizzle_lsp.rules._support.ts_tables import add_extra_config_entry, member_access, quote_of, string_literal
from drizzle_lsp.rules.auth._auth import AuthMatch, auth_match, auth_memo_key, column_chain, columns_by_key, id_column
from drizzle_lsp.rules.auth._write import index_name
from drizzle_lsp.rules.framework import Fix, ProjectContext, Rule, SchemaContext, TextEdit, Violation
from drizzle_lsp.schema_ts.columns import to_camel_case


class BetterAuthConstraint(Rule):
    """A Better Auth table without the uniqueness, foreign key or index Better Auth's schema declares.

    ## What it does
    For the columns Better Auth uses, checks what its generator declares and the rest of Better Auth assumes:
    unique fields are unique (`user.email`, `session.token`, `organization.slug`, `username`); every reference
    (`session.userId`, `account.userId`, the plugins' `userId`, `organizationId` ...) is a foreign key to the right
    table's `id` with `ON DELETE CASCADE`; indexed fields (`session.userId`, `account.userId`,
    `verification.identifier` ...) lead some index. On a foreign-key column this finding takes the place of
    `foreign-key-without-index`'s, with the index named as Better Auth's generator names it.

    ## Why is this bad?
    Better Auth does not check any of this at runtime, and relies on all of it. Without a unique email, two
    concurrent sign-ups create two users with one address; without a unique token, a session lookup can return the
    wrong user. Without `ON DELETE CASCADE`, deleting a user fails with a foreign-key violation (SQLSTATE 23503)
    as long as a session, account or plugin row points at it; without any foreign key, those rows outlive the user.
    Without the indexes, every request that resolves a session, and every sign-in by email link, scans the table.

    ## Example
    ```ts
    import { pgTable, text, timestamp, boolean, index } from "drizzle-orm/pg-core";

    export const user = pgTable("user", {
      id: text("id").primaryKey(),
      name: text("name").notNull(),
      email: text("email").notNull(),
      emailVerified: boolean("email_verified").default(false).notNull(),
    });

    export const session = pgTable("session", {
      id: text("id").primaryKey(),
      expiresAt: timestamp("expires_at").notNull(),
      token: text("token").notNull().unique(),
      userId: text("user_id").notNull().references(() => user.id, { onDelete: "cascade" }),
    }, (t) => [index("session_userId_idx").on(t.userId)]);
    ```

    Use instead:
    ```ts
    import { pgTable, text, timestamp, boolean, index } from "drizzle-orm/pg-core";

    export const user = pgTable("user", {
      id: text("id").primaryKey(),
      name: text("name").notNull(),
      email: text("email").notNull().unique(),
      emailVerified: boolean("email_verified").default(false).notNull(),
    });

    export const session = pgTable("session", {
      id: text("id").primaryKey(),
      expiresAt: timestamp("expires_at").notNull(),
      token: text("token").notNull().unique(),
      userId: text("user_id").notNull().references(() => user.id, { onDelete: "cascade" }),
    }, (t) => [index("session_userId_idx").on(t.userId)]);
    ```

    ## Fix safety
    A missing index is added as the generator names it (`<model>_<field>_idx`): safe, it only declares an index
    (build it `CONCURRENTLY` on a live table, see `require-concurrent-index`). Adding `.unique()`, a `.references(...)`
    or `onDelete: "cascade"` is unsafe: the migration fails while duplicate or orphaned rows exist, and validates the
    whole table under lock; clean the data first.
    """

    name = "better-auth-constraint"
    group = "auth"
    severity = "warning"
    has_fix = True
    target = "schema"
    # A table's findings read the table, the setup, which model it serves, of the table serving each referenced
    # model its file, export key, SQL name and id column (the foreign key's target, the fix's reference), and the
    # indentation step of the file (the index fix): the memo key holds all but the table.
    reads_on = {"schema": "unit"}

    def memo_key(self, ctx: ProjectContext) -> Hashable:
        return auth_memo_key(ctx, parents=True, layout=True)

    def check_table(self, ctx: SchemaContext) -> Iterable[Violation]:
        match = auth_match(ctx)
        auth_table = match.model_of(ctx.table) if match is not None else None
        if auth_table is None:
            return
        table = ctx.table
        columns = columns_by_key(table)
        keys = table_keys(table)
        for auth_field in auth_table.fields:
            column = columns.get(auth_field.key)
            if column is None:
                continue  # better-auth-missing-column
            covered = covering_key(keys, [column.name])
            if auth_field.unique and not _unique(keys, column):
                yield self.violation(
                    f"{auth_table.export_key}.{auth_field.key} is not unique: Better Auth looks rows up by it and "
                    f"assumes one match ({_unique_why(auth_table, auth_field)})",
                    column.range,
                    help="Add `.unique()` to the column (clean up duplicates first).",
                    fix=_unique_fix(ctx, column),
                )
            elif auth_field.index and covered is None:
                name = index_name(auth_table, auth_field)
                yield self.violation(
                    f"{auth_table.export_key}.{auth_field.key} has no index: Better Auth queries "
                    f"{auth_table.model} by {auth_field.name} ({_index_why(auth_table, auth_field)}), so each of "
                    "those queries scans the table",
                    column.range,
                    help=f"Add `index(\"{name}\").on(t.{auth_field.key})` to the table's config.",
                    fix=_index_fix(ctx, table, auth_table, auth_field, name),
                    # The same missing index, named as Better Auth's generator names it: one warning, not two.
                    supersedes=("foreign-key-without-index",),
                )
            if auth_field.references is not None:
                yield from self._reference(ctx, match, auth_table, auth_field, table, column)

    def _reference(self, ctx: SchemaContext, match: AuthMatch, auth_table: AuthTable, auth_field: AuthField,
                   table: Table, column: Column) -> Iterable[Violation]:
        ref = auth_field.references
        assert ref is not None
        parent = match.table_of(ref.model)
        parent_id = id_column(parent) if parent is not None else None
        if parent is None or parent_id is None:
            return  # better-auth-missing-table / -missing-column report the parent
        fk = next((f for f in table.foreign_keys.values() if f.columns_from == [column.name]), None)
        what = f"{auth_table.export_key}.{auth_field.key}"
        target = f"{parent.key}.id"
        if fk is None:
            yield self.violation(
                f"{what} has no foreign key to {target}: the {auth_table.model} rows of a deleted "
                f"{ref.model} stay behind, and nothing stops a row pointing at a {ref.model} that does not exist",
                column.range,
                help=f"Add `.references(() => {target}, {{ onDelete: \"cascade\" }})` to the column (remove orphaned "
                "rows first).",
                fix=_references_fix(ctx, column, parent, source_path=column.range.path if column.range else None),
            )
            return
        if fk.table_to != parent.name or fk.columns_to != [parent_id.name]:
            yield self.violation(
                f"{what} references {fk.table_to}({', '.join(fk.columns_to)}), but Better Auth stores "
                f"{target} in it",
                fk.range or column.range,
                help=f"Point the reference at {target} with `{{ onDelete: \"cascade\" }}`.",
            )
            return
        wanted = ref.on_delete or "cascade"
        if (fk.on_delete or "no action") != wanted:
            yield self.violation(
                f"{what} references {target} with ON DELETE {(fk.on_delete or 'no action').upper()}: deleting a "
                f"{ref.model} fails with a foreign-key violation (SQLSTATE 23503) while a {auth_table.model} row "
                f"points at it, and Better Auth's delete-{ref.model} relies on ON DELETE {wanted.upper()}",
                fk.range or column.range,
                help=f"Add `{{ onDelete: \"{wanted}\" }}` to the reference.",
                fix=_cascade_fix(ctx, column, fk, wanted),
            )


def _unique(keys, column: Column) -> bool:
    return column.primary_key or any(k.unique and not k.partial and list(k.columns) == [column.name] for k in keys)


def _unique_why(auth_table: AuthTable, auth_field: AuthField) -> str:
    if auth_table.model == "user" and auth_field.name == "email":
        return "two sign-ups racing with one address create two users"
    if auth_table.model == "session" and auth_field.name == "token":
        return "a duplicate token would resolve to another user's session"
    return "a duplicate makes lookups return an arbitrary row"


def _index_why(auth_table: AuthTable, auth_field: AuthField) -> str:
    if auth_field.references is not None:
        return f"listing and deleting a {auth_field.references.model}'s rows"
    return "on every lookup"


def _unique_fix(ctx: SchemaContext, column: Column) -> Fix | None:
    call = builder_call(ctx, column.type_range)
    if call is None:
        return None
    return Fix(f"Make {column.key} unique", [append_modifier(call, ".unique()")], "unsafe")


def _index_fix(ctx: SchemaContext, table: Table, auth_table: AuthTable, auth_field: AuthField,
               name: str) -> Fix | None:
    from drizzle_lsp.rules._support.ts_tables import table_source

    table_src = table_source(ctx, table)
    if table_src is None:
        return None
    quote = quote_of(table_src.source)

    def entry(param: str, local: str) -> str:
        return f"{local}({string_literal(name, quote)}).on({member_access(param, auth_field.key)})"

    edits = add_extra_config_entry(ctx, table, ctx.dialect, "index", entry, to_camel_case(name))
    return Fix(f'Add index "{name}"', edits, "safe") if edits else None


def _references_fix(ctx: SchemaContext, column: Column, parent: Table, source_path: str | None) -> Fix | None:
    chain = column_chain(ctx, column)
    if chain is None or parent.key is None:
        return None
    local = parent.key
    if not (parent.range is not None and parent.range.path == source_path) and local not in chain.source.index.imports:
        return None  # the file cannot name the parent table
    quote = quote_of(chain.source)
    text = f".references(() => {member_access(local, 'id')}, {{ onDelete: {string_literal('cascade', quote)} }})"
    return Fix(f"Reference {local}.id with ON DELETE CASCADE",
               [TextEdit.insert(chain.source.path, chain.source.parsed.end(chain.value), text)], "unsafe")


def _cascade_fix(ctx: SchemaContext, column: Column, fk: ForeignKey, wanted: str) -> Fix | None:
    chain = column_chain(ctx, column)
    call = chain.call("references") if chain is not None else None
    if chain is None or call is None:
        return None
    args = chain.arguments(call)
    quote = quote_of(chain.source)
    parsed = chain.source.parsed
    pair = f"onDelete: {string_literal(wanted, quote)}"
    if len(args) == 1:
        edit = TextEdit.insert(chain.source.path, parsed.end(args[0]), f", {{ {pair} }}")
    elif len(args) == 2 and args[1].type == "object":
        members = [c for c in args[1].named_children if c.type != "comment"]
        existing = next((m for m in members if m.type == "pair" and
                         chain.source.node_text(m.child_by_field_name("key")).strip("'\"") == "onDelete"), None)
        if existing is not None:
            edit = TextEdit.replace(chain.rng(existing), pair)
        elif members:
            edit = TextEdit.insert(chain.source.path, parsed.end(members[-1]), f", {pair}")
        else:
            edit = TextEdit.replace(chain.rng(args[1]), f"{{ {pair} }}")
    else:
        return None
    return Fix(f"Delete {column.key} rows with their parent (ON DELETE {wanted.upper()})", [edit], "unsafe")
