"""Projects to migrate, and ways to run ``drizzle-lsp migrate`` on them against the real PostgreSQL of the session.

The base migrations are real drizzle-kit output: the first migrations of ``examples/saas`` (0000 creates the tables,
0001 adds a foreign key and an index; 0002 changes text to integer without USING, which fails on PostgreSQL).
Tests add hand-written migrations after them when they need a particular shape.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from drizzle_lsp.cli.main import main

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAAS_MIGRATIONS = os.path.join(REPO, "examples", "saas", "drizzle")
CONFIG = """import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './schema.ts',
  out: './drizzle',
  dbCredentials: { url: process.env.DATABASE_URL! },
});
"""


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


class Project:
    """A drizzle project in a temporary folder whose journal tests extend one migration at a time."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.out = os.path.join(root, "drizzle")
        os.makedirs(os.path.join(self.out, "meta"), exist_ok=True)
        with open(os.path.join(root, "drizzle.config.ts"), "w") as handle:
            handle.write(CONFIG)
        with open(os.path.join(root, "schema.ts"), "w") as handle:
            handle.write("export {};\n")
        self.entries: list[dict] = []
        self._write_journal()

    def _write_journal(self) -> None:
        journal = {"version": "7", "dialect": "postgresql", "entries": self.entries}
        with open(os.path.join(self.out, "meta", "_journal.json"), "w") as handle:
            json.dump(journal, handle, indent=2)

    def add(self, tag: str, sql: str, when: int | None = None) -> "Project":
        if when is None:
            when = (self.entries[-1]["when"] + 1000) if self.entries else 1_700_000_000_000
        with open(self.sql_path(tag), "w", newline="") as handle:
            handle.write(sql)
        self.entries.append({"idx": len(self.entries), "version": "7", "when": when, "tag": tag, "breakpoints": True})
        self._write_journal()
        return self

    def add_saas(self, count: int) -> "Project":
        """The first ``count`` migrations of examples/saas, with their journal entries, as drizzle-kit wrote them."""
        with open(os.path.join(SAAS_MIGRATIONS, "meta", "_journal.json")) as handle:
            entries = json.load(handle)["entries"][:count]
        for entry in entries:
            shutil.copyfile(os.path.join(SAAS_MIGRATIONS, f"{entry['tag']}.sql"), self.sql_path(entry["tag"]))
            self.entries.append(dict(entry, idx=len(self.entries)))
        self._write_journal()
        return self

    def keep_first(self, count: int) -> "Project":
        """Hide the later journal entries (their files stay), as if they were not generated yet."""
        self._hidden = self.entries[count:] + getattr(self, "_hidden", [])
        self.entries = self.entries[:count]
        self._write_journal()
        return self

    def restore(self) -> "Project":
        """Bring back the entries ``keep_first`` hid: the later migrations arrive."""
        self.entries += getattr(self, "_hidden", [])
        self._hidden = []
        self._write_journal()
        return self

    def sql_path(self, tag: str) -> str:
        return os.path.join(self.out, f"{tag}.sql")

    def read(self, tag: str) -> bytes:
        with open(self.sql_path(tag), "rb") as handle:
            return handle.read()

    @property
    def tags(self) -> list[str]:
        return [e["tag"] for e in self.entries]


def migrate(project: Project, url: str | None, *args: str) -> Result:
    """``drizzle-lsp migrate`` in this process, as a user types it."""
    argv = ["migrate", project.root] + (["--database-url", url] if url else []) + list(args)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return Result(code, out.getvalue(), err.getvalue())


def start_migrate(project: Project, url: str, *args: str) -> subprocess.Popen:
    """``drizzle-lsp migrate`` in its own process, for runs that must overlap."""
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.Popen([sys.executable, "-m", "drizzle_lsp", "migrate", project.root, "--database-url", url,
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(process: subprocess.Popen, timeout: float = 60) -> Result:
    out, err = process.communicate(timeout=timeout)
    return Result(process.returncode, out, err)


def query(url: str, sql: str, params=None) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def ledger(url: str, table: str = '"drizzle"."__drizzle_migrations"') -> list[tuple]:
    """drizzle's ledger rows (none when the table does not exist)."""
    if not table_exists(url, table):
        return []
    return query(url, f"SELECT id, hash, created_at FROM {table} ORDER BY id")


def table_exists(url: str, name: str) -> bool:
    return query(url, "SELECT to_regclass(%s) IS NOT NULL", [name])[0][0]


def column_type(url: str, table: str, column: str) -> str | None:
    rows = query(url, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = to_regclass(%s) "
                      "AND attname = %s AND NOT attisdropped", [table, column])
    return rows[0][0] if rows else None


# One organization, one project and one task: enough rows to make a NOT NULL column or a unique index fail.
SEED_ONE_TASK = ("INSERT INTO organizations (id, name, slug) VALUES (gen_random_uuid(), 'o', 'o'); "
                 "INSERT INTO projects (id, organization_id, name) SELECT gen_random_uuid(), id, 'p' FROM organizations; "
                 "INSERT INTO tasks (project_id, title) SELECT id, 't' FROM projects;")


def apply_first(project: Project, url: str, count: int) -> None:
    """Apply only the first ``count`` journal entries, as a database deployed before the later ones existed."""
    project.keep_first(count)
    result = migrate(project, url)
    assert result.code == 0, result.text
    project.restore()


def wait_for(url: str, sql: str, timeout: float = 30) -> None:
    """Poll until ``sql`` returns a row (another session reaching a state the test waits for)."""
    deadline = time.monotonic() + timeout
    while not query(url, sql):
        assert time.monotonic() < deadline, f"timed out waiting for: {sql}"
        time.sleep(0.01)


def migrate_while(background, project: Project, url: str, *args: str) -> Result:
    """``migrate`` while ``background`` runs in a thread (releasing a lock at the right moment, say)."""
    thread = threading.Thread(target=background)
    thread.start()
    try:
        return migrate(project, url, *args)
    finally:
        thread.join()

