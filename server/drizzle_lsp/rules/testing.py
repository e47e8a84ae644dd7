"""Helpers for rule tests: build a tiny Drizzle project from snippets, run the real loader and engine on it.

Rule authors write fixture tests with ``lint_sql`` / ``lint_ts`` and the direction helpers ``assert_flags`` /
``assert_clean``; the docstring-example test uses ``lint_blocks`` on every rule's Example and Use-instead blocks.

SQL snippets may hold several migrations: a comment line naming a file starts the next one, so an example can show
the earlier migration that created the table (which makes the table "existing", the case the lock rules flag)::

    -- 0000_init.sql
    CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "customer_id" bigint);
    -- 0001_index.sql
    CREATE INDEX "orders_customer_idx" ON "orders" ("customer_id");
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence

from drizzle_lsp.rules.framework import Violation

_FILE_MARKER = re.compile(r"^--\s*(?P<tag>\d{4}_[A-Za-z0-9_]+)\.sql\b.*$", re.M)
_DIALECT_CONFIG = {"postgresql": "postgresql", "sqlite": "sqlite", "mysql": "mysql"}


def split_migrations(sql: str) -> list[tuple[str, str]]:
    """(tag, text) per migration in a snippet; a snippet without file markers is one migration."""
    markers = list(_FILE_MARKER.finditer(sql))
    if not markers:
        return [("0000_example", sql)]
    migrations = []
    if sql[: markers[0].start()].strip():
        migrations.append(("0000_before", sql[: markers[0].start()]))
    for index, marker in enumerate(markers):
        end = markers[index + 1].start() if index + 1 < len(markers) else len(sql)
        migrations.append((marker.group("tag"), sql[marker.end():end].lstrip("\n")))
    return migrations


def write_project(
    root: str,
    *,
    sql: str | Sequence[tuple[str, str]] | None = None,
    ts: str | None = None,
    settings: str | None = None,
    dialect: str = "postgresql",
    package_json: dict | None = None,
) -> str:
    """Lay out a drizzle-kit 0.x project in ``root``: config, ``src/schema.ts``, ``drizzle/`` with a journal."""
    os.makedirs(os.path.join(root, "src"), exist_ok=True)
    _write(root, "drizzle.config.ts", (
        'import { defineConfig } from "drizzle-kit";\n\n'
        f'export default defineConfig({{\n  dialect: "{_DIALECT_CONFIG[dialect]}",\n'
        '  schema: "./src/schema.ts",\n  out: "./drizzle",\n});\n'
    ))
    _write(root, "package.json", json.dumps(package_json or {"name": "example", "dependencies": {"drizzle-orm": "^0.44.0"}}))
    _write(root, "src/schema.ts", ts if ts is not None else "")
    if settings is not None:
        _write(root, ".drizzle-lsp.toml", settings)
    migrations = split_migrations(sql) if isinstance(sql, str) else list(sql or [])
    if migrations:
        entries = []
        for index, (tag, text) in enumerate(migrations):
            _write(root, f"drizzle/{tag}.sql", text)
            entries.append({"idx": index, "version": "7", "when": 1700000000000 + index * 1000, "tag": tag,
                            "breakpoints": True})
        journal = {"version": "7", "dialect": _DIALECT_CONFIG[dialect], "entries": entries}
        _write(root, "drizzle/meta/_journal.json", json.dumps(journal, indent=2))
    return root


def _write(root: str, relative: str, text: str) -> None:
    path = os.path.join(root, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


VIRTUAL_ROOT = os.path.join(os.sep, "virtual", "project")


def build_workspace(
    *,
    sql: str | Sequence[tuple[str, str]] | None = None,
    ts: str | None = None,
    settings: str | dict | None = None,
    dialect: str = "postgresql",
    migrator: str = "transaction",
    root: str = VIRTUAL_ROOT,
):
    """A workspace held in memory (nothing on disk), built with the real SQL parser, TypeScript extractor and replay.

    It skips the loader's discovery and config reading, so rule tests stay fast and independent of them; use
    ``lint_project`` on a ``write_project`` folder to exercise the whole loader.
    """
    from drizzle_lsp.analysis.migrator import MigratorMode
    from drizzle_lsp.analysis.project import AnalyzedProject, Workspace
    from drizzle_lsp.model import DrizzleConfig, Migration, MigrationsFolder, Project
    from drizzle_lsp.sql import parse_migration
    from drizzle_lsp.workspace.files import FileReader

    files: dict[str, str] = {}
    config = DrizzleConfig(path=os.path.join(root, "drizzle.config.ts"), dialect=dialect,
                           schema=["./src/schema.ts"], out="./drizzle")
    project = Project(root=root, config=config)
    migrations = split_migrations(sql) if isinstance(sql, str) else list(sql or [])
    if migrations:
        folder = MigrationsFolder(path=os.path.join(root, "drizzle"), layout="0.x")
        for index, (tag, text) in enumerate(migrations):
            path = os.path.join(root, "drizzle", f"{tag}.sql")
            files[path] = text
            migration = Migration(tag=tag, sql_path=path, dialect=dialect, index=index, idx=index,
                                  when=1700000000000 + index * 1000, text=text)
            migration.statements = parse_migration(text, path, dialect)
            folder.migrations.append(migration)
        project.migrations = folder
    if ts is not None:
        from drizzle_lsp.schema_ts.extractor import extract_schema

        schema_path = os.path.join(root, "src", "schema.ts")
        files[schema_path] = ts
        project.schema_files = [schema_path]
        result = extract_schema({schema_path: ts}, dialect)
        project.schema = result.schema
        project.problems.extend(result.problems)
    settings_object = _settings(settings)
    from drizzle_lsp.analysis.migrator import SETTING_ALIASES
    from drizzle_lsp.rules.selection import settings_value

    configured = settings_value(settings_object, "migrator")
    if configured in SETTING_ALIASES:  # an example's ```toml block may name the migrator it is about
        migrator = SETTING_ALIASES[configured]
    analyzed = AnalyzedProject(project=project, settings=settings_object, migrator_mode=MigratorMode(migrator, "test"))
    if project.migrations:
        analyzed.replay = _replay_or_none(project)
    return Workspace(roots=[root], projects=[analyzed], reader=FileReader(files))


def _settings(settings: str | dict | None):
    if settings is None or isinstance(settings, dict):
        return settings or {}
    from drizzle_lsp.workspace.settings import read_settings

    return read_settings(os.path.join(VIRTUAL_ROOT, ".drizzle-lsp.toml"), settings)


def _replay_or_none(project):
    from drizzle_lsp.analysis.replay import replay

    result = replay([m for m in project.migrations.migrations if not m.missing], project.config.sql_dialect)
    project.problems.extend(result.problems)  # as the loader does: missing objects are findings too
    return result


def lint_memory(**kwargs) -> list[Violation]:
    """``build_workspace(**kwargs)`` then the engine; ``select`` narrows the rules."""
    from drizzle_lsp.rules.engine import run_rules

    select = kwargs.pop("select", None)
    return run_rules(build_workspace(**kwargs), select=select)


def lint_project(root: str, *, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> list[Violation]:
    from drizzle_lsp.analysis.project import load_workspace
    from drizzle_lsp.rules.engine import run_rules

    workspace = load_workspace([root])
    return run_rules(workspace, select=select, ignore=ignore)


def lint_sql(sql: str, *, ts: str | None = None, settings: str | None = None, dialect: str = "postgresql",
             select: Iterable[str] | None = None) -> list[Violation]:
    with tempfile.TemporaryDirectory() as root:
        write_project(root, sql=sql, ts=ts, settings=settings, dialect=dialect)
        return lint_project(root, select=select)


def lint_ts(ts: str, *, sql: str | None = None, settings: str | None = None, dialect: str = "postgresql",
            select: Iterable[str] | None = None) -> list[Violation]:
    return lint_sql(sql or "", ts=ts, settings=settings, dialect=dialect, select=select) if sql else _lint_ts_only(
        ts, settings, dialect, select)


def _lint_ts_only(ts, settings, dialect, select) -> list[Violation]:
    with tempfile.TemporaryDirectory() as root:
        write_project(root, ts=ts, settings=settings, dialect=dialect)
        return lint_project(root, select=select)


def lint_blocks(blocks: Sequence[tuple[str, str]], *, dialect: str = "postgresql",
                select: Iterable[str] | None = None, on_disk: bool = False) -> list[Violation]:
    """Lint a docstring example: ``(lang, code)`` blocks, ``sql`` → migrations, ``ts`` → schema, ``toml`` → settings.

    In memory by default; ``on_disk`` writes a real project and runs the whole loader on it."""
    sql = "\n".join(code for lang, code in blocks if lang == "sql") or None
    ts = "\n".join(code for lang, code in blocks if lang in ("ts", "typescript")) or None
    settings = "\n".join(code for lang, code in blocks if lang == "toml") or None
    meta = [code for lang, code in blocks if lang == "json"]
    if meta:  # a journal or snapshots written out: only the real loader reads them
        with tempfile.TemporaryDirectory() as root:
            write_project(root, sql=sql, ts=ts, settings=settings, dialect=dialect)
            write_meta(root, meta)
            return lint_project(root, select=select)
    if not on_disk:
        return lint_memory(sql=sql, ts=ts, settings=settings, dialect=dialect, select=select)
    with tempfile.TemporaryDirectory() as root:
        write_project(root, sql=sql, ts=ts, settings=settings, dialect=dialect)
        return lint_project(root, select=select)


def write_meta(root: str, blocks: Sequence[str]) -> None:
    """Write ``json`` example blocks into ``drizzle/meta``: an object with ``entries`` replaces the journal, the
    others are the snapshots of the migrations in order (``0000_snapshot.json``, ``0001_snapshot.json`` ...)."""
    snapshots = 0
    for code in blocks:
        if '"entries"' in code:
            _write(root, "drizzle/meta/_journal.json", code)
        else:
            _write(root, f"drizzle/meta/{snapshots:04d}_snapshot.json", code)
            snapshots += 1


def rule_names(findings: Iterable[Violation]) -> list[str]:
    return [f.rule for f in findings]


def assert_flags(findings: Sequence[Violation], rule: str, *, message_contains: str | None = None) -> Violation:
    """At least one finding of ``rule`` (whose message holds ``message_contains``); returns the first."""
    matching = [f for f in findings if f.rule == rule and (message_contains is None or message_contains in f.message)]
    assert matching, f"expected {rule} to flag; got {[(f.rule, f.message) for f in findings]}"
    return matching[0]


def assert_clean(findings: Sequence[Violation], rule: str) -> None:
    flagged = [f.message for f in findings if f.rule == rule]
    assert not flagged, f"expected no {rule} finding; got {flagged}"
