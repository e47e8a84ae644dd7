from __future__ import annotations

from collections.abc import Hashable, Iterable

from drizzle_lsp.better_auth import AuthField, AuthTable
from drizzle_lsp.model import Table
from drizzle_lsp.rules._support.ts_tables import add_extra_config_entry, append_to_list, line_indent, starts_line, \
    table_source
from drizzle_lsp.rules.auth._auth import FIELD_NOT_FOUND, AuthMatch, auth_match, auth_memo_key, columns_by_key, \
    near_column
from drizzle_lsp.rules.auth._write import Writer, index_name, merge_insertions
from drizzle_lsp.rules.framework import Fix, ProjectContext, Rule, SchemaContext, Violation
from drizzle_lsp.schema_ts.columns import to_camel_case


class BetterAuthMissingColumn(Rule):
    """A field Better Auth reads or writes has no column under the JS key it looks up.

    ## What it does
    For each table Better Auth uses (core models and those of the plugins in the auth config), checks that every
    field has a column whose TypeScript key is the field's name, or the name `fields` renames it to. Optional fields
    count too (`image`, `ipAddress`, `refreshToken`): Better Auth reads and writes them. A column that is plainly meant
    as the field but keyed otherwise (`email_verified` for `emailVerified`, or the old name after a `fields` rename)
    is reported on that column.

    ## Why is this bad?
    The Drizzle adapter maps fields to columns by JS key only. A missing key makes Better Auth throw
    `The field "image" does not exist in the "user" Drizzle schema.` at runtime, on the first query that touches the
    field: typically sign-up or sign-in, in production. The SQL name does not help: `email_verified: boolean(...)`
    under the key `email_verified` is invisible to Better Auth.

    ## Example
    ```ts
    import { pgTable, text, timestamp, boolean } from "drizzle-orm/pg-core";

    export const user = pgTable("user", {
      id: text("id").primaryKey(),
      name: text("name").notNull(),
      email: text("email").notNull().unique(),
      emailVerified: boolean("email_verified").default(false).notNull(),
      createdAt: timestamp("created_at").defaultNow().notNull(),
      updatedAt: timestamp("updated_at").defaultNow().notNull(),
    });

    export const session = pgTable("session", {
      id: text("id").primaryKey(),
      expiresAt: timestamp("expires_at").notNull(),
      token: text("token").notNull().unique(),
      createdAt: timestamp("created_at").defaultNow().notNull(),
      updatedAt: timestamp("updated_at").notNull(),
      ipAddress: text("ip_address"),
      userAgent: text("user_agent"),
      userId: text("user_id").notNull().references(() => user.id, { onDelete: "cascade" }),
    });
    ```

    Use instead:
    ```ts
    import { pgTable, text, timestamp, boolean } from "drizzle-orm/pg-core";

    export const user = pgTable("user", {
      id: text("id").primaryKey(),
      name: text("name").notNull(),
      email: text("email").notNull().unique(),
      emailVerified: boolean("email_verified").default(false).notNull(),
      image: text("image"),
      createdAt: timestamp("created_at").defaultNow().notNull(),
      updatedAt: timestamp("updated_at").defaultNow().notNull(),
    });

    export const session = pgTable("session", {
      id: text("id").primaryKey(),
      expiresAt: timestamp("expires_at").notNull(),
      token: text("token").notNull().unique(),
      createdAt: timestamp("created_at").defaultNow().notNull(),
      updatedAt: timestamp("updated_at").notNull(),
      ipAddress: text("ip_address"),
      userAgent: text("user_agent"),
      userId: text("user_id").notNull().references(() => user.id, { onDelete: "cascade" }),
    });
    ```

    ## Fix safety
    The fix adds every missing column of the table as Better Auth's generator writes it (type per provider, default,
    `$onUpdate`, `.notNull()`, `.unique()`, the reference with `onDelete: "cascade"`, and the field's index), and
    imports the builders it needs. It is marked unsafe when it adds a `NOT NULL` column without a default: the
    migration drizzle-kit then generates fails on a table that already has rows (see
    `add-column-not-null-without-default`); backfill first. A column keyed otherwise gets no fix: renaming a key
    touches code elsewhere.
    """

    name = "better-auth-missing-column"
    group = "auth"
    severity = "error"
    has_fix = True
    target = "schema"
    # A table's findings read the table, the setup, which model it serves, and for the fix the file and export key
    # of the tables serving referenced models and the indentation step of the file (the index it adds): the memo
    # key holds all but the table.
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
        missing: list[AuthField] = []
        for auth_field in auth_table.fields:
            if auth_field.key in columns:
                continue
            error = FIELD_NOT_FOUND.format(field=auth_field.key, model=auth_table.export_key)
            near = near_column(table, auth_table, auth_field)
            if near is not None:
                yield self.violation(
                    f"`{near.key}` looks like Better Auth's {auth_table.model}.{auth_field.name}, but the Drizzle "
                    f"adapter looks it up under the key `{auth_field.key}`: Better Auth fails at runtime with "
                    f"\"{error}\"",
                    near.range,
                    help=f"Rename the key to `{auth_field.key}` (the SQL name `{near.name}` can stay), or map it in the "
                    f"auth config: `{auth_table.model}: {{ fields: {{ {auth_field.name}: \"{near.key}\" }} }}`.",
                )
                continue
            missing.append(auth_field)
        if not missing:
            return
        fix = _fix(ctx, match, auth_table, table, missing)
        for auth_field in missing:
            error = FIELD_NOT_FOUND.format(field=auth_field.key, model=auth_table.export_key)
            plugin = f" (added by the {auth_field.plugin} plugin)" if auth_field.plugin else ""
            renamed = (f" (`fields` renames {auth_field.name} to {auth_field.key})"
                       if auth_field.key != auth_field.name else "")
            yield self.violation(
                f"`{table.key}` has no column keyed `{auth_field.key}`{renamed}: Better Auth's "
                f"{auth_table.model}.{auth_field.name}{plugin} is {'required' if auth_field.required else 'optional'}, "
                f"and Better Auth fails at runtime with \"{error}\"",
                table.name_range or table.range,
                help=f"Add `{auth_field.key}` to the table as Better Auth's generator writes it (the quick fix does), "
                "then run `drizzle-kit generate`.",
                fix=fix,
            )


def _fix(ctx: SchemaContext, match: AuthMatch, auth_table: AuthTable, table: Table,
         missing: list[AuthField]) -> Fix | None:
    table_src = table_source(ctx, table)
    if table_src is None or len(table_src.args) < 2 or table_src.args[1].type != "object":
        return None
    source = table_src.source
    writer = Writer(match.setup, source)
    lines = []
    for auth_field in missing:
        ref_key = ref_kind = None
        if auth_field.references is not None:
            referenced = match.table_of(auth_field.references.model)
            referenced_model = next((t for t in match.setup.tables if t.model == auth_field.references.model), None)
            if referenced is None or referenced.key is None or referenced_model is None:
                return None
            if not (referenced.range and referenced.range.path == source.path) and \
                    referenced.key not in source.index.imports:
                return None  # the file cannot name the referenced table
            ref_key, ref_kind = referenced.key, referenced_model.id_kind
        lines.append(writer.column(auth_table, auth_field, ref_key, ref_kind))
    container = table_src.args[1]
    entries = [c for c in container.named_children if c.type != "comment"]
    text = source.text
    if entries and starts_line(text, source.parsed.start(entries[-1])):
        joined = (",\n" + line_indent(text, source.parsed.start(entries[-1]))).join(lines)
    else:
        joined = ", ".join(lines)
    edits = writer.finish(append_to_list(source, container, entries, joined))
    if edits is None:
        return None
    indexed = [f for f in missing if f.index and not f.unique]
    if indexed:
        def entry(param: str, local: str) -> str:
            return ", ".join(writer.index_entry(auth_table, f, param, local) for f in indexed)

        index_edits = add_extra_config_entry(ctx, table, ctx.dialect, "index", entry,
                                             to_camel_case(index_name(auth_table, indexed[0])))
        if index_edits is None:
            return None
        edits = merge_insertions(edits + index_edits)
    keys = ", ".join(f.key for f in missing)
    breaks_rows = any(f.required and f.default is None and not f.on_update_now for f in missing)
    return Fix(f"Add the Better Auth column{'s' if len(missing) > 1 else ''} {keys} to {table.key}", edits,
               "unsafe" if breaks_rows else "safe")
