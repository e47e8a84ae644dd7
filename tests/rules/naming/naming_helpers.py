"""Helpers for the naming rule tests: the drizzle-kit fixture shared with the index rules (``keys-and-names``),
small projects written to disk (the TypeScript fixes read the schema file), and fixes applied to the flagged file."""

from __future__ import annotations

import json
import os
import shutil

from drizzle_lsp.fixes import apply_edits
from drizzle_lsp.rules.framework import Violation
from drizzle_lsp.rules.testing import lint_project, write_project

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "indexes", "fixtures")


def fixture_project(tmp_path, case: str, *, typescript: bool = True, migrations: int | None = None) -> str:
    """A copy of ``indexes/fixtures/<case>`` with ``before.ts`` as its schema (or none: a SQL-only project) and the
    first ``migrations`` migrations (default: all)."""
    root = tmp_path / f"{case}-{typescript}-{migrations}"
    shutil.copytree(os.path.join(FIXTURES, case), root)
    os.remove(root / "after.ts")
    if typescript:
        os.rename(root / "before.ts", root / "schema.ts")
    else:
        os.remove(root / "before.ts")
    if migrations is not None:
        journal_path = root / "drizzle" / "meta" / "_journal.json"
        journal = json.loads(journal_path.read_text())
        for entry in journal["entries"][migrations:]:
            os.remove(root / "drizzle" / f"{entry['tag']}.sql")
            os.remove(root / "drizzle" / "meta" / f"{entry['tag'].split('_')[0]}_snapshot.json")
        journal["entries"] = journal["entries"][:migrations]
        journal_path.write_text(json.dumps(journal, indent=2))
    return str(root)


def lint(root: str, rule: str) -> list[Violation]:
    return [f for f in lint_project(root, select=[rule]) if f.rule == rule]


def project(tmp_path, ts: str | None = None, *, sql: str | None = None, settings: str | None = None,
            config: str | None = None, package_json: dict | None = None, files: dict[str, str] | None = None,
            dialect: str = "postgresql") -> str:
    root = tmp_path / "project"
    write_project(str(root), ts=ts, sql=sql, settings=settings, dialect=dialect, package_json=package_json)
    if config is not None:
        (root / "drizzle.config.ts").write_text(config)
    for name, text in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(root)


def read(path: str) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def flagged(finding: Violation) -> str:
    return read(finding.range.path)[finding.range.start:finding.range.end]


def fixed(finding: Violation, path: str | None = None) -> str:
    assert finding.fix is not None, f"no fix on: {finding.message}"
    path = path or finding.range.path
    return apply_edits(read(path), [e for e in finding.fix.edits if e.path == path])


def only(findings: list[Violation], needle: str) -> Violation:
    matching = [f for f in findings if needle in f.message]
    assert len(matching) == 1, f"expected one finding about {needle}; got {[f.message for f in findings]}"
    return matching[0]
