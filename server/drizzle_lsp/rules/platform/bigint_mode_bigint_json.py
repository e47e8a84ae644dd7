from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.rules.framework import Rule, SchemaContext, Violation

# Builders whose `mode: 'bigint'` hands JavaScript BigInt values to the application: pg/mysql bigint, pg bigserial,
# sqlite blob. Other modes ('number', 'string') and the other builders give JSON-safe values.
_BIGINT_BUILDERS = ("bigint", "bigserial", "blob")


class BigintModeBigintJson(Rule):
    """A `bigint({ mode: 'bigint' })` column: its values are BigInts, which `JSON.stringify` refuses.

    ## What it does
    Flags columns declared with `mode: 'bigint'` (`bigint` and `bigserial` on PostgreSQL, `bigint` on MySQL, `blob`
    on SQLite). Drizzle returns their values as JavaScript `BigInt`s.

    ## Why is this bad?
    `JSON.stringify` throws `TypeError: Do not know how to serialize a BigInt` on any object holding a BigInt. In a
    Cloudflare Worker, `Response.json(row)` or `c.json(row)` with such a row fails at runtime, and only for the
    routes that return that column: the type checker does not see it. Values that fit in 2^53 (ids, counters,
    milliseconds) do not need a BigInt at all.

    ## Example
    ```ts
    import { bigint, pgTable } from "drizzle-orm/pg-core";

    export const events = pgTable("events", {
      id: bigint({ mode: "bigint" }).primaryKey(),
    });
    ```

    Use instead:
    ```ts
    import { bigint, pgTable } from "drizzle-orm/pg-core";

    export const events = pgTable("events", {
      id: bigint({ mode: "number" }).primaryKey(),
    });
    ```
    """

    name = "bigint-mode-bigint-json"
    group = "platform"
    severity = "warning"
    target = "schema"
    reads = "unit"

    def check_column(self, ctx: SchemaContext) -> Iterable[Violation]:
        column = ctx.column
        if column is None or column.builder not in _BIGINT_BUILDERS or column.options.get("mode") != "bigint":
            return
        key = column.key or column.name
        yield self.violation(
            f"{ctx.table.name}.{column.name} is {column.builder}({{ mode: 'bigint' }}): its values are BigInts, and "
            f"JSON.stringify throws \"Do not know how to serialize a BigInt\" on a row holding `{key}` (a Worker's "
            "Response.json or c.json fails at runtime)",
            column.type_range or column.range,
            help="Use `mode: 'number'` where the values fit in 2^53 (ids, counters, timestamps in ms); otherwise "
            "serialise the value explicitly (`String(row." + key + ")`) before returning it as JSON.",
        )
