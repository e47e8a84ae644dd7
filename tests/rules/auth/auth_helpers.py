"""Helpers for the Better Auth rule tests: copies of the fixtures Better Auth's own generator wrote
(tests/fixtures/better-auth), edited by exact text replacement so each deviation is one visible change."""

from __future__ import annotations

import os
import shutil

from drizzle_lsp.rules.framework import Violation
from drizzle_lsp.rules.testing import lint_project

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "better-auth")
SCHEMA = "auth-schema.ts"


def fixture_cases() -> list[str]:
    return sorted(c for c in os.listdir(FIXTURES) if os.path.isfile(os.path.join(FIXTURES, c, "auth.ts")))


def copy_case(tmp_path, case: str, *, migrations: bool = False) -> str:
    """A copy of a fixture case; without its drizzle/ folder unless asked (the auth rules read the schema only)."""
    root = tmp_path / case
    ignore = ("node_modules",) if migrations else ("node_modules", "drizzle")
    shutil.copytree(os.path.join(FIXTURES, case), root, ignore=shutil.ignore_patterns(*ignore))
    return str(root)


def edit(root: str, name: str, old: str, new: str, count: int = 1) -> None:
    """Replace the first ``count`` occurrences of ``old`` (all of them when ``count`` is -1); the test fails loudly
    when the fixture no longer holds the text."""
    path = os.path.join(root, name)
    text = read(path)
    assert text.count(old) >= max(count, 1), f"{old!r} not found {count} time(s) in {name}"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text.replace(old, new, count))


def read(path: str) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def auth_findings(root: str) -> list[Violation]:
    """The findings of the auth group (and what they report about the config) for a project."""
    return [f for f in lint_project(root, select=["auth"]) if f.group == "auth"]


def flagged(finding: Violation) -> str:
    return read(finding.range.path)[finding.range.start:finding.range.end]
