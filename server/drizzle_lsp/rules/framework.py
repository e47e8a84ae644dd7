"""What a rule is, what it is given, and what it returns.

A rule is a class in its own file under ``rules/<group>/``. Its docstring is its documentation (hover, ``explain``,
``docs/rules/``), so the class is the single source of truth for name, group, severity and text. Rules are pure: they
read the model through a context object and return ``Violation``s; they never read files or print.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from drizzle_lsp.model import Column, DatabaseSchema, Migration, Operation, Statement, Table
from drizzle_lsp.model.source import SourceRange

SEVERITIES = ("error", "warning", "info")
Severity = Literal["error", "warning", "info"]
Applicability = Literal["safe", "unsafe", "suggestion"]
APPLICABILITIES = ("safe", "unsafe", "suggestion")
TARGETS = ("migration", "schema", "project")
READS = ("unit", "schema", "before", "project")
DIALECTS = ("postgresql", "mysql", "sqlite")
GROUPS = ("locks", "breaking", "migrator", "integrity", "types", "naming", "indexes", "auth", "platform", "meta")

_KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def severity_rank(severity: str) -> int:
    """Higher is more severe, so ``--fail-on`` can compare with ``>=``."""
    return {"info": 0, "warning": 1, "error": 2}.get(severity, 1)


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace ``text[start:end]`` of the file at ``path`` (character offsets, like ``SourceRange``)."""

    path: str
    start: int
    end: int
    new_text: str

    @classmethod
    def insert(cls, path: str, offset: int, text: str) -> TextEdit:
        return cls(path, offset, offset, text)

    @classmethod
    def replace(cls, range: SourceRange, text: str) -> TextEdit:
        return cls(range.path, range.start, range.end, text)

    @classmethod
    def delete(cls, range: SourceRange) -> TextEdit:
        return cls(range.path, range.start, range.end, "")


@dataclass(frozen=True, slots=True)
class FileCreation:
    """A new file a fix writes (a split-out migration step). Refused when the file already exists."""

    path: str
    text: str


@dataclass(frozen=True, slots=True)
class Fix:
    """A change that resolves a violation. ``safe`` keeps behaviour and is applied by ``check --fix``; ``unsafe`` may
    change behaviour (needs ``--unsafe-fixes``); ``suggestion`` is only offered in the editor."""

    title: str
    edits: tuple[TextEdit, ...] = ()
    applicability: Applicability = "safe"
    creations: tuple[FileCreation, ...] = ()
    # A fix that cannot be written where it belongs (a split of a migration that is not the last one) is shown
    # instead: ``preview`` holds the text, ``preview_reason`` says why it is not applied. Such a fix has no edits.
    preview: str = ""
    preview_reason: str = ""

    def __post_init__(self) -> None:
        # Rules naturally build lists; a frozen fix must hold tuples to stay hashable and shareable.
        object.__setattr__(self, "edits", tuple(self.edits))
        object.__setattr__(self, "creations", tuple(self.creations))
        if self.applicability not in APPLICABILITIES:
            raise ValueError(f"fix applicability must be one of {APPLICABILITIES}, not {self.applicability!r}")

    @property
    def paths(self) -> set[str]:
        return {e.path for e in self.edits} | {c.path for c in self.creations}

    @property
    def is_preview(self) -> bool:
        return bool(self.preview) and not self.edits and not self.creations


class DeferredFix:
    """A fix whose title, applicability and kind (applied or preview) are known now and whose edits, new files and
    preview text are computed on first use, once, and kept.

    The split of a migration is attached to its findings on every analysis, but its edits (the rewrite, the new
    journal entries, a snapshot per step) are only read when a code action, the preview command, the hover, ``check
    --fix`` or ``check``'s output asks for them: building them on every keystroke was half of a language-server
    refresh. ``build`` must return a ``Fix`` with this title, applicability and kind, computed from the same texts
    the findings were (the analysis's file reader, which keeps the editor's text of that analysis)."""

    __slots__ = ("title", "applicability", "_is_preview", "_reason", "_build", "_fix", "_lock")

    def __init__(self, title: str, applicability: Applicability, is_preview: bool, build: Callable[[], Fix],
                 preview_reason: str | None = None) -> None:
        self.title = title
        self.applicability = applicability
        self._is_preview = is_preview
        self._reason = preview_reason  # known with the kind: ``check``'s text output prints it without the preview
        self._build: Callable[[], Fix] | None = build
        self._fix: Fix | None = None
        self._lock = threading.Lock()  # a code action (event loop) and an analysis thread may both ask

    @property
    def is_built(self) -> bool:
        return self._fix is not None

    @property
    def fix(self) -> Fix:
        if self._fix is None:
            with self._lock:
                if self._fix is None:
                    build, self._build = self._build, None
                    assert build is not None
                    try:
                        self._fix = build()
                    except Exception:  # a bug in the placement must cost this fix, not the request that asked
                        logging.getLogger(__name__).exception("computing the fix %r failed", self.title)
                        self._fix = (Fix(self.title, applicability="suggestion", preview="-- not available\n",
                                         preview_reason=self._reason or "computing it failed (see the log)")
                                     if self._is_preview else Fix(self.title, applicability=self.applicability))
        return self._fix

    @property
    def is_preview(self) -> bool:
        return self._is_preview

    @property
    def edits(self) -> tuple[TextEdit, ...]:
        return self.fix.edits

    @property
    def creations(self) -> tuple[FileCreation, ...]:
        return self.fix.creations

    @property
    def preview(self) -> str:
        return self.fix.preview

    @property
    def preview_reason(self) -> str:
        return self._reason if self._reason is not None else self.fix.preview_reason

    @property
    def paths(self) -> set[str]:
        return self.fix.paths

    def __eq__(self, other: object) -> bool:
        # Equal to the fix it builds (findings of two analyses compare equal, as they did with eager fixes). The
        # title, applicability and kind are compared first, so telling apart the splits of two migrations builds
        # neither; ``in`` and ``is`` never build one compared with itself.
        if other is self:
            return True
        if not isinstance(other, (DeferredFix, Fix)):
            return NotImplemented
        if (self.title, self.applicability, self.is_preview) != (other.title, other.applicability, other.is_preview):
            return False
        return self.fix == (other.fix if isinstance(other, DeferredFix) else other)

    def __hash__(self) -> int:
        return hash((self.title, self.applicability, self._is_preview))

    def __repr__(self) -> str:
        return f"DeferredFix({self.title!r}, {self.applicability!r}, preview={self._is_preview}, built={self.is_built})"


@dataclass(slots=True)
class Violation:
    rule: str
    message: str
    range: SourceRange | None  # None only for findings about a project as a whole (no file to point at)
    severity: str = "warning"
    help: str = ""
    fix: Fix | None = None
    related: list[tuple[SourceRange, str]] = field(default_factory=list)
    group: str = ""
    # Other ways to resolve the finding, offered next to ``fix`` (the split of the whole migration next to a lock
    # rule's one-statement edit). Attached after the rules ran, so rules keep returning a single fix; a split is a
    # ``DeferredFix``, whose edits are only computed when something reads them.
    extra_fixes: tuple[Fix | DeferredFix, ...] = ()
    # Rules whose findings lying inside this finding's range say the same thing less precisely (Better Auth's missing
    # index on a foreign-key column and foreign-key-without-index): the engine then keeps only this one.
    supersedes: tuple[str, ...] = ()

    @property
    def path(self) -> str | None:
        return self.range.path if self.range else None

    @property
    def fixes(self) -> tuple[Fix | DeferredFix, ...]:
        return ((self.fix,) if self.fix is not None else ()) + tuple(self.extra_fixes)

    def sort_key(self) -> tuple:
        return (self.path or "", self.range.start if self.range else -1, self.rule, self.message)


@dataclass(slots=True)
class MigrationContext:
    """What a migration rule sees for one operation (or, in ``check_migration``, for the whole migration).

    ``state_before`` is the replayed schema just before ``op`` (None when replay is unavailable);
    ``table_is_new`` is true when the table ``op`` touches was created earlier in the same migration, so lock rules
    can stay quiet about it. ``migrator`` is ``transaction`` | ``neon-http`` | ``no-transaction`` | ``per-file``.
    """

    project: Any  # analysis.project.AnalyzedProject
    migration: Migration
    statement: Statement | None = None
    op: Operation | None = None
    state_before: DatabaseSchema | None = None
    table_is_new: bool = False
    migrator: str = "transaction"
    postgres_version: int = 16
    dialect: str = "postgresql"
    settings: Any = None
    options: Mapping[str, Any] = field(default_factory=dict)
    parent_op: Operation | None = None  # the DO block an inner operation was found in
    file_text: Callable[[str], str | None] | None = None  # a file's current text (the editor's unsaved buffer wins)

    @property
    def text(self) -> str:
        return self.migration.text

    @property
    def path(self) -> str:
        return self.migration.sql_path

    @property
    def runs_in_transaction(self) -> bool:
        """True when the migrator wraps the migration in a transaction (all pending files, or one per file)."""
        return self.migrator in ("transaction", "per-file")

    def table_existed(self) -> bool:
        """The operation's table existed before this migration: assume it is large and live."""
        return self.op is not None and self.op.table is not None and not self.table_is_new


@dataclass(slots=True)
class SchemaContext:
    """What a schema rule sees: one table of the TypeScript schema (and, in ``check_column``, one of its columns)."""

    project: Any
    schema: DatabaseSchema
    table: Table
    column: Column | None = None
    dialect: str = "postgresql"
    settings: Any = None
    options: Mapping[str, Any] = field(default_factory=dict)
    file_text: Callable[[str], str | None] | None = None  # a file's current text (the editor's unsaved buffer wins)

    @property
    def path(self) -> str | None:
        source = self.column.range if self.column and self.column.range else self.table.range
        return source.path if source else None


@dataclass(slots=True)
class ProjectContext:
    project: Any
    workspace: Any = None
    dialect: str = "postgresql"
    settings: Any = None
    options: Mapping[str, Any] = field(default_factory=dict)


class Rule:
    """Base class of every rule. Subclasses set the class attributes and override the hook for their target:

    - ``target = "migration"``: ``check_operation(ctx)`` per operation, and/or ``check_migration(ctx)`` per migration;
    - ``target = "schema"``: ``check_table(ctx)`` per TypeScript table, and/or ``check_column(ctx)`` per column;
    - ``target = "project"``: ``check_project(ctx)`` once per project;
    - ``target = "schema+migration"``: both sides, for rules whose fix exists in the TypeScript and in the SQL.

    Hooks return an iterable of violations (a generator with ``yield self.violation(...)`` reads best).
    """

    name: ClassVar[str] = ""
    group: ClassVar[str] = ""
    severity: ClassVar[str] = "warning"
    has_fix: ClassVar[bool] = False
    dialects: ClassVar[tuple[str, ...]] = DIALECTS
    target: ClassVar[str] = "migration"
    default_enabled: ClassVar[bool] = True
    # False when the docstring's Example cannot be reproduced from files (internal-error): the example test skips it.
    example_testable: ClassVar[bool] = True
    # Loader or replay problem codes this rule reports itself (with its own help): the engine then drops the raw
    # problems, so a finding is never shown twice and the rule's on/off setting governs it.
    claims_problems: ClassVar[tuple[str, ...]] = ()
    # What a rule's findings for one unit (one TypeScript table, or one migration) depend on, so the language server
    # can reuse them between keystrokes instead of running every rule over the whole project again (rules/memo.py).
    # The findings of a unit are reused, moved with the text around them, while everything the declared scope names
    # and ``memo_key`` are unchanged; a wrong declaration shows stale findings, so declare the narrowest scope that
    # is true and nothing narrower:
    #
    # - ``"unit"``: only the unit itself. On the schema side: the ``Table`` (its columns, indexes, keys, checks,
    #   policies), the text of its own ``pgTable(...)`` call, and the schema file's text outside every table (its
    #   imports and helpers); never another table. On the migration side: the migration's text and statements, the
    #   replayed state of each of its operations (``state_before``, ``table_is_new``) and the migration's own fields
    #   (tag, path, journal breakpoints and ``when``); never another migration, the journal, a snapshot or the
    #   TypeScript schema.
    # - ``"schema"`` (schema side only): ``"unit"`` plus every other table and enum of the TypeScript schema.
    # - ``"before"`` (migration side only): ``"unit"`` plus the migrations applied before it (their statements, their
    #   replay, their journal fields), never a later one: rules that look back through the pending window or at a
    #   transaction an earlier file left open.
    # - ``"project"`` (the default): anything else (snapshots, the journal, other migrations, package.json, the Better
    #   Auth setup, other files): run again on every analysis.
    #
    # ``reads`` applies to every side the rule runs on; ``reads_on`` overrides it for one side (a rule whose
    # TypeScript side reads only its table while its SQL side reads the final replay: ``{"schema": "unit"}``).
    # Always allowed in every scope: the dialect, the settings and rule options, the drizzle config, the migrator
    # mode and the PostgreSQL version (a change to any of them runs every rule again), and whatever ``memo_key``
    # returns.
    reads: ClassVar[str] = "project"
    reads_on: ClassVar[Mapping[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.name:  # an abstract helper base shared by several rules
            return
        problems = []
        if not _KEBAB.match(cls.name):
            problems.append(f"name {cls.name!r} is not kebab-case")
        if cls.group not in GROUPS:
            problems.append(f"group {cls.group!r} is not one of {GROUPS}")
        if cls.severity not in SEVERITIES:
            problems.append(f"severity {cls.severity!r} is not one of {SEVERITIES}")
        targets = set(cls.target.split("+"))
        if not targets <= set(TARGETS):
            problems.append(f"target {cls.target!r} is not one of {TARGETS} (or several joined by '+')")
        for side, scope in [("", cls.reads), *cls.reads_on.items()]:
            if scope not in READS:
                problems.append(f"reads {scope!r} is not one of {READS}")
            if side and side not in TARGETS:
                problems.append(f"reads_on names {side!r}, which is not one of {TARGETS}")
        if cls.runs_on("migration") and cls.scope_on("migration") == "schema":
            problems.append("reads 'schema' only means something on the schema side (use reads_on)")
        if cls.runs_on("schema") and cls.scope_on("schema") == "before":
            problems.append("reads 'before' only means something on the migration side (use reads_on)")
        unknown_dialects = set(cls.dialects) - set(DIALECTS)
        if unknown_dialects:
            problems.append(f"unknown dialects {sorted(unknown_dialects)}")
        if problems:
            raise TypeError(f"rule class {cls.__qualname__}: " + "; ".join(problems))

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        return ()

    def check_migration(self, ctx: MigrationContext) -> Iterable[Violation]:
        return ()

    def check_table(self, ctx: SchemaContext) -> Iterable[Violation]:
        return ()

    def check_column(self, ctx: SchemaContext) -> Iterable[Violation]:
        return ()

    def check_project(self, ctx: ProjectContext) -> Iterable[Violation]:
        return ()

    def memo_key(self, ctx: ProjectContext) -> Hashable:
        """Whatever beyond its declared scope this rule's findings for a unit depend on, summarised as one value the
        language server compares (``==``) between analyses, computed once per analysis and only when some side's
        scope is not ``"project"``: a rule whose TypeScript side reads only its table plus one project-wide fact
        (the naming majority, whether migrations already created a column) declares ``"unit"`` and returns that fact
        here. ``rules.memo.Same`` compares an object by identity (the replay's final state, a snapshot). Keep it
        cheap: it runs on every keystroke."""
        return None

    @classmethod
    def scope_on(cls, side: str) -> str:
        """The scope (``reads``) of this rule's findings on one side: ``schema``, ``migration`` or ``project``."""
        return "project" if side == "project" else cls.reads_on.get(side, cls.reads)

    @classmethod
    def runs_on(cls, target: str) -> bool:
        """Rules with a TypeScript side and a SQL side (``target = "schema+migration"``) run on both."""
        return target in cls.target.split("+")

    @classmethod
    def applies_to(cls, dialect: str) -> bool:
        return dialect in cls.dialects

    def violation(
        self,
        message: str,
        range: SourceRange | None,
        *,
        help: str = "",
        fix: Fix | None = None,
        related: Iterable[tuple[SourceRange, str]] = (),
        severity: str | None = None,
        supersedes: tuple[str, ...] = (),
    ) -> Violation:
        return Violation(
            rule=self.name,
            message=message,
            range=range,
            severity=severity or self.severity,
            help=help,
            fix=fix,
            related=list(related),
            group=self.group,
            supersedes=supersedes,
        )
