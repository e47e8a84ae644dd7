"""A schema exactly as Better Auth's generator wrote it, for the options of its auth.ts, gives no Better Auth finding:
the rules are checked against the real generator before any deviation is."""

from __future__ import annotations

import pytest

from drizzle_lsp.better_auth import setup_for
from drizzle_lsp.analysis.project import load_workspace
from tests.rules.auth.auth_helpers import FIXTURES, auth_findings, fixture_cases

CASES = fixture_cases()


def test_the_six_required_cases_are_there():
    assert {"base", "plugins", "use-plural", "generate-id-uuid", "generate-id-serial", "sqlite"} <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_generated_schema_has_no_better_auth_finding(case):
    import os

    root = os.path.join(FIXTURES, case)
    workspace = load_workspace([root])
    setup = setup_for(workspace.projects[0], workspace.file_text)
    # The rules really ran against this case's tables: detection and matching both worked.
    assert setup is not None and setup.config_path and setup.config_path.endswith("auth.ts")
    assert len(setup.tables) >= 4
    assert auth_findings(root) == []
