"""End to end, through the project loader the CLI and the server use: for every corpus case (and every small project
fixture), discovery finds the one project, config reading and schema globbing pick the files drizzle-kit read, and
both the TypeScript schema and the replay of the migrations equal drizzle-kit's latest snapshot, with no problem
reported on what drizzle-kit itself generated."""

from __future__ import annotations

import glob
import os
from pathlib import Path

import pytest

from drizzle_lsp.analysis.project import load_workspace
from drizzle_lsp.model.compare import canonical, diff
from drizzle_lsp.workspace.snapshots import read_snapshot

TESTS = Path(__file__).parent
CASES = sorted(
    [p for p in (TESTS / "fixtures" / "corpus").glob("*/") if glob.glob(str(p / "drizzle.config.*"))]
    + [p for p in (TESTS / "schema_ts" / "fixtures" / "projects").glob("*/") if glob.glob(str(p / "drizzle.config.*"))],
    key=lambda p: (p.parent.name, p.name),
)
# Problems that can only mean drizzle-lsp misread drizzle-kit's own output.
NEVER = {"syntax-error", "internal-error", "reference-to-missing-object", "object-already-exists",
         "schema-unresolved", "schema-not-found", "replay-failed"}


def _all_problems(workspace):
    found = list(workspace.problems)
    for analyzed in workspace.projects:
        project = analyzed.project
        found += project.problems
        for migration in project.migrations.migrations if project.migrations else []:
            found += migration.problems
            found += [st.error for st in migration.statements if st.error is not None]
    return found


@pytest.fixture(scope="module", params=CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def loaded(request):
    case = request.param
    workspace = load_workspace([str(case)])
    assert len(workspace.projects) == 1, "one drizzle.config per case"
    analyzed = workspace.projects[0]
    assert os.path.samefile(analyzed.project.root, case)
    snapshots = sorted(glob.glob(str(case / "drizzle" / "meta" / "*_snapshot.json")))
    assert snapshots, "the case has no snapshot"
    return workspace, analyzed, read_snapshot(snapshots[-1]).schema


def test_typescript_schema_equals_latest_snapshot(loaded):
    _workspace, analyzed, latest = loaded
    assert analyzed.project.schema_files, "globbing found no schema file"
    expected = canonical(latest)
    differences = diff(expected, canonical(analyzed.project.schema), "snapshot", "typescript")
    assert not differences, "\n".join(differences)
    assert expected["tables"] and all(t["columns"] for t in expected["tables"].values())


def test_replay_equals_latest_snapshot(loaded):
    _workspace, analyzed, latest = loaded
    assert analyzed.replay is not None, "no migrations replayed"
    assert len(analyzed.replay.after) == len(analyzed.project.migrations.migrations)
    differences = diff(canonical(latest, sql_only=True), canonical(analyzed.replay.final, sql_only=True),
                       "snapshot", "replay")
    assert not differences, "\n".join(differences)


def test_no_problem_on_drizzle_kit_output(loaded):
    workspace, _analyzed, _latest = loaded
    bad = [p for p in _all_problems(workspace) if p.code in NEVER or p.severity == "error"]
    assert not bad, "\n".join(f"{p.code}: {p.message} at {p.range}" for p in bad)
