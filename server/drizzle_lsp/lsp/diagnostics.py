"""Violations to LSP diagnostics.

A diagnostic's ``data`` names its fixes (title, applicability) and the document version it was computed for; the
code action takes the edits from the finding the server holds for that version
(``lsp/actions.py``), so a code action never re-lints and a stale diagnostic offers no stale edit. The edits are not
encoded into every diagnostic: a schema file with a thousand findings, each with a fix, made the published JSON 1.5 MB
and its encoding a third of a keystroke's time.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from lsprotocol import types

from drizzle_lsp.analysis.describe import rule_url
from drizzle_lsp.lsp.convert import LineIndex, path_to_uri

_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


def _line_indexes(index: LineIndex, violations: list[Any], encoding: str, ls: Any):
    """Line index per file for related information: the published file's own, others built once from their text."""
    own_path = violations[0].path if violations else None
    others: dict[str, LineIndex] = {}

    def index_for(path: str) -> LineIndex:
        if path == own_path:
            return index
        if path not in others:
            others[path] = LineIndex(ls.document_text(path) or "", encoding)
        return others[path]

    return index_for


def to_diagnostics(violations: list[Any], text: str, encoding: str, version: int | None, ls: Any) -> list[types.Diagnostic]:
    index = LineIndex(text, encoding)
    index_for = _line_indexes(index, violations, encoding, ls)

    out = []
    for violation in violations:
        where = violation.range
        lsp_range = index.range(where.start, where.end) if where else types.Range(types.Position(0, 0), types.Position(0, 0))
        related = [
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=path_to_uri(r.path), range=index_for(r.path).range(r.start, r.end)),
                message=message,
            )
            for r, message in violation.related
        ]
        message = violation.message + (f"\n{violation.help}" if violation.help else "")
        out.append(types.Diagnostic(
            range=lsp_range,
            message=message,
            severity=_SEVERITY.get(violation.severity, types.DiagnosticSeverity.Warning),
            code=violation.rule,
            code_description=types.CodeDescription(href=rule_url(violation.rule)),
            source="drizzle-lsp",
            related_information=related or None,
            data=_data(violation, version),
        ))
    return out


def _data(violation: Any, version: int | None) -> dict:
    data: dict = {"rule": violation.rule}
    fix, extra = violation.fix, getattr(violation, "extra_fixes", ())
    if (fix is None and not extra) or violation.range is None:
        return data
    # For which version: the code action finds the finding again (by rule, fix title and range) among those the
    # server holds for that version. No offsets here: typing moves them, and every diagnostic after the cursor would
    # have to be encoded again.
    data["version"] = version
    if fix is not None:
        data["fix"] = {"title": fix.title, "applicability": fix.applicability}
    if extra:
        data["extraFixes"] = [{"title": f.title, "applicability": f.applicability, "preview": f.is_preview}
                              for f in extra]
    return data


@lru_cache(maxsize=256)
def _uri(path: str) -> str:
    return path_to_uri(path)  # a thousand findings with fixes name the same few files


def to_json(violations: list[Any], text: str, encoding: str, version: int | None, ls: Any, *,
            index: LineIndex | None = None, index_for=None) -> list[dict]:
    """The diagnostics ``to_diagnostics`` builds, directly as the protocol's JSON.

    A schema file can carry a thousand findings; building lsprotocol objects for them and unstructuring them again
    through cattrs took ~80 ms per keystroke, several times the analysis itself. A test checks both paths agree.
    """
    index = index or LineIndex(text, encoding)
    index_for = index_for or _line_indexes(index, violations, encoding, ls)

    out = []
    for violation in violations:
        where = violation.range
        item: dict = {
            "range": index.range_json(where.start, where.end) if where else _EMPTY_RANGE,
            "message": violation.message + (f"\n{violation.help}" if violation.help else ""),
            "severity": _SEVERITY.get(violation.severity, types.DiagnosticSeverity.Warning).value,
            "code": violation.rule,
            "codeDescription": {"href": _rule_url(violation.rule)},
            "source": "drizzle-lsp",
        }
        if violation.related:
            item["relatedInformation"] = [
                {"location": {"uri": _uri(r.path), "range": index_for(r.path).range_json(r.start, r.end)},
                 "message": message}
                for r, message in violation.related
            ]
        item["data"] = _data(violation, version)
        out.append(item)
    return out


_rule_url = lru_cache(maxsize=512)(rule_url)
_EMPTY_RANGE = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
_VERSION_MARK = "\u0000version"  # stands for the document version in an encoded item, cut out and kept around


class DiagnosticsEncoder:
    """The JSON text of a file's diagnostics, exactly ``json.dumps(to_json(...))``, encoded item by item and kept
    between publishes: on a keystroke most findings of a file are the same finding at the same line and character,
    and encoding a thousand of them again (messages with their help, ranges, data) was a third of the time from a
    keystroke to its diagnostics. An item is keyed by everything it shows (its positions included); the document
    version inside ``data`` is filled in on each publish."""

    def __init__(self) -> None:
        self._items: dict[str, dict[tuple, tuple[str, str | None]]] = {}  # path -> key -> (head, tail after version)

    def forget(self, path: str) -> None:
        self._items.pop(path, None)

    def encode(self, path: str, violations: list[Any], text: str, encoding: str, version: int | None, ls: Any) -> str:
        index = LineIndex(text, encoding)
        index_for = _line_indexes(index, violations, encoding, ls)
        previous, current = self._items.get(path, {}), {}
        version_text = json.dumps(version)
        parts = []
        position = index.line_character
        for violation in violations:
            where, fix, extra = violation.range, violation.fix, violation.extra_fixes
            key = (violation.rule, violation.message, violation.help, violation.severity,
                   (position(where.start), position(max(where.start, where.end))) if where else None,
                   tuple((r.path, index_for(r.path).line_character(r.start),
                          index_for(r.path).line_character(max(r.start, r.end)), message)
                         for r, message in violation.related) if violation.related else (),
                   (fix.title, fix.applicability) if fix is not None else None,
                   tuple((f.title, f.applicability, f.is_preview) for f in extra) if extra else ())
            encoded = previous.get(key) or current.get(key)
            if encoded is None:
                (item,) = to_json([violation], text, encoding, None, ls, index=index, index_for=index_for)
                if "version" in item["data"]:
                    item["data"]["version"] = _VERSION_MARK
                head, _, tail = json.dumps(item).partition(json.dumps(_VERSION_MARK))
                encoded = (head, tail) if _ else (head, None)
            current[key] = encoded
            head, tail = encoded
            parts.append(head if tail is None else head + version_text + tail)
        self._items[path] = current
        return "[" + ", ".join(parts) + "]"
