"""Human output of ``check``: one code frame per finding, then a summary line.

Positions shown to people are 1-based lines and columns counted in characters, matching what VS Code's status bar
shows for ASCII text and what ``--format json`` reports.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from drizzle_lsp.model.source import SourceRange, line_col
from drizzle_lsp.rules.framework import Violation

MAX_FRAME_LINES = 4
MAX_LINE_WIDTH = 160


@dataclass(slots=True)
class Style:
    enabled: bool

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def severity(self, severity: str, text: str) -> str:
        return self._wrap({"error": "1;31", "warning": "1;33", "info": "1;36"}.get(severity, "1"), text)

    def accent(self, text: str) -> str:
        return self._wrap("1;34", text)

    def good(self, text: str) -> str:
        return self._wrap("1;32", text)


def use_colour(stream, mode: str = "auto", environ=os.environ) -> bool:
    """Colours only on a terminal, and never when NO_COLOR is set (https://no-color.org), whatever ``mode`` says."""
    if environ.get("NO_COLOR"):
        return False
    if mode == "always":
        return True
    if mode == "never":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def display_path(path: str | None, cwd: str | None = None) -> str:
    if path is None:
        return "<project>"
    cwd = cwd or os.getcwd()
    absolute = os.path.abspath(path)
    if absolute == cwd or absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute, cwd)
    return absolute


def position(text: str | None, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset; (1, 1) when the text is unknown."""
    if text is None:
        return 1, 1
    line, column = line_col(text, offset)
    return line + 1, column + 1


def _frame(text: str, span: SourceRange, style: Style, gutter: int, severity: str) -> list[str]:
    start_line, start_col = line_col(text, span.start)
    end_line, end_col = line_col(text, max(span.start, span.end))
    lines = text.split("\n")
    out = [style.accent(" " * gutter + " |")]
    total = end_line - start_line + 1
    for number in range(start_line, min(end_line, start_line + MAX_FRAME_LINES - 1) + 1):
        source = lines[number] if number < len(lines) else ""
        source = source.rstrip("\r").replace("\t", " ")
        first = start_col if number == start_line else len(source) - len(source.lstrip())
        last = end_col if number == end_line else len(source)
        if len(source) > MAX_LINE_WIDTH:  # generated or minified SQL: show a window around the finding
            shift = max(0, first - 40)
            source = ("…" if shift else "") + source[shift:shift + MAX_LINE_WIDTH] + "…"
            first, last = first - shift + (1 if shift else 0), min(last - shift + (1 if shift else 0), len(source))
        out.append(style.accent(f"{number + 1:>{gutter}} |") + " " + source)
        caret = "^" * max(1, last - first)
        out.append(style.accent(" " * gutter + " |") + " " + " " * first + style.severity(severity, caret))
    if total > MAX_FRAME_LINES:
        out.append(style.accent(" " * gutter + " |") + style.dim(f" ... {total - MAX_FRAME_LINES} more line(s)"))
    return out


def format_finding(finding: Violation, read_text: Callable[[str], str | None], style: Style, cwd: str | None = None) -> str:
    text = read_text(finding.path) if finding.path else None
    line, column = position(text, finding.range.start) if finding.range else (1, 1)
    where = display_path(finding.path, cwd) + (f":{line}:{column}" if finding.range else "")
    header = (
        f"{style.bold(where)}: {style.severity(finding.severity, finding.severity)}"
        f"{style.dim('[')}{style.bold(finding.rule)}{style.dim(']')} {finding.message}"
    )
    out = [header]
    if text is not None and finding.range is not None:
        gutter = len(str(position(text, finding.range.end)[0]))
        out += _frame(text, finding.range, style, gutter, finding.severity)
    else:
        gutter = 1
    pad = " " * gutter
    for related_range, note in finding.related:
        related_text = read_text(related_range.path)
        r_line, r_col = position(related_text, related_range.start)
        out.append(f"{pad} {style.accent('=')} note: {display_path(related_range.path, cwd)}:{r_line}:{r_col}: {note}")
    if finding.help:
        out.append(f"{pad} {style.accent('=')} {style.bold('help')}: {finding.help}")
    if finding.fix is not None:
        how = {"safe": "--fix", "unsafe": "--unsafe-fixes", "suggestion": "your editor"}[finding.fix.applicability]
        out.append(f"{pad} {style.accent('=')} fix ({finding.fix.applicability}, apply with {how}): {finding.fix.title}")
    for extra in finding.extra_fixes:
        if extra.is_preview:
            # Not applicable here, but the steps are still worth seeing: --unsafe-fixes prints them.
            out.append(f"{pad} {style.accent('=')} split (not applied, --unsafe-fixes prints the steps): "
                       f"{extra.preview_reason}")
        else:
            out.append(f"{pad} {style.accent('=')} fix ({extra.applicability}, apply with --unsafe-fixes): {extra.title}")
    return "\n".join(out)


def summary_line(findings: list[Violation], style: Style, *, checked: str, fixable: int = 0) -> str:
    if not findings:
        return style.good("All checks passed") + f" ({checked})."
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    parts = [f"{n} {s}{'s' if n != 1 and s != 'info' else ''}" for s, n in counts.items() if n]
    files = len({f.path for f in findings})
    text = f"Found {len(findings)} problem{'s' if len(findings) != 1 else ''} ({', '.join(parts)}) in {files} file{'s' if files != 1 else ''} ({checked})."
    if fixable:
        text += f" {fixable} fixable with --fix."
    return style.bold(text)
