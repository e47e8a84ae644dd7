"""bigint-mode-bigint-json: BigInt column values break JSON responses."""

from __future__ import annotations

from drizzle_lsp.rules.testing import assert_clean, assert_flags, lint_project, write_project

RULE = "bigint-mode-bigint-json"


def _lint(tmp_path, ts: str, dialect: str = "postgresql"):
    return lint_project(write_project(str(tmp_path), ts=ts, dialect=dialect), select=[RULE])


def test_pg_bigint_mode_bigint_is_flagged_on_the_builder_call(tmp_path):
    ts = ('import { bigint, pgTable } from "drizzle-orm/pg-core";\n'
          'export const events = pgTable("events", { total: bigint("total_count", { mode: "bigint" }) });\n')
    findings = _lint(tmp_path, ts)
    finding = assert_flags(findings, RULE, message_contains="events.total_count")
    assert "Do not know how to serialize a BigInt" in finding.message
    assert "`total`" in finding.message
    assert "mode: 'number'" in finding.help
    assert finding.fix is None
    assert ts[finding.range.start:finding.range.end].startswith("bigint(")
    assert len(findings) == 1


def test_bigserial_mysql_bigint_and_sqlite_blob_in_bigint_mode_are_flagged(tmp_path):
    pg = ('import { bigserial, pgTable } from "drizzle-orm/pg-core";\n'
          'export const t = pgTable("t", { id: bigserial({ mode: "bigint" }).primaryKey() });\n')
    assert_flags(_lint(tmp_path / "pg", pg), RULE)
    mysql = ('import { bigint, mysqlTable } from "drizzle-orm/mysql-core";\n'
             'export const t = mysqlTable("t", { n: bigint({ mode: "bigint", unsigned: true }) });\n')
    assert_flags(_lint(tmp_path / "mysql", mysql, "mysql"), RULE)
    sqlite = ('import { blob, sqliteTable } from "drizzle-orm/sqlite-core";\n'
              'export const t = sqliteTable("t", { n: blob({ mode: "bigint" }) });\n')
    assert_flags(_lint(tmp_path / "sqlite", sqlite, "sqlite"), RULE)


def test_number_and_string_modes_and_other_builders_are_clean(tmp_path):
    ts = ('import { bigint, integer, pgTable, text } from "drizzle-orm/pg-core";\n'
          'export const t = pgTable("t", {\n'
          '  a: bigint({ mode: "number" }),\n'
          '  b: bigint("b", { mode: "string" }),\n'
          '  c: integer(),\n'
          '  d: text(),\n'
          '});\n')
    assert_clean(_lint(tmp_path, ts), RULE)


def test_sqlite_blob_in_buffer_mode_is_clean(tmp_path):
    ts = ('import { blob, sqliteTable } from "drizzle-orm/sqlite-core";\n'
          'export const t = sqliteTable("t", { n: blob({ mode: "buffer" }) });\n')
    assert_clean(_lint(tmp_path, ts, "sqlite"), RULE)
