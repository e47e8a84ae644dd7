"""For every case of the shared corpus, the extracted schema equals drizzle-kit's latest snapshot (shared canonical
form). Skipped while the corpus is absent."""

from __future__ import annotations

import glob
import os
from pathlib import Path

import pytest

from drizzle_lsp.schema_ts import extract_schema

CORPUS = Path(__file__).parent.parent / "fixtures" / "corpus"


def _cases() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if p.is_dir() and glob.glob(str(p / "drizzle.config.*")))


def _latest_snapshot(out_folder: Path) -> str | None:
    found = sorted(glob.glob(str(out_folder / "meta" / "*_snapshot.json")))
    if not found:
        found = sorted(glob.glob(str(out_folder / "*" / "snapshot.json")))  # drizzle-kit v1 layout
    return found[-1] if found else None


def _schema_files(root: Path, patterns: list[str]) -> list[str]:
    files: list[str] = []
    for pattern in patterns:
        target = root / pattern
        if target.is_dir():  # drizzle-kit 0.31 reads a folder's own files, not its subfolders'
            files.extend(str(p) for p in sorted(target.glob("*.ts")))
        else:
            files.extend(sorted(glob.glob(str(target), recursive=True)))
    return [os.path.normpath(f) for f in files]


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_corpus_case_matches_latest_snapshot(case: Path) -> None:
    from drizzle_lsp.model.compare import canonical, diff
    from drizzle_lsp.workspace.config import read_config
    from drizzle_lsp.workspace.snapshots import read_snapshot

    config = read_config(glob.glob(str(case / "drizzle.config.*"))[0])
    snapshot_path = _latest_snapshot(case / config.out)
    if snapshot_path is None:
        pytest.skip("case has no snapshot")
    files = {p: Path(p).read_text(encoding="utf-8") for p in _schema_files(case, config.schema)}
    assert files, "no schema files found for the case"
    result = extract_schema(files, config.sql_dialect, config.casing,
                            read_file=lambda p: Path(p).read_text(encoding="utf-8") if os.path.exists(p) else None)
    expected = canonical(read_snapshot(snapshot_path).schema)
    actual = canonical(result.schema)
    differences = diff(expected, actual, "snapshot", "extracted")
    assert not differences, "\n".join(differences)
