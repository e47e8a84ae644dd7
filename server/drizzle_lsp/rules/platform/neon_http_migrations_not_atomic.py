from __future__ import annotations

import os
import re
from collections.abc import Iterable

from drizzle_lsp.analysis.migrator import NO_TRANSACTION
from drizzle_lsp.model import Migration, Statement
from drizzle_lsp.model.source import SourceRange
from drizzle_lsp.rules.framework import ProjectContext, Rule, Violation
from drizzle_lsp.rules.selection import settings_value

MIGRATOR_IMPORT = "drizzle-orm/neon-http/migrator"
# analysis/migrator.py says where it found the import ("... is imported in src/db/migrate.ts"); reading it back
# keeps the rule off the disk walk the loader already did.
_IMPORTED_IN = re.compile(re.escape(MIGRATOR_IMPORT) + r" is imported in (?P<path>.+)$")


def _real_statements(migration: Migration) -> list[Statement]:
    """Statements that send SQL: a chunk holding only comments between breakpoints runs nothing."""
    return [s for s in migration.statements
            if any(line.strip() and not line.strip().startswith("--") for line in s.text.splitlines())]


class NeonHttpMigrationsNotAtomic(Rule):
    """Migrations applied by the neon-http migrator, which runs them without a transaction.

    ## What it does
    When the project's migrations are applied with `migrate()` from `drizzle-orm/neon-http/migrator` (the import is
    found in the project's sources, or `migrator = "neon-http"` is set in `.drizzle-lsp.toml`), reports once, on the
    first migration with several statements, that a failure can leave it half-applied. Without such a migration
    yet, it points at the file importing the migrator.

    ## Why is this bad?
    Neon's HTTP driver has no interactive transactions, so this migrator sends each statement on its own and writes
    the `__drizzle_migrations` rows only after every pending migration has run. If the third statement fails, the
    first two stay applied and nothing is recorded: the next run starts the migration again and fails on
    `already exists`, and the database is in a state no migration describes, to be repaired by hand.

    ## Example
    ```toml
    migrator = "neon-http"
    ```
    ```sql
    -- 0000_init.sql
    CREATE TABLE "teams" ("id" bigint PRIMARY KEY NOT NULL, "name" text NOT NULL);
    --> statement-breakpoint
    CREATE TABLE "members" ("id" bigint PRIMARY KEY NOT NULL, "team_id" bigint NOT NULL REFERENCES "teams"("id"));
    ```

    Use instead:
    ```ts
    // migrate.ts: the WebSocket driver runs all pending migrations in one transaction
    import { Pool } from "@neondatabase/serverless";
    import { drizzle } from "drizzle-orm/neon-serverless";
    import { migrate } from "drizzle-orm/neon-serverless/migrator";

    const db = drizzle(new Pool({ connectionString: process.env.DATABASE_URL }));
    await migrate(db, { migrationsFolder: "./drizzle" });
    ```
    """

    name = "neon-http-migrations-not-atomic"
    group = "platform"
    severity = "warning"
    dialects = ("postgresql",)
    target = "project"
    # A check_project rule: it runs once per project, on every analysis.
    reads = "project"

    def check_project(self, ctx: ProjectContext) -> Iterable[Violation]:
        analyzed = ctx.project
        mode = analyzed.migrator_mode
        configured = settings_value(analyzed.settings, "migrator")
        if mode.mode != NO_TRANSACTION or not ("neon-http" in mode.reason or configured == "neon-http"):
            return  # "no-transaction" set for another reason is not this migrator's recording behaviour
        importer = self._import_range(ctx, analyzed.project.root, mode.reason)
        related = [(importer, "the neon-http migrator is imported here")] if importer else []
        help = ("Apply migrations with the WebSocket driver (`drizzle-orm/neon-serverless` and its migrator, which "
                "runs them in one transaction) or with `drizzle-lsp migrate`; keep neon-http for the application's "
                "queries.")
        migrations = analyzed.project.migrations.migrations if analyzed.project.migrations else []
        for migration in migrations:
            statements = _real_statements(migration)
            if len(statements) > 1:
                yield self.violation(
                    f"{migration.tag} has {len(statements)} statements and is applied by the neon-http migrator, "
                    "which runs them one by one with no transaction and records the migration only at the end: if "
                    "a later statement fails, the earlier ones stay applied, the migration is not recorded, and the "
                    "next run fails on \"already exists\"",
                    statements[0].range, help=help, related=related)
                return
        if importer is not None:
            yield self.violation(
                "migrations are applied by the neon-http migrator, which runs statements one by one with no "
                "transaction: any migration with several statements can be left half-applied and unrecorded",
                importer, help=help, severity="info")

    @staticmethod
    def _import_range(ctx: ProjectContext, root: str, reason: str) -> SourceRange | None:
        match = _IMPORTED_IN.search(reason)
        if not match:
            return None
        path = os.path.join(root, match.group("path"))
        text = ctx.workspace.file_text(path) if ctx.workspace is not None else None
        offset = text.find(MIGRATOR_IMPORT) if text else -1
        if offset < 0:
            return SourceRange(path, 0, 0)
        return SourceRange(path, offset, offset + len(MIGRATOR_IMPORT))
