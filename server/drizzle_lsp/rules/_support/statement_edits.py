"""Edits that replace or remove whole statements of a migration while keeping its ``--> statement-breakpoint``
markers valid: drizzle's migrator splits the file on them, so a removed statement must take one marker with it (never
leaving an empty chunk or two statements run as one), and every other byte of the file stays as it was.
"""

from __future__ import annotations

import re

from drizzle_lsp.model import Migration, Statement
from drizzle_lsp.rules.framework import TextEdit

BREAKPOINT = "--> statement-breakpoint"
_MARKER_AFTER = re.compile(r"\s*--> statement-breakpoint[ \t]*(?:\r?\n)?")
_MARKER = re.compile(r"--> statement-breakpoint")


def uses_breakpoints(migration: Migration) -> bool:
    if BREAKPOINT in migration.text:
        return True
    return migration.breakpoints and len(migration.statements) <= 1  # one statement: the journal decides


def join_statements(migration: Migration, statements: list[str]) -> str:
    """Several statements written the way drizzle-kit joins them in this file (``;--> statement-breakpoint`` + newline,
    or plain newlines in a file generated with ``breakpoints: false``)."""
    newline = "\r\n" if "\r\n" in migration.text else "\n"
    separator = BREAKPOINT + newline if uses_breakpoints(migration) else newline
    return separator.join(statements)


def replace_statement(migration: Migration, statement: Statement, new_text: str) -> TextEdit:
    return TextEdit(migration.sql_path, statement.range.start, statement.range.end, new_text)


def remove_statement(migration: Migration, statement: Statement) -> TextEdit:
    """Delete ``statement`` with the comments in front of it and one adjoining breakpoint marker.

    A statement followed by another loses the marker after it; the last statement loses the marker before it, so the
    statement that now ends the file is not followed by a dangling marker (an empty chunk)."""
    text = migration.text
    statements = migration.statements
    position = statements.index(statement)
    previous_end = statements[position - 1].range.end if position > 0 else 0
    start = statement.range.start
    # Own the leading comments: everything after the previous statement's marker (or the previous statement).
    between = text[previous_end:start]
    markers = list(_MARKER.finditer(between))
    if markers:
        after_marker = previous_end + markers[-1].end()
        newline = re.match(r"[ \t]*\r?\n", text[after_marker:start])
        own_start = after_marker + (newline.end() if newline else 0)
    else:
        own_start = previous_end if position > 0 else 0
        newline = re.match(r"[ \t]*\r?\n", text[own_start:start])
        if position > 0 and newline:
            own_start += newline.end()
    end = statement.range.end
    if position + 1 < len(statements):
        following = _MARKER_AFTER.match(text, end)
        if following:
            return TextEdit(migration.sql_path, own_start, following.end(), "")
        # No marker (breakpoints: false): drop the line break that separated it from the next statement.
        gap = re.match(r"[ \t]*\r?\n", text[end:])
        return TextEdit(migration.sql_path, own_start, end + (gap.end() if gap else 0), "")
    if markers:
        return TextEdit(migration.sql_path, previous_end + markers[-1].start(), end, "")
    return TextEdit(migration.sql_path, previous_end, end, "")
