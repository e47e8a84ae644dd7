from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.model import OpKind
from drizzle_lsp.rules._support.d1 import d1_evidence
from drizzle_lsp.rules._support.history import find_table
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation

# Cloudflare's published D1 limits (they are SQLite's SQLITE_MAX_SQL_LENGTH and SQLITE_MAX_COLUMN set low).
MAX_STATEMENT_BYTES = 100_000
MAX_COLUMNS = 100


class D1Limits(Rule):
    """A migration statement or a table over one of Cloudflare D1's hard limits: 100 KB per statement, 100 columns
    per table.

    ## What it does
    On a D1 project (see `d1-foreign-keys-pragma-ignored` for how one is recognised), flags a migration statement
    longer than 100,000 bytes (often a seed `INSERT` with thousands of rows) and a `CREATE TABLE` or
    `ALTER TABLE … ADD` that leaves a table with more than 100 columns. The message gives the limit, the figure and
    the way out.

    ## Why is this bad?
    D1 compiles SQLite with these limits, so the statement is refused (`SQLITE_TOOBIG`, `too many columns on …`)
    when the migration is applied, in production, after the migrations before it in the batch have run. Nothing
    fails locally, where SQLite's defaults are a billion bytes and 2,000 columns.

    ## Example
    ```toml
    migrator = "d1"
    ```
    ```sql
    -- 0000_init.sql
    CREATE TABLE `wide` (`id` integer PRIMARY KEY NOT NULL, `c1` integer, `c2` integer, `c3` integer, `c4` integer, `c5` integer, `c6` integer, `c7` integer, `c8` integer, `c9` integer, `c10` integer, `c11` integer, `c12` integer, `c13` integer, `c14` integer, `c15` integer, `c16` integer, `c17` integer, `c18` integer, `c19` integer, `c20` integer, `c21` integer, `c22` integer, `c23` integer, `c24` integer, `c25` integer, `c26` integer, `c27` integer, `c28` integer, `c29` integer, `c30` integer, `c31` integer, `c32` integer, `c33` integer, `c34` integer, `c35` integer, `c36` integer, `c37` integer, `c38` integer, `c39` integer, `c40` integer, `c41` integer, `c42` integer, `c43` integer, `c44` integer, `c45` integer, `c46` integer, `c47` integer, `c48` integer, `c49` integer, `c50` integer, `c51` integer, `c52` integer, `c53` integer, `c54` integer, `c55` integer, `c56` integer, `c57` integer, `c58` integer, `c59` integer, `c60` integer, `c61` integer, `c62` integer, `c63` integer, `c64` integer, `c65` integer, `c66` integer, `c67` integer, `c68` integer, `c69` integer, `c70` integer, `c71` integer, `c72` integer, `c73` integer, `c74` integer, `c75` integer, `c76` integer, `c77` integer, `c78` integer, `c79` integer, `c80` integer, `c81` integer, `c82` integer, `c83` integer, `c84` integer, `c85` integer, `c86` integer, `c87` integer, `c88` integer, `c89` integer, `c90` integer, `c91` integer, `c92` integer, `c93` integer, `c94` integer, `c95` integer, `c96` integer, `c97` integer, `c98` integer, `c99` integer, `c100` integer);
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE `wide` (`id` integer PRIMARY KEY NOT NULL, `c1` integer, `c2` integer, `c3` integer, `c4` integer, `c5` integer, `c6` integer, `c7` integer, `c8` integer, `c9` integer, `c10` integer, `c11` integer, `c12` integer, `c13` integer, `c14` integer, `c15` integer, `c16` integer, `c17` integer, `c18` integer, `c19` integer, `c20` integer, `c21` integer, `c22` integer, `c23` integer, `c24` integer, `c25` integer, `c26` integer, `c27` integer, `c28` integer, `c29` integer, `c30` integer, `c31` integer, `c32` integer, `c33` integer, `c34` integer, `c35` integer, `c36` integer, `c37` integer, `c38` integer, `c39` integer, `c40` integer, `c41` integer, `c42` integer, `c43` integer, `c44` integer, `c45` integer, `c46` integer, `c47` integer, `c48` integer, `c49` integer, `c50` integer, `c51` integer, `c52` integer, `c53` integer, `c54` integer, `c55` integer, `c56` integer, `c57` integer, `c58` integer, `c59` integer, `c60` integer, `c61` integer, `c62` integer, `c63` integer, `c64` integer, `c65` integer, `c66` integer, `c67` integer, `c68` integer, `c69` integer, `c70` integer, `c71` integer, `c72` integer, `c73` integer, `c74` integer, `c75` integer, `c76` integer, `c77` integer, `c78` integer, `c79` integer, `c80` integer, `c81` integer, `c82` integer, `c83` integer, `c84` integer, `c85` integer, `c86` integer, `c87` integer, `c88` integer, `c89` integer, `c90` integer, `c91` integer, `c92` integer, `c93` integer, `c94` integer, `c95` integer, `c96` integer, `c97` integer, `c98` integer, `c99` integer);
    --> statement-breakpoint
    -- the columns past the limit move to a side table keyed by the same id
    CREATE TABLE `wide_extra` (`wide_id` integer PRIMARY KEY NOT NULL REFERENCES `wide`(`id`), `c100` integer);
    ```
    """

    name = "d1-limits"
    group = "platform"
    severity = "error"
    dialects = ("sqlite",)
    target = "migration"
    # Only this migration: d1_evidence reads the config, the settings and the migrator's mode and reason, which
    # every scope may read.
    reads = "unit"

    def check_migration(self, ctx: MigrationContext) -> Iterable[Violation]:
        evidence = None
        for statement in ctx.migration.statements:
            size = len(statement.text.encode("utf-8"))
            if size <= MAX_STATEMENT_BYTES:
                continue
            evidence = evidence or d1_evidence(ctx.project)
            if evidence is None:
                return
            what = "a seed or data statement" if any(
                op.kind in (OpKind.INSERT, OpKind.UPDATE) for op in statement.operations) else "this statement"
            yield self.violation(
                f"statement {statement.index + 1} is {size:,} bytes; D1 refuses any statement over "
                f"{MAX_STATEMENT_BYTES:,} bytes (100 KB) with SQLITE_TOOBIG (\"string or blob too big\") "
                f"(D1: {evidence.reason})",
                statement.range,
                help=(f"Split {what} into several statements under 100 KB each, separated by "
                      "`--> statement-breakpoint`; load large data sets with `wrangler d1 execute --file` in "
                      "batches rather than in a migration."),
            )

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None or not op.table:
            return
        if op.kind is OpKind.CREATE_TABLE and op.table_def is not None:
            count = len(op.table_def.columns)
            verb = "creates"
        elif op.kind is OpKind.ADD_COLUMN:
            table = find_table(ctx.state_before, op.schema, op.table)
            if table is None:
                return
            count = len(table.columns) + 1
            if count - 1 > MAX_COLUMNS:
                return  # already over: reported where the table went over the limit
            verb = "brings"
        else:
            return
        if count <= MAX_COLUMNS:
            return
        evidence = d1_evidence(ctx.project)
        if evidence is None:
            return
        if verb == "creates":
            what, action = f"`{op.table}` is created with {count} columns", "creating it fails"
        else:
            what, action = f"this ADD COLUMN brings `{op.table}` to {count} columns", "it fails"
        yield self.violation(
            f"{what}; D1 allows at most {MAX_COLUMNS} columns per table, so {action} with \"too many columns on "
            f"{op.table}\" (D1: {evidence.reason})",
            (op.table_range or op.range) if verb == "creates" else op.range,
            help=("Move the rarely read columns to a side table keyed by the same id (one-to-one), or keep "
                  "loosely structured values in one JSON text column (`text({ mode: 'json' })`)."),
        )
