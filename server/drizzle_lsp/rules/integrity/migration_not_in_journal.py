from __future__ import annotations

import os
from collections.abc import Iterable

from drizzle_lsp.model import SourceRange
from drizzle_lsp.rules._support.journal import journal_text, next_when, render_entry_like
from drizzle_lsp.rules.framework import Fix, ProjectContext, Rule, TextEdit, Violation


class MigrationNotInJournal(Rule):
    """A SQL file in the migrations folder that no journal entry names: it never runs.

    ## What it does
    Flags each `.sql` file at the top of a 0.x migrations folder that `meta/_journal.json` does not list, and loose
    `.sql` files next to v1 migration folders (v1 only applies `<timestamp>_<name>/migration.sql`).

    ## Why is this bad?
    drizzle's migrator applies only what the journal lists. A file added by hand (`drizzle-kit generate --custom` was
    not used), or a journal conflict resolved by keeping one branch's version, leaves a migration that looks
    committed but is never applied: the database silently lacks its changes.

    ## Example
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
        { "idx": 0, "version": "7", "when": 1700000000000, "tag": "0000_init", "breakpoints": true }
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

    ## Fix safety
    The fix appends an entry for the file to the journal, after the last one: the next `idx`, a `when` later than
    every entry (and than now, so databases that applied the newest migration still see it as pending), and the
    config's `breakpoints`. It is marked unsafe: adding the entry makes the file run on every database at the next
    migrate, which is the point, but check first that its statements still make sense after the migrations listed
    before it. The file gets no snapshot; `drizzle-kit generate` keeps diffing against the last one.
    """

    name = "migration-not-in-journal"
    group = "integrity"
    severity = "error"
    target = "project"
    has_fix = True
    # A check_project rule: it runs once per project, on every analysis.
    reads = "project"

    def check_project(self, ctx: ProjectContext) -> Iterable[Violation]:
        project = ctx.project.project
        folder = project.migrations
        if folder is None or not folder.orphan_sql_files:
            return
        if folder.layout == "v1":
            for path in folder.orphan_sql_files:
                name = os.path.basename(path)
                yield self.violation(
                    f"{name} is not in a migration folder: drizzle's v1 migrator only applies "
                    "<timestamp>_<name>/migration.sql, so this file never runs",
                    SourceRange(path, 0, 0),
                    help=f"Move it to {folder.path and os.path.basename(folder.path)}/<YYYYMMDDHHMMSS>_<name>/"
                    "migration.sql (drizzle-kit generate --custom creates the folder), or delete it.",
                )
            return
        if not folder.journal_path:
            return  # no journal at all: the loader's journal-missing problem says it once for the folder
        text = journal_text(ctx, folder.journal_path)
        entries = folder.journal_entries
        orphans = sorted(folder.orphan_sql_files)
        for position, path in enumerate(orphans):
            tag = os.path.basename(path)[: -len(".sql")]
            fix = self._fix(text, folder.journal_path, entries, tag, position, project.config.breakpoints)
            yield self.violation(
                f"{tag}.sql is not listed in meta/_journal.json: drizzle's migrator never applies it",
                SourceRange(path, 0, 0),
                help="Add its journal entry (the quick fix does), or delete the file if it was abandoned. "
                "`drizzle-kit generate --custom` creates hand-written migrations with their entry.",
                fix=fix,
            )

    def _fix(self, text, journal_path, entries, tag, position, breakpoints) -> Fix | None:
        if text is None:
            return None
        last = entries[-1] if entries else None
        values = {
            "idx": (max(e.idx for e in entries) + 1 if entries else 0) + position,
            "version": last.version if last and last.version else "7",
            "when": next_when(entries) + position,
            "tag": tag,
            "breakpoints": breakpoints,
        }
        if last is not None and last.range is not None:
            line_start = text.rfind("\n", 0, last.range.start) + 1
            indent = text[line_start:last.range.start]
            rendered = render_entry_like(text, last, values)
            edit = TextEdit.insert(journal_path, last.range.end, ",\n" + indent + rendered)
        else:
            close = text.find("]", text.find('"entries"'))
            if close < 0:
                return None
            opening = text.rfind("[", 0, close)
            rendered = render_entry_like(text, None, values)
            edit = TextEdit(journal_path, opening + 1, close, "\n    " + rendered + "\n  ")
        return Fix(f"Add {tag} to meta/_journal.json", (edit,), "unsafe")
