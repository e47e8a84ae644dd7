"""Where the Drizzle projects are under a folder, and which files hold each project's schema.

A project is a folder with a drizzle config. A folder without one but with a migrations folder
(``drizzle/meta/_journal.json`` or v1 ``drizzle/<timestamp>_x/migration.sql``) or with TypeScript files importing a
drizzle ``*-core`` module is still checked, with drizzle-kit's defaults and a ``config-not-found`` problem.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field

from drizzle_lsp.model.project import DrizzleConfig
from drizzle_lsp.model.source import Problem, SourceRange
from drizzle_lsp.workspace.config import SKIP_DIRS, find_configs
from drizzle_lsp.workspace.settings import find_settings, read_settings

SCHEMA_EXTENSIONS = (".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs")
_DRIZZLE_IMPORT = re.compile(r"""from\s+['"]drizzle-orm/(pg|mysql|sqlite|singlestore|gel)-core['"]""")
_SCAN_LIMIT = 400  # files read while looking for schema files in a project without a config


@dataclass(slots=True)
class ProjectLocation:
    root: str
    config_path: str | None = None
    settings_path: str | None = None
    problems: list[Problem] = field(default_factory=list)


def discover_projects(root: str) -> list[ProjectLocation]:
    root = os.path.abspath(root)
    settings_path = find_settings(root)
    chosen = _config_from_settings(settings_path)
    configs = [chosen] if chosen else find_configs(root)
    projects = [ProjectLocation(root=os.path.dirname(c), config_path=c,
                                settings_path=find_settings(os.path.dirname(c)) or settings_path) for c in configs]
    if chosen and not os.path.isfile(chosen):
        projects[0].problems.append(Problem("config-not-found", f"the config named in {settings_path} ({chosen}) "
                                            "does not exist; drizzle-kit defaults are used",
                                            SourceRange(settings_path or chosen, 0, 0), "error"))
        projects[0].config_path = None
    covered = [p.root for p in projects]
    for folder in _configless_candidates(root, covered):
        location = ProjectLocation(root=folder, settings_path=find_settings(folder))
        location.problems.append(Problem(
            "config-not-found", f"no drizzle.config.ts found for {folder}: drizzle-kit defaults are used (dialect "
            "postgresql, out ./drizzle, schema files found by their drizzle-orm imports). Add a drizzle.config.ts, "
            "or set `config` in .drizzle-lsp.toml", SourceRange(folder, 0, 0), "info"))
        projects.append(location)
    return projects


def _config_from_settings(settings_path: str | None) -> str | None:
    if not settings_path:
        return None
    return read_settings(settings_path).config_path


def _configless_candidates(root: str, covered: list[str]) -> list[str]:
    def is_covered(folder: str) -> bool:
        return any(folder == c or folder.startswith(c + os.sep) for c in covered)

    found: list[str] = []
    for folder, dirs, _files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        if is_covered(folder):
            dirs[:] = []
            continue
        if "drizzle" in dirs and _is_migrations_folder(os.path.join(folder, "drizzle")):
            found.append(folder)
            dirs[:] = []
    if not found and not covered and _schema_candidates(root):
        found.append(root)
    return found


def _is_migrations_folder(path: str) -> bool:
    if os.path.isfile(os.path.join(path, "meta", "_journal.json")):
        return True
    try:
        return any(os.path.isfile(os.path.join(path, n, "migration.sql")) for n in os.listdir(path))
    except OSError:
        return False


def _schema_candidates(root: str) -> list[str]:
    """TypeScript files that import a drizzle ``*-core`` module: the schema of a project with no config."""
    out: list[str] = []
    seen = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if not name.endswith(SCHEMA_EXTENSIONS) or name.endswith(".d.ts") or name.startswith("drizzle.config."):
                continue
            seen += 1
            if seen > _SCAN_LIMIT:
                return out
            path = os.path.join(folder, name)
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    head = handle.read(8192)
            except OSError:
                continue
            if _DRIZZLE_IMPORT.search(head) and re.search(r"\b(pg|mysql|sqlite)Table\b|\.table\(", head):
                out.append(path)
    return out


def resolve_schema_files(config: DrizzleConfig, project_root: str) -> tuple[list[str], list[Problem]]:
    """Absolute paths of the schema files named by ``config.schema`` (paths, globs with ``**``, folders)."""
    base = os.path.dirname(os.path.abspath(config.path)) if config.path else os.path.abspath(project_root)
    problems: list[Problem] = []
    where = config.ranges.get("schema") or (SourceRange(config.path, 0, 0) if config.path else None)
    if not config.schema:
        if config.path is None:
            return _schema_candidates(base), problems
        problems.append(Problem("schema-not-found", "the config names no `schema`: drizzle-lsp cannot read the "
                                "TypeScript schema. Add `schema: \"./src/db/schema.ts\"` (a path, glob or list)",
                                where, "warning"))
        return [], problems
    files: list[str] = []
    for entry in config.schema:
        matched = _expand(base, entry)
        if not matched:
            problems.append(Problem("schema-not-found", f"schema path '{entry}' matches no file (looked in {base}): "
                                    "fix the path in the drizzle config", where, "warning"))
        files.extend(matched)
    unique = sorted(dict.fromkeys(os.path.normpath(f) for f in files))
    return unique, problems


def _folder_files(folder: str) -> list[str]:
    """The schema files of a folder named in ``schema``: drizzle-kit 0.31 reads the folder's own files only, not its
    subfolders (whose tables count only when a file of the folder re-exports them)."""
    return sorted(os.path.join(folder, n) for n in os.listdir(folder)
                  if n.endswith(SCHEMA_EXTENSIONS) and not n.endswith(".d.ts")
                  and os.path.isfile(os.path.join(folder, n)))


def _expand(base: str, entry: str) -> list[str]:
    pattern = entry if os.path.isabs(entry) else os.path.join(base, entry)
    if any(ch in entry for ch in "*?[{"):
        matches = []
        for pat in _braces(pattern):
            for found in glob.glob(pat, recursive=True):
                matches.extend(_folder_files(found) if os.path.isdir(found) else [found])
    elif os.path.isdir(pattern):
        matches = _folder_files(pattern)
    elif os.path.isfile(pattern):
        matches = [pattern]
    else:
        matches = []
    return [os.path.abspath(m) for m in matches if "node_modules" not in m.split(os.sep)]


def _braces(pattern: str) -> list[str]:
    """``{a,b}`` alternatives, which Python's glob does not know but drizzle-kit's glob library does."""
    match = re.search(r"\{([^{}]*)\}", pattern)
    if not match:
        return [pattern]
    head, tail = pattern[:match.start()], pattern[match.end():]
    return [p for option in match.group(1).split(",") for p in _braces(head + option + tail)]
