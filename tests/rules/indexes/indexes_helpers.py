"""Helpers for the index and relation rule tests: real drizzle-kit projects copied at one point of their history,
small projects written to disk (the TypeScript fixes read the schema file), and fixes applied as ``check --fix``
applies them."""

from __future__ import annotations

import json
import os
import shutil

from drizzle_lsp.fixes import apply_edits, apply_fixes
from drizzle_lsp.rules.framework import Violation
from drizzle_lsp.rules.testing import lint_project, write_project

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def fixture_project(tmp_path, case: str, *, schema: str | None = "before.ts", migrations: int | None = None) -> str:
    """A copy of ``fixtures/<case>`` whose ``schema.ts`` is the variant ``schema`` (None: a SQL-only project) and
    whose migrations folder keeps the first ``migrations`` migrations (default: all)."""
    root = tmp_path / f"{case}-{schema}-{migrations}"
    shutil.copytree(os.path.join(FIXTURES, case), root)
    for variant in ("before.ts", "after.ts"):
        if variant != schema:
            os.remove(root / variant)
    if schema is not None:
        os.rename(root / schema, root / "schema.ts")
    else:  # no schema file at all: drizzle-lsp sees only the SQL
        (root / "drizzle.config.ts").write_text((root / "drizzle.config.ts").read_text().replace(
            '"./schema.ts"', '"./no-schema/*.ts"'))
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


def ts_project(tmp_path, ts: str, *, sql: str | None = None, dialect: str = "postgresql", name: str = "project") -> str:
    root = tmp_path / name
    write_project(str(root), ts=ts, sql=sql, dialect=dialect)
    return str(root)


def lint_ts(tmp_path, rule: str, ts: str, *, sql: str | None = None, dialect: str = "postgresql") -> list[Violation]:
    return lint(ts_project(tmp_path, ts, sql=sql, dialect=dialect), rule)


def read(path: str) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def flagged(finding: Violation) -> str:
    return read(finding.range.path)[finding.range.start:finding.range.end]


def fixed(finding: Violation) -> str:
    """The flagged file with this one finding's fix applied."""
    assert finding.fix is not None, f"no fix on: {finding.message}"
    path = finding.range.path
    return apply_edits(read(path), [e for e in finding.fix.edits if e.path == path])


def fix_all(root: str, rule: str, applicabilities: tuple[str, ...] = ("safe",), rounds: int = 10) -> int:
    """Apply the rule's fixes to the files, re-linting between rounds as ``check --fix`` does when fixes overlap.
    Returns how many fixes were applied."""
    applied = 0
    for _ in range(rounds):
        findings = [f for f in lint(root, rule) if f.fix is not None and f.fix.applicability in applicabilities]
        if not findings:
            break
        report, _texts = apply_fixes(findings, roots=[root], read_text=read, applicabilities=applicabilities)
        if not report.applied:
            break
        applied += len(report.applied)
    return applied


def only(findings: list[Violation], needle: str) -> Violation:
    """The one finding whose message holds ``needle``."""
    matching = [f for f in findings if needle in f.message]
    assert len(matching) == 1, f"expected one finding about {needle}; got {[f.message for f in findings]}"
    return matching[0]
