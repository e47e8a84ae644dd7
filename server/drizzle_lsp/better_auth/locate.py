"""Where a project's Better Auth lives: the folders up to its workspace root, the package.json files that declare
``better-auth``, the version installed or locked, and the files that call ``betterAuth(...)``.

Files are found by a text check before anything is parsed, conventional places first, dependency and build folders
skipped, and the walk is bounded; whether a file on disk mentions the call is remembered by its size and modification
time, so a rescan after an edit reads only the files that changed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Any

from drizzle_lsp.better_auth.reader import has_call
from drizzle_lsp.workspace.config import SKIP_DIRS

Reader = Callable[[str], "str | None"]

_CONVENTIONAL = (
    "auth.ts", "src/auth.ts", "src/lib/auth.ts", "lib/auth.ts", "src/server/auth.ts", "server/auth.ts",
    "src/utils/auth.ts", "utils/auth.ts", "app/lib/auth.ts", "src/auth/index.ts", "src/lib/auth/index.ts",
)
_EXTENSIONS = (".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs")
_SCAN_LIMIT = 5000  # files looked at per folder scanned: a huge monorepo costs a bounded walk, not a stall
_MAX_BYTES = 512 * 1024
_PARENT_LEVELS = 8


def read_disk(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return handle.read(_MAX_BYTES * 4).decode("utf-8", errors="replace")
    except OSError:
        return None


_IMPORT_SOURCE = re.compile(r"""(?:from|import|require\()\s*['"]([^'"]+)['"]""")


def linked(root: str, packages: list[tuple[str, str]], found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Of the auth configs found elsewhere in a monorepo, the one that belongs to this project: the only one, or the
    only one importing from it (a relative path into the project, or the project package's name). Several configs
    and no link: none, rather than checking the schema against another app's options."""
    if len(found) <= 1:
        return found
    name = None
    own = os.path.join(root, "package.json")
    for path, text in packages:
        if path == own:
            try:
                name = json.loads(text).get("name")
            except (ValueError, AttributeError):
                name = None
    linked = []
    for path, text in found:
        for source in _IMPORT_SOURCE.findall(text):
            target = os.path.normpath(os.path.join(os.path.dirname(path), source)) if source.startswith(".") else None
            if (target is not None and (target == root or target.startswith(root + os.sep))) or (
                    isinstance(name, str) and name and (source == name or source.startswith(name + "/"))):
                linked.append((path, text))
                break
    return linked if len(linked) == 1 else []


def folders_up(root: str) -> list[str]:
    """The project folder and its parents up to the repository or workspace root (a `.git`, a
    `pnpm-workspace.yaml`, or a package.json with `workspaces`), nearest first."""
    folders = [root]
    current = root
    for _ in range(_PARENT_LEVELS):
        if is_workspace_root(current):
            return folders
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
        folders.append(current)
    # No workspace marker above: only the project's own folder counts, so a stray package.json in a home folder
    # does not switch the checks on.
    return folders if is_workspace_root(folders[-1]) else [root]


def is_workspace_root(folder: str) -> bool:
    if os.path.exists(os.path.join(folder, ".git")) or os.path.isfile(os.path.join(folder, "pnpm-workspace.yaml")):
        return True
    text = read_disk(os.path.join(folder, "package.json"))
    return bool(text and '"workspaces"' in text)


def declared_version(package_text: str) -> str | None:
    try:
        data = json.loads(package_text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    for section in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
        deps = data.get(section)
        if isinstance(deps, dict) and isinstance(deps.get("better-auth"), str):
            return deps["better-auth"]
    return None


_LOCK_PATTERNS = (
    ("pnpm-lock.yaml", re.compile(r"[/\s'\"]better-auth@(\d+\.\d+\.\d+[\w.-]*)")),
    ("bun.lock", re.compile(r'"better-auth@(\d+\.\d+\.\d+[\w.-]*)"')),
    ("yarn.lock", re.compile(r'better-auth@[^\n]*:\n\s+version:? "?(\d+\.\d+\.\d+[\w.-]*)')),
)


def installed_version(folders: list[str], read: Reader) -> str | None:
    """The version node would load: node_modules/better-auth (nearest first), else the lockfile's."""
    for folder in folders:
        text = read_disk(os.path.join(folder, "node_modules", "better-auth", "package.json"))
        if text:
            try:
                version = json.loads(text).get("version")
            except (ValueError, AttributeError):
                version = None
            if isinstance(version, str):
                return version
    for folder in folders:
        lock = read_disk(os.path.join(folder, "package-lock.json"))
        if lock and "better-auth" in lock:
            try:
                version = json.loads(lock).get("packages", {}).get("node_modules/better-auth", {}).get("version")
            except (ValueError, AttributeError):
                version = None
            if isinstance(version, str):
                return version
        for name, pattern in _LOCK_PATTERNS:
            text = read_disk(os.path.join(folder, name))
            match = pattern.search(text) if text else None
            if match:
                return match.group(1)
    return None


def call_files(root: str, model: Any, read: Reader) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for path in getattr(model, "schema_files", []) or []:
        text = read(path)
        if text and has_call(text):
            found[os.path.abspath(path)] = text
    for path, text in scan(root, read):
        found.setdefault(path, text)
    return sorted(found.items(), key=lambda item: preference(root, item[0]))


def preference(root: str, path: str) -> tuple:
    relative = os.path.relpath(path, root).replace(os.sep, "/")
    stem = os.path.splitext(relative)[0]
    conventional = [os.path.splitext(c)[0] for c in _CONVENTIONAL]
    rank = conventional.index(stem) if stem in conventional else len(conventional)
    is_test = bool(re.search(r"(^|/)(__tests__|tests?|e2e)/|\.(test|spec)\.", relative))
    return (is_test, rank, relative.count("/"), relative)


_PREFILTER: dict[str, tuple[tuple[int, int], bool]] = {}


def scan(folder: str, read: Reader, skip: str | None = None) -> list[tuple[str, str]]:
    """Files under ``folder`` mentioning ``betterAuth``, read through ``read``. Whether a file on disk mentions it
    is remembered by its size and modification time, so a rescan after an edit reads only changed files."""
    found: list[tuple[str, str]] = []
    seen = 0
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")
                         and os.path.join(current, d) != skip)
        for name in sorted(files):
            if not name.endswith(_EXTENSIONS) or name.endswith(".d.ts"):
                continue
            seen += 1
            if seen > _SCAN_LIMIT:
                return found
            path = os.path.join(current, name)
            if mentions_call(path):
                text = read(path)
                if text and has_call(text):
                    found.append((path, text))
    return found


def mentions_call(path: str) -> bool:
    try:
        stat = os.stat(path)
    except OSError:
        return False
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _PREFILTER.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    if stat.st_size > _MAX_BYTES:
        result = False
    else:
        text = read_disk(path)
        result = bool(text and has_call(text))
    if len(_PREFILTER) > 20000:
        _PREFILTER.clear()
    _PREFILTER[path] = (stamp, result)
    return result
