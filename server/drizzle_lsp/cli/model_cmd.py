"""``drizzle-lsp model [PATH] [--json]``: print what drizzle-lsp sees.

For users whose finding surprises them ("why does it think `orders` already existed?") and for tests: the projects
found, how each config was read, the tables of the TypeScript schema, every migration with its operations, the
replayed state, and every problem met on the way.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import json
import os
import sys

from drizzle_lsp.model import DatabaseSchema, Problem, line_col


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="project folder or file (default: .)")
    parser.add_argument("--json", action="store_true", help="print the whole model as JSON (for tools and tests)")


def run_model(args: argparse.Namespace) -> int:
    from drizzle_lsp.analysis.project import load_workspace

    workspace = load_workspace(args.paths)
    if args.json:
        json.dump(_workspace_json(workspace), sys.stdout, indent=2, default=_json_default)
        sys.stdout.write("\n")
    else:
        _print_text(workspace)
    if not workspace.projects and workspace.problems:
        return 2
    return 0


def _json_default(value):
    if isinstance(value, set):
        return sorted(value)
    if isinstance(value, enum.Enum):
        return value.value
    return str(value)


def _strip(value):
    """asdict output without empty fields: the model is wide, and a reader wants what is set."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if v not in (None, [], {}, "", False) or k in ("not_null", "primary_key")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _schema_json(schema: DatabaseSchema) -> dict:
    return _strip(dataclasses.asdict(schema))


def _workspace_json(workspace) -> dict:
    projects = []
    for analyzed in workspace.projects:
        project = analyzed.project
        migrations = []
        if project.migrations:
            for migration in project.migrations.migrations:
                entry = _strip(dataclasses.asdict(migration))
                entry.pop("text", None)
                migrations.append(entry)
        replay = analyzed.replay
        final_state = getattr(replay, "final", None) if replay is not None else None
        projects.append(
            {
                "root": project.root,
                "config": _strip(dataclasses.asdict(project.config)),
                "migrator": {"mode": analyzed.migrator_mode.mode, "reason": analyzed.migrator_mode.reason},
                "postgres_version": analyzed.postgres_version,
                "settings_path": analyzed.settings_path,
                "schema_files": project.schema_files,
                "schema": _schema_json(project.schema),
                "migrations_layout": project.migrations.layout if project.migrations else None,
                "migrations": migrations,
                "replayed_schema": _schema_json(final_state) if isinstance(final_state, DatabaseSchema) else None,
                "problems": [_problem_json(p, workspace) for p in project.problems],
            }
        )
    return {"projects": projects, "problems": [_problem_json(p, workspace) for p in workspace.problems]}


def _problem_json(problem: Problem, workspace) -> dict:
    data: dict = {"code": problem.code, "severity": problem.severity, "message": problem.message}
    if problem.range and problem.range.path:
        data["file"] = problem.range.path
        text = workspace.file_text(problem.range.path) or ""
        line, col = line_col(text, problem.range.start)
        data["line"], data["column"] = line + 1, col + 1
    return data


def _print_text(workspace) -> None:
    out = sys.stdout.write
    if not workspace.projects:
        out("No Drizzle project found (no drizzle.config.* and no migrations folder).\n")
    for analyzed in workspace.projects:
        project = analyzed.project
        config = project.config
        rel = lambda p: os.path.relpath(p, project.root) if p else "-"  # noqa: E731
        out(f"Project {project.root}\n")
        out(f"  config      {rel(config.path)}  dialect={config.dialect} out={config.out} casing={config.casing or '-'}\n")
        out(f"  migrator    {analyzed.migrator_mode.mode}  ({analyzed.migrator_mode.reason})\n")
        out(f"  schema      {', '.join(rel(p) for p in project.schema_files) or '(no schema files found)'}\n")
        out(f"  tables      {len(project.schema.tables)} from TypeScript, {len(project.schema.enums)} enums\n")
        for table in project.schema.tables.values():
            cols = ", ".join(
                f"{c.name} {c.type}{' NOT NULL' if c.not_null else ''}{' PK' if c.primary_key else ''}"
                for c in table.columns.values()
            )
            out(f"    {table.qualified_name}: {cols}\n")
            for index in table.indexes.values():
                out(f"      index {index.name}{' unique' if index.unique else ''} ({', '.join(c.expression for c in index.columns)})\n")
            for fk in table.foreign_keys.values():
                out(f"      fk {fk.name} ({', '.join(fk.columns_from)}) -> {fk.table_to}({', '.join(fk.columns_to)}) on delete {fk.on_delete or 'no action'}\n")
        if project.migrations:
            folder = project.migrations
            out(f"  migrations  {rel(folder.path)} ({folder.layout} layout, {len(folder.migrations)} migrations)\n")
            for migration in folder.migrations:
                kinds = [op.kind.value for op in migration.operations]
                errors = sum(1 for st in migration.statements if st.error)
                summary = ", ".join(kinds) if kinds else ("missing file" if migration.missing else "no statements")
                out(f"    {migration.tag}: {len(migration.statements)} statements{f', {errors} syntax errors' if errors else ''}: {summary}\n")
        final_state = getattr(analyzed.replay, "final", None)
        if isinstance(final_state, DatabaseSchema):
            out(f"  replayed    {len(final_state.tables)} tables, {len(final_state.enums)} enums after the last migration\n")
        for problem in project.problems:
            _print_problem(problem, workspace)
    for problem in workspace.problems:
        _print_problem(problem, workspace)


def _print_problem(problem: Problem, workspace) -> None:
    where = ""
    if problem.range and problem.range.path:
        text = workspace.file_text(problem.range.path) or ""
        line, col = line_col(text, problem.range.start)
        where = f"{problem.range.path}:{line + 1}:{col + 1}: "
    sys.stdout.write(f"  {where}{problem.severity}: {problem.message} [{problem.code}]\n")
