"""The Better Auth rules in the real language server over stdio: unsaved edits of the schema and of the auth config
both change the findings, and the missing-column quick fix applies to the editor's text."""

from __future__ import annotations

import sys

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import start
from tests.lsp.test_server import _apply, _open, _wait_for_diagnostics
from tests.rules.auth.auth_helpers import SCHEMA, copy_case


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "drizzle_lsp", "serve", "--stdio"]))
async def client(lsp_client: LanguageClient):
    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def on_register(params: types.RegistrationParams):  # the server registers file watchers
        return None

    yield
    await lsp_client.shutdown_session()


def _change(client: LanguageClient, path, text: str, version: int) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
    ))


async def test_unsaved_edits_of_schema_and_auth_config_and_the_quick_fix(client: LanguageClient, tmp_path):
    root = tmp_path / "base"
    copy_case(tmp_path, "base")
    await start(client, root, "visual-studio-code")
    schema, auth = root / SCHEMA, root / "auth.ts"
    original = schema.read_text()
    _open(client, schema, language="typescript")
    edited = original.replace('  image: text("image"),\n', "")
    _change(client, schema, edited, 2)
    found = await _wait_for_diagnostics(client, schema.as_uri(),
                                        lambda d: any(x.code == "better-auth-missing-column" for x in d))
    finding = next(d for d in found if d.code == "better-auth-missing-column")
    assert 'The field "image" does not exist in the "user" Drizzle schema.' in finding.message
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=schema.as_uri()), range=finding.range,
        context=types.CodeActionContext(diagnostics=[finding]),
    ))
    fix = next(a for a in actions if a.edit and "Add the Better Auth column image" in a.title)
    fixed = _apply(edited, fix.edit.document_changes[0].edits)
    assert fixed.count('image: text("image"),') == 1

    # the auth config, edited without saving, asks for the twoFactor plugin's table
    _open(client, auth, language="typescript")
    config = auth.read_text().replace("emailAndPassword", "plugins: [twoFactor()],\n  emailAndPassword").replace(
        'import { db } from "./db";', 'import { twoFactor } from "better-auth/plugins";\nimport { db } from "./db";')
    _change(client, auth, config, 2)
    found = await _wait_for_diagnostics(client, schema.as_uri(),
                                        lambda d: any(x.code == "better-auth-missing-table" for x in d))
    assert any("`twoFactor`" in d.message for d in found if d.code == "better-auth-missing-table")
