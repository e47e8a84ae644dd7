"""A long-lived view of a workspace for the language server: open documents, caches, and findings per file.

The server is a thin adapter over this class, which imports nothing from the LSP stack. A change to a schema file
or a migration reloads only the project that holds it (through ``AnalysisCache``, so only the edited file is
re-parsed); a change to a config, ``.drizzle-lsp.toml`` or ``package.json`` rediscovers the whole workspace, because
it can add, remove or re-shape projects.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from drizzle_lsp.analysis.cache import AnalysisCache
from drizzle_lsp.analysis.migrator import infer_migrator
from drizzle_lsp.analysis.project import AnalyzedProject, Workspace, load_project
from drizzle_lsp.workspace.files import FileReader

# Files whose change can re-shape projects: rediscover everything.
# Files that decide what a project is (its settings, dependencies, D1 bindings): a change reloads every project,
# since a wrangler file or a package.json may sit above the project that reads it (monorepos).
_STRUCTURAL_NAMES = (".drizzle-lsp.toml", "package.json", "wrangler.toml", "wrangler.json", "wrangler.jsonc")


def is_structural(path: str) -> bool:
    name = os.path.basename(path)
    return name in _STRUCTURAL_NAMES or name.startswith("drizzle.config.")


@dataclass(slots=True)
class EditorSettings:
    """Settings an editor sends. ``None`` means "not set in the editor": the project's .drizzle-lsp.toml decides.

    Precedence, highest first: editor settings that are set, then ``.drizzle-lsp.toml``, then defaults.
    """

    enable: bool = True
    select: list[str] | None = None
    ignore: list[str] | None = None
    severity: dict[str, str] | None = None
    postgres_version: int | None = None
    migrator: str | None = None
    log_level: str = "info"
    debounce_ms: int = 40
    problems: list[str] = field(default_factory=list)  # what was wrong with the settings the editor sent


def apply_editor_settings(analyzed: AnalyzedProject, editor: EditorSettings) -> None:
    settings = analyzed.settings
    if editor.select is not None:
        settings.select = list(editor.select)
    if editor.ignore is not None:
        settings.ignore = list(settings.ignore) + list(editor.ignore)
    if editor.severity:
        settings.severity = {**settings.severity, **editor.severity}
    if editor.postgres_version is not None:
        settings.postgres_version = editor.postgres_version
    if editor.migrator is not None and editor.migrator != "auto":
        settings.migrator = editor.migrator
        analyzed.migrator_mode = infer_migrator(analyzed.project.config, analyzed.project.root, editor.migrator)


class Session:
    def __init__(self, roots: list[str], *, env: dict[str, str] | None = None) -> None:
        self.roots = [os.path.abspath(r) for r in roots]
        self.env = env
        self.overrides: dict[str, str] = {}
        self.cache = AnalysisCache()
        self.editor = EditorSettings()
        self.workspace = Workspace(roots=self.roots)
        self.findings: dict[str, list[Any]] = {}  # path -> violations (only files that have some)
        self._locations: dict[str, Any] = {}  # project root -> ProjectLocation
        self._findings_by_project: dict[str, dict[str, list[Any]]] = {}
        self._workspace_findings: list[Any] = []
        self.lock = threading.Lock()  # one analysis at a time: the caches are shared

    # --- documents ------------------------------------------------------------------------------------------------

    def set_document(self, path: str, text: str | None) -> None:
        """The editor's text for ``path`` (None when the document is closed: the disk is read again)."""
        path = os.path.abspath(path)
        if text is None:
            self.overrides.pop(path, None)
        else:
            self.overrides[path] = text

    def file_deleted(self, path: str) -> None:
        self.cache.forget(os.path.abspath(path))

    def text_of(self, path: str) -> str | None:
        return self.workspace.reader.read(path)

    # --- analysis -------------------------------------------------------------------------------------------------

    def reload_all(self, on_project: Callable[[int, int, set[str]], None] | None = None,
                   texts: dict[str, str] | None = None) -> set[str]:
        """Rediscover every project and check it. Returns the files whose findings may have changed.

        ``on_project(done, total, files)`` is called after each project is checked, with the files whose findings
        it changed, so that a large workspace shows each project's results as soon as they exist (the language
        server publishes them and reports progress) instead of after the last project. ``texts``: the editor's
        texts to analyse (default: the current ``overrides``), taken by the caller together with their versions."""
        from drizzle_lsp.workspace.discovery import discover_projects

        before = set(self.findings)
        reader = FileReader(dict(self.overrides if texts is None else texts))
        workspace = Workspace(roots=self.roots, reader=reader)
        self._locations = {}
        self._findings_by_project = {}
        seen: set[str] = set()
        locations = []
        for root in self.roots:
            if not os.path.isdir(root):
                continue
            for location in discover_projects(root):
                key = location.config_path or location.root
                if key not in seen:
                    seen.add(key)
                    locations.append(location)
        self._workspace_findings = self._run_rules(Workspace(self.roots, [], workspace.problems, reader))
        # In place from the start, filled project by project: results published early are read (and their
        # positions computed) through this reader, which holds the editor's unsaved text.
        self.workspace = workspace
        for done, location in enumerate(locations, start=1):
            analyzed = self._load(location, reader)
            workspace.projects.append(analyzed)
            self._locations[analyzed.project.root] = location
            self._check(analyzed)
            if on_project is not None:
                self._collect()
                on_project(done, len(locations), set(self._findings_by_project.get(analyzed.project.root, {})))
        self._collect()
        return before | set(self.findings)

    def refresh(self, changed: set[str], texts: dict[str, str] | None = None) -> set[str]:
        """Re-check after ``changed`` files changed (in the editor or on disk). Returns the files to republish.
        ``texts`` as for ``reload_all``."""
        changed = {os.path.abspath(p) for p in changed}
        if not self.workspace.projects or any(is_structural(p) for p in changed):
            return self.reload_all(texts=texts)
        owners = [self.workspace.project_for(p) for p in changed]
        if any(owner is None for owner in owners):
            # A file outside every known project may be the first schema file of a new one.
            return self.reload_all(texts=texts)
        affected = list({id(owner): owner for owner in owners}.values())
        before = set(self.findings)
        reader = FileReader(dict(self.overrides if texts is None else texts))
        self.workspace.reader = reader
        for old in affected:
            assert old is not None
            location = self._locations.get(old.project.root)
            if location is None:
                return self.reload_all(texts=texts)
            fresh = self._load(location, reader)
            index = self.workspace.projects.index(old)
            self.workspace.projects[index] = fresh
            self._check(fresh)
        self._collect()
        return before | set(self.findings)

    def _load(self, location: Any, reader: FileReader) -> AnalyzedProject:
        analyzed = load_project(location, reader, env=self.env, cache=self.cache)
        apply_editor_settings(analyzed, self.editor)
        return analyzed

    def _check(self, analyzed: AnalyzedProject) -> None:
        violations = self._run_rules(Workspace(self.roots, [analyzed], [], self.workspace.reader))
        by_path: dict[str, list[Any]] = {}
        for violation in violations:
            path = violation.path or analyzed.project.config.path or analyzed.project.root
            by_path.setdefault(path, []).append(violation)
        self._findings_by_project[analyzed.project.root] = by_path

    def _run_rules(self, workspace: Workspace) -> list[Any]:
        from drizzle_lsp.rules.engine import run_rules

        if not self.editor.enable:
            return []
        return run_rules(workspace)

    def _collect(self) -> None:
        merged: dict[str, list[Any]] = {}
        for violation in self._workspace_findings:
            if violation.path:
                merged.setdefault(violation.path, []).append(violation)
        for by_path in self._findings_by_project.values():
            for path, violations in by_path.items():
                if os.path.isdir(path):
                    continue  # a finding about a folder has no document to show it in
                merged.setdefault(path, []).extend(violations)
        self.findings = merged

    # --- queries --------------------------------------------------------------------------------------------------

    def project_for(self, path: str) -> AnalyzedProject | None:
        return self.workspace.project_for(path)

    def findings_at(self, path: str, offset: int) -> list[Any]:
        return [v for v in self.findings.get(os.path.abspath(path), []) if v.range and v.range.start <= offset <= max(v.range.end, v.range.start)]
