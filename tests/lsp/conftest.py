"""A real drizzle-lsp server over stdio, driven by pytest-lsp's client, on a small project written per test."""

from __future__ import annotations

import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from drizzle_lsp.rules.testing import write_project

INIT_SQL = """CREATE TABLE "orders" (
\t"id" bigint PRIMARY KEY NOT NULL,
\t"customer_id" bigint,
\t"note" text
);
"""

SCHEMA_TS = """import { pgTable, bigint, text, index } from "drizzle-orm/pg-core";

export const orders = pgTable("orders", {
  id: bigint({ mode: "number" }).primaryKey(),
  customerId: bigint("customer_id", { mode: "number" }),
  note: text("note"),
});
"""


@pytest.fixture
def project(tmp_path):
    """A 0.x project: orders created in 0000, a risky index in 0001."""
    write_project(
        str(tmp_path),
        sql=[
            ("0000_init", INIT_SQL),
            ("0001_index", 'CREATE INDEX "orders_customer_idx" ON "orders" USING btree ("customer_id");\n'),
        ],
        ts=SCHEMA_TS,
    )
    return tmp_path


def server_config() -> ClientServerConfig:
    return ClientServerConfig(server_command=[sys.executable, "-m", "drizzle_lsp", "serve", "--stdio"])


async def start(client: LanguageClient, root, capabilities: str = "visual-studio-code", options=None):
    params = types.InitializeParams(
        capabilities=client_capabilities(capabilities),
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="project")],
        initialization_options=options,
    )
    result = await client.initialize_session(params)
    return result
