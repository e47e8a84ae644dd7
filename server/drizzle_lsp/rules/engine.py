"""Runs the enabled rules over a loaded workspace and returns the findings the user should see.

The engine owns everything that is the same for every rule: which rules are on (settings, ``--select``/``--ignore``),
severities, excluded paths, turning loader problems into findings, catching a failing rule (``internal-error``, never
a crash), and suppression comments. Rules only look at the model.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from drizzle_lsp.model import Migration, Operation, OpKind, Problem, SourceRange
from drizzle_lsp.rules.framework import (
    Fix,
    MigrationContext,
    ProjectContext,
    Rule,
    SchemaContext,
    TextEdit,
    Violation,
    severity_rank,
)
from drizzle_lsp.rules.memo import copy_violation
from drizzle_lsp.rules.registry import Registry, get_registry
from drizzle_lsp.rules.selection import RuleSelection, path_is_excluded, rule_options, settings_value
from drizzle_lsp.rules.suppressions import Suppression, comment_removal, find_suppressions

INTERNAL_ERROR = "internal-error"
SYNTAX_ERROR = "syntax-error"
UNKNOWN_SUPPRESSION = "unknown-suppression"
UNUSED_SUPPRESSION = "unused-suppression"


def run_rules(
    workspace: Any,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    only_paths: Iterable[str] | None = None,
    *,
    registry: Registry | None = None,
) -> list[Violation]:
    """All findings for ``workspace`` (an ``analysis.project.Workspace``), sorted by file and position.

    ``select``/``ignore`` come from the command line and take precedence over the settings file. ``only_paths``
    keeps findings in those files or folders (the rules still see the whole project, so context is right).
    """
    registry = registry or get_registry()
    findings: list[Violation] = []
    for module, error in registry.load_errors:
        findings.append(
            Violation(INTERNAL_ERROR, f"rule module {module} could not be loaded: {error}", None, "error",
                      help="This is a bug in drizzle-lsp; the other rules still ran.", group="meta")
        )
    findings.extend(_problems_to_violations(getattr(workspace, "problems", []), registry))
    for analyzed in getattr(workspace, "projects", []):
        findings.extend(_check_project(workspace, analyzed, registry, select, ignore))
    if only_paths is not None:
        wanted = [os.path.abspath(p) for p in only_paths]
        findings = [v for v in findings if v.path is None or any(_within(v.path, w) for w in wanted)]
    findings.sort(key=Violation.sort_key)
    return _dedupe(_drop_superseded(findings))


def _within(path: str, folder_or_file: str) -> bool:
    path = os.path.abspath(path)
    return path == folder_or_file or path.startswith(folder_or_file.rstrip(os.sep) + os.sep)


def _drop_superseded(findings: list[Violation]) -> list[Violation]:
    """Drops a finding when another one, of a rule it names in ``supersedes``, covers its range: one problem, one
    warning. Runs after suppressions, so silencing the more precise finding brings the other one back."""
    superseding = [f for f in findings if f.supersedes and f.range is not None]
    if not superseding:
        return findings

    def superseded(finding: Violation) -> bool:
        inner = finding.range
        return inner is not None and any(
            finding.rule in f.supersedes and f.range.path == inner.path and f.range.start <= inner.start
            and inner.end <= f.range.end for f in superseding)

    return [f for f in findings if not superseded(f)]


def _dedupe(findings: list[Violation]) -> list[Violation]:
    seen: set[tuple] = set()
    unique = []
    for finding in findings:
        key = (finding.rule, finding.message, finding.range)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique


def _check_project(workspace: Any, analyzed: Any, registry: Registry, select, ignore) -> list[Violation]:
    settings = getattr(analyzed, "settings", None)
    selection = RuleSelection.build(registry, settings, select, ignore)
    project = analyzed.project
    dialect = getattr(analyzed, "dialect", None) or project.config.sql_dialect
    rules = [registry.rules[name]() for name in sorted(selection.enabled) if registry.rules[name].applies_to(dialect)]
    raw: list[Violation] = list(selection.problems)
    claimed = {code for rule in registry.rules.values() for code in rule.claims_problems}
    raw.extend(
        v for v in _problems_to_violations([p for p in _project_problems(project) if p.code not in claimed], registry)
        if v.rule not in registry.rules or v.rule in selection.enabled
    )
    runner = _Runner(raw)
    # Asked once per table, migration and finding: the answer per file is kept for this analysis.
    excluded = functools.lru_cache(maxsize=None)(lambda path: path_is_excluded(path, project.root, settings))
    memo = getattr(analyzed, "rule_memo", None)
    file_text = getattr(workspace, "file_text", None)
    keys: dict[str, object] = {}  # rule -> its memo_key, for the rules whose findings may be reused
    if memo is not None:
        memo.begin(_environment(analyzed, dialect, settings), project.schema, file_text or (lambda path: None))
        keys = _memo_keys(rules, ProjectContext(analyzed, workspace, dialect, settings))

    run = _Run(analyzed, runner, dialect, settings, file_text, memo, keys, excluded)
    _check_migrations(run, [r for r in rules if r.runs_on("migration")])
    _check_tables(run, [r for r in rules if r.runs_on("schema")])

    for rule in (r for r in rules if r.runs_on("project")):
        ctx = ProjectContext(analyzed, workspace, dialect, settings, rule_options(settings, rule.name))
        runner.run(rule, rule.check_project, ctx, None)

    kept = [
        v for v in raw
        if v.range is None or not excluded(v.range.path)
    ]
    kept = selection.apply_severity(kept)
    found = _apply_suppressions(workspace, project, kept, registry, selection)
    _offer_splits(analyzed, found, file_text)
    if memo is not None:
        memo.finish()
    return found


@dataclass(slots=True)
class _Run:
    """What checking one project's migrations and tables shares."""

    analyzed: Any
    runner: _Runner
    dialect: str
    settings: Any
    file_text: Any
    memo: Any  # rules.memo.RuleMemo, or None outside the language server
    keys: dict[str, object]  # rule -> its memo_key, for the rules whose findings may be reused
    excluded: Callable[[str], bool]


def _check_migrations(run: _Run, migration_rules: list[Rule]) -> None:
    """Every migration rule over every migration, reusing a migration's findings where the memo allows."""
    project, memo, raw = run.analyzed.project, run.memo, run.runner.sink
    migrations = project.migrations.migrations if project.migrations else []
    replay = getattr(run.analyzed, "replay", None)
    state = getattr(replay, "initial", None)  # the replayed schema before each migration: a memo key
    options = {rule.name: rule_options(run.settings, rule.name) for rule in migration_rules}
    reusable = {r.name: run.keys[r.name] for r in migration_rules if r.name in run.keys
                and r.scope_on("migration") in ("unit", "before")}
    looking_back = frozenset(r.name for r in migration_rules if r.scope_on("migration") == "before")
    if memo is not None:
        memo.history(migrations)
    for migration in migrations:
        if migration.missing:
            continue
        before, state = state, replay.after.get(migration.tag) if replay is not None else None
        if run.excluded(migration.sql_path) or not migration_rules:
            continue
        cached = memo.migration(migration, before, reusable, looking_back) if memo is not None and reusable else {}
        unreused = [r for r in migration_rules if r.name not in cached]
        for _, findings in cached.values():
            raw.extend(copy_violation(v) for v in findings)
        with run.runner.capturing() as found:
            if unreused:
                _check_migration(run.runner, run.analyzed, migration, unreused, run.dialect, run.settings,
                                 run.file_text, options)
        if memo is not None:
            kept = {r.name: (reusable[r.name], [copy_violation(v) for v in found.by_rule.get(r.name, [])])
                    for r in unreused if r.name in reusable and r.name not in found.failed}
            memo.keep_migration(migration, before, {**cached, **kept})


def _check_tables(run: _Run, schema_rules: list[Rule]) -> None:
    """Every schema rule over every TypeScript table and its columns, reusing a table's findings where the memo
    allows."""
    project, memo, runner, raw = run.analyzed.project, run.memo, run.runner, run.runner.sink
    options = {rule.name: rule_options(run.settings, rule.name) for rule in schema_rules}
    for table in project.schema.tables.values():
        if table.range and run.excluded(table.range.path):
            continue
        cached = memo.table(table) if memo is not None else None
        kept: dict[str, tuple[object, list[Violation]]] = {}
        # Contexts are built once per table and column (on first need), their options switched per rule.
        contexts: list | None = None
        for rule in schema_rules:
            key = run.keys.get(rule.name)
            scope = rule.scope_on("schema") if rule.name in run.keys else "project"
            reused = cached.findings(rule.name, scope, key) if cached and scope != "project" else None
            if reused is not None:
                raw.extend(copy_violation(v) for v in reused)
                kept[rule.name] = (key, reused)
                continue
            if contexts is None:
                contexts = [(SchemaContext(run.analyzed, project.schema, table, None, run.dialect, run.settings, {},
                                           run.file_text), table.range, None)]
                contexts += [(SchemaContext(run.analyzed, project.schema, table, column, run.dialect, run.settings, {},
                                            run.file_text), column.range or table.range, column)
                             for column in table.columns.values()]
            with runner.capturing() as found:
                for ctx, where, column in contexts:
                    ctx.options = options[rule.name]
                    runner.run(rule, rule.check_table if column is None else rule.check_column, ctx, where)
            if scope != "project" and rule.name not in found.failed:
                kept[rule.name] = (key, [copy_violation(v) for v in found.by_rule.get(rule.name, [])])
        if memo is not None:
            memo.keep_table(table, kept, cached)


def _memo_keys(rules: list[Rule], ctx: ProjectContext) -> dict[str, object]:
    """The ``memo_key`` of every rule whose findings could be reused; a rule whose key cannot be computed just runs."""
    keys: dict[str, object] = {}
    for rule in rules:
        if all(rule.scope_on(side) == "project" for side in ("schema", "migration") if rule.runs_on(side)):
            continue
        try:
            ctx.options = rule_options(ctx.settings, rule.name)
            keys[rule.name] = rule.memo_key(ctx)
        except Exception:  # noqa: BLE001 - the rule still runs (and reports its own failure if it has one)
            logging.getLogger(__name__).exception("memo_key of %s failed", rule.name)
    return keys


def _environment(analyzed: Any, dialect: str, settings: Any) -> tuple:
    """Everything every rule may read besides its unit: a change to any of it runs every rule again."""
    return (dialect, repr(settings), repr(analyzed.project.config), repr(getattr(analyzed, "migrator_mode", None)),
            getattr(analyzed, "postgres_version", None))


def _offer_splits(analyzed: Any, findings: list[Violation], file_text) -> None:
    """The split of a whole migration rides on the lock findings it resolves (``fixes.split``), next to their own
    fixes. Computed after suppression, so a suppressed finding never costs a plan."""
    try:
        from drizzle_lsp.fixes.split.attach import attach_splits

        attach_splits(analyzed, findings, file_text)
    except Exception:  # an extra fix must never cost the findings themselves
        logging.getLogger(__name__).exception("offering the split of a migration failed")


class _Capture:
    """What the hooks run inside ``_Runner.capturing`` found, and whether one of them failed (nothing to reuse)."""

    def __init__(self) -> None:
        self.by_rule: dict[str, list[Violation]] = {}  # by the rule whose hook found them
        self.failed: set[str] = set()


class _Runner:
    """Calls rule hooks, turning an exception into one ``internal-error`` per rule and file instead of a crash."""

    def __init__(self, sink: list[Violation]) -> None:
        self.sink = sink
        self.failed: set[tuple[str, str | None]] = set()
        self._capture: _Capture | None = None

    @contextmanager
    def capturing(self):
        """Also collects what the hooks run inside the block find, so the memo can keep it per rule and unit."""
        previous, self._capture = self._capture, _Capture()
        try:
            yield self._capture
        finally:
            self._capture = previous

    def run(self, rule: Rule, hook, ctx, where) -> None:
        path = where.path if where is not None else None
        if (rule.name, path) in self.failed:
            if self._capture is not None:
                self._capture.failed.add(rule.name)
            return
        try:
            for violation in hook(ctx) or ():
                if violation.range is None and where is not None:
                    violation.range = where
                if not violation.group:
                    violation.group = rule.group
                self.sink.append(violation)
                if self._capture is not None:
                    self._capture.by_rule.setdefault(rule.name, []).append(violation)
        except Exception as error:  # a rule bug must cost one finding, not the whole run
            self.failed.add((rule.name, path))
            if self._capture is not None:
                self._capture.failed.add(rule.name)
            self.sink.append(
                Violation(
                    INTERNAL_ERROR,
                    f"rule {rule.name} failed here: {type(error).__name__}: {error}",
                    where,
                    "error",
                    help=f"This is a bug in drizzle-lsp, not in your code; the other rules still ran. "
                    f"Silence it with --ignore {rule.name} and please report it with this file.",
                    group="meta",
                )
            )


def _check_migration(
    runner: _Runner, analyzed: Any, migration: Migration, rules: list[Rule], dialect, settings, file_text=None,
    options: dict[str, Any] | None = None,
) -> None:
    replay = getattr(analyzed, "replay", None)
    base = dict(
        project=analyzed,
        migration=migration,
        migrator=getattr(analyzed, "migrator", "transaction"),
        postgres_version=getattr(analyzed, "postgres_version", 16),
        dialect=dialect,
        settings=settings,
        file_text=file_text,
    )
    # Rule options are looked up once per analysis (or migration), not once per operation: a 10 MB file has 10,000.
    options = options or {rule.name: rule_options(settings, rule.name) for rule in rules}
    whole = SourceRange(migration.sql_path, 0, 0)  # where a whole-migration finding without a range points
    for rule in rules:
        ctx = MigrationContext(**base, options=options[rule.name])
        runner.run(rule, rule.check_migration, ctx, whole)
    created_here: set[str] = set()
    for statement in migration.statements:
        if statement.error is not None:
            continue
        for op in statement.operations:
            for inner, parent in [(op, None)] + [(i, op) for i in op.inner]:
                state, is_new = _replay_facts(replay, migration, inner, created_here)
                # One context per operation, its options switched per rule: building 45 contexts per operation was
                # a tenth of a migration's check. Rules only read their context, and each hook is consumed before
                # the next rule runs.
                ctx = MigrationContext(**base, statement=statement, op=inner, state_before=state,
                                       table_is_new=is_new, parent_op=parent)
                for rule in rules:
                    ctx.options = options[rule.name]
                    runner.run(rule, rule.check_operation, ctx, inner.range)
                if inner.kind == OpKind.CREATE_TABLE and inner.table:
                    created_here.add(_table_key(inner))


def _table_key(op: Operation) -> str:
    return f"{op.schema or 'public'}.{op.table}".lower()


def _replay_facts(replay: Any, migration: Migration, op: Operation, created_here: set[str]):
    """(schema before ``op``, table created in this migration) from the replay; falls back to scanning the file."""
    context = replay.context(op) if replay is not None and hasattr(replay, "context") else None
    if context is not None:
        return context.state_before, bool(context.table_is_new)
    return None, op.table is not None and _table_key(op) in created_here


def _project_problems(project: Any) -> list[Problem]:
    problems = list(getattr(project, "problems", []))
    problems.extend(getattr(project.config, "problems", []))
    if project.migrations:
        problems.extend(project.migrations.problems)
        for migration in project.migrations.migrations:
            problems.extend(migration.problems)
            problems.extend(s.error for s in migration.statements if s.error is not None)
    return problems


def _problems_to_violations(problems: Iterable[Problem], registry: Registry) -> list[Violation]:
    """Loader problems become findings. A problem whose code is a rule's name takes that rule's severity and group;
    other codes (``config-unresolved``, ``path-not-found`` ...) are shown as they come."""
    out = []
    for problem in problems:
        rule = registry.get(problem.code)
        out.append(
            Violation(
                problem.code,
                problem.message,
                problem.range,
                rule.severity if rule and problem.code == SYNTAX_ERROR else problem.severity,
                group=rule.group if rule else "meta",
                help=_PROBLEM_HELP.get(problem.code, ""),
            )
        )
    return out


_PROBLEM_HELP = {
    SYNTAX_ERROR: "Fix the statement (the rest of the file was still checked); drizzle-kit would fail on it too.",
}


def _apply_suppressions(workspace, project, findings: list[Violation], registry: Registry, selection) -> list[Violation]:
    by_file: dict[str, list[Violation]] = {}
    for finding in findings:
        if finding.range is not None:
            by_file.setdefault(finding.range.path, []).append(finding)
    files = set(by_file) | _files_of(project)
    kept = [f for f in findings if f.range is None]
    for path in sorted(files):
        text = _read(workspace, path)
        file_findings = by_file.get(path, [])
        if not text or "drizzle-lsp-ignore" not in text:
            kept.extend(file_findings)
            continue
        suppressions = find_suppressions(path, text, language=_language(path), statements=_statement_spans(project, path))
        for finding in file_findings:
            if finding.rule == INTERNAL_ERROR or not _suppressed(finding, suppressions):
                kept.append(finding)
        kept.extend(_suppression_findings(text, suppressions, registry, selection))
    return kept


def _suppressed(finding: Violation, suppressions: list[Suppression]) -> bool:
    offset = finding.range.start if finding.range else None
    for suppression in suppressions:
        name = suppression.matches(finding.rule, finding.group, offset)
        if name is not None:
            suppression.used.add(name)
            return True
    return False


def _suppression_findings(text: str, suppressions: list[Suppression], registry: Registry, selection) -> list[Violation]:
    out: list[Violation] = []
    for suppression in suppressions:
        for name, name_range in suppression.names:
            if not registry.is_known(name):
                close = registry.suggest(name)
                hint = f"Did you mean {', '.join(close)}? " if close else ""
                out.append(Violation(UNKNOWN_SUPPRESSION, f"`{name}` is not a drizzle-lsp rule or group", name_range,
                                     "warning", help=f"{hint}`drizzle-lsp rules` lists every rule and group.",
                                     group="meta"))
                continue
            enabled = [n for n in registry.expand(name) if n in selection.enabled]
            if name not in suppression.used and enabled:
                start, end, new = comment_removal(text, suppression, name)
                what = "file-wide suppression" if suppression.file_wide else "suppression"
                out.append(Violation(
                    UNUSED_SUPPRESSION, f"{what} of `{name}` suppresses nothing", name_range, "warning",
                    help="The finding it was written for is gone: remove the comment so it cannot hide a future one.",
                    fix=Fix(f"Remove the unused suppression of `{name}`",
                            (TextEdit(suppression.path, start, end, new),), "safe"),
                    group="meta",
                ))
        if not suppression.names and not suppression.used:
            start, end, new = comment_removal(text, suppression, None)
            out.append(Violation(
                UNUSED_SUPPRESSION, "file-wide suppression suppresses nothing",
                SourceRange(suppression.path, suppression.comment.start, suppression.comment.end), "warning",
                help="No finding in this file needs it: remove it so it cannot hide a future one.",
                fix=Fix("Remove the unused suppression", (TextEdit(suppression.path, start, end, new),), "safe"),
                group="meta",
            ))
    return [v for v in selection.apply_severity(out) if v.rule in selection.enabled]


def _files_of(project) -> set[str]:
    files = set(project.schema_files)
    if project.migrations:
        files |= {m.sql_path for m in project.migrations.migrations if not m.missing}
    return files


def _statement_spans(project, path: str) -> list[tuple[int, int]]:
    if project.migrations:
        for migration in project.migrations.migrations:
            if migration.sql_path == path:
                return [(s.range.start, s.range.end) for s in migration.statements]
    return []


def _language(path: str) -> str:
    return "sql" if path.lower().endswith(".sql") else "ts"


def _read(workspace, path: str) -> str | None:
    reader = getattr(workspace, "file_text", None)
    try:
        return reader(path) if reader else None
    except OSError:
        return None


def worst_severity(findings: Iterable[Violation]) -> str | None:
    ranks = [severity_rank(f.severity) for f in findings]
    return {0: "info", 1: "warning", 2: "error"}[max(ranks)] if ranks else None


__all__ = ["run_rules", "worst_severity", "settings_value"]
