"""Code lens, go to definition and find references: ``analysis.navigation``'s answers as LSP locations."""

from __future__ import annotations

from lsprotocol import types

from drizzle_lsp.analysis import navigation
from drizzle_lsp.lsp.convert import LineIndex, path_to_uri, uri_to_path

SHOW_PENDING_CHANGES = "drizzle-lsp.showPendingChanges"


def _location(ls, where) -> types.Location | None:
    text = ls.session.text_of(where.path)
    if text is None:
        return None
    return types.Location(uri=path_to_uri(where.path), range=LineIndex(text, ls.encoding).range(where.start, where.end))


def _at(ls, document: types.TextDocumentIdentifier, position: types.Position):
    path = uri_to_path(document.uri)
    text = ls.session.text_of(path)
    analyzed = ls.session.project_for(path)
    if text is None or analyzed is None:
        return None
    return analyzed, path, LineIndex(text, ls.encoding).offset(position)


def code_lenses(ls, params: types.CodeLensParams) -> list[types.CodeLens]:
    ls.lenses_requested = True
    path = uri_to_path(params.text_document.uri)
    text = ls.session.text_of(path)
    analyzed = ls.session.project_for(path)
    if text is None or analyzed is None:
        return []
    index = LineIndex(text, ls.encoding)
    return [
        types.CodeLens(
            range=index.range(lens.range.start, lens.range.start),
            command=types.Command(title=lens.title, command=SHOW_PENDING_CHANGES,
                                  arguments=[lens.table, lens.statements]),
        )
        for lens in navigation.table_lenses(analyzed, path)
    ]


def definition(ls, params: types.DefinitionParams) -> types.Location | None:
    found = _at(ls, params.text_document, params.position)
    if found is None:
        return None
    where = navigation.definition(*found)
    return _location(ls, where) if where is not None else None


def references(ls, params: types.ReferenceParams) -> list[types.Location]:
    found = _at(ls, params.text_document, params.position)
    if found is None:
        return []
    include = bool(params.context and params.context.include_declaration)
    locations = (_location(ls, where) for where in navigation.references(*found, include_declaration=include))
    return [location for location in locations if location is not None]


def show_pending_changes(ls, args) -> None:
    # The lens title is a summary; the command shows the statements themselves, with a message every client supports.
    if len(args) == 1 and isinstance(args[0], list):
        args = args[0]
    table = args[0] if args and isinstance(args[0], str) else "the table"
    statements = args[1] if len(args) > 1 and isinstance(args[1], list) else []
    message = f"Next drizzle-kit generate for `{table}`:\n" + "\n".join(f"- {s}" for s in statements)
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=message))


def refresh_lenses(ls) -> None:
    """Ask the client to re-request code lenses, when it can: their titles follow every analysis."""
    # A client that never asked for lenses shows none, and some (test clients, minimal editors) advertise the refresh
    # capability without answering the request.
    if not getattr(ls, "lenses_requested", False):
        return
    workspace = ls.client_capabilities.workspace
    code_lens = workspace.code_lens if workspace else None
    if code_lens and code_lens.refresh_support:
        ls.workspace_code_lens_refresh(None)
