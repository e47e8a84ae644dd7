from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.model import OpKind, SourceRange
from drizzle_lsp.rules._support.d1 import d1_evidence
from drizzle_lsp.rules.framework import Fix, MigrationContext, Rule, TextEdit, Violation

BREAKPOINT = "--> statement-breakpoint"


class MissingStatementBreakpoints(Rule):
    """Several statements of a SQLite or MySQL migration with no `--> statement-breakpoint` between them.

    ## What it does
    In a migration whose journal entry says `"breakpoints": true`, flags each statement that follows another with no
    `--> statement-breakpoint` marker in between (hand-written and edited migrations often miss one). A migration
    generated with `breakpoints: false` in drizzle.config is flagged once, at its second statement: drizzle's migrator
    splits every file on the markers whatever the journal says, so that file reaches the database as one query.
    Cloudflare D1 projects are not flagged for `breakpoints: false`: `wrangler d1 migrations apply` and drizzle-kit's
    `d1-http` driver send a whole file at once, which D1 accepts.

    ## Why is this bad?
    drizzle's migrator splits the file on the markers and sends each chunk as one query. SQLite drivers
    (better-sqlite3, libsql, D1) and MySQL drivers (mysql2 without `multipleStatements`) accept a single statement
    per query: the chunk fails ("contains more than one statement", ER_PARSE_ERROR), or only its first statement
    runs, and the migration is recorded as applied anyway.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE `users` (`id` integer PRIMARY KEY NOT NULL, `email` text);
    CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE `users` (`id` integer PRIMARY KEY NOT NULL, `email` text);
    --> statement-breakpoint
    CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);
    ```

    ## Fix safety
    The fix inserts `--> statement-breakpoint` right after the statement's semicolon, the way drizzle-kit writes it.
    It is safe: the statements and their order do not change, each is just sent on its own.
    """

    name = "missing-statement-breakpoints"
    group = "integrity"
    severity = "error"
    target = "migration"
    has_fix = True
    dialects = ("sqlite", "mysql")
    # Only this migration: on SQLite with `breakpoints: false`, d1_evidence reads the config, the settings and the
    # migrator's mode and reason, which every scope may read.
    reads = "unit"

    def check_migration(self, ctx: MigrationContext) -> Iterable[Violation]:
        migration = ctx.migration
        if not migration.breakpoints:
            yield from self._without_breakpoints(ctx)
            return
        text = migration.text
        previous = None
        for statement in migration.statements:
            if statement.operations and all(op.kind is OpKind.COMMENT for op in statement.operations):
                continue
            if previous is not None and BREAKPOINT not in text[previous.range.end:statement.range.start]:
                at = previous.range.end
                yield self.violation(
                    f"statement {statement.index + 1} follows statement {previous.index + 1} with no "
                    f"`{BREAKPOINT}` between them: drizzle's migrator sends both as one query, which "
                    f"{'SQLite' if ctx.dialect == 'sqlite' else 'MySQL'} refuses (or runs only the first)",
                    SourceRange(statement.range.path, statement.range.start, statement.range.end),
                    help=f"Put `{BREAKPOINT}` after the semicolon of the previous statement.",
                    fix=Fix(f"Insert `{BREAKPOINT}`", (TextEdit.insert(statement.range.path, at, BREAKPOINT),),
                            "safe"),
                )
            previous = statement

    def _without_breakpoints(self, ctx: MigrationContext) -> Iterable[Violation]:
        """A migration generated with ``breakpoints: false``: one finding for the file, with every marker as its fix."""
        if ctx.dialect == "sqlite" and d1_evidence(ctx.project) is not None:
            return
        statements = [s for s in ctx.migration.statements
                      if not (s.operations and all(op.kind is OpKind.COMMENT for op in s.operations))]
        if len(statements) < 2:
            return
        path = statements[0].range.path
        edits = tuple(TextEdit.insert(path, earlier.range.end, BREAKPOINT)
                      for earlier, later in zip(statements, statements[1:])
                      if BREAKPOINT not in ctx.migration.text[earlier.range.end:later.range.start])
        if not edits:
            return
        engine = "SQLite" if ctx.dialect == "sqlite" else "MySQL"
        yield self.violation(
            f"{ctx.migration.tag} was generated with `breakpoints: false` and holds {len(statements)} statements: "
            f"drizzle's migrator splits files only on `{BREAKPOINT}`, so it sends them all as one query, which "
            f"{engine} refuses (or runs only the first)",
            statements[1].range,
            help=f"Set `breakpoints: true` in drizzle.config (drizzle-kit's default) and put `{BREAKPOINT}` after "
                 "each statement of this file.",
            fix=Fix(f"Insert `{BREAKPOINT}` after each statement", edits, "safe"),
        )
