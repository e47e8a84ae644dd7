"""Helpers shared by the type-rule tests: a real drizzle-kit case seen at one step of its history, small projects
written to disk (the TypeScript fixes read the schema file), and fixes applied to the files they edit."""

from __future__ import annotations

import json
import os
import shutil

from drizzle_lsp.fixes import apply_edits
from drizzle_lsp.rules.framework import Violation
from drizzle_lsp.rules.testing import lint_project, write_project

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def case_root(tmp_path, case: str, *, step: int | None = None, migrations: int | None = None,
              typescript: bool = True) -> str:
    """A copy of a fixture case: the schema of ``step`` (default: the last), the first ``migrations`` migrations
    (default: all), or no TypeScript schema at all (a SQL-only project) when ``typescript`` is false."""
    source = os.path.join(FIXTURES, case)
    root = tmp_path / f"{case}-{step}-{migrations}-{typescript}"
    shutil.copytree(source, root, ignore=shutil.ignore_patterns("steps"))
    schema_dir = root / "schema"
    if step is not None:
        shutil.rmtree(schema_dir)
        shutil.copytree(os.path.join(source, "steps", str(step)), schema_dir,
                        ignore=shutil.ignore_patterns("answers"))
    if not typescript:
        shutil.rmtree(schema_dir)
        schema_dir.mkdir()
    if migrations is not None:
        journal_path = root / "drizzle" / "meta" / "_journal.json"
        journal = json.loads(journal_path.read_text())
        for entry in journal["entries"][migrations:]:
            os.remove(root / "drizzle" / f"{entry['tag']}.sql")
            snapshot = root / "drizzle" / "meta" / f"{entry['tag'].split('_')[0]}_snapshot.json"
            if snapshot.exists():
                os.remove(snapshot)
        journal["entries"] = journal["entries"][:migrations]
        journal_path.write_text(json.dumps(journal, indent=2))
    return str(root)


def lint(root: str, rule: str) -> list[Violation]:
    return [f for f in lint_project(root, select=[rule]) if f.rule == rule]


def lint_ts(tmp_path, rule: str, ts: str, *, sql: str | None = None, dialect: str = "postgresql",
            files: dict[str, str] | None = None) -> list[Violation]:
    """Lint a schema written to disk (plus other files next to it, e.g. a shared ``columns.ts``)."""
    root = tmp_path / "project"
    write_project(str(root), ts=ts, sql=sql, dialect=dialect)
    for name, text in (files or {}).items():
        (root / "src" / name).write_text(text)
    return lint(str(root), rule)


def text_of(finding: Violation) -> str:
    with open(finding.range.path, encoding="utf-8", newline="") as handle:
        return handle.read()


def flagged(finding: Violation) -> str:
    return text_of(finding)[finding.range.start:finding.range.end]


def fixed(finding: Violation, path: str | None = None) -> str:
    """The text of ``path`` (default: the flagged file) with the finding's fix applied."""
    assert finding.fix is not None, f"no fix on: {finding.message}"
    path = path or finding.range.path
    with open(path, encoding="utf-8", newline="") as handle:
        text = handle.read()
    return apply_edits(text, [e for e in finding.fix.edits if e.path == path])


def fixed_together(findings: list[Violation], path: str) -> str:
    """The text of ``path`` with the fixes of all ``findings`` applied at once (as ``check --fix`` does)."""
    edits = [e for f in findings if f.fix is not None for e in f.fix.edits if e.path == path]
    return apply_edits(read(path), edits)


def step_file(case: str, step: int, name: str) -> str:
    return read(os.path.join(FIXTURES, case, "steps", str(step), name))


def migration_text(root: str, index: int) -> str:
    """The SQL of the case's ``index``-th migration (file names are random per regeneration)."""
    journal = json.loads(read(os.path.join(root, "drizzle", "meta", "_journal.json")))
    return read(os.path.join(root, "drizzle", f"{journal['entries'][index]['tag']}.sql"))


def by_column(findings: list[Violation], needle: str) -> Violation:
    """The one finding whose message names ``needle`` (e.g. '"users"."id"')."""
    matching = [f for f in findings if needle in f.message]
    assert len(matching) == 1, f"expected one finding about {needle}; got {[f.message for f in findings]}"
    return matching[0]


def read(path: str) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def statements(migration: str) -> list[str]:
    """A drizzle-kit migration's statements, split as drizzle-orm's migrator splits them."""
    return [s.strip() for s in migration.split("--> statement-breakpoint") if s.strip()]
