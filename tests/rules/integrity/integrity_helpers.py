"""Projects built from the drizzle-kit fixtures in tests/fixtures/integrity, in the 0.x and the v1 layouts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from drizzle_lsp.fixes.edits import apply_edits

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "integrity"


def copy_case(name: str, dest: Path) -> Path:
    if name.startswith("pg-branch-"):  # the branch folders hold only what the branch changed
        shutil.copytree(FIXTURES / "pg-base", dest, dirs_exist_ok=True)
    shutil.copytree(FIXTURES / name, dest, dirs_exist_ok=True)
    return dest


def journal(root: Path) -> dict:
    return json.loads((root / "drizzle" / "meta" / "_journal.json").read_text())


def write_journal_entries(root: Path, entries: list[dict]) -> None:
    path = root / "drizzle" / "meta" / "_journal.json"
    data = json.loads(path.read_text())
    data["entries"] = entries
    path.write_text(json.dumps(data, indent=2))


def apply_fix(finding) -> None:
    by_path: dict[str, list] = {}
    for edit in finding.fix.edits:
        by_path.setdefault(edit.path, []).append(edit)
    for path, edits in by_path.items():
        text = Path(path).read_text()
        Path(path).write_text(apply_edits(text, edits))


def to_v1(root: Path, stamps: list[str] | None = None) -> Path:
    """Rewrite a 0.x migrations folder as drizzle-kit v1 lays it out: <timestamp>_<name>/migration.sql +
    snapshot.json with ``prevIds``. The v1 timestamps follow the journal order unless ``stamps`` gives them."""
    out = root / "drizzle"
    data = journal(root)
    for position, entry in enumerate(data["entries"]):
        name = entry["tag"].split("_", 1)[1]
        stamp = stamps[position] if stamps else f"2024010{position + 1}120000"
        folder = out / f"{stamp}_{name}"
        folder.mkdir()
        sql = out / f"{entry['tag']}.sql"
        if sql.exists():
            shutil.move(sql, folder / "migration.sql")
        snapshot = out / "meta" / f"{entry['tag'].split('_', 1)[0]}_snapshot.json"
        if snapshot.exists():
            snap = json.loads(snapshot.read_text())
            snap["prevIds"] = [snap.pop("prevId")]
            (folder / "snapshot.json").write_text(json.dumps(snap, indent=2))
    shutil.rmtree(out / "meta")
    return root


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=check, capture_output=True, text=True)


def merged_branches(root: Path, resolve: str) -> Path:
    """A real git merge of two branches that each generated migration 0001 from the same base.

    Branch b reaches main first; branch a (generated a second earlier) is merged after it, so the journal and
    ``meta/0001_snapshot.json`` conflict. ``resolve`` is how the developer settles the journal: ``"union"`` keeps
    both entries (b's, then a's), ``"ours"`` keeps main's journal and snapshot as they were."""
    copy_case("pg-base", root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    for branch, case in (("a", "pg-branch-a"), ("b", "pg-branch-b")):
        git(root, "checkout", "-q", "-b", branch, "main")
        copy_case(case, root)
        git(root, "add", ".")
        git(root, "commit", "-qm", branch)
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "b")
    result = git(root, "merge", "-q", "a", check=False)
    assert result.returncode != 0, "the two branches' journals must conflict"
    git(root, "checkout", "--ours", "--", "drizzle/meta/0001_snapshot.json", "drizzle/meta/_journal.json",
        "src/schema.ts")
    if resolve == "union":
        theirs = json.loads(git(root, "show", "a:drizzle/meta/_journal.json").stdout)
        write_journal_entries(root, journal(root)["entries"] + [theirs["entries"][-1]])
    git(root, "add", ".")
    git(root, "commit", "-qm", "merge a")
    return root
