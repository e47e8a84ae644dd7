"""Half-typed schemas and auth configs (what an editor sends while someone types) never make a Better Auth rule
fail: no internal-error, whatever the cut."""

from __future__ import annotations

import os

import pytest

from drizzle_lsp.rules.testing import lint_project
from tests.rules.auth.auth_helpers import SCHEMA, copy_case, read


@pytest.mark.parametrize("case", ["plugins", "sqlite", "renames"])
def test_a_schema_cut_anywhere_gives_no_internal_error(tmp_path, case):
    root = copy_case(tmp_path, case)
    path = os.path.join(root, SCHEMA)
    text = read(path)
    for cut in range(len(text) // 25, len(text), len(text) // 25):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text[:cut])
        findings = lint_project(root, select=["auth"])
        assert not [f.message for f in findings if f.rule == "internal-error"], cut


def test_an_auth_config_cut_anywhere_gives_no_internal_error(tmp_path):
    root = copy_case(tmp_path, "renames")
    path = os.path.join(root, "auth.ts")
    text = read(path)
    for cut in range(0, len(text), 17):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text[:cut])
        findings = lint_project(root, select=["auth"])
        assert not [f.message for f in findings if f.rule == "internal-error"], cut
