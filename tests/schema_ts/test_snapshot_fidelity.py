"""Each fixture is a schema plus the snapshot real drizzle-kit generated from it: extraction must equal it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from drizzle_lsp.schema_ts import extract_schema
from schema_ts.snapshot_compare import diff, model_canonical, snapshot_canonical

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "snapshot.json").exists())


def _read(path: str) -> str | None:
    return Path(path).read_text(encoding="utf-8") if os.path.exists(path) else None


@pytest.mark.parametrize("case", CASES)
def test_extraction_equals_drizzle_kit_snapshot(case: str) -> None:
    folder = FIXTURES / case
    settings = json.loads((folder / "case.json").read_text())
    files = {str(folder / "schema.ts"): (folder / "schema.ts").read_text(encoding="utf-8")}
    result = extract_schema(files, settings["dialect"], settings["casing"], read_file=_read)
    snapshot = json.loads((folder / "snapshot.json").read_text(encoding="utf-8"))
    expected, actual = snapshot_canonical(snapshot), model_canonical(result.schema)
    differences = diff(expected, actual)
    assert not differences, "\n".join(differences)
    assert not [p for p in result.problems if p.code == "syntax-error"]
    # The comparison is not vacuous: the fixture has tables and columns.
    assert expected["tables"] and all(t["columns"] for t in expected["tables"].values())


def test_comparison_notices_a_wrong_type() -> None:
    folder = FIXTURES / "basic"
    files = {str(folder / "schema.ts"): (folder / "schema.ts").read_text().replace("length: 255", "length: 256")}
    result = extract_schema(files, "postgresql", "snake_case")
    differences = diff(snapshot_canonical(json.loads((folder / "snapshot.json").read_text())),
                       model_canonical(result.schema))
    assert any("varchar(256)" in line for line in differences)
