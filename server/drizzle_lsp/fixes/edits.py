"""Applying text edits to one file's text.

Edits use character offsets into the original text, so they are applied from the end backwards and never shift
each other. Two edits that touch the same characters cannot both be right; that is an error for the caller to handle
(``apply_fixes`` skips the later fix and reports it), never a silent merge.
"""

from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.rules.framework import TextEdit


class EditConflict(ValueError):
    """Two edits overlap, or an edit lies outside the text."""


def _ordered(edits: Iterable[TextEdit]) -> list[TextEdit]:
    # Identical edits arrive when two findings share a fix (two unused names in one comment): keep one.
    unique = list(dict.fromkeys(edits))
    return sorted(unique, key=lambda e: (e.start, e.end))


def edits_overlap(first: TextEdit, second: TextEdit) -> bool:
    if first.path != second.path or first == second:
        return False
    if first.start == first.end == second.start == second.end:
        return True  # two insertions at one point: their order would be a guess
    return first.start < second.end and second.start < first.end


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """``text`` with every edit applied. Raises ``EditConflict`` on overlap or an offset past the end."""
    ordered = _ordered(edits)
    for edit in ordered:
        if not 0 <= edit.start <= edit.end <= len(text):
            raise EditConflict(f"edit {edit.start}..{edit.end} lies outside a text of {len(text)} characters")
    for previous, current in zip(ordered, ordered[1:]):
        if current.start < previous.end or (
            previous.start == previous.end == current.start == current.end
        ):
            raise EditConflict(f"edits {previous.start}..{previous.end} and {current.start}..{current.end} overlap")
    pieces = []
    cursor = 0
    for edit in ordered:
        pieces.append(text[cursor:edit.start])
        pieces.append(edit.new_text)
        cursor = edit.end
    pieces.append(text[cursor:])
    return "".join(pieces)
