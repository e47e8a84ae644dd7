from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from drizzle_lsp.model.source import line_col
from drizzle_lsp.workspace.config import find_configs, read_config

FIXTURES = Path(__file__).parent / "fixtures"


def _at(text: str, problem) -> str:
    return text[problem.range.start:problem.range.end]


def test_real_fixture_configs():
    c = read_config(str(FIXTURES / "pg_0x/drizzle.config.ts"))
    assert (c.dialect, c.schema, c.out, c.casing, c.problems) == ("postgresql", ["./schema.ts"], "./drizzle",
                                                                   "snake_case", [])
    c = read_config(str(FIXTURES / "mysql_0x_unix/drizzle.config.ts"))
    assert (c.dialect, c.migrations_prefix) == ("mysql", "unix")


def test_define_config_with_consts_templates_paths_and_env():
    text = '''import { defineConfig } from "drizzle-kit";
import path from "node:path";
const dir = "./src/db";
export default defineConfig({
  dialect: "postgresql",
  schema: [`${dir}/schema.ts`, path.join(dir, "auth.ts")],
  out: "./migrations",
  casing: "snake_case",
  breakpoints: false,
  migrations: { table: "m", schema: "public", prefix: "timestamp" },
  dbCredentials: { url: process.env.DATABASE_URL! },
  tablesFilter: ["app_*"],
  schemaFilter: "public",
});'''
    c = read_config("drizzle.config.ts", text)
    assert c.problems == []
    assert c.schema == ["./src/db/schema.ts", "src/db/auth.ts"]
    assert (c.out, c.casing, c.breakpoints) == ("./migrations", "snake_case", False)
    assert (c.migrations_table, c.migrations_schema, c.migrations_prefix) == ("m", "public", "timestamp")
    assert c.db_url_env == "DATABASE_URL" and c.db_url is None
    assert c.tables_filter == ["app_*"] and c.schema_filter == ["public"]
    assert _at(text, type("P", (), {"range": c.ranges["migrations.prefix"]})) == '"timestamp"'
    assert text[c.ranges["dbCredentials.url"].start:c.ranges["dbCredentials.url"].end] == "process.env.DATABASE_URL!"


@pytest.mark.parametrize("expr,name", [('process.env["DB"]', "DB"), ("env.DB", "DB"), ("process.env.DB as string", "DB"),
                                       ('process.env.DB ?? "postgres://localhost/x"', "DB")])
def test_env_url_forms(expr, name):
    c = read_config("drizzle.config.ts", f'export default {{ dialect: "postgresql", dbCredentials: {{ url: {expr} }} }};')
    assert c.db_url_env == name and c.problems == []


def test_literal_url_and_template_of_literals():
    c = read_config("d.ts", 'const h = "db"; export default { dialect: "postgresql", dbCredentials: { url: `postgres://${h}:5432/x`, host: "h", port: 5432 } };')
    assert c.db_url == "postgres://db:5432/x"
    assert c.db_credentials["port"] == 5432 and c.db_credentials["host"] == "h"


def test_satisfies_and_const_export_and_module_exports():
    a = read_config("a.ts", 'export default { dialect: "sqlite", schema: "./s.ts", driver: "d1-http" } satisfies Config;')
    assert (a.dialect, a.schema, a.driver) == ("sqlite", ["./s.ts"], "d1-http")
    b = read_config("b.ts", 'const config: Config = { dialect: "mysql", out: "m" };\nexport default config;')
    assert (b.dialect, b.out) == ("mysql", "m")
    c = read_config("c.cjs", 'const base = { out: "o" };\nmodule.exports = { ...base, dialect: "turso" };')
    assert (c.dialect, c.out, c.sql_dialect) == ("turso", "o", "sqlite")


def test_json_config_ranges_are_in_the_file_text():
    text = '{\n  "dialect": "sqlite",\n  "out": "./d"\n}'
    c = read_config("drizzle.config.json", text)
    assert (c.dialect, c.out) == ("sqlite", "./d")
    assert text[c.ranges["out"].start:c.ranges["out"].end] == '"./d"'
    bad = read_config("drizzle.config.json", '{"dialect": }')
    assert bad.problems[0].code == "config-syntax-error"


def test_unresolved_values_fall_back_with_a_located_problem():
    text = 'export default defineConfig({\n  dialect: "postgresql",\n  out: getOut(),\n  schema: glob("x"),\n});'
    c = read_config("drizzle.config.ts", text)
    assert c.out == "drizzle" and c.schema == []
    out = next(p for p in c.problems if "`out`" in p.message)
    assert out.code == "config-unresolved" and "default (drizzle)" in out.message and ".drizzle-lsp.toml" in out.message
    assert _at(text, out) == "getOut()" and line_col(text, out.range.start)[0] == 2


def test_unknown_dialect_and_option():
    text = 'module.exports = { dialect: "postgres", schma: "x", migrations: { prefix: "daily" } }'
    c = read_config("drizzle.config.js", text)
    assert any("did you mean 'postgresql'" in p.message for p in c.problems if p.code == "config-invalid-value")
    assert c.dialect == "postgresql" and c.migrations_prefix == "index"
    assert any("did you mean 'schema'" in p.message for p in c.problems)
    assert any("migrations.prefix" in p.message for p in c.problems)


def test_unreadable_export_and_missing_dialect():
    c = read_config("x.ts", "export default makeConfig();")
    assert c.problems and c.problems[0].code == "config-unresolved" and c.dialect == "postgresql"
    c = read_config("x.ts", "const a = 1;")
    assert c.problems[0].code == "config-unresolved"
    c = read_config("x.ts", 'export default { out: "x" }')
    assert any("dialect" in p.message for p in c.problems)


def test_self_reference_does_not_loop():
    c = read_config("x.ts", 'const a = b; const b = a; export default { dialect: "sqlite", out: a };')
    assert c.out == "drizzle" and any(p.code == "config-unresolved" for p in c.problems)


def test_non_ascii_offsets_are_characters():
    text = '// é€😀\nexport default { dialect: "sqlite", out: "ü" };'
    c = read_config("x.ts", text)
    rng = c.ranges["out"]
    assert text[rng.start:rng.end] == '"ü"' and c.out == "ü"


@pytest.mark.parametrize("text", ["", "\x00\x01\xff", "export default", "export default {", "}{][", "module.exports =",
                                  "export default { dialect: ", "export default {...x, [k]: 1, 2: 3}"])
def test_garbage_never_raises(text):
    read_config("drizzle.config.ts", text)


def test_missing_file(tmp_path):
    c = read_config(str(tmp_path / "drizzle.config.ts"))
    assert c.problems[0].code == "config-unreadable"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(list('{}[]()"\'`$:,.=!?+ abdefipolrstuvxyz_0\n') + [
    "export default ", "process.env.", "dialect", "schema", "path.join(", "const ", "${", "module.exports"]),
    max_size=60).map("".join))
def test_fuzz_never_raises(text):
    read_config("drizzle.config.ts", text)


def test_find_configs_skips_dependencies_and_hidden(tmp_path):
    for rel in ["drizzle.config.ts", "apps/a/drizzle.config.mjs", "apps/b/drizzle.config.json",
                "node_modules/x/drizzle.config.ts", ".cache/drizzle.config.ts", "dist/drizzle.config.js"]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("export default {}")
    found = sorted(os.path.relpath(p, tmp_path) for p in find_configs(str(tmp_path)))
    assert found == ["apps/a/drizzle.config.mjs", "apps/b/drizzle.config.json", "drizzle.config.ts"]
