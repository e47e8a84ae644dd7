"""Hover: the rule behind a finding, the locks a migration statement takes, a schema column as the database sees it."""

from __future__ import annotations

from lsprotocol import types

from drizzle_lsp.analysis.describe import (
    describe_column,
    describe_finding,
    describe_operation,
    describe_table,
    find_column,
    find_operation,
)
from drizzle_lsp.lsp.convert import LineIndex, uri_to_path


def hover(ls, params: types.HoverParams) -> types.Hover | None:
    session = ls.session
    path = uri_to_path(params.text_document.uri)
    text = session.text_of(path)
    if text is None:
        return None
    index = LineIndex(text, ls.encoding)
    offset = index.offset(params.position)
    parts: list[str] = []
    seen_rules: set[str] = set()
    for violation in session.findings_at(path, offset):
        if violation.rule in seen_rules:
            continue
        seen_rules.add(violation.rule)
        # VS Code (our extension says so at initialize) shows the diagnostic's message in the same hover: saying it
        # twice only pushes the explanation down.
        parts.append(describe_finding(violation, with_message=not getattr(ls, "client_shows_diagnostics_in_hover",
                                                                          False)))
    analyzed = session.project_for(path)
    if analyzed is not None:
        if path.endswith(".sql"):
            found = find_operation(analyzed, path, offset)
            if found is not None:
                described = describe_operation(analyzed, *found)
                if described:
                    parts.append(described)
        elif path.endswith((".ts", ".mts", ".tsx", ".js", ".mjs")):
            found_column = find_column(analyzed, path, offset)
            if found_column is not None:
                table, column = found_column
                parts.append(describe_column(table, column) if column is not None else describe_table(table))
    if not parts:
        return None
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)))
