"""Applying fixes to files on disk for ``check --fix``.

Fixes are chosen greedily in file order; a fix whose edits overlap one already chosen waits for the next run (as
ruff does) instead of producing a guess. Nothing is written outside the workspace root, and an existing file is never
overwritten by a file creation: a fix computed from stale text must not destroy work.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from drizzle_lsp.fixes.edits import EditConflict, apply_edits, edits_overlap
from drizzle_lsp.rules.framework import Fix, TextEdit, Violation


@dataclass(slots=True)
class FixReport:
    applied: list[Violation] = field(default_factory=list)
    skipped: list[tuple[Violation, str]] = field(default_factory=list)  # (finding, why its fix was not applied)
    changed_files: list[str] = field(default_factory=list)
    created_files: list[str] = field(default_factory=list)


def _inside(path: str, roots: Iterable[str]) -> bool:
    real = os.path.realpath(path)
    return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in map(os.path.realpath, roots))


def _conflicts(fix: Fix, chosen: list[TextEdit]) -> bool:
    return any(edits_overlap(edit, other) for edit in fix.edits for other in chosen)


def apply_fixes(
    findings: Iterable[Violation],
    *,
    roots: list[str],
    read_text: Callable[[str], str | None],
    applicabilities: tuple[str, ...] = ("safe",),
    write: bool = True,
) -> tuple[FixReport, dict[str, str]]:
    """Apply the fixes of ``findings`` whose applicability is allowed. Returns the report and the new text per file
    (also written to disk when ``write``)."""
    report = FixReport()
    chosen_edits: list[TextEdit] = []
    chosen: list[Violation] = []
    creations: dict[str, str] = {}
    for finding in findings:
        fix = finding.fix
        if fix is None or fix.applicability not in applicabilities:
            continue
        outside = [p for p in fix.paths if not _inside(p, roots)]
        if outside:
            report.skipped.append((finding, f"it would write outside the project: {outside[0]}"))
            continue
        existing = [c.path for c in fix.creations if os.path.exists(c.path) or c.path in creations]
        if existing:
            report.skipped.append((finding, f"{existing[0]} already exists"))
            continue
        if _conflicts(fix, chosen_edits):
            report.skipped.append((finding, "it overlaps another fix; run --fix again"))
            continue
        chosen_edits.extend(fix.edits)
        chosen.append(finding)
        creations.update({c.path: c.text for c in fix.creations})

    by_path: dict[str, list[TextEdit]] = {}
    for edit in chosen_edits:
        by_path.setdefault(edit.path, []).append(edit)
    new_texts: dict[str, str] = {}
    for path, edits in by_path.items():
        original = read_text(path)
        if original is None:
            report.skipped.extend((f, f"{path} could not be read") for f in chosen if path in f.fix.paths)
            continue
        try:
            new_texts[path] = apply_edits(original, edits)
        except EditConflict as error:
            report.skipped.extend((f, str(error)) for f in chosen if path in f.fix.paths)
    failed_paths = set(by_path) - set(new_texts)
    report.applied = [f for f in chosen if not (f.fix.paths & failed_paths)]
    for path, text in creations.items():
        new_texts.setdefault(path, text)
    if write:
        for path, text in new_texts.items():
            is_new = path in creations and not os.path.exists(path)
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            # newline="" keeps the file's own line endings: the edits were computed on the text as read.
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            (report.created_files if is_new else report.changed_files).append(path)
    else:
        report.changed_files = [p for p in new_texts if p not in creations]
        report.created_files = [p for p in new_texts if p in creations]
    return report, new_texts
