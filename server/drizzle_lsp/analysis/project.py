"""Read whole Drizzle projects into the model: the one entry point the CLI and the language server share.

``load_workspace`` finds every project under the given paths (monorepos hold several ``drizzle.config.*``), reads
each config and ``.drizzle-lsp.toml``, extracts the TypeScript schema, reads and parses the migrations folder and its
snapshots, infers the migrator, and replays the migrations. Nothing here raises on bad input: each failure becomes a
``Problem`` attached to the project (or to the workspace when no project could be formed).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Callable

from drizzle_lsp.analysis.cache import AnalysisCache
from drizzle_lsp.analysis.migrator import MigratorMode, infer_migrator
from drizzle_lsp.model import DatabaseSchema, Problem, Project, SourceRange
from drizzle_lsp.workspace.files import FileReader


@dataclass(slots=True)
class AnalyzedProject:
    project: Project
    settings: object  # workspace.settings.Settings
    migrator_mode: MigratorMode
    replay: object | None = None  # analysis.replay.Replay
    settings_path: str | None = None
    rule_memo: object | None = None  # rules.memo.RuleMemo, kept by a long-lived caller (the language server)

    @property
    def migrator(self) -> str:
        return self.migrator_mode.mode

    @property
    def postgres_version(self) -> int:
        return getattr(self.settings, "postgres_version", 16)

    @property
    def dialect(self) -> str:
        return self.project.config.sql_dialect


@dataclass(slots=True)
class Workspace:
    roots: list[str]
    projects: list[AnalyzedProject] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    reader: FileReader = field(default_factory=FileReader)

    def file_text(self, path: str) -> str | None:
        return self.reader.read(path)

    def project_for(self, path: str) -> AnalyzedProject | None:
        """The project a file belongs to: the deepest project root that contains it."""
        path = os.path.abspath(path)
        best: AnalyzedProject | None = None
        for analyzed in self.projects:
            root = analyzed.project.root
            if path == root or path.startswith(root.rstrip(os.sep) + os.sep):
                if best is None or len(root) > len(best.project.root):
                    best = analyzed
        return best


def load_workspace(
    paths: list[str],
    *,
    overrides: dict[str, str] | None = None,
    settings_path: str | None = None,
    env: dict[str, str] | None = None,
    on_progress: Callable[[str], None] | None = None,
    cache: AnalysisCache | None = None,
) -> Workspace:
    """Load every project found under ``paths`` (folders or files). ``overrides`` maps absolute paths to unsaved text."""
    from drizzle_lsp.workspace.discovery import discover_projects

    reader = FileReader(overrides or {})
    roots = [os.path.abspath(p) for p in (paths or ["."])]
    workspace = Workspace(roots=roots, reader=reader)
    seen: set[str] = set()
    for root in roots:
        if not os.path.exists(root) and root not in reader.overrides:
            workspace.problems.append(
                Problem("path-not-found", f"{root} does not exist: pass a folder holding drizzle.config.ts, or a file inside one", None, "error")
            )
            continue
        search_root = root if os.path.isdir(root) else _project_root_of_file(root)
        for location in discover_projects(search_root):
            key = location.config_path or location.root
            if key in seen:
                continue
            seen.add(key)
            if on_progress:
                on_progress(key)
            workspace.projects.append(
                load_project(location, reader, settings_path=settings_path, env=env, cache=cache)
            )
    return workspace


def _project_root_of_file(path: str) -> str:
    """For a single file, the nearest folder above it holding a drizzle config; else the file's folder."""
    from drizzle_lsp.workspace.config import CONFIG_NAMES

    folder = os.path.dirname(os.path.abspath(path))
    probe = folder
    for _ in range(12):
        if any(os.path.isfile(os.path.join(probe, name)) for name in CONFIG_NAMES):
            return probe
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    return folder


def load_project(
    location, reader: FileReader, *, settings_path: str | None = None, env=None, cache: AnalysisCache | None = None
) -> AnalyzedProject:
    """Read one project. Every stage is guarded: a failure in one stage leaves a Problem and the others still run."""
    from drizzle_lsp.workspace.config import read_config
    from drizzle_lsp.workspace.discovery import resolve_schema_files
    from drizzle_lsp.workspace.settings import Settings, find_settings, read_settings

    problems: list[Problem] = list(getattr(location, "problems", []) or [])
    config = _guarded(problems, "reading the drizzle config", lambda: _read_config(read_config, location, reader, env))
    if config is None:
        from drizzle_lsp.model import DrizzleConfig

        config = DrizzleConfig(path=location.config_path)
    root = location.root
    project = Project(root=root, config=config, problems=problems)
    if config.sql_dialect == "sqlite":  # a wrangler file next to a SQLite project says it runs on Cloudflare D1
        from drizzle_lsp.workspace.wrangler import find_d1_bindings

        bindings = _guarded(problems, "reading the wrangler file", lambda: find_d1_bindings(root, reader.read))
        config.d1_bindings = bindings or []

    settings_file = settings_path or getattr(location, "settings_path", None) or find_settings(root, None)
    settings = Settings()
    if settings_file:
        loaded = _guarded(problems, "reading .drizzle-lsp.toml", lambda: read_settings(settings_file, reader.read(settings_file)))
        if loaded is not None:
            settings = loaded
            problems.extend(getattr(loaded, "problems", []))

    files = _guarded(problems, "finding the schema files", lambda: resolve_schema_files(config, root))
    if files:
        project.schema_files, file_problems = files
        problems.extend(file_problems)
    long_lived = cache is not None
    cache = cache or AnalysisCache()
    _guarded(problems, "reading the TypeScript schema", lambda: _extract_schema(project, reader, cache))
    _guarded(problems, "reading the migrations folder", lambda: _read_migrations(project, reader, cache))

    migrator = infer_migrator(config, root, getattr(settings, "migrator", None))
    analyzed = AnalyzedProject(project=project, settings=settings, migrator_mode=migrator, settings_path=settings_file,
                               rule_memo=cache.rule_memo(location.config_path or root) if long_lived else None)
    if project.migrations and project.migrations.migrations:
        analyzed.replay = _guarded(problems, "replaying the migrations", lambda: _replay(project, cache))
    return analyzed


def _read_config(read_config, location, reader: FileReader, env):
    if not location.config_path:
        from drizzle_lsp.model import DrizzleConfig

        return DrizzleConfig(path=None)
    return read_config(location.config_path, reader.read(location.config_path), env=env)


def _extract_schema(project: Project, reader: FileReader, cache: AnalysisCache) -> None:
    from drizzle_lsp.schema_ts import SchemaExtractor

    config = project.config
    extractor = cache.extractor(
        project.root, config.sql_dialect, config.casing,
        lambda: SchemaExtractor(dialect=config.sql_dialect, casing=config.casing, read_file=reader.read),
    )
    extractor.set_reader(reader.read)
    for path in project.schema_files:
        text = reader.read(path)
        if text is not None:
            extractor.update(path, text)
    result = extractor.extract(project.schema_files)
    project.schema = result.schema
    project.problems.extend(result.problems)


def _read_migrations(project: Project, reader: FileReader, cache: AnalysisCache) -> None:
    from drizzle_lsp.sql import parse_migration
    from drizzle_lsp.workspace.migrations import read_migrations_folder

    out_dir = os.path.normpath(os.path.join(project.root, project.config.out))
    if not os.path.isdir(out_dir):
        return
    folder = read_migrations_folder(out_dir, project.config.sql_dialect, project.config.migrations_prefix)
    project.migrations = folder
    project.problems.extend(folder.problems)
    for migration in folder.migrations:
        if migration.missing:
            continue
        text = reader.read(migration.sql_path)
        if text is not None:
            migration.text = text
        try:
            migration.statements = cache.parse_migration(
                migration.text, migration.sql_path, project.config.sql_dialect, parse_migration
            )
        except Exception as error:  # the parser must not raise; if it does, the rest of the project still loads
            migration.problems.append(_internal(f"parsing {migration.tag}", error, migration.sql_path))
    project.snapshots = LazySnapshots(project, reader, cache)


class LazySnapshots(Mapping):
    """Snapshots by migration tag, read when first asked for.

    A project of 300 migrations carries 300 snapshots of ~100 KB each; most checks need only the latest one, so
    reading them all up front cost more than the rest of the load. The latest is read eagerly so that a malformed
    one is reported with the project's problems.
    """

    def __init__(self, project: Project, reader: FileReader, cache: AnalysisCache) -> None:
        self._project, self._reader, self._cache = project, reader, cache
        folder = project.migrations
        self._paths = {
            m.tag: m.snapshot_path for m in (folder.migrations if folder else [])
            if m.snapshot_path and os.path.isfile(m.snapshot_path)
        }
        self._read: dict[str, DatabaseSchema | None] = {}
        if self._paths:
            self.get(list(self._paths)[-1])

    def __getitem__(self, tag: str) -> DatabaseSchema:
        if tag not in self._paths:
            raise KeyError(tag)
        if tag not in self._read:
            self._read[tag] = self._load(tag)
        found = self._read[tag]
        if found is None:
            raise KeyError(tag)
        return found

    def _load(self, tag: str) -> DatabaseSchema | None:
        from drizzle_lsp.workspace.snapshots import read_snapshot

        path = self._paths[tag]
        try:
            snapshot, problems = self._cache.read_snapshot(path, self._reader.read(path), read_snapshot)
        except Exception as error:  # a broken snapshot must not take the project down
            self._project.problems.append(_internal(f"reading the snapshot of {tag}", error, path))
            return None
        self._project.problems.extend(p for p in problems if p not in self._project.problems)
        return snapshot

    def __contains__(self, tag: object) -> bool:
        return tag in self._paths

    def __iter__(self):
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


def _replay(project: Project, cache: AnalysisCache):
    from drizzle_lsp.analysis.replay import replay

    assert project.migrations is not None
    # The previous replay of this project (language server only): its unchanged prefix is taken over, so an edit
    # in the last migration replays that file alone.
    previous = cache.replays.pop(project.root, None)
    result = replay([m for m in project.migrations.migrations if not m.missing], project.config.sql_dialect,
                    previous=previous)
    cache.replays[project.root] = result
    project.problems.extend(getattr(result, "problems", []))
    return result


def _guarded(problems: list[Problem], stage: str, action):
    try:
        return action()
    except Exception as error:  # one broken stage must never take the whole project (or the server) down
        problems.append(_internal(stage, error, None))
        return None


def _internal(stage: str, error: Exception, path: str | None) -> Problem:
    where = SourceRange(path, 0, 0) if path else None
    return Problem(
        "internal-error",
        f"drizzle-lsp failed while {stage}: {type(error).__name__}: {error}. "
        "The rest of the project was still checked; please report this with the file that caused it.",
        where,
        "error",
    )
