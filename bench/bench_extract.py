"""Time full parse + extraction of a generated ~3,000-line pg schema, and re-extraction after a one-character edit.

Run: python bench/bench_extract.py   (targets: full < 80 ms, incremental < 10 ms)
"""

from __future__ import annotations

import statistics
import time

from drizzle_lsp.schema_ts import SchemaExtractor

TABLES = 150


def generate_schema(tables: int = TABLES) -> str:
    lines = ['import { pgTable, integer, text, varchar, timestamp, boolean, numeric, jsonb, index, uniqueIndex }'
             ' from "drizzle-orm/pg-core";', 'import { sql } from "drizzle-orm";', ""]
    for i in range(tables):
        ref = f"  parentId: integer().references(() => table{i - 1}.id, {{ onDelete: \"cascade\" }})," if i else \
            "  parentId: integer(),"
        lines += [
            f'export const table{i} = pgTable("table_{i}", {{',
            "  id: integer().primaryKey().generatedAlwaysAsIdentity(),",
            ref,
            "  name: varchar({ length: 255 }).notNull(),",
            "  slug: text().unique(),",
            "  active: boolean().default(true).notNull(),",
            "  price: numeric({ precision: 10, scale: 2 }).default(\"0\"),",
            "  meta: jsonb().default({ a: 1 }),",
            "  createdAt: timestamp({ withTimezone: true }).defaultNow().notNull(),",
            "  updatedAt: timestamp({ withTimezone: true }),",
            "  note: text(),",
            "  email: varchar({ length: 320 }),",
            "  visits: integer().default(0).notNull(),",
            "  deletedAt: timestamp({ withTimezone: true }),",
            "}, (t) => [",
            f'  index("table_{i}_name_idx").on(t.name),',
            "  uniqueIndex().on(t.slug, t.parentId),",
            f'  index("table_{i}_active_idx").on(t.createdAt.desc()).where(sql`${{t.active}} = true`),',
            "]);",
            "",
        ]
    return "\n".join(lines) + "\n"


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    text = generate_schema()
    path = "/bench/schema.ts"
    full: list[float] = []
    for _ in range(15):
        started = time.perf_counter()
        extractor = SchemaExtractor(casing="snake_case")
        extractor.update(path, text)
        result = extractor.extract()
        full.append(time.perf_counter() - started)
    columns = sum(len(t.columns) for t in result.schema.tables.values())
    assert len(result.schema.tables) == TABLES and not result.problems

    incremental: list[float] = []
    middle = text.index(f'"table_{TABLES // 2}"')
    for i in range(30):
        # Alternate two edits so each run really changes the text (one character inside a table name).
        edited = text[:middle + 7] + ("x" if i % 2 == 0 else "y") + text[middle + 8:]
        started = time.perf_counter()
        extractor.update(path, edited)
        extractor.extract()
        incremental.append(time.perf_counter() - started)

    print(f"schema: {text.count(chr(10))} lines, {TABLES} tables, {columns} columns")
    print(f"full parse + extraction: median {median_ms(full):.1f} ms (target < 80 ms)")
    print(f"re-extraction after a one-character edit: median {median_ms(incremental):.1f} ms (target < 10 ms)")


if __name__ == "__main__":
    main()
