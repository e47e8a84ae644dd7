from __future__ import annotations

import os
from collections.abc import Iterable

from drizzle_lsp.model import SourceRange
from drizzle_lsp.rules.framework import ProjectContext, Rule, Violation


class JournalEntryMissingFile(Rule):
    """A journal entry (or a v1 migration folder) whose SQL file does not exist.

    ## What it does
    Flags each entry of `meta/_journal.json` whose `<tag>.sql` is missing from the migrations folder, and each v1
    migration folder without its `migration.sql`. The finding sits on the journal entry (or the folder).

    ## Why is this bad?
    drizzle-orm's `migrate()` and `drizzle-kit migrate` read every journal entry before applying anything: a missing
    file stops them with "No file … found", so no migration at all can be applied, on any database, until the file is
    restored or the entry removed. It usually means a file was renamed by hand, or a merge kept the journal of one
    branch and the files of another.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL);
    ```
    ```json
    {
      "version": "7",
      "dialect": "postgresql",
      "entries": [
        { "idx": 0, "version": "7", "when": 1700000000000, "tag": "0000_init", "breakpoints": true },
        { "idx": 1, "version": "7", "when": 1700000001000, "tag": "0001_add_email", "breakpoints": true }
      ]
    }
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL);
    -- 0001_add_email.sql
    ALTER TABLE "users" ADD COLUMN "email" text;
    ```
    ```json
    {
      "version": "7",
      "dialect": "postgresql",
      "entries": [
        { "idx": 0, "version": "7", "when": 1700000000000, "tag": "0000_init", "breakpoints": true },
        { "idx": 1, "version": "7", "when": 1700000001000, "tag": "0001_add_email", "breakpoints": true }
      ]
    }
    ```
    """

    name = "journal-entry-missing-file"
    group = "integrity"
    severity = "error"
    target = "project"
    claims_problems = ("migration-file-missing",)
    # A check_project rule: it runs once per project, on every analysis.
    reads = "project"

    def check_project(self, ctx: ProjectContext) -> Iterable[Violation]:
        folder = ctx.project.project.migrations
        if folder is None:
            return
        entries = {e.tag: e for e in folder.journal_entries}
        for migration in folder.migrations:
            if not migration.missing:
                continue
            if folder.layout == "v1":
                where = SourceRange(os.path.dirname(migration.sql_path), 0, 0)
                yield self.violation(
                    f"migration folder {migration.tag} has no migration.sql: drizzle's migrator cannot apply it",
                    where,
                    help="Restore migration.sql from version control, or delete the folder if the migration was "
                    "abandoned (and regenerate with drizzle-kit generate).",
                )
                continue
            entry = entries.get(migration.tag)
            where = entry.range if entry and entry.range else SourceRange(folder.journal_path or folder.path, 0, 0)
            yield self.violation(
                f"journal entry {migration.idx} names {migration.tag}.sql, which does not exist: drizzle's migrator "
                "stops before applying anything (\"No file … found\")",
                where,
                help=f"Restore {migration.tag}.sql from version control (a rename or a merge usually lost it), or "
                "remove this entry and its snapshot if the migration was abandoned.",
            )
