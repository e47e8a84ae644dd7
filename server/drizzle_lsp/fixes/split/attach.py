"""Offering the split of a migration on the findings it resolves.

Rules report one statement at a time and fix it in place; the split rewrites the whole migration, so it is computed
once per migration, after the rules ran, and attached as an extra fix to the findings the plan says it resolves (rule
and statement). A migration without lock findings is never planned: the recipes only run where there is something to
resolve. The plan is made now (the title counts its steps), but the fix is a ``DeferredFix``: the step files, the
snapshots and the journal edit are only written out when a code action, the hover, the preview command or ``check``
reads them, not on every keystroke of the language server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from drizzle_lsp.fixes.split.placement import COMMIT_COST, PlacementContext, prepare_split
from drizzle_lsp.rules._support.statement_facts import statement_at
from drizzle_lsp.rules.framework import Violation

LOCK_GROUP = "locks"


def _default_planner() -> Callable[..., Any] | None:
    try:
        from drizzle_lsp.fixes.split.recipes import plan_split
    except ImportError:  # the recipes are optional for the rest of the checker
        return None
    return plan_split


def attach_splits(analyzed: Any, findings: Iterable[Violation], file_text: Callable[[str], str | None] | None = None,
                  *, planner: Callable[..., Any] | None = None) -> None:
    """Adds the split fix (or its preview), deferred, to ``extra_fixes`` of the findings it resolves, in place."""
    project = getattr(analyzed, "project", None)
    folder = getattr(project, "migrations", None)
    if folder is None or getattr(analyzed, "dialect", "postgresql") != "postgresql":
        return
    by_path = {m.sql_path: m for m in folder.migrations if not m.missing}
    per_migration: dict[str, list[Violation]] = {}
    for finding in findings:
        if finding.path in by_path:
            per_migration.setdefault(finding.path, []).append(finding)
    wanted = {path: items for path, items in per_migration.items() if any(f.group == LOCK_GROUP for f in items)}
    if not wanted:
        return
    planner = planner or _default_planner()
    if planner is None:
        return
    context = PlacementContext(folder, project.config.migrations_prefix, getattr(analyzed, "migrator", "transaction"),
                               file_text, _lock_timeout(getattr(analyzed, "settings", None)))
    for path, items in wanted.items():
        migration = by_path[path]
        plan = planner(analyzed, migration, postgres_version=getattr(analyzed, "postgres_version", 16))
        if plan is None or not plan.is_split:
            continue
        fix = prepare_split(plan, context)  # its edits are computed when first read
        if fix is None:
            continue
        addressed = set(plan.addresses)
        rules = {rule for rule, _ in addressed}
        commits = context.migrator == "transaction"
        for finding in items:
            # Only where the plan says it resolves the finding: offering it elsewhere would promise a fix that leaves
            # the finding in place. (The rule is compared first: finding the statement scans the migration.)
            if finding.rule not in rules or (finding.rule, _statement_index(migration, finding)) not in addressed:
                continue
            finding.extra_fixes = tuple(finding.extra_fixes) + (fix,)
            if commits and not fix.is_preview:
                finding.help = (finding.help + " " if finding.help else "") + (
                    f"The quick fix splits {migration.tag} into {len(plan.steps)} migrations; because drizzle's "
                    f"migrator runs all pending migrations in one transaction, each new step starts with COMMIT: "
                    f"{COMMIT_COST}.")


def _statement_index(migration: Any, finding: Violation) -> int | None:
    if finding.range is None:
        return None
    statement = statement_at(migration.statements, finding.range.start, empty_holds_start=True)
    return statement.index if statement is not None else None


def _lock_timeout(settings: Any) -> str:
    """The timeout ``require-lock-timeout`` asks for, so the new steps satisfy it with the project's own value."""
    from drizzle_lsp.rules.selection import settings_value

    value = settings_value(settings, "lock_timeout") or settings_value(settings, "migrate.lock-timeout") or "5s"
    return str(value).replace("'", "")
