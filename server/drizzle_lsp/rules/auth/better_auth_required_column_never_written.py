from __future__ import annotations

from collections.abc import Hashable, Iterable

from drizzle_lsp.model import Column
from drizzle_lsp.rules._support.ts_tables import remove_modifier
from drizzle_lsp.rules.auth._auth import auth_match, auth_memo_key, column_chain, written_by_drizzle
from drizzle_lsp.rules.framework import Fix, ProjectContext, Rule, SchemaContext, Violation

# What the database answers when an insert leaves a NOT NULL column without a default empty.
NOT_NULL_ERRORS = {
    "pg": 'null value in column "{column}" of relation "{table}" violates not-null constraint',
    "sqlite": "NOT NULL constraint failed: {table}.{column}",
    "mysql": "Field '{column}' doesn't have a default value",
}


def known_plugins() -> tuple[str, ...] | None:
    try:
        from drizzle_lsp.better_auth.expected import KNOWN_PLUGINS
    except ImportError:
        return None
    return KNOWN_PLUGINS


class BetterAuthRequiredColumnNeverWritten(Rule):
    """A `NOT NULL` column without a default on a Better Auth table, that Better Auth never writes.

    ## What it does
    Flags, on the tables Better Auth inserts into, a `.notNull()` column with no default of any kind (`.default()`,
    `.defaultNow()`, `$defaultFn`, `$onUpdate`, identity, generated) when Better Auth does not write it: a column the
    team added for its own use (`plan`, `tenantId`), or one of Better Auth's optional fields made required (`image`).
    Columns declared as `additionalFields` in the auth config are written by Better Auth and not flagged; a required
    `account.issuer` is left to `better-auth-stale-issuer`. When the auth config uses plugins drizzle-lsp has no
    description of, extra columns are not judged (the plugin may write them).

    ## Why is this bad?
    Better Auth builds each insert from its own field list. Every insert it makes then fails with the database's
    not-null error (`null value in column "plan" of relation "user" violates not-null constraint` on PostgreSQL,
    `NOT NULL constraint failed: user.plan` on SQLite/D1): for the user table that is every sign-up, in production,
    while the type checker sees nothing wrong.

    ## Example
    ```ts
    import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

    export const user = pgTable("user", {
      id: text("id").primaryKey(),
      name: text("name").notNull(),
      email: text("email").notNull().unique(),
      plan: text("plan").notNull(),
    });

    export const session = pgTable("session", {
      id: text("id").primaryKey(),
      expiresAt: timestamp("expires_at").notNull(),
      token: text("token").notNull().unique(),
    });
    ```

    Use instead:
    ```ts
    import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

    export const user = pgTable("user", {
      id: text("id").primaryKey(),
      name: text("name").notNull(),
      email: text("email").notNull().unique(),
      plan: text("plan").default("free").notNull(),
    });

    export const session = pgTable("session", {
      id: text("id").primaryKey(),
      expiresAt: timestamp("expires_at").notNull(),
      token: text("token").notNull().unique(),
    });
    ```

    ## Fix safety
    The fix removes `.notNull()`, making the column nullable. It is unsafe: the column's TypeScript type becomes
    `string | null`, so code reading it must handle null. Giving it a default, or declaring it in `additionalFields`
    so that Better Auth asks for it at sign-up, are the alternatives the help names.
    """

    name = "better-auth-required-column-never-written"
    group = "auth"
    severity = "error"
    has_fix = True
    target = "schema"
    # A table's findings read the table, the setup (fields, additionalFields, plugins, provider) and which model
    # the table serves: the memo key holds the last two.
    reads_on = {"schema": "unit"}

    def memo_key(self, ctx: ProjectContext) -> Hashable:
        return auth_memo_key(ctx)

    def check_column(self, ctx: SchemaContext) -> Iterable[Violation]:
        column = ctx.column
        match = auth_match(ctx) if column is not None else None
        auth_table = match.model_of(ctx.table) if match is not None else None
        if auth_table is None or column is None or not _required_without_default(column):
            return
        key = column.key or column.name
        setup = match.setup
        if key == "id" or key in setup.additional_fields.get(auth_table.model, {}):
            return
        if auth_table.model == "account" and key == "issuer":
            return  # better-auth-stale-issuer says why and since when
        auth_field = next((f for f in auth_table.fields if f.key == key), None)
        if auth_field is not None and (auth_field.required or auth_field.references is not None):
            return  # Better Auth writes it on every insert
        if auth_field is None and not _extra_columns_judged(setup):
            return
        chain = column_chain(ctx, column)
        if written_by_drizzle(chain):
            return
        error = NOT_NULL_ERRORS.get(setup.provider, NOT_NULL_ERRORS["pg"]).format(column=column.name,
                                                                                 table=ctx.table.name)
        what = (f"Better Auth's optional {auth_table.model}.{auth_field.name} is NOT NULL here, and Better Auth leaves "
                "it empty" if auth_field is not None else
                f"Better Auth does not know `{key}` and never writes it")
        when = "every sign-up" if auth_table.model == "user" else f"every insert Better Auth makes into {ctx.table.key}"
        yield self.violation(
            f"{ctx.table.key}.{key} is NOT NULL with no default: {what}, so {when} fails with \"{error}\"",
            column.range,
            help=f"Give `{key}` a default (`.default(...)` or `$defaultFn`), make it nullable, or declare it in the "
            f"auth config's `{auth_table.model}.additionalFields` so Better Auth writes it.",
            fix=_fix(ctx, column),
        )


def _required_without_default(column: Column) -> bool:
    return (column.not_null and not column.primary_key and column.default is None and column.identity is None
            and column.generated is None and not column.auto_increment)


def _extra_columns_judged(setup) -> bool:
    """Columns Better Auth does not describe are judged only when every plugin in the config is one whose fields
    drizzle-lsp knows, and the plugin list was read completely."""
    known = known_plugins()
    if known is None or any(p not in known for p in setup.plugins):
        return False
    return not any("plugin" in p.message for p in setup.problems)


def _fix(ctx: SchemaContext, column: Column) -> Fix | None:
    if column.range is None:
        return None
    edit = remove_modifier(ctx, column.range, "notNull")
    return Fix(f"Make {column.key} nullable", [edit], "unsafe") if edit is not None else None
