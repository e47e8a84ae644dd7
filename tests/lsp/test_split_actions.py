"""Code actions through a real client (pytest-lsp over stdio) for the fixes that reach beyond one statement: the split
of a migration (one WorkspaceEdit creating files and editing the migration, its snapshot and the journal, with the
open document's version), its preview when the migration is not the last, the foreign-key index in the schema, and
timestamptz on a column the database already has."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import start
from tests.split.placement_helpers import KitProject, ensure_tools

BEFORE = """import { pgTable, bigint, text, timestamp } from 'drizzle-orm/pg-core';

export const tenants = pgTable('tenants', {
  id: bigint({ mode: 'number' }).primaryKey(),
  name: text().notNull(),
});

export const orders = pgTable('orders', {
  id: bigint({ mode: 'number' }).primaryKey(),
  note: text(),
});
"""
AFTER = BEFORE.replace("  note: text(),\n", "  note: text().notNull(),\n"
                       "  tenantId: bigint('tenant_id', { mode: 'number' }).references(() => tenants.id),\n")
LATER = AFTER.replace("  name: text().notNull(),\n", "  name: text().notNull(),\n  plan: text(),\n")


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "drizzle_lsp", "serve", "--stdio"]))
async def client(lsp_client: LanguageClient):
    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def on_register(params: types.RegistrationParams):
        return None  # the server registers file watchers; this client has nothing to watch

    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def kit_project(tmp_path):
    ensure_tools()
    project = KitProject(str(tmp_path / "app"))
    project.generate(BEFORE, "init")
    project.generate(AFTER, "note_required")
    return project


async def _diagnostics(client: LanguageClient, uri: str, predicate, timeout: float = 20.0):
    async def poll():
        while True:
            found = client.diagnostics.get(uri, [])
            if predicate(found):
                return found
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), timeout)


def _open(client: LanguageClient, path: str, version: int, text: str | None = None, language: str = "sql") -> str:
    uri = "file://" + path
    if text is None:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id=language, version=version, text=text)))
    return uri


async def _actions(client: LanguageClient, uri: str, diagnostics: list[types.Diagnostic]):
    return await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=diagnostics[0].range,
        context=types.CodeActionContext(diagnostics=diagnostics)))


def _command_of(action) -> tuple[str, list]:
    """(command, arguments) of a code action that runs a command. lsprotocol's client-side converter reads such a
    CodeAction as a bare Command (it goes by the "command" key) and keeps the nested command as its repr."""
    import ast

    if isinstance(action, types.CodeAction):
        return action.command.command, list(action.command.arguments or [])
    nested = ast.literal_eval(action.command)
    return nested["command"], list(nested.get("arguments") or [])


def _offset(text: str, position: types.Position) -> int:
    lines = text.split("\n")
    return sum(len(line) + 1 for line in lines[:position.line]) + position.character  # ASCII: UTF-16 units = chars


def apply_workspace_edit(edit: types.WorkspaceEdit) -> None:
    """What an editor does with the edit, on disk: create files (refusing existing ones), then apply text edits."""
    for change in edit.document_changes:
        if isinstance(change, types.CreateFile):
            path = change.uri[len("file://"):]
            assert not os.path.exists(path)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "x").close()
            continue
        path = change.text_document.uri[len("file://"):]
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        for text_edit in sorted(change.edits, key=lambda e: (e.range.start.line, e.range.start.character),
                                reverse=True):
            start, end = _offset(text, text_edit.range.start), _offset(text, text_edit.range.end)
            text = text[:start] + text_edit.new_text + text[end:]
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)


async def test_split_is_one_undoable_workspace_edit_that_drizzle_kit_accepts(client: LanguageClient, kit_project):
    from pathlib import Path

    await start(client, Path(kit_project.root), "visual-studio-code")
    tag = kit_project.journal["entries"][1]["tag"]
    migration = os.path.join(kit_project.out, f"{tag}.sql")
    uri = _open(client, migration, version=7)
    found = await _diagnostics(client, uri, lambda d: {"set-not-null-scans-table", "constraint-missing-not-valid"}
                               <= {x.code for x in d})
    scan = [d for d in found if d.code == "set-not-null-scans-table"]
    assert "each new step starts with COMMIT" in scan[0].message  # the diagnostic states the cost
    fk = [d for d in found if d.code == "constraint-missing-not-valid"]
    actions = await _actions(client, uri, fk + scan)
    splits = [a for a in actions if a.title.startswith(f"Split {tag} into ")]
    assert len(splits) == 1, [a.title for a in actions]
    split = splits[0]
    assert "committed early" in split.title and split.kind == types.CodeActionKind.QuickFix
    assert not split.is_preferred  # the rule's own fix stays the default choice
    # The rule's own single-statement fix is still offered next to it.
    assert any(isinstance(a, types.CodeAction) and a.edit and a.title.startswith("Add NOT VALID") for a in actions)

    changes = split.edit.document_changes
    creates = [c for c in changes if isinstance(c, types.CreateFile)]
    edits = [c for c in changes if isinstance(c, types.TextDocumentEdit)]
    assert creates and all(c.options.overwrite is False and c.options.ignore_if_exists is False for c in creates)
    created = {c.uri for c in creates}
    # Every created file is filled right after its creation; existing files are edited after all creations.
    assert changes.index(creates[-1]) < min(changes.index(e) for e in edits if e.text_document.uri not in created)
    versions = {e.text_document.uri: e.text_document.version for e in edits if e.text_document.uri not in created}
    assert versions[uri] == 7  # the open document: the editor refuses the edit if the text moved on
    journal_uri = "file://" + os.path.join(kit_project.out, "meta", "_journal.json")
    assert versions[journal_uri] is None  # not open: no version to check
    for change in changes:
        target = change.uri if isinstance(change, types.CreateFile) else change.text_document.uri
        assert target.startswith("file://" + kit_project.root + os.sep)

    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=scan[0].range.start))
    assert f"Quick fix: Split {tag} into" in hover.contents.value and "committed early" in hover.contents.value

    apply_workspace_edit(split.edit)
    assert len(kit_project.journal["entries"]) == 2 + len(creates) // 2
    kit_project.check_passes()
    kit_project.generate_sees_no_change()


async def test_a_migration_that_is_not_the_last_offers_a_preview(client: LanguageClient, kit_project):
    from pathlib import Path

    kit_project.generate(LATER, "plan")
    before = kit_project.files()
    await start(client, Path(kit_project.root), "visual-studio-code")
    tag = kit_project.journal["entries"][1]["tag"]
    uri = _open(client, os.path.join(kit_project.out, f"{tag}.sql"), version=3)
    found = await _diagnostics(client, uri, lambda d: any(x.code == "set-not-null-scans-table" for x in d))
    scan = [d for d in found if d.code == "set-not-null-scans-table"]
    actions = await _actions(client, uri, scan)
    previews = [a for a in actions if "(preview)" in a.title]
    assert len(previews) == 1 and getattr(previews[0], "edit", None) is None
    assert not [a for a in actions if a.title.startswith("Split ")]
    name, arguments = _command_of(previews[0])
    assert name == "drizzle-lsp.showSplitPreview"
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=name, arguments=arguments))
    assert "is not the last migration" in result["reason"]
    assert "SET NOT NULL" in result["text"] and "VALIDATE CONSTRAINT" in result["text"]
    await asyncio.sleep(0.2)
    assert any("not applied" in m.message for m in client.messages)

    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=scan[0].range.start))
    assert "is not the last migration" in hover.contents.value and "VALIDATE CONSTRAINT" in hover.contents.value
    assert kit_project.files() == before  # nothing was written


async def test_foreign_key_index_fix_inserts_the_index_and_its_import(client: LanguageClient, tmp_path):
    from drizzle_lsp.rules.testing import write_project

    schema = """import { pgTable, bigint, text } from "drizzle-orm/pg-core";

export const customers = pgTable("customers", {
  id: bigint({ mode: "number" }).primaryKey(),
});

export const orders = pgTable("orders", {
  id: bigint({ mode: "number" }).primaryKey(),
  customerId: bigint("customer_id", { mode: "number" }).references(() => customers.id),
  note: text("note"),
});
"""
    write_project(str(tmp_path), ts=schema)
    await start(client, tmp_path, "visual-studio-code")
    path = os.path.join(str(tmp_path), "src", "schema.ts")
    uri = _open(client, path, version=4, text=schema, language="typescript")
    found = await _diagnostics(client, uri, lambda d: any(x.code == "foreign-key-without-index" for x in d))
    missing = [d for d in found if d.code == "foreign-key-without-index"]
    actions = await _actions(client, uri, missing)
    fix = next(a for a in actions if a.edit and a.title.startswith("Add index"))
    change = fix.edit.document_changes[0]
    assert change.text_document.version == 4
    apply_workspace_edit(types.WorkspaceEdit(document_changes=[change]))
    with open(path, encoding="utf-8") as handle:
        fixed = handle.read()
    assert 'import { pgTable, bigint, text, index } from "drizzle-orm/pg-core";' in fixed
    assert '(t) => [index("orders_customer_id_idx").on(t.customerId)]' in fixed.replace("\n", "").replace("  ", "") \
        or 'index("orders_customer_id_idx").on(t.customerId)' in fixed
    assert "note: text(\"note\")," in fixed  # the user's text is all still there


async def test_timestamptz_on_an_existing_column_explains_the_rewrite(client: LanguageClient, tmp_path):
    from drizzle_lsp.rules.testing import write_project

    schema = """import { pgTable, bigint, timestamp } from "drizzle-orm/pg-core";

export const events = pgTable("events", {
  id: bigint({ mode: "number" }).primaryKey(),
  happenedAt: timestamp("happened_at", { mode: "date" }),
});
"""
    write_project(str(tmp_path), ts=schema, sql=[("0000_init", 'CREATE TABLE "events" ("id" bigint PRIMARY KEY NOT '
                                                  'NULL, "happened_at" timestamp);\n')])
    await start(client, tmp_path, "visual-studio-code")
    path = os.path.join(str(tmp_path), "src", "schema.ts")
    uri = _open(client, path, version=2, text=schema, language="typescript")
    found = await _diagnostics(client, uri, lambda d: any(x.code == "prefer-timestamptz" for x in d))
    finding = [d for d in found if d.code == "prefer-timestamptz"]
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=finding[0].range.start))
    assert "rewrites the table" in hover.contents.value and "unless the session TimeZone is UTC" in hover.contents.value
    actions = await _actions(client, uri, finding)
    fix = next(a for a in actions if a.edit and "withTimezone" in a.title)
    assert "review" in fix.title  # unsafe on an existing column: the generated ALTER rewrites the table
    change = fix.edit.document_changes[0]
    assert change.text_document.version == 2
    apply_workspace_edit(types.WorkspaceEdit(document_changes=[change]))
    with open(path, encoding="utf-8") as handle:
        assert 'timestamp("happened_at", { mode: "date", withTimezone: true })' in handle.read()
