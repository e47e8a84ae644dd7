"""What one ``migrate`` run works on: the project's migrations with their plans and ledger, and the run's options."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from drizzle_lsp.migrate.ledger import Ledger
from drizzle_lsp.migrate.plan import MigrationPlan, plan_migration
from drizzle_lsp.model import Migration

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h)?\s*$")
_UNIT_MS = {"ms": 1, None: 1, "s": 1000, "min": 60_000, "h": 3_600_000}


class ConfigError(Exception):
    """The project cannot be migrated as it stands (exit status 2): the message says what to fix."""


def parse_duration_ms(text: str | int) -> int:
    """``"5s"``, ``"500ms"``, ``"1.5min"``, ``"1h"``; a bare number is milliseconds, as PostgreSQL reads it."""
    if isinstance(text, int):
        return text
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration: write e.g. 5s, 500ms, 2min or 1h")
    return round(float(match.group(1)) * _UNIT_MS[match.group(2)])


def format_ms(ms: int | None) -> str:
    if ms is None:
        return "unset"
    if ms == 0:
        return "0 (off)"
    if ms % 3_600_000 == 0:
        return f"{ms // 3_600_000}h"
    if ms % 60_000 == 0:
        return f"{ms // 60_000}min"
    if ms % 1000 == 0:
        return f"{ms // 1000}s"
    return f"{ms}ms"


@dataclass(slots=True)
class Options:
    lock_timeout_ms: int | None = 5000
    statement_timeout_ms: int | None = None
    retries: int = 3
    retry_delay_s: float = 1.0  # doubled after each attempt, up to MAX_RETRY_DELAY_S
    wait_s: float = 900.0  # how long to wait for another run holding the advisory lock
    allow_out_of_order: bool = False
    allow_changed: bool = False
    resume_command: str = "drizzle-lsp migrate"


@dataclass(slots=True)
class Target:
    root: str
    out_dir: str
    layout: str
    migrations: list[Migration]  # in apply order
    plans: dict[str, MigrationPlan]
    ledger: Ledger
    replay: object | None = None  # analysis.replay.Replay, for the lock facts of --dry-run
    postgres_version: int = 16
    warnings: list[str] = field(default_factory=list)

    @property
    def hashes(self) -> dict[str, str]:
        return {tag: plan.hash for tag, plan in self.plans.items()}


def load_target(analyzed) -> Target:
    """The migrations of an analysed project, ready to run; ``ConfigError`` when they cannot run as they stand."""
    project = analyzed.project
    config = project.config
    if config.sql_dialect != "postgresql" or config.dialect == "gel":
        raise ConfigError(f"drizzle-lsp migrate applies PostgreSQL migrations; this project's dialect is "
                          f"{config.dialect}. Use drizzle-kit migrate (or wrangler d1 migrations apply for D1).")
    folder = project.migrations
    if folder is None or folder.layout == "empty":
        raise ConfigError(f"no migrations found in {config.out} (the config's `out`): generate them with "
                          "drizzle-kit generate first")
    errors = [p.message for p in folder.problems if p.severity == "error"]
    missing = [m for m in folder.migrations if m.missing]
    errors += [f"{m.tag}: the journal names it but {m.sql_path} does not exist" for m in missing]
    if folder.layout == "0.x" and folder.journal_path is None:
        errors.append("meta/_journal.json is missing")
    if errors:
        raise ConfigError("the migrations folder cannot be applied as it stands:\n  " + "\n  ".join(errors))
    migrations = list(folder.migrations)
    plans = {m.tag: plan_migration(m) for m in migrations}
    warnings = [f"{m.tag}: {p.message}" for m in migrations for p in m.problems if p.code == "invalid-utf8"]
    ledger = Ledger(config.migrations_schema or "drizzle", config.migrations_table or "__drizzle_migrations",
                    folder.layout)
    return Target(project.root, folder.path, folder.layout, migrations, plans, ledger, analyzed.replay,
                  analyzed.postgres_version, warnings)
