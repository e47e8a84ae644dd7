"""Source positions shared by every model object."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceRange:
    """A span of one file, as character offsets (Python ``str`` indices) into its text.

    Character offsets, not bytes and not lines: the front ends convert to whatever their consumer needs
    (1-based lines for the CLI, UTF-16 code units for an editor), so the core never guesses an encoding.
    """

    path: str
    start: int
    end: int

    def contains(self, offset: int) -> bool:
        return self.start <= offset <= self.end


def line_col(text: str, offset: int) -> tuple[int, int]:
    """0-based (line, character) of a character offset in ``text``."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset)
    line_start = text.rfind("\n", 0, offset) + 1
    return line, offset - line_start


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the core could not read or had to guess: shown to the user, never raised.

    ``code`` is a stable kebab-case name (``syntax-error``, ``config-unresolved``, ...).
    """

    code: str
    message: str
    range: SourceRange | None = None
    severity: str = "warning"  # "error" | "warning" | "info"
