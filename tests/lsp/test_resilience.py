"""A rule that raises must cost one internal-error diagnostic, never the server."""

from __future__ import annotations

import os
import sys

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import start
from tests.lsp.test_server import _open, _wait_for_diagnostics

CRASHING_SERVER = os.path.join(os.path.dirname(__file__), "crashing_server.py")


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, CRASHING_SERVER]))
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def test_crashing_rule_becomes_internal_error_and_server_keeps_serving(client: LanguageClient, project):
    await start(client, project, "neovim@v0.7.0")
    migration = project / "drizzle" / "0001_index.sql"
    _open(client, migration)
    found = await _wait_for_diagnostics(client, migration.as_uri(), lambda d: any(x.code == "internal-error" for x in d))
    crash = next(d for d in found if d.code == "internal-error")
    assert "injected failure" in crash.message
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=migration.as_uri()), position=types.Position(line=0, character=2),
    ))
    assert hover is not None and "SHARE" in hover.contents.value
