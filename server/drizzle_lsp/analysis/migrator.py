"""Which migrator applies the project's migrations, and so what a transaction spans.

The migrator decides what is dangerous: drizzle-orm's ``migrate()`` for pg, postgres-js, neon-serverless, pglite
and vercel-postgres, and ``drizzle-kit migrate``, run every pending migration in ONE transaction (``CONCURRENTLY``
fails, locks pile up across files, a new enum value cannot be used in the same batch); neon-http runs statements
with no transaction at all; ``wrangler d1 migrations apply`` gives each file its own transaction.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass

from drizzle_lsp.model import DrizzleConfig
from drizzle_lsp.workspace.files import folders_upward

TRANSACTION = "transaction"  # all pending migrations in one transaction
NO_TRANSACTION = "no-transaction"  # statements run one by one (neon-http)
PER_FILE = "per-file"  # each migration file in its own transaction (wrangler d1, drizzle-lsp migrate)
MODES = (TRANSACTION, NO_TRANSACTION, PER_FILE)

# A migration whose leading comments hold this line runs statement by statement under `drizzle-lsp migrate` (and any
# per-file runner that honours it); drizzle's own migrators ignore it, which is why split steps add COMMIT there.
NO_TRANSACTION_MARKER = "-- drizzle-lsp: no-transaction"
_MARKER_LINE = re.compile(r"^\s*--\s*drizzle-lsp:\s*no-transaction\s*$", re.IGNORECASE)


def has_no_transaction_marker(text: str) -> bool:
    """The marker counts among the file's leading comment lines, before its first statement."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("--> statement-breakpoint"):
            continue
        if not stripped.startswith("--"):
            return False
        if _MARKER_LINE.match(stripped):
            return True
    return False


# The names users may write in .drizzle-lsp.toml, mapped to what they mean for a transaction.
SETTING_ALIASES = {
    "transaction": TRANSACTION,
    "neon-http": NO_TRANSACTION,
    "no-transaction": NO_TRANSACTION,
    "d1": PER_FILE,
    "per-file": PER_FILE,
    "drizzle-lsp": PER_FILE,
}

# Source files are scanned for these imports; the first one found decides. neon-http shares its npm package with
# neon-serverless, so only the import path tells them apart.
_MIGRATOR_IMPORTS = (
    ("drizzle-orm/neon-http/migrator", NO_TRANSACTION, "drizzle-orm/neon-http/migrator is imported"),
    ("drizzle-orm/d1/migrator", TRANSACTION, "drizzle-orm/d1/migrator is imported (one batch)"),
)
_SCAN_EXTENSIONS = (".ts", ".mts", ".cts", ".js", ".mjs")
_SCAN_LIMIT = 400  # files; a monorepo scan must stay fast, and the config or settings can always say it directly
_SKIP_DIRS = {"node_modules", ".git", "dist", "build", ".next", ".turbo", ".wrangler", "coverage"}


@dataclass(frozen=True, slots=True)
class MigratorMode:
    mode: str  # one of MODES
    reason: str  # shown on hover and in `drizzle-lsp model`, so users can see why a rule thinks what it thinks


def infer_migrator(config: DrizzleConfig, project_root: str, setting: str | None = None) -> MigratorMode:
    if setting and setting != "auto":
        mode = SETTING_ALIASES.get(setting)
        if mode:
            return MigratorMode(mode, f"set by migrator = \"{setting}\" in .drizzle-lsp.toml")
    if config.sql_dialect == "sqlite" and config.driver == "d1-http":
        return MigratorMode(PER_FILE, "drizzle.config driver is d1-http (wrangler applies each file in its own transaction)")
    if config.sql_dialect == "sqlite":
        out = os.path.normpath(os.path.join(project_root, config.out))
        for binding in getattr(config, "d1_bindings", None) or []:
            if binding.migrations_dir == out:
                wrangler = os.path.relpath(binding.wrangler_path, project_root)
                return MigratorMode(PER_FILE, f"{wrangler} points D1's migrations_dir at the out folder: wrangler d1 "
                                              "migrations apply runs each file in its own transaction")
    found = _scan_imports(project_root)
    if found:
        return found
    script = _script_running(project_root, "drizzle-lsp migrate")
    if script:
        return MigratorMode(PER_FILE, f"the package.json script \"{script}\" runs drizzle-lsp migrate (one transaction "
                                      "per file; files marked -- drizzle-lsp: no-transaction run statement by statement)")
    dependencies = _package_dependencies(project_root)
    if config.sql_dialect == "postgresql" and "@neondatabase/serverless" in dependencies and not (
        {"pg", "postgres"} & dependencies
    ):
        return MigratorMode(TRANSACTION, "@neondatabase/serverless is a dependency; its WebSocket migrator uses one transaction")
    return MigratorMode(TRANSACTION, "drizzle-kit migrate and drizzle-orm's migrate() apply all pending migrations in one transaction")


def _package_manifests(start: str):
    """The parsed package.json files from ``start`` up to the repository root (monorepos), nearest first."""
    for folder in folders_upward(start):
        try:
            with open(os.path.join(folder, "package.json"), encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            yield data


def _package_dependencies(start: str) -> set[str]:
    """Dependencies declared in the package.json files from ``start`` up to the repository root."""
    names: set[str] = set()
    for data in _package_manifests(start):
        for section in ("dependencies", "devDependencies", "optionalDependencies"):
            if isinstance(data.get(section), dict):
                names.update(data[section])
    return names


def _script_running(start: str, command: str) -> str | None:
    """The name of a package.json script whose command line runs ``command``, if any."""
    for data in _package_manifests(start):
        scripts = data.get("scripts")
        if isinstance(scripts, dict):
            for name, line in scripts.items():
                if isinstance(line, str) and command in line:
                    return name
    return None


def _scan_imports(root: str) -> MigratorMode | None:
    scanned = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".")]
        for name in files:
            if not name.endswith(_SCAN_EXTENSIONS):
                continue
            scanned += 1
            if scanned > _SCAN_LIMIT:
                return None
            try:
                with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as handle:
                    text = handle.read(200_000)
            except OSError:
                continue
            for needle, mode, reason in _MIGRATOR_IMPORTS:
                if needle in text:
                    rel = os.path.relpath(os.path.join(folder, name), root)
                    return MigratorMode(mode, f"{reason} in {rel}")
    return None
