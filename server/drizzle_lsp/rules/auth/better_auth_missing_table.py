from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.better_auth import AuthTable
from drizzle_lsp.better_auth.reader import UNRESOLVED
from drizzle_lsp.model import SourceRange, Table
from drizzle_lsp.rules._support.ts_builders import schema_source
from drizzle_lsp.rules._support.ts_tables import node_spanning
from drizzle_lsp.rules.auth._auth import MODEL_NOT_FOUND, AuthMatch, auth_match, home_file, norm
from drizzle_lsp.rules.auth._write import Writer
from drizzle_lsp.rules.framework import Fix, ProjectContext, Rule, TextEdit, Violation


class BetterAuthMissingTable(Rule):
    """A table Better Auth needs is not exported from the schema under the key it looks up.

    ## What it does
    Reads the project's `betterAuth({...})` call statically (the plugins, `usePlural`, `modelName`, `rateLimit`
    storage) and checks that every table those options need is exported from the Drizzle schema under the key the
    Drizzle adapter looks up: the model's name (`user`, `twoFactor`), its `modelName` when set, with an `s` added when
    `usePlural` is true. A table that is there under another key (`users` without `usePlural`, a snake_case key) is
    reported on that table. Options the call holds in a form that cannot be read without running it (a spread of an
    imported object, a computed plugin list) are reported as information (`better-auth-config-unresolved`), with the
    default that was assumed instead.

    ## Why is this bad?
    Better Auth only finds out at runtime, on the first request that needs the table, and then throws
    `The model "verification" was not found in the schema object.`: sign-in by email link, two-factor setup or
    inviting a member fails in production while everything else works. A table missing from the schema is also
    missing from the database, since drizzle-kit generates migrations from the schema.

    ## Example
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

    export const account = pgTable("account", {
      id: text("id").primaryKey(),
      accountId: text("account_id").notNull(),
      providerId: text("provider_id").notNull(),
      userId: text("user_id").notNull().references(() => user.id, { onDelete: "cascade" }),
      password: text("password"),
      createdAt: timestamp("created_at").defaultNow().notNull(),
      updatedAt: timestamp("updated_at").notNull(),
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

    export const account = pgTable("account", {
      id: text("id").primaryKey(),
      accountId: text("account_id").notNull(),
      providerId: text("provider_id").notNull(),
      userId: text("user_id").notNull().references(() => user.id, { onDelete: "cascade" }),
      password: text("password"),
      createdAt: timestamp("created_at").defaultNow().notNull(),
      updatedAt: timestamp("updated_at").notNull(),
    });

    export const verification = pgTable("verification", {
      id: text("id").primaryKey(),
      identifier: text("identifier").notNull(),
      value: text("value").notNull(),
      expiresAt: timestamp("expires_at").notNull(),
      createdAt: timestamp("created_at").defaultNow().notNull(),
      updatedAt: timestamp("updated_at").defaultNow().notNull(),
    });
    ```

    ## Fix safety
    The fix inserts every missing table as Better Auth's generator writes it (columns, defaults, `$onUpdate`,
    references with `onDelete: "cascade"`, indexes), after the other auth tables of the file that holds the user
    table, and imports the builders it uses. It is safe: a new table changes nothing that exists. No fix is offered
    for a table exported under the wrong key: renaming an export touches code elsewhere; rename it, or set
    `usePlural` / `modelName` to match.
    """

    name = "better-auth-missing-table"
    group = "auth"
    severity = "error"
    has_fix = True
    target = "project"
    reads = "project"  # the Better Auth setup (auth config, package.json), every schema file

    def check_project(self, ctx: ProjectContext) -> Iterable[Violation]:
        match = auth_match(ctx)
        if match is None:
            return
        for problem in match.setup.problems:
            yield Violation(UNRESOLVED, problem.message, problem.range, problem.severity,
                            help="The schema is checked against Better Auth's default for this option.", group="auth")
        missing = [t for t in match.setup.tables if t.model not in match.tables]
        if not missing:
            return
        home = home_file(match, ctx.project)
        near = {t.model: _near_table(match, t) for t in missing}
        insertable = [t for t in missing if near[t.model] is None]
        fix = _fix(ctx, match, insertable, home) if insertable else None
        for auth_table in missing:
            error = MODEL_NOT_FOUND.format(model=auth_table.export_key)
            needed = f" (the {auth_table.plugin} plugin's)" if auth_table.plugin else ""
            found = near[auth_table.model]
            if found is not None:
                yield self.violation(
                    f"`{found.key}` looks like Better Auth's {auth_table.model} table{needed}, but the Drizzle adapter "
                    f"looks it up as `{auth_table.export_key}` ({_why(match, auth_table)}): Better Auth fails at runtime "
                    f"with \"{error}\"",
                    found.name_range or found.range,
                    help=f"Export it as `{auth_table.export_key}`, or make the auth config match the export "
                    f"({_option_hint(match, auth_table, found)}).",
                )
                continue
            where = SourceRange(home, 0, 0) if home else None
            yield self.violation(
                f"no table is exported as `{auth_table.export_key}`: Better Auth needs its {auth_table.model} "
                f"table{needed} and fails at runtime with \"{error}\"",
                where,
                help="Add the table as Better Auth's generator writes it (the quick fix does), then run "
                "`drizzle-kit generate`.",
                fix=fix,
            )


def _why(match: AuthMatch, auth_table: AuthTable) -> str:
    setup = match.setup
    parts = []
    if auth_table.model in setup.model_names:
        parts.append(f'modelName "{setup.model_names[auth_table.model]}"')
    parts.append(f"usePlural {'true' if setup.use_plural else 'false'}")
    if setup.schema_keys:
        parts.append("the keys of drizzleAdapter's `schema` object")
    return ", ".join(parts)


def _option_hint(match: AuthMatch, auth_table: AuthTable, found: Table) -> str:
    key = found.key or ""
    singular = key[:-1] if key.endswith("s") else key
    if key == auth_table.export_key + "s" or (key.endswith("s") and singular == auth_table.export_key):
        return "`usePlural: true` in drizzleAdapter's options"
    if auth_table.export_key.endswith("s") and key == auth_table.export_key[:-1]:
        return "drop `usePlural: true`"
    return f'`{auth_table.model}: {{ modelName: "{key}" }}` in betterAuth({{...}})'


def _near_table(match: AuthMatch, auth_table: AuthTable) -> Table | None:
    wanted = {norm(auth_table.export_key), norm(auth_table.model), norm(auth_table.sql_name)}
    for table in match.schema.tables.values():
        if table.key is None or match.model_of(table) is not None:
            continue
        if norm(table.key) in wanted or norm(table.name) in wanted:
            return table
    return None


def _fix(ctx: ProjectContext, match: AuthMatch, tables: list[AuthTable], home: str | None) -> Fix | None:
    if home is None:
        return None
    source = _source(ctx, home)
    if source is None:
        return None
    writer = Writer(match.setup, source)
    refs: dict[str, tuple[str, str]] = {}
    for auth_table in match.setup.tables:
        table = match.table_of(auth_table.model)
        if table is not None and table.key and _reachable(source, table, home):
            refs[auth_table.model] = (table.key, auth_table.id_kind)
        elif auth_table in tables:
            refs[auth_table.model] = (auth_table.export_key, auth_table.id_kind)
    for auth_table in tables:
        for auth_field in auth_table.fields:
            if auth_field.references is not None and auth_field.references.model not in refs:
                return None  # the referenced table lives where this file cannot name it
    code = "\n\n".join(writer.table(t, refs) for t in tables)
    offset = _insertion_point(source, match, home)
    text = source.text
    if offset < len(text):
        code = "\n\n" + code
    else:  # at the end: one blank line before, a newline after
        lead = "" if not text.strip() or text.endswith("\n\n") else "\n" if text.endswith("\n") else "\n\n"
        code = lead + code + "\n"
    edits = writer.finish([TextEdit.insert(home, offset, code)])
    if edits is None:
        return None
    names = ", ".join(t.export_key for t in tables)
    return Fix(f"Add the Better Auth table{'s' if len(tables) > 1 else ''} {names}", edits, "safe")


def _source(ctx: ProjectContext, path: str):
    class _Reader:
        file_text = getattr(getattr(ctx, "workspace", None), "file_text", None)

    return schema_source(_Reader(), path)


def _reachable(source, table: Table, home: str) -> bool:
    """The file can name the table: it declares it, or imports it."""
    if table.range is not None and table.range.path == home:
        return True
    return table.key in source.index.imports


def _insertion_point(source, match: AuthMatch, home: str) -> int:
    """After the statement of the last auth table in the file (new tables join their siblings), else at the end."""
    last = None
    for table in match.tables.values():
        if table.range is not None and table.range.path == home and (last is None or table.range.end > last.end):
            last = table.range
    if last is None:
        return len(source.text)
    node = node_spanning(source, last)
    while node is not None and node.parent is not None and node.parent.type != "program":
        node = node.parent
    return source.parsed.end(node) if node is not None else len(source.text)
