"""A stand-in for the project loader while parts of it are still being written.

``install_if_needed`` replaces ``load_workspace`` only when the real one cannot load a project (its discovery module
is missing); the replacement reads the layout ``rules.testing.write_project`` creates and builds the workspace with
the real parser and engine. Once the loader is complete the CLI tests run against it unchanged.
"""

from __future__ import annotations

import glob
import os


def real_loader_available() -> bool:
    try:
        import drizzle_lsp.workspace.discovery  # noqa: F401
        import drizzle_lsp.workspace.settings  # noqa: F401
    except ImportError:
        return False
    return True


def _project_root(path: str) -> str | None:
    folder = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path) or ".")
    while True:
        if os.path.isfile(os.path.join(folder, "drizzle.config.ts")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def fake_load_workspace(paths, *, overrides=None, settings_path=None, **_):
    from drizzle_lsp.analysis.project import Workspace
    from drizzle_lsp.model import Problem
    from drizzle_lsp.rules.testing import build_workspace
    from drizzle_lsp.workspace.files import FileReader

    overrides = {os.path.abspath(k): v for k, v in (overrides or {}).items()}
    reader = FileReader(overrides)
    result = Workspace(roots=[os.path.abspath(p) for p in paths], reader=reader)
    for root in sorted({r for r in map(_project_root, paths) if r}):
        sql = [(os.path.basename(p)[:-4], reader.read(p) or "") for p in sorted(glob.glob(os.path.join(root, "drizzle", "*.sql")))]
        schema_path = os.path.join(root, "src", "schema.ts")
        ts = reader.read(schema_path) if os.path.exists(schema_path) or schema_path in overrides else None
        settings_file = settings_path or os.path.join(root, ".drizzle-lsp.toml")
        settings = reader.read(settings_file) if os.path.exists(settings_file) else None
        built = build_workspace(sql=sql, ts=ts, settings=settings, root=root)
        result.projects.extend(built.projects)
    if not result.projects:
        result.problems.append(Problem("path-not-found", f"no drizzle.config.ts under {paths}", None, "error"))
    return result


def install_if_needed() -> None:
    if real_loader_available():
        return
    import drizzle_lsp.analysis.project as project_module

    project_module.load_workspace = fake_load_workspace
