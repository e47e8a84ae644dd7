from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from drizzle_lsp.better_auth import AuthField, AuthSetup, AuthTable
from drizzle_lsp.model import Column
from drizzle_lsp.rules._support.ts_builders import builder_call, drop_option, rename_builder, set_option
from drizzle_lsp.rules._support.ts_tables import remove_modifier
from drizzle_lsp.rules.auth._auth import auth_match, auth_memo_key, column_chain
from drizzle_lsp.rules.framework import Fix, ProjectContext, Rule, SchemaContext, TextEdit, Violation

# Builders per provider and Better Auth type. Builders outside every family (custom types) are not judged.
_FAMILIES = {
    "pg": {
        "string": {"text", "varchar", "char"}, "uuid": {"uuid"}, "boolean": {"boolean"}, "date": {"timestamp"},
        "number": {"integer", "smallint", "bigint", "serial", "smallserial", "bigserial", "real", "doublePrecision",
                   "numeric"},
        "json": {"jsonb", "json"}, "other": {"date", "time", "interval", "bytea"},
    },
    "mysql": {
        "string": {"varchar", "text", "char", "tinytext", "mediumtext", "longtext"}, "boolean": {"boolean"},
        "date": {"timestamp", "datetime"},
        "number": {"int", "bigint", "smallint", "mediumint", "tinyint", "double", "float", "decimal", "serial", "real"},
        "json": {"json"}, "other": {"date", "time", "year", "binary", "varbinary"},
    },
    "sqlite": {"string": {"text"}, "number": {"integer", "real", "numeric"}, "other": {"blob"}},
}
# The builder (and SQLite mode) the fix switches to, as Better Auth's generator writes it.
_TARGET = {
    "pg": {"string": ("text", None), "uuid": ("uuid", None), "boolean": ("boolean", None), "date": ("timestamp", None),
           "number": ("integer", None), "json": ("jsonb", None)},
    "mysql": {"boolean": ("boolean", None), "date": ("timestamp", None), "number": ("int", None), "json": ("json", None)},
    "sqlite": {"string": ("text", None), "boolean": ("integer", "boolean"), "date": ("integer", "timestamp_ms"),
               "number": ("integer", None), "json": ("text", "json")},
}
_SQLITE_MODES = {"boolean": ("boolean",), "date": ("timestamp_ms", "timestamp"), "json": ("json",)}
_CONSEQUENCE = {
    "boolean": "Better Auth writes and tests true/false, and gets something else back (a text column returns the "
               "string \"false\", which JavaScript treats as true)",
    "date": "Better Auth compares it with the current time (session and token expiry) and gets no Date back, so "
            "expiry checks misbehave or inserts fail",
    "number": "Better Auth writes and compares numbers in it",
    "json": "Better Auth stores objects in it",
    "string": "Better Auth writes strings into it, so inserts fail or values come back changed",
}


@dataclass
class _Finding:
    message: str
    family: str  # the expected family, for the fix
    drop_default_random: bool = False


class BetterAuthColumnType(Rule):
    """A Better Auth column whose type does not hold what Better Auth writes into it.

    ## What it does
    Checks the builder of every column Better Auth uses against the field's type, per provider: `text` for strings
    (and for `id`, unless `advanced.database.generateId` is `"uuid"`, then `uuid`, or `"serial"`, then an integer),
    `boolean`, `timestamp` for dates, an integer for numbers (`bigint({ mode: "number" })` where Better Auth stores
    milliseconds), `jsonb`; on SQLite `integer({ mode: "boolean" })`, `integer({ mode: "timestamp_ms" })` and
    `text({ mode: "json" })`. A column referencing an id must have the id's type. Custom column types are not judged.

    ## Why is this bad?
    Better Auth checks names at startup, never types, so a wrong type shows up in production: a `uuid` id under
    Better Auth's default ids fails every sign-up with `invalid input syntax for type uuid` (Better Auth generates
    32-character strings); a boolean stored as text comes back as the string `"false"`, which is truthy; dates in a
    `text` column or a SQLite `integer` without a mode come back as strings or numbers, and expiry checks go wrong.

    ## Example
    ```ts
    import { pgTable, text, timestamp, boolean, uuid } from "drizzle-orm/pg-core";

    export const user = pgTable("user", {
      id: uuid("id").defaultRandom().primaryKey(),
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
      userId: text("user_id").notNull().references(() => user.id, { onDelete: "cascade" }),
    });
    ```

    ## Fix safety
    The fix changes the builder to the one Better Auth's generator writes (importing it), sets the SQLite `mode`, and
    for a `uuid` id under default ids drops `.defaultRandom()`. It is unsafe: drizzle-kit turns it into an
    `ALTER COLUMN ... SET DATA TYPE`, which rewrites the table and may need a `USING` cast for existing rows; columns
    that reference the changed one must change with it.
    """

    name = "better-auth-column-type"
    group = "auth"
    severity = "error"
    has_fix = True
    target = "schema"
    # A table's findings read the table (its columns, their builder chains), the setup (provider, ids, fields, the
    # referenced models' id kinds) and which model the table serves: the memo key holds the last two.
    reads_on = {"schema": "unit"}

    def memo_key(self, ctx: ProjectContext) -> Hashable:
        return auth_memo_key(ctx)

    def check_column(self, ctx: SchemaContext) -> Iterable[Violation]:
        column = ctx.column
        match = auth_match(ctx) if column is not None else None
        auth_table = match.model_of(ctx.table) if match is not None else None
        if auth_table is None or column is None or column.builder is None:
            return
        setup = match.setup
        key = column.key or column.name
        if key == "id":
            found = _id_problem(setup, auth_table, column, ctx)
        else:
            auth_field = next((f for f in auth_table.fields if f.key == key), None)
            if auth_field is None:
                return
            ref_kind = None
            if auth_field.references is not None and auth_field.references.field == "id":
                referenced = next((t for t in setup.tables if t.model == auth_field.references.model), None)
                ref_kind = referenced.id_kind if referenced is not None else None
            found = _field_problem(setup, auth_table, auth_field, column, ref_kind)
        if found is None:
            return
        yield self.violation(
            found.message, column.type_range or column.range,
            help=_help(setup, found.family),
            fix=_fix(ctx, setup, column, found),
        )


def _family_of(provider: str, column: Column) -> str | None:
    builder = column.builder or ""
    mode = column.options.get("mode")
    if provider == "sqlite":
        if builder == "integer" and mode == "boolean":
            return "boolean"
        if builder == "integer" and mode in ("timestamp", "timestamp_ms"):
            return "date"
        if builder in ("text", "blob") and mode == "json":
            return "json"
    for family, builders in _FAMILIES.get(provider, {}).items():
        if builder in builders:
            return family
    return None


def _id_problem(setup: AuthSetup, auth_table: AuthTable, column: Column, ctx: SchemaContext) -> _Finding | None:
    family = _family_of(setup.provider, column)
    if family is None:
        return None
    where = f"{auth_table.export_key}.id is `{column.builder}`"
    if auth_table.id_kind == "uuid":
        if family == "uuid":
            return None
        chain = column_chain(ctx, column)
        if column.default is not None or (chain is not None and chain.has("$defaultFn", "$default")):
            return None
        return _Finding(f"{where}, but with generateId \"uuid\" Better Auth leaves the id to the database's "
                        "default: a column with no uuid default gets no id, and sign-up fails", "uuid")
    if auth_table.id_kind == "serial":
        if family == "number":
            return None
        return _Finding(f"{where}, but with generateId \"serial\" Better Auth expects the database to number rows: "
                        "give it an identity integer", "number")
    if family == "string":
        return None
    if family == "uuid":
        return _Finding(f"{where}, but Better Auth generates 32-character string ids (generateId is not \"uuid\"): "
                        "every insert fails with \"invalid input syntax for type uuid\"", "string",
                        drop_default_random=True)
    return _Finding(f"{where}, but Better Auth generates string ids: every insert fails on it", "string")


def _field_problem(setup: AuthSetup, auth_table: AuthTable, auth_field: AuthField, column: Column,
                   ref_kind: str | None) -> _Finding | None:
    family = _family_of(setup.provider, column)
    if family is None or auth_field.type in ("string[]", "number[]"):
        return None
    wanted = auth_field.type
    if ref_kind == "uuid" and setup.provider == "pg":
        wanted = "uuid"
    where = (f"{auth_table.export_key}.{auth_field.key} is `{column.builder}`"
             + (f" (mode {column.options['mode']!r})" if "mode" in column.options else ""))
    if wanted == "uuid":
        if family == "uuid":
            return None
        return _Finding(f"{where}, but it references a uuid id: the foreign key cannot be created and joins compare "
                        "different types", "uuid")
    if wanted == family:
        return _mode_problem(setup, auth_table, auth_field, column, where)
    if family == "uuid" and wanted == "string" and auth_field.references is not None:
        return _Finding(f"{where}, but it references an id Better Auth generates as a 32-character string: every "
                        "insert fails with \"invalid input syntax for type uuid\"", "string")
    if setup.provider == "sqlite" and wanted in _SQLITE_MODES and column.builder in ("integer", "text", "blob"):
        modes = " or ".join(f"'{m}'" for m in _SQLITE_MODES[wanted])
        return _Finding(f"{where}, but Better Auth's {auth_table.model}.{auth_field.name} is a {wanted}: on SQLite it "
                        f"needs mode {modes}, or Drizzle hands Better Auth raw numbers and strings. "
                        f"{_CONSEQUENCE[wanted]}", wanted)
    return _Finding(f"{where}, but Better Auth's {auth_table.model}.{auth_field.name} is a {wanted}: "
                    f"{_CONSEQUENCE.get(wanted, _CONSEQUENCE['string'])}", wanted)


def _mode_problem(setup: AuthSetup, auth_table: AuthTable, auth_field: AuthField, column: Column,
                  where: str) -> _Finding | None:
    mode = column.options.get("mode")
    if auth_field.type == "date" and mode == "string":
        return _Finding(f"{where}: Drizzle hands Better Auth strings instead of Dates. {_CONSEQUENCE['date']}", "date")
    if auth_field.type == "number" and column.builder == "bigint" and mode == "bigint":
        return _Finding(f"{where}: Drizzle hands Better Auth BigInts, which it compares with numbers and cannot "
                        "serialise to JSON", "number")
    return None


def _help(setup: AuthSetup, family: str) -> str:
    builder, mode = _TARGET.get(setup.provider, {}).get(family, (None, None))
    if builder is None:
        return "Use the type Better Auth's generator writes for this field (`npx auth generate` shows it)."
    written = f"{builder}({{ mode: \"{mode}\" }})" if mode else f"{builder}()"
    return (f"Use `{written}` as Better Auth's generator writes it, then run `drizzle-kit generate`; existing rows "
            "need a cast in the migration.")


def _fix(ctx: SchemaContext, setup: AuthSetup, column: Column, found: _Finding) -> Fix | None:
    builder, mode = _TARGET.get(setup.provider, {}).get(found.family, (None, None))
    call = builder_call(ctx, column.type_range)
    if builder is None or call is None:
        return None
    edits: list[TextEdit] = []
    if call.local_name != builder and column.builder != builder:
        renamed = rename_builder(call, builder, ctx.dialect)
        if renamed is None:
            return None
        edits.extend(renamed)
    for option in ("length", "withTimezone", "precision", "mode") if column.builder != builder else ():
        if option != "mode" or mode is None:
            edits.extend(drop_option(call, option))
    if mode is not None:
        edits.extend(set_option(call, "mode", call.quote() + mode + call.quote()))
    elif column.options.get("mode") in ("string", "bigint") and column.builder == builder:
        edits.extend(set_option(call, "mode", call.quote() + ("date" if found.family == "date" else "number")
                                + call.quote()))
    if found.drop_default_random:
        removal = remove_modifier(ctx, column.range, "defaultRandom")
        if removal is not None:
            edits.append(removal)
    if not edits:
        return None
    return Fix(f"Change {column.key or column.name} to {builder}" + (f" (mode {mode})" if mode else ""), edits,
               "unsafe")
