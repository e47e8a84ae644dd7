"""Code actions: the rule's own fix, the split of the whole migration, disable for this line or file, show the rule's
page, and fix-all.

A split is one ``WorkspaceEdit`` whose ``documentChanges`` create the new migration files and snapshots and edit the
migration, its snapshot and the journal, each edit carrying the version of the open document it was computed for, so
the editor applies it as one change it can undo, or refuses it when a document moved on. A split that cannot be
written (the migration is not the last one) is offered as a preview: LSP has no request that opens an untitled
document with given content (``window/showDocument`` only opens a URI the client can already read), so the preview is
shown in the finding's hover, and the action runs a command that returns the text and tells the user why it was not
applied; the VS Code extension opens that text in an untitled editor (its executeCommand middleware).

A diagnostic's ``data`` says which rule and fix it shows and for which document version; its fixes are taken from the
finding the server holds (found by rule, fix title and range) (computed with the analysis, never by re-linting) only while that version is still the one
analysed, carry the document versions (the client refuses them if the text moved on), and never touch a file outside
the workspace.
"""

from __future__ import annotations

import os
from typing import Any

from lsprotocol import types

from drizzle_lsp.lsp.convert import LineIndex, path_to_uri, uri_to_path
from drizzle_lsp.lsp.diagnostics import to_diagnostics
from drizzle_lsp.rules.framework import Fix

FIX_ALL_KIND = "source.fixAll.drizzle-lsp"
SHOW_SPLIT_PREVIEW = "drizzle-lsp.showSplitPreview"
_COMMENT = {".sql": "--", ".ts": "//", ".mts": "//", ".tsx": "//", ".js": "//", ".mjs": "//", ".toml": "#"}


def code_actions(ls, params: types.CodeActionParams) -> list[types.CodeAction]:
    path = uri_to_path(params.text_document.uri)
    session = ls.session
    text = session.text_of(path) or ""
    only = params.context.only or []
    if any(str(k).startswith("source.fixAll") for k in only):
        action = _fix_all(ls, path, text)
        return [action] if action else []
    diagnostics = [d for d in params.context.diagnostics if d.source == "drizzle-lsp"]
    if not diagnostics:
        # Some clients send no diagnostics in the context: use ours that overlap the requested range.
        index = LineIndex(text, ls.encoding)
        start, end = index.offset(params.range.start), index.offset(params.range.end)
        found = [v for v in session.findings.get(path, []) if v.range and v.range.start <= end and v.range.end >= start]
        diagnostics = to_diagnostics(found, text, ls.encoding, ls.versions.get(path), ls)
    actions: list[types.CodeAction] = []
    offered: list[Any] = []
    for diagnostic in diagnostics:
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        rule = data.get("rule") or (str(diagnostic.code) if diagnostic.code else None)
        finding = _finding_of(ls, path, data, diagnostic.range)
        fix = finding.fix if finding is not None else None
        if fix is not None and not fix.is_preview:
            edit = fix_workspace_edit(ls, fix)
            if edit is not None and (fix.edits or fix.creations):
                actions.append(types.CodeAction(
                    title=fix.title + (" (review: changes behaviour)" if fix.applicability == "unsafe" else ""),
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=fix.applicability == "safe",
                    edit=edit,
                ))
        for fix_object in _extra_fixes(ls, path, data, diagnostic.range):
            if fix_object in offered:
                continue  # one split serves every finding of its migration: offer it once per request
            offered.append(fix_object)
            action = _extra_fix_action(ls, path, diagnostic, data, fix_object)
            if action is not None:
                actions.append(action)
        if rule and rule not in ("syntax-error", "internal-error"):
            actions.extend(_disable_actions(ls, path, text, diagnostic, rule))
            actions.append(types.CodeAction(
                title=f"Show documentation for {rule}",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                command=types.Command(title=f"Show documentation for {rule}", command="drizzle-lsp.showDocumentation", arguments=[rule]),
            ))
    fix_all = _fix_all(ls, path, text)
    if fix_all is not None:
        actions.append(fix_all)
    return actions


def _inside_workspace(ls, path: str) -> bool:
    path = os.path.abspath(path)
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in ls.session.roots)


def _comment_lead(path: str) -> str | None:
    return _COMMENT.get(os.path.splitext(path)[1])


def _disable_actions(ls, path: str, text: str, diagnostic: types.Diagnostic, rule: str) -> list[types.CodeAction]:
    lead = _comment_lead(path)
    if lead is None:
        return []  # JSON has no comments: the journal and snapshots cannot carry a suppression
    index = LineIndex(text, ls.encoding)
    line = diagnostic.range.start.line
    line_start = index.starts[line] if line < len(index.starts) else len(text)
    line_text = text[line_start:text.find("\n", line_start) if "\n" in text[line_start:] else len(text)]
    indent = line_text[: len(line_text) - len(line_text.lstrip())]
    what = "statement" if path.endswith(".sql") else "line"
    version = ls.versions.get(path)
    uri = path_to_uri(path)

    def insert(at_line: int, new_text: str) -> types.WorkspaceEdit:
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
            edits=[types.TextEdit(range=types.Range(types.Position(at_line, 0), types.Position(at_line, 0)), new_text=new_text)],
        )])

    return [
        types.CodeAction(
            title=f"Disable {rule} for this {what}", kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
            edit=insert(line, f"{indent}{lead} drizzle-lsp-ignore {rule}\n"),
        ),
        types.CodeAction(
            title=f"Disable {rule} for this file", kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
            edit=insert(0, f"{lead} drizzle-lsp-ignore-file {rule}\n"),
        ),
    ]


def _fix_all(ls, path: str, text: str) -> types.CodeAction | None:
    """Every safe fix of this document, skipping any that overlaps one already taken."""
    session = ls.session
    safe = [v for v in session.findings.get(path, []) if v.fix and v.fix.applicability == "safe"
            and all(e.path == path for e in v.fix.edits) and not v.fix.creations]
    if not safe:
        return None
    taken: list[tuple[int, int]] = []
    chosen = []
    for violation in sorted(safe, key=lambda v: v.range.start if v.range else 0):
        spans = [(e.start, e.end) for e in violation.fix.edits]
        if any(s < te and ts < e or (s == e == ts == te) for s, e in spans for ts, te in taken):
            continue
        taken.extend(spans)
        chosen.append(violation)
    combined = Fix("fix all", tuple(e for v in chosen for e in v.fix.edits))
    edit = fix_workspace_edit(ls, combined)
    if edit is None:
        return None
    return types.CodeAction(title=f"drizzle-lsp: fix all safe problems ({len(chosen)})", kind=FIX_ALL_KIND, edit=edit)


def _finding_of(ls, path: str, data: dict, where: Any) -> Any:
    """The finding a diagnostic was published for (by rule, fix title and range), among those the server holds;
    None when it is gone or the document moved on since (its fixes would be for another text). ``where`` is the
    diagnostic's range, an lsprotocol ``Range`` or its JSON."""
    rule = data.get("rule")
    if data.get("version") != ls.versions.get(path) or where is None:
        return None
    if isinstance(where, dict):
        try:
            where = types.Range(types.Position(**where["start"]), types.Position(**where["end"]))
        except (KeyError, TypeError):
            return None
    index = LineIndex(ls.session.text_of(path) or "", ls.encoding)
    start, end = index.offset(where.start), index.offset(where.end)
    title = (data.get("fix") or {}).get("title")
    for violation in ls.session.findings.get(path, []):
        if (violation.rule == rule and violation.range and (violation.range.start, violation.range.end) == (start, end)
                and (title is None or (violation.fix is not None and violation.fix.title == title))):
            return violation
    return None


def _extra_fixes(ls, path: str, data: dict, where: Any) -> list[Any]:
    """The extra fixes (splits) of the finding a diagnostic came from, taken from the findings the server holds."""
    if not data.get("extraFixes"):
        return []
    finding = _finding_of(ls, path, data, where)
    return list(finding.extra_fixes) if finding is not None else []  # gone since it was published: nothing stale


def _extra_fix_action(ls, path: str, diagnostic: types.Diagnostic, data: dict, fix) -> types.CodeAction | None:
    if fix.is_preview:
        return types.CodeAction(
            title=fix.title, kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
            command=types.Command(title=fix.title, command=SHOW_SPLIT_PREVIEW,
                                  arguments=[path_to_uri(path), data.get("rule"), _range_json(diagnostic.range)]),
        )
    if not fix.edits and not fix.creations:
        return None  # a split whose computation failed (logged): an empty edit would look applied and do nothing
    edit = fix_workspace_edit(ls, fix)
    if edit is None:
        return None
    return types.CodeAction(
        title=fix.title + (" (review: changes behaviour)" if fix.applicability == "unsafe" else ""),
        kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic], is_preferred=False, edit=edit,
    )


def _range_json(where: types.Range) -> dict:
    return {"start": {"line": where.start.line, "character": where.start.character},
            "end": {"line": where.end.line, "character": where.end.character}}


def fix_workspace_edit(ls, fix) -> types.WorkspaceEdit | None:
    """A core ``Fix`` with file creations as one ``WorkspaceEdit``: new files first, then the edits of existing files
    (each with its open document's version, None for a file not open). None when the client cannot create files, a
    path lies outside the workspace, or a file to create already exists: a split is applied whole or not at all."""
    if any(not _inside_workspace(ls, p) for p in fix.paths):
        return None
    changes: list[Any] = []
    if fix.creations:
        workspace = ls.client_capabilities.workspace
        edit_caps = workspace.workspace_edit if workspace else None
        operations = edit_caps.resource_operations if edit_caps else None
        if not operations or types.ResourceOperationKind.Create not in operations:
            return None
        for creation in fix.creations:
            if os.path.exists(creation.path) or creation.path in ls.versions:
                return None
            uri = path_to_uri(creation.path)
            changes.append(types.CreateFile(uri=uri, options=types.CreateFileOptions(overwrite=False,
                                                                                     ignore_if_exists=False)))
            changes.append(types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
                edits=[types.TextEdit(range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                                      new_text=creation.text)],
            ))
    by_path: dict[str, list[Any]] = {}
    for edit in fix.edits:
        by_path.setdefault(edit.path, []).append(edit)
    for edit_path, edits in by_path.items():
        index = LineIndex(ls.document_text(edit_path) or "", ls.encoding)
        changes.append(types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=path_to_uri(edit_path),
                                                                        version=ls.versions.get(edit_path)),
            edits=[types.TextEdit(range=index.range(e.start, e.end), new_text=e.new_text) for e in edits],
        ))
    return types.WorkspaceEdit(document_changes=changes)


def show_split_preview(ls, args: list[Any]) -> dict | None:
    """The preview of a split that was not applied: returned to the caller and explained to the user."""
    if len(args) == 1 and isinstance(args[0], list):
        args = args[0]
    if len(args) < 3 or not isinstance(args[0], str):
        return None
    path = uri_to_path(args[0])
    fixes = [f for f in _extra_fixes(ls, path, {"rule": args[1], "extraFixes": True, "version": ls.versions.get(path)},
                                     args[2]) if f.is_preview]
    if not fixes:
        return None
    fix = fixes[0]
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info,
                                                   message=f"{fix.title}: not applied. {fix.preview_reason}"))
    return {"title": fix.title, "reason": fix.preview_reason, "text": fix.preview, "languageId": "sql"}
