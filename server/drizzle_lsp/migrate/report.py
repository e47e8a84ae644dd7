"""The text ``drizzle-lsp migrate`` prints: status, dry-run plans and refusals. Pure functions over the plan and the
ledger comparison, so tests read exactly what users read."""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone

from drizzle_lsp.analysis.locks import lock_facts
from drizzle_lsp.migrate.plan import MigrationPlan, Query, Status
from drizzle_lsp.migrate.target import Options, Target, format_ms
from drizzle_lsp.model import Migration, Operation, OpKind

_PREVIEW_WIDTH = 72
_SPACES = re.compile(r"\s+")


def shown_path(path: str) -> str:
    """Relative to the working directory when inside it, as people type it in the next command."""
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    if absolute == cwd:
        return "."
    if absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute, cwd)
    return absolute


def location(migration: Migration, line: int, end_line: int | None = None) -> str:
    span = f"{line}-{end_line}" if end_line and end_line != line else str(line)
    return f"{shown_path(migration.sql_path)}:{span}"


def preview(sql: str) -> str:
    """The statement on one line, without its comments, cut to a readable width."""
    lines = [ln for ln in sql.strip().splitlines() if not ln.strip().startswith("--")]
    text = _SPACES.sub(" ", " ".join(lines)).strip()
    return text if len(text) <= _PREVIEW_WIDTH else text[: _PREVIEW_WIDTH - 1] + "…"


def when_text(ms: int | None) -> str:
    if ms is None:
        return "no timestamp"
    try:
        return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return str(ms)


def short_hash(value: str) -> str:
    return value[:12] + "…" if len(value) > 12 else value


# ---------------------------------------------------------------------------------------------------------------------
# --status

def status_lines(target: Target, status: Status, progress: dict[str, tuple[str, int]]) -> list[str]:
    out_of_order = {m.tag for m in status.out_of_order}
    changed = {m.tag: (row, current) for m, row, current in status.changed}
    applied = {m.tag for m, _ in status.applied}
    width = max((len(m.tag) for m in target.migrations), default=10)
    lines = []
    for migration in target.migrations:
        tag = migration.tag
        if tag in changed:
            row, current = changed[tag]
            state, note = "changed", (f"{shown_path(migration.sql_path)} changed after it was applied: stored hash "
                                      f"{short_hash(row.hash)}, current {short_hash(current)}")
        elif tag in applied:
            state, note = "applied", when_text(migration.when)
        elif tag in out_of_order:
            state, note = "out of order", (f"{when_text(migration.when)}, older than the newest applied migration "
                                           f"{_newest_text(status)}")
        else:
            state, note = "pending", when_text(migration.when)
        if tag in progress and tag not in applied:
            done = progress[tag][1]
            total = len(target.plans[tag].queries)
            state, note = "partial", f"{done} of {total} queries committed by an earlier run; the next run resumes there"
        lines.append(f"  {state:<12} {tag:<{width}}  {note}")
    for row in status.unknown_rows:
        lines.append(f"  {'unknown':<12} {'ledger row ' + str(row.id):<{width}}  hash {short_hash(row.hash)}, "
                     f"created_at {row.created_at} ({when_text(row.created_at)}): in no local migration")
    counts = [f"{len(status.applied)} applied", f"{len(status.pending)} pending"]
    if status.out_of_order:
        counts.append(f"{len(status.out_of_order)} out of order")
    if status.changed:
        counts.append(f"{len(status.changed)} changed")
    if status.unknown_rows:
        counts.append(f"{len(status.unknown_rows)} unknown ledger row(s)")
    lines.append(", ".join(counts) + ".")
    return lines


def _newest_text(status: Status) -> str:
    if status.newest is None:
        return "(a ledger row)"
    migration, row = status.newest
    return f"{migration.tag} ({when_text(row.created_at)})"


# ---------------------------------------------------------------------------------------------------------------------
# Refusals

def refusal_lines(target: Target, status: Status, options: Options) -> list[str]:
    """Why the run must not start, with what to do; empty when it may."""
    lines: list[str] = []
    if status.changed and not options.allow_changed:
        lines.append(f"{len(status.changed)} applied migration(s) changed since they were applied:")
        for migration, row, current in status.changed:
            lines.append(f"  {migration.tag} ({shown_path(migration.sql_path)}): stored hash {row.hash}, "
                         f"current hash {current}")
        lines += ["  The database ran the old text, and editing the file will never apply the edit. Restore the file "
                  "as it was applied (see its git history), and put the change in a new migration",
                  "  (drizzle-kit generate --custom). To run the pending migrations anyway and keep the stored "
                  f"hash: {options.resume_command} --allow-changed"]
    if status.out_of_order and not options.allow_out_of_order:
        lines.append(f"{len(status.out_of_order)} pending migration(s) older than the newest applied one "
                     f"({_newest_text(status)}):")
        for migration in status.out_of_order:
            lines.append(f"  {migration.tag} ({shown_path(migration.sql_path)}): journal when "
                         f"{migration.when} ({when_text(migration.when)})")
        lines += ["  Usually a branch merged after newer migrations were applied. drizzle's own migrator would "
                  "skip it silently, forever.",
                  "  If it does not depend on what was applied after it, apply it now with: "
                  f"{options.resume_command} --allow-out-of-order",
                  "  Otherwise regenerate it on top of the newest migration (drizzle-kit generate)."]
    for migration in status.pending:
        for problem in target.plans[migration.tag].problems:
            lines.append(f"{migration.tag} cannot run as written: {shown_path(migration.sql_path)} {problem}")
    return lines


# ---------------------------------------------------------------------------------------------------------------------
# --dry-run

def dry_run_lines(target: Target, pending: list[Migration], options: Options, postgres_version: int) -> list[str]:
    lines = [f"lock_timeout {format_ms(options.lock_timeout_ms)}, statement_timeout "
             f"{format_ms(options.statement_timeout_ms)}, up to {options.retries} retries on a lock timeout"]
    if not pending:
        lines.append("nothing to apply.")
    for migration in pending:
        plan = target.plans[migration.tag]
        lines.append(f"{migration.tag} ({plan.describe_mode()})")
        for problem in plan.problems:
            lines.append(f"  cannot run: {problem}")
        for query in plan.queries:
            lines.extend(_query_lines(target, migration, query, postgres_version))
        if not plan.queries:
            lines.append("  (no statements: only the ledger row is written)")
    return lines


def _query_lines(target: Target, migration: Migration, query: Query, postgres_version: int) -> list[str]:
    alone = "  (commits on its own)" if query.transaction is None else ""
    lines = [f"  {location(migration, query.line, query.end_line)}  {preview(query.text)}{alone}"]
    facts = [text for op in query.operations if (text := lock_text(target, op, postgres_version))]
    lines += [f"      {text}" for text in facts] or ["      takes no table lock"]
    return lines


def lock_text(target: Target, op: Operation, postgres_version: int) -> str | None:
    """The lock, rewrite and scan of one operation, from the same facts the editor's hover shows."""
    if op.kind in (OpKind.COMMENT, OpKind.DO_BLOCK, OpKind.TRANSACTION, OpKind.SET_PARAMETER):
        return None
    context = target.replay.context(op) if target.replay is not None else None
    facts = lock_facts(op, context.state_before if context else None, postgres_version)
    if facts is None:
        return None
    if not facts.lock:
        return facts.note or None
    table = facts.tables[0] if facts.tables and facts.tables[0] else "the table"
    blocked = "reads and writes" if facts.blocks_reads else "writes" if facts.blocks_writes else "other DDL only"
    parts = [f"{facts.lock} on {table} (blocks {blocked})"]
    parts += [f"{mode} on {other}" for other, mode in facts.other_locks.items()]
    if context is not None and context.table_is_new:
        parts.append("the table is new in this migration, so it is empty: brief")
    else:
        parts.append("rewrites the table" if facts.rewrites else "no rewrite")
        parts.append("scans the table" if facts.scans else "no scan")
        if facts.note:
            parts.append(facts.note)
    return "; ".join(parts)


def plan_summary(plan: MigrationPlan) -> str:
    return f"{len(plan.queries)} quer{'y' if len(plan.queries) == 1 else 'ies'}, {plan.describe_mode()}"
