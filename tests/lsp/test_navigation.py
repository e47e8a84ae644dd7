"""Code lens, go to definition and find references through the real server, on the conftest project."""

from __future__ import annotations

import asyncio
import json
import sys

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import SCHEMA_TS, start

# The latest snapshot still has `email`: the schema dropped it, so the next generate would emit DROP COLUMN.
SNAPSHOT = {
    "id": "b2", "prevId": "a1", "version": "7", "dialect": "postgresql",
    "tables": {"public.orders": {
        "name": "orders", "schema": "",
        "columns": {
            "id": {"name": "id", "type": "bigint", "primaryKey": True, "notNull": True},
            "customer_id": {"name": "customer_id", "type": "bigint", "primaryKey": False, "notNull": False},
            "note": {"name": "note", "type": "text", "primaryKey": False, "notNull": False},
            "email": {"name": "email", "type": "text", "primaryKey": False, "notNull": False},
        },
        "indexes": {}, "foreignKeys": {}, "compositePrimaryKeys": {}, "uniqueConstraints": {},
    }},
    "enums": {}, "schemas": {},
}


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "drizzle_lsp", "serve", "--stdio"]))
async def client(lsp_client: LanguageClient):
    refreshes: list = []

    @lsp_client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def on_refresh(params):
        refreshes.append(params)

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def on_register(params: types.RegistrationParams):
        return None

    lsp_client.lens_refreshes = refreshes
    yield
    await lsp_client.shutdown_session()


def _ident(path) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=path.as_uri())


def _position(text: str, needle: str, delta: int = 1) -> types.Position:
    offset = text.index(needle) + delta
    line = text.count("\n", 0, offset)
    return types.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))


async def _lens_titles(client: LanguageClient, path) -> list[str]:
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=_ident(path)))
    return [lens.command.title for lens in lenses or [] if lens.command]


async def test_code_lens_follows_an_unsaved_schema_edit(client: LanguageClient, project):
    (project / "drizzle" / "meta" / "0001_snapshot.json").write_text(json.dumps(SNAPSHOT))
    await start(client, project, "visual-studio-code")
    schema = project / "src" / "schema.ts"
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=schema.as_uri(), language_id="typescript", version=1, text=SCHEMA_TS)))
    assert await _lens_titles(client, schema) == ["1 pending change: drop column `email` (breaking)"]
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=_ident(schema)))
    assert lenses[0].range.start.line == SCHEMA_TS[:SCHEMA_TS.index("pgTable(")].count("\n")
    assert lenses[0].command.command == "drizzle-lsp.showPendingChanges"

    edited = SCHEMA_TS.replace("index }", "index, timestamp }").replace(
        '  note: text("note"),\n', '  note: text("note"),\n  sentAt: timestamp("sent_at"),\n')
    seen = len(client.lens_refreshes)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=schema.as_uri(), version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)],
    ))
    # The server asks the client to refresh its lenses once the debounced analysis is done.
    async def refreshed():
        while len(client.lens_refreshes) == seen:
            await asyncio.sleep(0.05)

    await asyncio.wait_for(refreshed(), 10)
    assert await _lens_titles(client, schema) == [
        "2 pending changes: add column `sent_at`, drop column `email` (breaking)"]


async def test_no_lens_when_the_schema_matches_the_snapshot(client: LanguageClient, project):
    snapshot = json.loads(json.dumps(SNAPSHOT))
    del snapshot["tables"]["public.orders"]["columns"]["email"]
    (project / "drizzle" / "meta" / "0001_snapshot.json").write_text(json.dumps(snapshot))
    await start(client, project, "visual-studio-code")
    assert await _lens_titles(client, project / "src" / "schema.ts") == []


async def test_definition_from_a_migration_table_name(client: LanguageClient, project):
    await start(client, project, "visual-studio-code")
    migration = project / "drizzle" / "0001_index.sql"
    text = migration.read_text()
    result = await client.text_document_definition_async(types.DefinitionParams(
        text_document=_ident(migration), position=_position(text, '"orders"', 2)))
    location = result[0] if isinstance(result, list) else result
    schema = project / "src" / "schema.ts"
    assert location.uri == schema.as_uri()
    assert location.range.start == _position(SCHEMA_TS, '"orders"', 0)
    assert location.range.end == _position(SCHEMA_TS, '"orders"', len('"orders"'))


async def test_definition_from_a_migration_column_name(client: LanguageClient, project):
    await start(client, project, "visual-studio-code")
    migration = project / "drizzle" / "0001_index.sql"
    text = migration.read_text()
    result = await client.text_document_definition_async(types.DefinitionParams(
        text_document=_ident(migration), position=_position(text, '("customer_id"', 3)))
    location = result[0] if isinstance(result, list) else result
    assert location.uri == (project / "src" / "schema.ts").as_uri()
    assert location.range.start == _position(SCHEMA_TS, "customerId:", 0)


async def test_references_from_a_schema_table(client: LanguageClient, project):
    await start(client, project, "visual-studio-code")
    schema = project / "src" / "schema.ts"
    found = await client.text_document_references_async(types.ReferenceParams(
        text_document=_ident(schema), position=_position(SCHEMA_TS, '"orders"', 2),
        context=types.ReferenceContext(include_declaration=False)))
    assert [loc.uri for loc in found] == [(project / "drizzle" / "0000_init.sql").as_uri(),
                                          (project / "drizzle" / "0001_index.sql").as_uri()]
    assert found[1].range.start == types.Position(line=0, character=0)


async def test_references_from_a_schema_column(client: LanguageClient, project):
    await start(client, project, "visual-studio-code")
    schema = project / "src" / "schema.ts"
    found = await client.text_document_references_async(types.ReferenceParams(
        text_document=_ident(schema), position=_position(SCHEMA_TS, "note:", 1),
        context=types.ReferenceContext(include_declaration=False)))
    # `note` is only created with the table; the index in 0001 is on customer_id and does not touch it.
    assert [loc.uri for loc in found] == [(project / "drizzle" / "0000_init.sql").as_uri()]


async def test_editing_the_schema_updates_the_preview_diagnostics(client: LanguageClient, project):
    from tests.lsp.test_server import _wait_for_diagnostics

    snapshot = json.loads(json.dumps(SNAPSHOT))
    del snapshot["tables"]["public.orders"]["columns"]["email"]
    (project / "drizzle" / "meta" / "0001_snapshot.json").write_text(json.dumps(snapshot))
    # a push-diagnostics client: the preview must arrive unasked after each edit
    await start(client, project, "neovim@v0.7.0")
    schema = project / "src" / "schema.ts"
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=schema.as_uri(), language_id="typescript", version=1, text=SCHEMA_TS)))

    def edit(version: int, text: str):
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=schema.as_uri(), version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        ))

    def previews(found):
        return [d for d in found if d.code == "schema-not-migrated"]

    edit(2, SCHEMA_TS.replace('  note: text("note"),\n', ""))
    found = await _wait_for_diagnostics(client, schema.as_uri(), lambda d: bool(previews(d)))
    assert len(previews(found)) == 1
    assert "drops column `note` of the existing table `orders`" in previews(found)[0].message
    assert "note" in schema.read_text()  # the unsaved text was checked, not the file on disk

    edit(3, SCHEMA_TS)
    await _wait_for_diagnostics(client, schema.as_uri(), lambda d: not previews(d))
