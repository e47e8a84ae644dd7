"""Real drizzle-kit projects for the placement tests: a schema generated twice with the pinned drizzle-kit (the second
migration is the one to split), ``drizzle-kit check`` / ``generate`` as the oracle for the folder after the fix, and
drizzle-orm's own node-postgres migrator to apply it."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess

import pytest

from drizzle_lsp.cli.main import main

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(REPO, "tests", "fixtures", "drizzle-kit")
DRIZZLE_KIT = os.path.join(TOOLS, "node_modules", ".bin", "drizzle-kit")
MIGRATE_SCRIPT = os.path.join(REPO, "tests", "migrate", "drizzle_migrate.mjs")

SCHEMA_V1 = """import { pgTable, bigint, text, index, unique } from 'drizzle-orm/pg-core';

export const tenants = pgTable('tenants', {
  id: bigint({ mode: 'number' }).primaryKey(),
  name: text().notNull(),
});

export const orders = pgTable('orders', {
  id: bigint({ mode: 'number' }).primaryKey(),
  note: text(),
});
"""

# The second migration: a foreign key on a new column and its index, on a table that already holds rows.
SCHEMA_V2 = """import { pgTable, bigint, text, index, unique } from 'drizzle-orm/pg-core';

export const tenants = pgTable('tenants', {
  id: bigint({ mode: 'number' }).primaryKey(),
  name: text().notNull(),
});

export const orders = pgTable('orders', {
  id: bigint({ mode: 'number' }).primaryKey(),
  note: text(),
  tenantId: bigint('tenant_id', { mode: 'number' }).references(() => tenants.id),
}, (t) => [index('orders_tenant_id_idx').on(t.tenantId)]);
"""


def config_text(prefix: str = "index") -> str:
    migrations = f"\n  migrations: {{ prefix: '{prefix}' }}," if prefix != "index" else ""
    return ("import { defineConfig } from 'drizzle-kit';\n\nexport default defineConfig({\n  dialect: 'postgresql',\n"
            f"  schema: './schema.ts',\n  out: './drizzle',{migrations}\n}});\n")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must provide it")
    pytest.skip(reason)


def ensure_tools() -> str:
    """node, with the pinned drizzle-kit, drizzle-orm and pg installed (``npm ci`` when missing)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _unavailable("node and npm are not installed")
    if not all(os.path.isfile(os.path.join(TOOLS, "node_modules", n, "package.json"))
               for n in ("drizzle-kit", "drizzle-orm", "pg")):
        done = subprocess.run([npm, "ci", "--prefix", TOOLS, "--no-audit", "--no-fund"], capture_output=True,
                              text=True, timeout=600, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            _unavailable(f"npm ci --prefix tests/fixtures/drizzle-kit failed: {done.stderr[-1500:]}")
    return node


def _env() -> dict[str, str]:
    # The schema and the config import drizzle-orm / drizzle-kit: resolve them from the pinned tooling.
    return dict(os.environ, NODE_PATH=os.path.join(TOOLS, "node_modules"), NO_COLOR="1", FORCE_COLOR="0")


class KitProject:
    """A drizzle project in a temporary folder, generated step by step with the real drizzle-kit."""

    def __init__(self, root: str, prefix: str = "index") -> None:
        self.root = root
        self.out = os.path.join(root, "drizzle")
        os.makedirs(root, exist_ok=True)
        self.write("drizzle.config.ts", config_text(prefix))

    def write(self, relative: str, text: str) -> None:
        path = os.path.join(self.root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)

    def read(self, relative: str) -> str:
        with open(os.path.join(self.root, relative), encoding="utf-8") as handle:
            return handle.read()

    def kit(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([DRIZZLE_KIT, *args], cwd=self.root, env=_env(), capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)

    def generate(self, schema: str, name: str) -> None:
        self.write("schema.ts", schema)
        done = self.kit("generate", "--name", name)
        assert done.returncode == 0 and "Your SQL migration file" in done.stdout, done.stdout + done.stderr

    def check_passes(self) -> str:
        done = self.kit("check")
        assert done.returncode == 0 and "Everything's fine" in done.stdout, done.stdout + done.stderr
        return done.stdout

    def generate_sees_no_change(self) -> None:
        before = sorted(os.listdir(self.out))
        done = self.kit("generate")
        assert "No schema changes" in done.stdout, done.stdout + done.stderr
        assert sorted(os.listdir(self.out)) == before

    @property
    def journal(self) -> dict:
        return json.loads(self.read("drizzle/meta/_journal.json"))

    def files(self) -> dict[str, str]:
        """Every file of the migrations folder with its text, to prove what a fix did or did not touch."""
        found = {}
        for folder, _, names in os.walk(self.out):
            for name in names:
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as handle:
                    found[os.path.relpath(path, self.out)] = handle.read()
        return found


def two_migration_project(root: str, prefix: str = "index") -> KitProject:
    project = KitProject(root, prefix)
    project.generate(SCHEMA_V1, "init")
    project.generate(SCHEMA_V2, "add_tenant")
    return project


def cli(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue() + err.getvalue()


def drizzle_migrate(node: str, url: str, folder: str) -> subprocess.CompletedProcess:
    return subprocess.run([node, MIGRATE_SCRIPT, TOOLS, url, folder], capture_output=True, text=True, timeout=180,
                          stdin=subprocess.DEVNULL)
