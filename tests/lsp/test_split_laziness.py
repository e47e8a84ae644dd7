"""The split of a migration is offered on every analysis but only built when something reads it.

Building it (the step files, an intermediate snapshot per step, the journal edit, or the preview text) was half of a
language-server refresh on a 200-statement migration (bench/results/lsp.md). A refresh must now only make the plan and
check that the split can be placed: the diagnostics still name it (title, applicability, preview or not), and the code
action, the preview command and the hover build it, once, from the texts of the analysis that offered it. These tests
fail if the placement becomes eager again."""

from __future__ import annotations

import json
import os
from types import SimpleNamespace

import pytest
from lsprotocol import types

from drizzle_lsp.analysis.describe import describe_finding
from drizzle_lsp.analysis.session import Session
from drizzle_lsp.fixes.split import placement
from drizzle_lsp.lsp import actions
from drizzle_lsp.lsp.convert import path_to_uri
from drizzle_lsp.lsp.diagnostics import to_diagnostics, to_json
from drizzle_lsp.rules.framework import DeferredFix

CONFIG = """import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  out: './drizzle',
});
"""
INIT = 'CREATE TABLE "orders" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"note" text\n);\n'
NOT_NULL = 'ALTER TABLE "orders" ALTER COLUMN "note" SET NOT NULL;\n'
LATER = 'ALTER TABLE "orders" ADD COLUMN "plan" text;\n'
RULE = "set-not-null-scans-table"


def _snapshot(number: int, prev: str, note_not_null: bool, plan: bool = False) -> dict:
    columns = {"id": {"name": "id", "type": "bigint", "primaryKey": True, "notNull": True},
               "note": {"name": "note", "type": "text", "primaryKey": False, "notNull": note_not_null}}
    if plan:
        columns["plan"] = {"name": "plan", "type": "text", "primaryKey": False, "notNull": False}
    return {"id": f"00000000-0000-4000-8000-00000000000{number}", "prevId": prev, "version": "7",
            "dialect": "postgresql",
            "tables": {"public.orders": {"name": "orders", "schema": "", "columns": columns, "indexes": {},
                                         "foreignKeys": {}, "compositePrimaryKeys": {}, "uniqueConstraints": {},
                                         "policies": {}, "checkConstraints": {}, "isRLSEnabled": False}},
            "enums": {}, "schemas": {}, "sequences": {}, "roles": {}, "policies": {}, "views": {},
            "_meta": {"columns": {}, "schemas": {}, "tables": {}}}


def make_project(root, *, with_later: bool = False) -> str:
    """A drizzle-kit 0.x folder whose migration 0001 sets NOT NULL on an existing table (a lock finding the split
    resolves); with ``with_later``, a migration 0002 follows it, so 0001 only gets a preview. Returns 0001's path."""
    out = os.path.join(str(root), "drizzle")
    os.makedirs(os.path.join(out, "meta"))
    with open(os.path.join(str(root), "drizzle.config.ts"), "w") as handle:
        handle.write(CONFIG)
    tags = ["0000_init", "0001_note_required"] + (["0002_add_plan"] if with_later else [])
    texts = [INIT, NOT_NULL, LATER]
    previous = "00000000-0000-0000-0000-000000000000"
    for number, tag in enumerate(tags):
        with open(os.path.join(out, f"{tag}.sql"), "w") as handle:
            handle.write(texts[number])
        snapshot = _snapshot(number, previous, number >= 1, number >= 2)
        previous = snapshot["id"]
        with open(os.path.join(out, "meta", f"{number:04d}_snapshot.json"), "w") as handle:
            json.dump(snapshot, handle, indent=2)
    journal = {"version": "7", "dialect": "postgresql", "entries": [
        {"idx": i, "version": "7", "when": 1700000000000 + 1000 * i, "tag": tag, "breakpoints": True}
        for i, tag in enumerate(tags)]}
    with open(os.path.join(out, "meta", "_journal.json"), "w") as handle:
        json.dump(journal, handle, indent=2)
    return os.path.join(out, "0001_note_required.sql")


@pytest.fixture
def built(monkeypatch):
    """Counts the calls of what building a split does (and a refresh must not): rendering the step files, deriving
    the intermediate snapshots, writing the preview."""
    calls = {"render_step": 0, "intermediate_snapshots": 0, "preview_fix": 0}

    def counted(name):
        original = getattr(placement, name)

        def wrapper(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(placement, name, wrapper)

    for name in calls:
        counted(name)
    return calls


class FakeServer:
    """What the code-action and preview handlers read from the language server."""

    def __init__(self, session: Session, versions: dict[str, int]) -> None:
        self.session = session
        self.versions = versions
        self.encoding = "utf-16"
        self.messages: list[str] = []
        self.client_capabilities = types.ClientCapabilities(workspace=types.WorkspaceClientCapabilities(
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=True, resource_operations=[types.ResourceOperationKind.Create])))

    def document_text(self, path: str) -> str | None:
        return self.session.text_of(path)

    def window_show_message(self, params: types.ShowMessageParams) -> None:
        self.messages.append(params.message)


def _open_and_refresh(root, path: str, version: int) -> tuple[Session, FakeServer, str]:
    session = Session([str(root)])
    session.reload_all()
    with open(path, encoding="utf-8") as handle:
        text = handle.read() + "\n"  # a keystroke: the editor's unsaved text, analysed incrementally
    session.set_document(path, text)
    session.refresh({path})
    return session, FakeServer(session, {path: version}), text


def _split_finding(session: Session, path: str):
    [finding] = [f for f in session.findings.get(path, []) if f.rule == RULE]
    [split] = finding.extra_fixes
    assert isinstance(split, DeferredFix)
    return finding, split


def _code_actions(ls: FakeServer, path: str, text: str, finding) -> list[types.CodeAction]:
    diagnostics = to_diagnostics([finding], text, ls.encoding, ls.versions.get(path), ls)
    return actions.code_actions(ls, types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=path_to_uri(path)), range=diagnostics[0].range,
        context=types.CodeActionContext(diagnostics=diagnostics)))


def test_a_refresh_offers_the_split_without_building_it_and_a_code_action_builds_it_once(tmp_path, built):
    path = make_project(tmp_path)
    session, ls, text = _open_and_refresh(tmp_path, path, version=7)
    finding, split = _split_finding(session, path)

    # What a keystroke publishes names the split, and the finding's help says what it costs...
    [item] = [d for d in to_json(session.findings[path], text, ls.encoding, 7, ls) if d["code"] == RULE]
    assert item["data"]["extraFixes"] == [{"title": split.title, "applicability": "unsafe", "preview": False}]
    assert split.title.startswith("Split 0001_note_required into 2 safe migrations")
    assert "The quick fix splits 0001_note_required into 2 migrations" in item["message"]
    # ...yet nothing of it was built.
    assert built == {"render_step": 0, "intermediate_snapshots": 0, "preview_fix": 0}
    assert not split.is_built

    found = _code_actions(ls, path, text, finding)
    [action] = [a for a in found if a.title.startswith("Split ")]
    assert built["render_step"] == 2 and built["intermediate_snapshots"] == 1
    assert split.is_built
    changes = action.edit.document_changes
    creations = [c for c in changes if isinstance(c, types.CreateFile)]
    assert [os.path.basename(c.uri) for c in creations] == [os.path.basename(c.path) for c in split.creations]
    assert len(creations) == 2  # the second step and its snapshot
    edited = {c.text_document.uri: c for c in changes if isinstance(c, types.TextDocumentEdit)}
    # Built from the analysis's text (the editor's, with its keystroke), sent with that document's version.
    assert edited[path_to_uri(path)].text_document.version == 7
    rewritten = split.edits[0]
    assert (rewritten.path, rewritten.start, rewritten.end) == (path, 0, len(text))

    _code_actions(ls, path, text, finding)  # asked again (the editor asks on every cursor move): not built again
    assert built["render_step"] == 2 and built["intermediate_snapshots"] == 1


def test_the_preview_of_a_migration_that_is_not_the_last_is_built_by_the_command_or_the_hover(tmp_path, built):
    path = make_project(tmp_path, with_later=True)
    session, ls, text = _open_and_refresh(tmp_path, path, version=3)
    finding, split = _split_finding(session, path)
    [item] = [d for d in to_json(session.findings[path], text, ls.encoding, 3, ls) if d["code"] == RULE]
    assert item["data"]["extraFixes"] == [{"title": split.title, "applicability": "suggestion", "preview": True}]
    assert built == {"render_step": 0, "intermediate_snapshots": 0, "preview_fix": 0}

    [action] = [a for a in _code_actions(ls, path, text, finding) if a.title == split.title]
    assert action.command.command == actions.SHOW_SPLIT_PREVIEW
    assert built["preview_fix"] == 0  # offering the command needs only the title
    assert "0002_add_plan comes after it" in split.preview_reason  # what `check` prints: known without the text
    assert built["preview_fix"] == 0

    shown = actions.show_split_preview(ls, action.command.arguments)
    assert built["preview_fix"] == 1
    assert shown["text"].startswith("-- drizzle-lsp: preview of the split of 0001_note_required")
    assert "0002_add_plan comes after it" in shown["reason"] and ls.messages

    hover = describe_finding(finding)
    assert "preview of the split of 0001_note_required" in hover
    assert built["preview_fix"] == 1  # the hover reads the same, already built, preview
