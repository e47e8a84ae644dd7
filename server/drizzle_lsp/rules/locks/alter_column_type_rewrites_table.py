from __future__ import annotations

import re
from collections.abc import Iterable

from drizzle_lsp.analysis.pg_types import classify_type_change
from drizzle_lsp.model import OpKind
from drizzle_lsp.rules._support.lock_context import quoted, setting_before, table_label, written_type
from drizzle_lsp.rules._support.transactions import transaction_map
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation

# Zones with a zero offset and no daylight saving: PostgreSQL skips the timestamp -> timestamptz rewrite under them.
_ZERO_OFFSET_ZONES = {"utc", "etc/utc", "uct", "etc/uct", "gmt", "etc/gmt", "zulu", "etc/zulu", "universal",
                      "etc/universal", "greenwich", "etc/greenwich", "gmt0", "etc/gmt0", "z"}

_EXPAND_CONTRACT = (
    "Change it in steps instead (expand/contract): add a new column of the new type, backfill it in batches and keep "
    "it in sync (application or trigger), then in one short transaction drop the old column and rename the new one."
)


class AlterColumnTypeRewritesTable(Rule):
    """A column type change that rewrites an existing table under an ACCESS EXCLUSIVE lock.

    ## What it does
    Flags `ALTER COLUMN … SET DATA TYPE` on a table created by an earlier migration when the change is not
    binary-coercible: integer to bigint, shrinking a `varchar`, text to `varchar(n)`, a numeric scale change, json to
    jsonb, text to an enum, and timestamp to timestamptz unless the session TimeZone is UTC. A `USING` expression
    that computes a new value (anything but the column, possibly cast) rewrites too. The changes PostgreSQL makes
    without touching a row are never flagged: growing a `varchar`, `varchar` to `text`, growing a numeric's
    precision, dropping a length or precision limit.

    ## Why is this bad?
    PostgreSQL writes a new copy of every row and rebuilds every index of the table while holding an ACCESS EXCLUSIVE
    lock: nothing can read or write the table until it finishes, which on a large table means minutes of downtime.
    drizzle-kit emits these changes silently, for example when `integer()` becomes `bigint()` in the schema.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "organizations" ("id" bigint PRIMARY KEY NOT NULL, "seats" integer DEFAULT 3 NOT NULL);
    -- 0001_seats_bigint.sql
    ALTER TABLE "organizations" ALTER COLUMN "seats" SET DATA TYPE bigint;
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "organizations" ("id" bigint PRIMARY KEY NOT NULL, "seats" integer DEFAULT 3 NOT NULL);
    -- 0001_seats_bigint_expand.sql
    ALTER TABLE "organizations" ADD COLUMN "seats_new" bigint;--> statement-breakpoint
    ALTER TABLE "organizations" ALTER COLUMN "seats_new" SET DEFAULT 3;
    -- 0002_seats_bigint_contract.sql
    -- after a batched backfill of "seats_new" in its own step, swap the columns in one short transaction
    ALTER TABLE "organizations" DROP COLUMN "seats";--> statement-breakpoint
    ALTER TABLE "organizations" RENAME COLUMN "seats_new" TO "seats";
    ```
    For `timestamp` to `timestamptz`, when the stored values are UTC (as drizzle writes them), running
    `SET LOCAL TimeZone = 'UTC';` just before the change avoids the table rewrite (an index on the column is still
    rebuilt).
    """

    name = "alter-column-type-rewrites-table"
    group = "locks"
    severity = "warning"
    dialects = ("postgresql",)
    # setting_before looks at this migration's own statements only; how the transaction map groups
    # them does not depend on other files.
    reads = "unit"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None or op.kind is not OpKind.ALTER_COLUMN_TYPE or not op.new_type or not ctx.table_existed():
            return
        table_state = ctx.state_before.table(op.table or "", op.schema) if ctx.state_before else None
        column = table_state.columns.get(op.column or "") if table_state is not None else None
        if column is None:
            return  # unknown at this point of the replay: reference-to-missing-object reports it
        change = classify_type_change(column.type, op.new_type)
        computed = op.using is not None and not _only_the_column(op.using, op.column or "")
        if not change.rewrites and not computed:
            return
        table = table_label(op.schema, op.table or "")
        head = (f"ALTER COLUMN {quoted(op.column or '')} SET DATA TYPE {written_type(ctx.text, op)} on existing table "
                f"{table}")
        if change.rewrites_unless_utc and not computed:
            if _utc_session(ctx):
                indexes = [name for name, index in table_state.indexes.items() if op.column in index.column_names]
                if not indexes:
                    return
                yield self.violation(
                    f"{head} rebuilds {', '.join(quoted(i) for i in indexes)} under an ACCESS EXCLUSIVE lock: reads "
                    f"and writes of {table} are blocked while the index is rebuilt (TimeZone is UTC, so the table "
                    "itself is not rewritten)",
                    op.range, help=_EXPAND_CONTRACT,
                )
                return
            yield self.violation(
                f"{head} rewrites the table and all its indexes under an ACCESS EXCLUSIVE lock unless the session "
                f"TimeZone is UTC: reads and writes of {table} are blocked until it finishes",
                op.range,
                help=("If the stored values are UTC (drizzle writes them so), put `SET LOCAL TimeZone = 'UTC';` "
                      "just before it: the table is then not rewritten (an index on the column is still rebuilt). "
                      "Otherwise: " + _EXPAND_CONTRACT[0].lower() + _EXPAND_CONTRACT[1:]),
            )
            return
        reason = ("the USING expression computes every value again" if computed and not change.rewrites
                  else f"{column.type} to {op.new_type} is not binary-coercible")
        yield self.violation(
            f"{head} rewrites the table and all its indexes under an ACCESS EXCLUSIVE lock: reads and writes of "
            f"{table} are blocked until it finishes ({reason})",
            op.range, help=_EXPAND_CONTRACT,
        )


def _only_the_column(using: str, column: str) -> bool:
    """``"col"`` or ``"col"::type`` (possibly cast twice): PostgreSQL sees through it and keeps the data as it is."""
    name = re.escape(column)
    return bool(re.fullmatch(rf'\s*\(?\s*(?:"{name}"|{name})\s*\)?(?:\s*::\s*[^:]+?)*\s*', using, re.IGNORECASE))


def _utc_session(ctx: MigrationContext) -> bool:
    if ctx.statement is None:
        return False
    setting = setting_before(transaction_map(ctx), ctx.migration, ctx.statement, "timezone")
    return setting is not None and (setting.value or "").strip().strip("'").lower() in _ZERO_OFFSET_ZONES
