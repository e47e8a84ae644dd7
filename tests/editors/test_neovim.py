"""A real editor as the client: Neovim (headless) opens a migration of a real project, receives drizzle-lsp's
diagnostics, shows a hover and applies a quick fix through its own LSP client."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from drizzle_lsp.rules.testing import write_project
from tests.lsp.conftest import INIT_SQL, SCHEMA_TS

LUA = os.path.join(os.path.dirname(__file__), "neovim_client.lua")

nvim = shutil.which("nvim")
if nvim is None and os.environ.get("CI"):
    raise RuntimeError("CI must install Neovim (apt-get install neovim): the real-editor test cannot be skipped there")
pytestmark = pytest.mark.skipif(nvim is None, reason="Neovim is not installed (apt-get install neovim)")


def _run_neovim(root: str, file: str, action: str, tmp_path) -> dict:
    out = tmp_path / "result.json"
    env = dict(os.environ, DRIZZLE_ROOT=root, DRIZZLE_OUT=str(out), DRIZZLE_PYTHON=sys.executable,
               DRIZZLE_FILE=file, DRIZZLE_ACTION=action, HOME=str(tmp_path))
    completed = subprocess.run(
        [nvim, "--headless", "-u", "NONE", "-c", f"luafile {LUA}"],
        env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert out.exists(), f"Neovim wrote no result (exit {completed.returncode}): {completed.stderr[-2000:]}"
    result = json.loads(out.read_text())
    assert completed.returncode == 0, result
    return result


def test_neovim_shows_diagnostics_hover_and_applies_a_fix(tmp_path):
    root = tmp_path / "project"
    write_project(
        str(root),
        sql=[("0000_init", INIT_SQL),
             ("0001_index", 'CREATE INDEX "orders_customer_idx" ON "orders" USING btree ("customer_id");\n')],
        ts=SCHEMA_TS,
    )
    migration = root / "drizzle" / "0001_index.sql"
    result = _run_neovim(str(root), str(migration), "Disable require-concurrent-index for this statement", tmp_path)
    codes = [d["code"] for d in result["diagnostics"]]
    assert "require-concurrent-index" in codes
    assert "SHARE" in result["hover"] and "orders" in result["hover"]
    assert any(title.startswith("Show documentation") for title in result["actions"])
    assert result["lines"][0] == "-- drizzle-lsp-ignore require-concurrent-index"
    assert result["lines"][1].startswith('CREATE INDEX "orders_customer_idx"')
