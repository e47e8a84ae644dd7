"""Whether a project's SQLite database is Cloudflare D1, and what says so.

D1 is SQLite with different rules for migrations: foreign keys are always enforced (``PRAGMA foreign_keys=OFF`` is
ignored), ``BEGIN`` is refused, a statement may not exceed 100 KB nor a table 100 columns. A plain SQLite (a file,
libsql, Turso) has none of these, so the D1 rules stay silent unless one of these says the project is D1:

- ``migrator = "d1"`` in ``.drizzle-lsp.toml``;
- ``driver: 'd1-http'`` in drizzle.config;
- ``dbCredentials`` with ``accountId`` and ``databaseId`` (the D1 HTTP API's credentials);
- an import of ``drizzle-orm/d1/migrator`` in the project's sources (migrations applied from a Worker);
- a ``wrangler.toml`` / ``wrangler.json(c)`` in the project's folder or above it declaring ``d1_databases``
  (the strongest when its ``migrations_dir`` is drizzle's ``out`` folder: wrangler then applies these very files).

The reason is shown in the findings, so a user who sees a D1 message on a non-D1 project knows what to change.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from drizzle_lsp.model.source import SourceRange
from drizzle_lsp.rules.selection import settings_value

D1_MIGRATOR = "drizzle-orm/d1/migrator"


@dataclass(frozen=True, slots=True)
class D1Evidence:
    reason: str  # "drizzle.config sets driver: 'd1-http'"
    range: SourceRange | None  # where that is written, when it is in a file


def d1_evidence(analyzed) -> D1Evidence | None:
    """Why the project is on D1, or None when nothing says it is (then it is a plain SQLite, or not SQLite)."""
    project = getattr(analyzed, "project", None)
    config = getattr(project, "config", None)
    if config is None or config.dialect != "sqlite":  # turso / libsql speak SQLite but are not D1
        return None
    if settings_value(getattr(analyzed, "settings", None), "migrator") == "d1":
        return D1Evidence('`migrator = "d1"` is set in .drizzle-lsp.toml', None)
    if config.driver == "d1-http":
        return D1Evidence("drizzle.config sets `driver: 'd1-http'`", config.ranges.get("driver"))
    credentials = config.db_credentials or {}
    if "accountId" in credentials and "databaseId" in credentials:
        return D1Evidence("drizzle.config's dbCredentials name a D1 accountId and databaseId",
                          config.ranges.get("dbCredentials"))
    reason = getattr(getattr(analyzed, "migrator_mode", None), "reason", "") or ""
    if D1_MIGRATOR in reason:  # the loader found the import while inferring the migrator
        return D1Evidence(reason.replace(" (one batch)", ""), None)
    bindings = list(getattr(config, "d1_bindings", None) or [])
    if not bindings:
        return None
    out = os.path.normpath(os.path.join(project.root, config.out))
    applying = [b for b in bindings if b.migrations_dir == out]
    binding = (applying or bindings)[0]
    name = os.path.relpath(binding.wrangler_path, project.root)
    label = f" `{binding.binding}`" if binding.binding else ""
    if applying:
        return D1Evidence(f"{name} declares the D1 database{label}, whose `migrations_dir` is drizzle's out folder, "
                          "so `wrangler d1 migrations apply` runs these files", binding.range)
    return D1Evidence(f"{name} declares the D1 database{label}", binding.range)
