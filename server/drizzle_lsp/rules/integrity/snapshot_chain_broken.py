from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.model import SourceRange
from drizzle_lsp.rules._support.journal import ZERO_ID, snapshot_links
from drizzle_lsp.rules.framework import ProjectContext, Rule, Violation

_HELP = ("Regenerate the later branch's migration: keep the migrations (SQL, snapshot, journal entry) that reached the "
         "main branch first, delete the other branch's migration SQL, its meta/NNNN_snapshot.json and its journal "
         "entry, then run `drizzle-kit generate` again so it diffs the schema against the latest snapshot and writes "
         "one migration with the next idx and a correct prevId. Do this before the branch's migration is applied "
         "anywhere; if it already was, write the regenerated migration with IF NOT EXISTS guards.")


class SnapshotChainBroken(Rule):
    """The snapshot chain forks or breaks: duplicate `idx`, two snapshots with the same `prevId`, or a `prevId` that
    points to no snapshot.

    ## What it does
    Follows the chain drizzle-kit keeps in the migrations folder: each snapshot's `prevId` is the `id` of the snapshot
    before it, and each journal entry has its own `idx`. Flags a duplicate `idx` in `meta/_journal.json`, a snapshot
    `id` used twice, two snapshots with the same `prevId` (two branches each generated a migration from the same
    state), and a `prevId` that names no snapshot of the folder. In the v1 layout, where `prevIds` may list several
    parents, it flags a fork that no later snapshot merges.

    ## Why is this bad?
    `drizzle-kit generate` and `drizzle-kit check` refuse a forked chain ("… snapshots point to a common parent",
    "collision"), so nobody can generate the next migration; and each branch's migration was computed against a
    schema that lacks the other branch's change, so the SQL of one of them may be wrong (a column added twice, an
    index created on a renamed table).

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
        { "idx": 0, "version": "7", "when": 1700000000000, "tag": "0000_init", "breakpoints": true },
        { "idx": 0, "version": "7", "when": 1700000001000, "tag": "0001_add_email", "breakpoints": true }
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

    name = "snapshot-chain-broken"
    group = "integrity"
    severity = "error"
    target = "project"
    # A check_project rule: it runs once per project, on every analysis.
    reads = "project"

    def check_project(self, ctx: ProjectContext) -> Iterable[Violation]:
        folder = ctx.project.project.migrations
        if folder is None:
            return
        seen_idx: dict[int, str] = {}
        for entry in folder.journal_entries:
            if entry.idx in seen_idx:
                yield self.violation(
                    f"journal entries {seen_idx[entry.idx]} and {entry.tag} both have idx {entry.idx}: two branches "
                    "each generated a migration from the same state",
                    entry.range, help=_HELP)
            else:
                seen_idx[entry.idx] = entry.tag
        links = snapshot_links(ctx, folder.migrations)
        by_id: dict[str, str] = {}
        for link in links:
            if link.id is None:
                continue
            if link.id in by_id:
                yield self.violation(f"the snapshots of {by_id[link.id]} and {link.tag} have the same id {link.id}: "
                                     "one was copied from the other", link.id_range or SourceRange(link.path, 0, 0),
                                     help=_HELP)
            else:
                by_id[link.id] = link.tag
        children: dict[str, list[str]] = {}
        for link in links:
            for prev in link.prev_ids:
                children.setdefault(prev, []).append(link.tag)
        v1 = folder.layout == "v1"
        reported_fork: set[str] = set()
        for position, link in enumerate(links):
            where = link.prev_range or SourceRange(link.path, 0, 0)
            for prev in link.prev_ids:
                if prev != ZERO_ID and prev not in by_id:
                    yield self.violation(
                        f"the snapshot of {link.tag} names prevId {prev}, which is the id of no snapshot in this "
                        "folder: the chain is broken (a migration was deleted, or this one was generated on another "
                        "branch)", where, help=_HELP)
                elif prev == ZERO_ID and position > 0:
                    yield self.violation(
                        f"the snapshot of {link.tag} starts a new chain (prevId is all zeros) although "
                        f"{links[0].tag} comes before it: it was generated against an empty schema", where, help=_HELP)
                siblings = children.get(prev, [])
                if len(siblings) > 1 and prev not in reported_fork and link.tag == siblings[-1]:
                    if v1 and _merged(links, siblings):
                        continue
                    reported_fork.add(prev)
                    others = ", ".join(t for t in siblings if t != link.tag)
                    yield self.violation(
                        f"the snapshots of {others} and {link.tag} have the same prevId {prev}: the chain forks "
                        "(two branches each generated a migration, then were merged), so drizzle-kit generate "
                        "refuses to run and each migration was computed without the other's change",
                        where, help=_HELP)


def _merged(links, siblings: list[str]) -> bool:
    """v1: a later snapshot listing every sibling as a parent merges the fork."""
    ids = {link.tag: link.id for link in links}
    wanted = {ids.get(t) for t in siblings}
    return any(wanted <= set(link.prev_ids) for link in links)
