"""Splitting a migration file: first on drizzle-kit's breakpoint marker, then into statements.

The character-level splitter here serves SQLite and MySQL (and PostgreSQL text the libpg_query scanner rejects, such
as an unterminated string): it respects quotes, comments, PostgreSQL dollar quotes and SQLite trigger bodies
(``CREATE TRIGGER ... BEGIN ...; END``), whose inner semicolons do not end the statement.
"""

from __future__ import annotations

import re

BREAKPOINT = "--> statement-breakpoint"
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


def split_chunks(text: str) -> list[tuple[int, int]]:
    """Character spans between breakpoint markers (the markers themselves excluded)."""
    spans: list[tuple[int, int]] = []
    start = 0
    while True:
        at = text.find(BREAKPOINT, start)
        if at < 0:
            spans.append((start, len(text)))
            return spans
        spans.append((start, at))
        start = at + len(BREAKPOINT)


def split_statements(text: str, lo: int, hi: int, dialect: str) -> list[tuple[int, int]]:
    """Statement spans in ``text[lo:hi]``, each ending after its ``;`` (or at ``hi``). Comment-only and blank spans
    are kept so that the caller can report them as comments."""
    spans: list[tuple[int, int]] = []
    i, start = lo, lo
    trigger_depth = 0  # BEGIN ... END nesting inside CREATE TRIGGER
    in_trigger = False
    words_seen: list[str] = []
    while i < hi:
        c = text[i]
        nxt = text[i + 1] if i + 1 < hi else ""
        if c == "-" and nxt == "-" or (c == "#" and dialect == "mysql"):
            j = text.find("\n", i, hi)
            i = hi if j < 0 else j + 1
            continue
        if c == "/" and nxt == "*":
            i = _skip_block_comment(text, i, hi, nested=dialect == "postgresql")
            continue
        if c in "'\"`" or (c == "[" and dialect == "sqlite"):
            i = _skip_quoted(text, i, hi, "]" if c == "[" else c, backslash=dialect == "mysql" and c != "`")
            continue
        if c == "$" and dialect == "postgresql":
            m = _DOLLAR.match(text, i, hi)
            if m and (i == lo or not (text[i - 1].isalnum() or text[i - 1] == "_")):
                end = text.find(m.group(0), m.end(), hi)
                i = hi if end < 0 else end + len(m.group(0))
                continue
        if c.isalpha() or c == "_":
            m = _WORD.match(text, i, hi)
            if m is None:  # a non-ASCII letter: part of an identifier, never a keyword
                i += 1
                continue
            word = m.group(0).upper()
            if len(words_seen) < 4:
                words_seen.append(word)
                in_trigger = "TRIGGER" in words_seen and words_seen[0] == "CREATE"
            if in_trigger and word in ("BEGIN", "CASE"):
                trigger_depth += 1
            elif in_trigger and word == "END" and trigger_depth:
                trigger_depth -= 1
            i = m.end()
            continue
        if c == ";" and trigger_depth == 0:
            spans.append((start, i + 1))
            start = i + 1
            words_seen, in_trigger = [], False
        i += 1
    if start < hi:
        spans.append((start, hi))
    return spans


def _skip_block_comment(text: str, i: int, hi: int, nested: bool) -> int:
    depth = 0
    while i < hi:
        if text.startswith("/*", i):
            depth = depth + 1 if nested or depth == 0 else depth
            i += 2
        elif text.startswith("*/", i):
            depth -= 1
            i += 2
            if depth <= 0:
                return i
        else:
            i += 1
    return hi


def _skip_quoted(text: str, i: int, hi: int, close: str, backslash: bool) -> int:
    j = i + 1
    while j < hi:
        c = text[j]
        if backslash and c == "\\":
            j += 2
            continue
        if c == close:
            if j + 1 < hi and text[j + 1] == close:
                j += 2
                continue
            return j + 1
        j += 1
    return hi


def code_start(text: str, lo: int, hi: int, dialect: str = "postgresql") -> int:
    """Offset of the first character in ``text[lo:hi]`` that is neither whitespace nor comment (``hi`` if none)."""
    i = lo
    while i < hi:
        c = text[i]
        if c.isspace():
            i += 1
        elif text.startswith("--", i) or (c == "#" and dialect == "mysql"):
            j = text.find("\n", i, hi)
            i = hi if j < 0 else j + 1
        elif text.startswith("/*", i):
            i = _skip_block_comment(text, i, hi, nested=dialect == "postgresql")
        else:
            return i
    return hi
