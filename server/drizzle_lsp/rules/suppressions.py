"""Suppression comments: where they are, what they cover, and which ones did nothing.

- ``-- drizzle-lsp-ignore name[, name]`` in SQL covers the next statement (the one the comment sits in front of or
  inside, since the statement splitter may keep leading comments with the statement).
- ``// drizzle-lsp-ignore name`` in TypeScript covers the next code line, or its own line when it trails code.
- ``drizzle-lsp-ignore-file [name, ...]`` in any comment covers the whole file (every rule when no name is given).

Anything after the name list is a free-text reason: ``-- drizzle-lsp-ignore drop-table data was copied in 0041``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from drizzle_lsp.model.source import SourceRange

_DIRECTIVE = re.compile(
    r"(?P<lead>--|//|/\*|\*)\s*drizzle-lsp-ignore(?P<file>-file)?\b"
    r"(?:[ \t]+(?P<names>[a-z0-9][a-z0-9-]*(?:[ \t]*,[ \t]*[a-z0-9][a-z0-9-]*)*))?"
)
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(slots=True)
class Suppression:
    path: str
    comment: SourceRange  # the directive, from the comment marker to the end of the name list
    names: list[tuple[str, SourceRange]]  # each name with its own range; empty = every rule
    file_wide: bool
    covers: tuple[int, int] | None  # character span it covers; None = the whole file
    used: set[str] = field(default_factory=set)

    def matches(self, rule: str, group: str, offset: int | None) -> str | None:
        """The name that suppresses ``rule`` at ``offset``, or None. A bare file directive answers ``*``."""
        if not self.file_wide:
            if offset is None or self.covers is None or not (self.covers[0] <= offset <= self.covers[1]):
                return None
        if not self.names:
            return "*"
        for name, _ in self.names:
            if name in (rule, group, "all"):
                return name
        return None


def _line_bounds(text: str, offset: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return start, len(text) if end == -1 else end


def _is_comment_or_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith(("--", "//", "/*", "*"))


def _next_code_line(text: str, after: int) -> tuple[int, int] | None:
    _, end = _line_bounds(text, after)
    position = end + 1
    while position <= len(text):
        line_start, line_end = _line_bounds(text, position)
        if not _is_comment_or_blank(text[line_start:line_end]):
            return line_start, line_end
        if line_end >= len(text):
            return None
        position = line_end + 1
    return None


def _sql_cover(text: str, directive_end: int, statements: Sequence[tuple[int, int]]) -> tuple[int, int] | None:
    for start, end in statements:
        if end > directive_end:
            return (min(start, directive_end), end)
    # Without parsed statements (or after the last one): the next code line up to the next semicolon.
    line = _next_code_line(text, directive_end)
    if line is None:
        return None
    semicolon = text.find(";", line[0])
    return (line[0], len(text) if semicolon == -1 else semicolon + 1)


def _ts_cover(text: str, marker_start: int) -> tuple[int, int] | None:
    line_start, line_end = _line_bounds(text, marker_start)
    if text[line_start:marker_start].strip():  # trailing comment: it speaks about its own line
        return (line_start, line_end)
    return _next_code_line(text, marker_start)


def find_suppressions(
    path: str, text: str, *, language: str, statements: Sequence[tuple[int, int]] = ()
) -> list[Suppression]:
    """Every directive in ``text``. ``language`` is ``sql`` or ``ts``; ``statements`` are (start, end) offsets."""
    if "drizzle-lsp-ignore" not in text:  # the common case, kept cheap for big migrations
        return []
    found: list[Suppression] = []
    for match in _DIRECTIVE.finditer(text):
        lead = match.group("lead")
        if language == "sql" and lead == "//" or language == "ts" and lead == "--":
            continue
        names: list[tuple[str, SourceRange]] = []
        if match.group("names"):
            base = match.start("names")
            for name in _NAME.finditer(match.group("names")):
                names.append((name.group(), SourceRange(path, base + name.start(), base + name.end())))
        file_wide = bool(match.group("file"))
        if file_wide:
            covers = None
        elif language == "sql":
            covers = _sql_cover(text, match.end(), statements)
        else:
            covers = _ts_cover(text, match.start())
        if not file_wide and covers is None:
            covers = (match.end(), match.end())  # covers nothing: it will be reported as unused
        found.append(
            Suppression(
                path=path,
                comment=SourceRange(path, match.start(), match.end()),
                names=names,
                file_wide=file_wide,
                covers=covers,
            )
        )
    return found


def comment_removal(text: str, suppression: Suppression, name: str | None) -> tuple[int, int, str]:
    """The edit that removes ``name`` from a directive, or the whole directive (and its line when it stands alone)."""
    remaining = [n for n, _ in suppression.names if n != name] if name else []
    if name and remaining:
        names_range = [r for n, r in suppression.names if n == name][0]
        start, end = names_range.start, names_range.end
        after = text[end:suppression.comment.end]
        comma_after = re.match(r"[ \t]*,[ \t]*", after)
        if comma_after:
            return start, end + comma_after.end(), ""
        before = text[suppression.comment.start:start]
        comma_before = re.search(r"[ \t]*,[ \t]*$", before)
        return start - (len(comma_before.group()) if comma_before else 0), end, ""
    start, end = suppression.comment.start, suppression.comment.end
    if not text.startswith(("--", "//"), start):
        return start, end, ""  # inside a block comment: removing only the directive never touches code
    line_start, line_end = _line_bounds(text, start)
    if not text[line_start:start].strip():
        return line_start, min(len(text), line_end + 1), ""
    # A trailing comment after code: drop the comment, keep the code and its line break.
    marker_start = start
    while marker_start > line_start and text[marker_start - 1] in " \t":
        marker_start -= 1
    return marker_start, line_end, ""
