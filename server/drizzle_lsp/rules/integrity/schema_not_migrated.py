from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.rules._support.pending_changes import pending_changes
from drizzle_lsp.rules.framework import ProjectContext, Rule, Violation


class SchemaNotMigrated(Rule):
    """The TypeScript schema differs from the latest snapshot: shows what the next `drizzle-kit generate` will emit.

    ## What it does
    Compares the schema read from the TypeScript files with the latest snapshot in the migrations folder and reports,
    on the changed column or table, the statement the next `drizzle-kit generate` will write: add or drop a column
    (with the rename question it will ask), type change, nullability, default, index, foreign key, unique constraint,
    enum value, new or dropped table. Changes that lose data, fail on a non-empty table, or lock an existing table
    are warnings and say so (with the lock, on PostgreSQL); the others are information.

    ## Why is this bad?
    A schema edit is only real once a migration carries it; until then the code and the database disagree. And the
    consequence of an edit is invisible until `generate` runs: deleting a line in `schema.ts` becomes `DROP COLUMN`,
    renaming a key becomes a drop and an add unless you answer the prompt, adding `.notNull()` without a default
    fails on the first row in production.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "email" text NOT NULL);
    ```
    ```json
    {"id": "a1", "prevId": "00000000-0000-0000-0000-000000000000", "version": "7", "dialect": "postgresql",
     "tables": {"public.users": {"name": "users", "schema": "", "columns": {"id": {"name": "id", "type": "bigint",
     "primaryKey": true, "notNull": true}, "email": {"name": "email", "type": "text", "primaryKey": false,
     "notNull": true}}, "indexes": {}, "foreignKeys": {}, "compositePrimaryKeys": {}, "uniqueConstraints": {}}},
     "enums": {}, "schemas": {}}
    ```
    ```ts
    import { bigint, pgTable } from "drizzle-orm/pg-core";

    export const users = pgTable("users", {
      id: bigint({ mode: "number" }).primaryKey(),
    });
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "email" text NOT NULL);
    ```
    ```json
    {"id": "a1", "prevId": "00000000-0000-0000-0000-000000000000", "version": "7", "dialect": "postgresql",
     "tables": {"public.users": {"name": "users", "schema": "", "columns": {"id": {"name": "id", "type": "bigint",
     "primaryKey": true, "notNull": true}, "email": {"name": "email", "type": "text", "primaryKey": false,
     "notNull": true}}, "indexes": {}, "foreignKeys": {}, "compositePrimaryKeys": {}, "uniqueConstraints": {}}},
     "enums": {}, "schemas": {}}
    ```
    ```ts
    import { bigint, pgTable, text } from "drizzle-orm/pg-core";

    export const users = pgTable("users", {
      id: bigint({ mode: "number" }).primaryKey(),
      email: text().notNull(),
    });
    ```
    """

    name = "schema-not-migrated"
    group = "integrity"
    severity = "info"
    target = "project"
    # A check_project rule: it runs once per project, on every analysis.
    reads = "project"

    def check_project(self, ctx: ProjectContext) -> Iterable[Violation]:
        for change in pending_changes(ctx.project.project):
            if change.range is None:
                continue
            message = f"not migrated yet: the next drizzle-kit generate emits {change.statement}"
            if change.lock:
                message += f"; it {change.lock}"
            severity = "warning" if change.breaking or change.lock else "info"
            yield self.violation(message, change.range, severity=severity,
                                 help="Run `drizzle-kit generate` to write the migration, and read it before "
                                 "committing; or undo the edit if it was not meant to reach the database.")
