from __future__ import annotations

import os
from pathlib import Path

from drizzle_lsp.model.project import DrizzleConfig
from drizzle_lsp.workspace.config import read_config
from drizzle_lsp.workspace.discovery import discover_projects, resolve_schema_files

SCHEMA = 'import { pgTable, text } from "drizzle-orm/pg-core";\nexport const t = pgTable("t", { a: text() });\n'


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_monorepo_with_configs_and_a_configless_app(tmp_path):
    _write(tmp_path, {
        "apps/api/drizzle.config.ts": 'export default { dialect: "postgresql", schema: "./src/schema.ts" };',
        "apps/api/src/schema.ts": SCHEMA,
        "apps/worker/drizzle/meta/_journal.json": '{"entries": []}',
        "node_modules/pkg/drizzle.config.ts": "",
        ".drizzle-lsp.toml": "",
    })
    projects = {os.path.relpath(p.root, tmp_path): p for p in discover_projects(str(tmp_path))}
    assert set(projects) == {"apps/api", "apps/worker"}
    assert projects["apps/api"].config_path.endswith("drizzle.config.ts") and not projects["apps/api"].problems
    assert projects["apps/api"].settings_path == str(tmp_path / ".drizzle-lsp.toml")
    worker = projects["apps/worker"]
    assert worker.config_path is None and worker.problems[0].code == "config-not-found"


def test_schema_files_only(tmp_path):
    _write(tmp_path, {"src/db/schema.ts": SCHEMA, "src/util.ts": "export const x = 1;"})
    (project,) = discover_projects(str(tmp_path))
    assert project.config_path is None and project.problems[0].code == "config-not-found"
    files, problems = resolve_schema_files(DrizzleConfig(path=None), project.root)
    assert files == [str(tmp_path / "src/db/schema.ts")] and problems == []


def test_settings_config_key_wins(tmp_path):
    _write(tmp_path, {".drizzle-lsp.toml": 'config = "b/drizzle.config.ts"',
                      "a/drizzle.config.ts": "", "b/drizzle.config.ts": ""})
    (project,) = discover_projects(str(tmp_path))
    assert project.config_path == str(tmp_path / "b/drizzle.config.ts")


def test_nothing_to_check(tmp_path):
    _write(tmp_path, {"README.md": "hi"})
    assert discover_projects(str(tmp_path)) == []


def test_resolve_paths_globs_folders(tmp_path):
    _write(tmp_path, {"src/db/a.ts": SCHEMA, "src/db/nested/b.ts": SCHEMA, "src/db/types.d.ts": "",
                      "src/db/node_modules/x.ts": "", "src/other/c.ts": SCHEMA, "src/other/d.js": SCHEMA})
    config = read_config(str(tmp_path / "drizzle.config.ts"),
                         'export default { dialect: "postgresql", schema: ["./src/db", "./src/**/c.ts", '
                         '"./src/other/*.{js,ts}", "./nope/*.ts"] };')
    files, problems = resolve_schema_files(config, str(tmp_path))
    # A folder gives its own files, not its subfolders' (drizzle-kit 0.31 reads it with readdirSync).
    assert [os.path.relpath(f, tmp_path) for f in files] == [
        "src/db/a.ts", "src/other/c.ts", "src/other/d.js"]
    (problem,) = problems
    assert problem.code == "schema-not-found" and "'./nope/*.ts'" in problem.message
    assert problem.range == config.ranges["schema"]


def test_config_without_schema(tmp_path):
    config = read_config(str(tmp_path / "drizzle.config.ts"), 'export default { dialect: "sqlite" };')
    files, problems = resolve_schema_files(config, str(tmp_path))
    assert files == [] and problems[0].code == "schema-not-found"


def test_real_fixture_project():
    root = Path(__file__).parent / "fixtures" / "pg_0x"
    (project,) = discover_projects(str(root))
    config = read_config(project.config_path)
    files, problems = resolve_schema_files(config, project.root)
    assert files == [str(root / "schema.ts")] and problems == []
