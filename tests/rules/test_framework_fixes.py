"""Applying edits and fixes."""

import os

import pytest
from hypothesis import given, strategies as st

from drizzle_lsp.fixes import EditConflict, apply_edits, apply_fixes
from drizzle_lsp.rules.framework import FileCreation, Fix, TextEdit, Violation
from drizzle_lsp.model import SourceRange


def test_edits_apply_in_any_order():
    text = "CREATE INDEX i ON t (c);"
    edits = [TextEdit("f", 12, 12, " CONCURRENTLY"), TextEdit("f", 0, 6, "create")]
    assert apply_edits(text, edits) == "create INDEX CONCURRENTLY i ON t (c);"


@pytest.mark.parametrize("edits", [
    [TextEdit("f", 0, 5, "x"), TextEdit("f", 3, 8, "y")],
    [TextEdit("f", 2, 2, "a"), TextEdit("f", 2, 2, "b")],
    [TextEdit("f", 0, 99, "x")],
])
def test_conflicts_are_refused(edits):
    with pytest.raises(EditConflict):
        apply_edits("0123456789", edits)


def test_identical_edits_count_once():
    assert apply_edits("abc", [TextEdit("f", 0, 1, ""), TextEdit("f", 0, 1, "")]) == "bc"


@given(st.text(max_size=40), st.lists(st.tuples(st.integers(0, 40), st.integers(0, 5), st.text(max_size=3)), max_size=5))
def test_non_overlapping_edits_match_sequential_application(text, raw):
    spans, cursor = [], 0
    for gap, length, new in raw:
        start = min(len(text), cursor + gap)
        end = min(len(text), start + length)
        if start < cursor or (spans and start == spans[-1][0] == spans[-1][1] == end):
            continue
        spans.append((start, end, new))
        cursor = end + 1
    expected = text
    for start, end, new in reversed(spans):
        expected = expected[:start] + new + expected[end:]
    assert apply_edits(text, [TextEdit("f", s, e, n) for s, e, n in spans]) == expected


def _finding(path, fix):
    return Violation("r", "m", SourceRange(path, 0, 0), fix=fix)


def test_apply_fixes_writes_inside_root_only_and_skips_overlaps(tmp_path):
    target = tmp_path / "a.sql"
    target.write_text("CREATE INDEX i ON t (c);\r\n", newline="")
    outside = tmp_path.parent / "outside.sql"
    findings = [
        _finding(str(target), Fix("concurrently", [TextEdit(str(target), 12, 12, " CONCURRENTLY")])),
        _finding(str(target), Fix("overlap", [TextEdit(str(target), 12, 12, " X")])),
        _finding(str(target), Fix("unsafe one", [TextEdit(str(target), 0, 6, "create")], "unsafe")),
        _finding(str(outside), Fix("escape", [TextEdit(str(outside), 0, 0, "x")])),
        _finding(str(target), Fix("new file", [], creations=[FileCreation(str(tmp_path / "m" / "b.sql"), "SELECT 1;")])),
    ]
    report, _ = apply_fixes(findings, roots=[str(tmp_path)], read_text=lambda p: open(p, newline="").read())
    assert open(target, newline="").read() == "CREATE INDEX CONCURRENTLY i ON t (c);\r\n"
    assert (tmp_path / "m" / "b.sql").read_text() == "SELECT 1;"
    assert not outside.exists()
    assert [f.fix.title for f in report.applied] == ["concurrently", "new file"]
    reasons = {f.fix.title: why for f, why in report.skipped}
    assert "overlaps" in reasons["overlap"] and "outside" in reasons["escape"]
    assert "unsafe one" not in reasons


def test_file_creation_never_overwrites(tmp_path):
    existing = tmp_path / "keep.sql"
    existing.write_text("mine")
    finding = _finding(str(existing), Fix("create", [], creations=[FileCreation(str(existing), "theirs")]))
    report, _ = apply_fixes([finding], roots=[str(tmp_path)], read_text=lambda p: None)
    assert existing.read_text() == "mine" and report.skipped
