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
    # The fix chosen for a finding when it is not ``finding.fix`` (a split), by ``id(finding)``.
    used: dict[int, Fix] = field(default_factory=dict)
    # Fixes that can only be shown (a split of a migration that is not the last one), once each.
    previews: list[tuple[Violation, Fix]] = field(default_factory=list)
    # Extra fixes that could not be applied, with why (the finding's own fix may still have been).
    extra_skipped: list[tuple[Violation, Fix, str]] = field(default_factory=list)

    def fix_of(self, finding: Violation) -> Fix | None:
        return self.used.get(id(finding), finding.fix)


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
    (also written to disk when ``write``).

    Extra fixes (the split of a whole migration) are considered first: one split resolves every lock finding of its
    migration, and the one-statement fixes in that file would otherwise take its place and leave the rest unsolved.
    A split shared by several findings is applied once, and counts for all of them."""
    report = FixReport()
    chosen_edits: list[TextEdit] = []
    chosen: list[Violation] = []
    chosen_fixes: list[Fix] = []
    creations: dict[str, str] = {}
    rewritten: set[str] = set()
    findings = list(findings)

    def consider(finding: Violation, fix: Fix, *, extra: bool) -> bool:
        if fix in chosen_fixes:
            chosen.append(finding)
            report.used[id(finding)] = fix
            return True

        def skip(why: str) -> bool:
            if extra:
                report.extra_skipped.append((finding, fix, why))
            else:
                report.skipped.append((finding, why))
            return False

        outside = [p for p in fix.paths if not _inside(p, roots)]
        if outside:
            return skip(f"it would write outside the project: {outside[0]}")
        existing = [c.path for c in fix.creations if os.path.exists(c.path) or c.path in creations]
        if existing:
            return skip(f"{existing[0]} already exists")
        if _conflicts(fix, chosen_edits) or ({e.path for e in fix.edits} & rewritten):
            if not extra:
                report.skipped.append((finding, "it overlaps another fix; run --fix again"))
            return False
        chosen_edits.extend(fix.edits)
        chosen.append(finding)
        chosen_fixes.append(fix)
        if extra:
            report.used[id(finding)] = fix
            # A split rewrites whole files: an insertion another fix anchors to a statement of the old text would
            # land in the wrong place, even where the offsets do not overlap.
            rewritten.update(e.path for e in fix.edits)
        creations.update({c.path: c.text for c in fix.creations})
        return True

    taken: set[int] = set()
    for finding in findings:
        for fix in finding.extra_fixes:
            if fix.is_preview:
                # Shown where the split would have been applied (--unsafe-fixes), so it can be applied by hand.
                if "unsafe" in applicabilities and all(fix != shown for _, shown in report.previews):
                    report.previews.append((finding, fix))
                continue
            if fix.applicability not in applicabilities:
                continue
            if consider(finding, fix, extra=True):
                taken.add(id(finding))
                break
    for finding in findings:
        fix = finding.fix
        if id(finding) in taken or fix is None or fix.applicability not in applicabilities or fix.is_preview:
            continue
        consider(finding, fix, extra=False)

    by_path: dict[str, list[TextEdit]] = {}
    for edit in chosen_edits:
        by_path.setdefault(edit.path, []).append(edit)
    new_texts: dict[str, str] = {}
    for path, edits in by_path.items():
        original = read_text(path)
        if original is None:
            report.skipped.extend((f, f"{path} could not be read") for f in chosen if path in report.fix_of(f).paths)
            continue
        try:
            new_texts[path] = apply_edits(original, edits)
        except EditConflict as error:
            report.skipped.extend((f, str(error)) for f in chosen if path in report.fix_of(f).paths)
    failed_paths = set(by_path) - set(new_texts)
    # A fix is written whole or not at all (the new files of a split whose journal edit failed would be migrations
    # drizzle never runs), so a failed path also fails every other file of the fixes touching it.
    while True:
        spread = {e.path for fix in chosen_fixes if fix.paths & failed_paths for e in fix.edits} - failed_paths
        if not spread:
            break
        failed_paths |= spread
    for path in failed_paths:
        new_texts.pop(path, None)
    report.applied = [f for f in chosen if not (report.fix_of(f).paths & failed_paths)]
    for fix in chosen_fixes:
        if not (fix.paths & failed_paths):
            for creation in fix.creations:
                new_texts.setdefault(creation.path, creation.text)
    if write:
        # New files first, the journal and the rewritten files after: an interrupted run leaves stray files, never a
        # journal naming files that do not exist.
        for path in sorted(new_texts, key=lambda p: p not in creations):
            is_new = path in creations
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            # newline="" keeps the file's own line endings: the edits were computed on the text as read. "x" refuses
            # a file that appeared since the check above.
            with open(path, "x" if is_new else "w", encoding="utf-8", newline="") as handle:
                handle.write(new_texts[path])
            (report.created_files if is_new else report.changed_files).append(path)
    else:
        report.changed_files = [p for p in new_texts if p not in creations]
        report.created_files = [p for p in new_texts if p in creations]
    return report, new_texts
