"""The first index of a workspace with several projects reports progress per project and shows each project's
results as soon as it is checked, not after the last one."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from drizzle_lsp.analysis.session import Session
from tests.lsp.conftest import start

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
CASES = ("01-pg-saas-snake-case", "08-pg-types-defaults", "12-pg-analytics-indexes-views")


def _monorepo(tmp_path: Path) -> Path:
    root = tmp_path / "monorepo"
    for case in CASES:
        shutil.copytree(CORPUS / case, root / "packages" / case)
    return root


def test_each_project_results_are_there_when_it_is_reported_done(tmp_path: Path) -> None:
    root = _monorepo(tmp_path)
    session = Session([str(root)])
    seen: list[tuple[int, int, set[str], dict]] = []
    session.reload_all(lambda done, total, files: seen.append((done, total, files, dict(session.findings))))
    assert [(done, total) for done, total, _, _ in seen] == [(1, 3), (2, 3), (3, 3)]
    owners = []
    for done, _, files, findings_then in seen:
        assert files, f"project {done} reported no files with findings"
        assert all(path in findings_then for path in files)  # its findings exist when it is reported
        owners.append({next(case for case in CASES if case in path) for path in files})
    assert all(len(owner) == 1 for owner in owners) and len(set().union(*owners)) == 3  # one project at a time
    assert set(session.findings) == set().union(*(files for _, _, files, _ in seen))


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "drizzle_lsp", "serve"]))
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def test_the_first_index_reports_progress_per_project(client: LanguageClient, tmp_path: Path) -> None:
    root = _monorepo(tmp_path)
    await start(client, root, "neovim@v0.7.0")  # push diagnostics and work-done progress

    async def finished():
        while not any(isinstance(p, types.WorkDoneProgressEnd)
                      for reports in client.progress_reports.values() for p in reports):
            await asyncio.sleep(0.05)

    await asyncio.wait_for(finished(), 60)
    (reports,) = [r for r in client.progress_reports.values() if any(isinstance(p, types.WorkDoneProgressEnd)
                                                                     for p in r)]
    messages = [p.message for p in reports if isinstance(p, types.WorkDoneProgressReport)]
    assert messages == ["1/3 projects checked", "2/3 projects checked", "3/3 projects checked"]
    for case in CASES:
        assert any(case in uri for uri in client.diagnostics), f"no diagnostics for {case}"
