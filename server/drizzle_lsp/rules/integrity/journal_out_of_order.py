from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from drizzle_lsp.rules._support.journal import journal_text, when_range
from drizzle_lsp.rules.framework import Fix, ProjectContext, Rule, TextEdit, Violation


def _stamp(ms: int) -> str:
    try:
        return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return str(ms)


class JournalOutOfOrder(Rule):
    """A journal entry whose `when` is not greater than the one of an entry listed before it.

    ## What it does
    Flags each entry of `meta/_journal.json` whose `when` (the generation time in milliseconds) is lower than or
    equal to the largest `when` before it in the journal. This is what a branch merged late looks like: its
    migration was generated before one that reached the main branch first.

    ## Why is this bad?
    drizzle-orm 0.x (`migrate()` and `drizzle-kit migrate`) does not compare names: it reads the `created_at` of the
    newest row in `__drizzle_migrations` (the `when` of the last migration applied) and applies only the entries
    whose `when` is greater. On every database that has already applied the later entry, this one is silently
    skipped, now and forever, with no error; fresh databases do apply it, so environments drift apart.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL);
    -- 0001_add_email.sql
    ALTER TABLE "users" ADD COLUMN "email" text;
    -- 0002_add_name.sql
    ALTER TABLE "users" ADD COLUMN "name" text;
    ```
    ```json
    {
      "version": "7",
      "dialect": "postgresql",
      "entries": [
        { "idx": 0, "version": "7", "when": 1700000000000, "tag": "0000_init", "breakpoints": true },
        { "idx": 1, "version": "7", "when": 1700000500000, "tag": "0001_add_email", "breakpoints": true },
        { "idx": 2, "version": "7", "when": 1700000100000, "tag": "0002_add_name", "breakpoints": true }
      ]
    }
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL);
    -- 0001_add_email.sql
    ALTER TABLE "users" ADD COLUMN "email" text;
    -- 0002_add_name.sql
    ALTER TABLE "users" ADD COLUMN "name" text;
    ```
    ```json
    {
      "version": "7",
      "dialect": "postgresql",
      "entries": [
        { "idx": 0, "version": "7", "when": 1700000000000, "tag": "0000_init", "breakpoints": true },
        { "idx": 1, "version": "7", "when": 1700000500000, "tag": "0001_add_email", "breakpoints": true },
        { "idx": 2, "version": "7", "when": 1700000500001, "tag": "0002_add_name", "breakpoints": true }
      ]
    }
    ```

    ## Fix safety
    The fix rewrites each out-of-order `when` to one millisecond after the largest before it, so the journal is
    strictly increasing again. It is unsafe: on a database that already applied the rewritten entry (a branch
    deployment) but not the later one, the entry becomes pending again and runs a second time. Apply it before any
    database has applied the late migration, or make the migration idempotent (`IF NOT EXISTS`) first.
    """

    name = "journal-out-of-order"
    group = "integrity"
    severity = "error"
    target = "project"
    has_fix = True
    # A check_project rule: it runs once per project, on every analysis.
    reads = "project"

    def check_project(self, ctx: ProjectContext) -> Iterable[Violation]:
        folder = ctx.project.project.migrations
        if folder is None or folder.layout != "0.x" or not folder.journal_path:
            return
        text = journal_text(ctx, folder.journal_path) or ""
        newest = None  # (when, tag) of the largest original `when` so far
        rewritten_max = None  # the largest `when` so far once the earlier rewrites are applied
        for entry in folder.journal_entries:
            if newest is not None and entry.when <= newest[0]:
                new_value = rewritten_max + 1
                rewritten_max = new_value
                rng = when_range(text, entry) or entry.range
                fix = None
                if rng is not None and rng != entry.range:
                    fix = Fix(f"Set the `when` of {entry.tag} to {new_value}",
                              (TextEdit.replace(rng, str(new_value)),), "unsafe")
                yield self.violation(
                    f"{entry.tag} has \"when\" {entry.when} ({_stamp(entry.when)}), not after {newest[1]} "
                    f"({newest[0]}, {_stamp(newest[0])}): drizzle's migrator applies only migrations newer than the "
                    f"last one a database recorded, so every database that already applied {newest[1]} silently "
                    "skips this one forever",
                    rng,
                    help="Make the journal's `when` values strictly increasing in entry order (the quick fix does), "
                    "before any database applies the late migration; a database that already applied it under the "
                    "old value would run it again.",
                    fix=fix,
                )
            else:
                rewritten_max = entry.when if rewritten_max is None else max(rewritten_max, entry.when)
            if newest is None or entry.when > newest[0]:
                newest = (entry.when, entry.tag)
