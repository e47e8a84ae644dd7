"""Findings of one rule over one unit (a TypeScript table, a migration), kept between two analyses of a project.

The language server analyses the whole project again on every keystroke. Parsing, schema extraction and the replay
are incremental, and this makes the rules incremental too: a rule declares in ``Rule.reads`` what its findings for a
unit depend on, and while all of that is unchanged the findings of the last analysis are reused instead of running
the rule again. The CLI analyses once and keeps no memo.

What "unchanged" means, per unit:

- a table: the very same ``Table`` object (the extractor hands out the same object while the declaration and
  everything it looked up are unchanged; it moves the object's ranges when text above it moved), the same schema file
  text outside the edited region, and that region lying inside another table's ``pgTable(...)`` call (an edit to
  imports, helpers or the space between tables re-runs every table of the file: fix builders read those); for
  ``reads = "schema"`` also the very same table and enum objects everywhere in the schema;
- a migration: the very same statements list (the parse cache hands out the same list while the file's text is
  unchanged), the very same replayed state before it, and the same journal fields; for ``reads = "before"`` also
  every migration applied before it;
- for both: the same dialect, settings, drizzle config, migrator mode and PostgreSQL version.

Reused findings are moved with the text of their unit's own file: an offset after the edited region shifts by the
edit's length change. A unit whose findings had an offset inside the edited region, or name another file (a helper
file a spread column comes from, a migration) whose text changed at all, runs again.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any, Callable

from drizzle_lsp.model.source import SourceRange
from drizzle_lsp.rules._support.text_memo import file_stamp
from drizzle_lsp.rules.framework import Fix, TextEdit, Violation


@dataclass(frozen=True, slots=True)
class TextChange:
    """The one region of a file that differs between two texts: ``old[start:old_end]`` became
    ``new[start:new_end]`` (the longest common prefix and suffix around it are unchanged)."""

    start: int
    old_end: int
    new_end: int

    @property
    def delta(self) -> int:
        return self.new_end - self.old_end

    def move(self, offset: int) -> int | None:
        """Where an offset of the old text is in the new one; None when it lay inside the changed region."""
        if offset <= self.start:
            return offset
        if offset >= self.old_end:
            return offset + self.delta
        return None


def text_change(old: str, new: str) -> TextChange:
    """The changed region between two texts, found with slice comparisons (done in C) in logarithmic steps: a
    one-character edit in a 150 kB file costs well under a millisecond."""
    limit = min(len(old), len(new))
    low, high = 0, limit  # the common prefix length lies in [low, high]
    while low < high:
        middle = (low + high + 1) // 2
        if old[low:middle] == new[low:middle]:
            low = middle
        else:
            high = middle - 1
    prefix = low
    low, high = 0, limit - prefix  # the common suffix, never overlapping the prefix
    while low < high:
        middle = (low + high + 1) // 2
        if old[len(old) - middle:len(old) - low] == new[len(new) - middle:len(new) - low]:
            low = middle
        else:
            high = middle - 1
    return TextChange(prefix, len(old) - low, len(new) - low)


class Same:
    """Compares equal to another ``Same`` holding the very same object: a ``memo_key`` part for a large object that
    is handed out again unchanged (the replay's final state, a parsed snapshot) and never compared by value."""

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.obj is self.obj

    def __hash__(self) -> int:
        return id(self.obj)


def history_key(ctx: Any) -> tuple:
    """A ``memo_key`` part for rules that read the migration history (the replay, the journal, the snapshots): the
    replay's final state is the very same object while no migration changed (the replay hands out its states again),
    and the journal and every snapshot are unchanged (the editor's text, or size and modification time on disk).
    ``ctx`` is the ``ProjectContext`` given to ``memo_key``."""
    analyzed = ctx.project
    project = analyzed.project
    overrides = getattr(getattr(ctx.workspace, "reader", None), "overrides", {})
    migrations = project.migrations.migrations if project.migrations else []
    replay = getattr(analyzed, "replay", None)
    stamps = []
    for migration in migrations:
        stamps.append((migration.tag, migration.missing, Same(migration.statements),
                       _stamp(migration.snapshot_path, overrides)))
    journal = project.migrations.journal_path if project.migrations else None
    return (Same(replay.final) if replay is not None else None, tuple(stamps), _stamp(journal, overrides))


def _stamp(path: str | None, overrides: dict[str, str]) -> object:
    if not path:
        return None
    if path in overrides:
        return overrides[path]
    return file_stamp(path)


class _Moved(Exception):
    """A cached finding cannot be moved to the new text (an offset inside the edited region)."""


class _Mover:
    """Moves findings of the last analysis to the current text of their unit's own file."""

    def __init__(self, changes: dict[str, TextChange | None], own: str | None) -> None:
        # path -> change (None: unchanged); paths absent here changed beyond repair. Only the unit's own file may
        # have changed: what a rule read in another file is not known, so a change there means running it again.
        if any(change is not None for path, change in changes.items() if path != own):
            raise _Moved
        self.changes = changes

    def still(self, offsets: dict[str, list[int]]) -> bool:
        """True when no offset of an entry moves: ``offsets`` holds, per file, every offset its findings name there
        (sorted), and each change lies after all of them, or keeps the length and holds none of them (a
        one-character change in a 3,000-line schema moves none of the other tables' thousand findings). Raises
        ``_Moved`` when a file the findings name changed beyond repair."""
        for path, found in offsets.items():
            change = self.changes.get(path, False)
            if change is None:
                continue
            if change is False:
                raise _Moved
            if change.start >= found[-1]:  # type: ignore[union-attr]
                continue
            if change.delta == 0 and bisect_right(found, change.start) == bisect_left(found, change.old_end):  # type: ignore[union-attr]
                continue  # none lies strictly inside the change, and nothing after it moves
            return False
        return True

    def violations(self, findings: list[Violation], offsets: dict[str, list[int]]) -> list[Violation]:
        """``findings`` moved to the current texts: the very same objects when nothing moves."""
        return findings if self.still(offsets) else [self.violation(v) for v in findings]

    def _offset(self, path: str, offset: int) -> int:
        change = self.changes.get(path, False)
        if change is None:
            return offset
        if change is False:
            raise _Moved
        if offset <= change.start:  # type: ignore[union-attr]
            return offset
        if offset >= change.old_end:  # type: ignore[union-attr]
            return offset + change.delta  # type: ignore[union-attr]
        raise _Moved

    def range(self, rng: SourceRange | None) -> SourceRange | None:
        if rng is None:
            return None
        start, end = self._offset(rng.path, rng.start), self._offset(rng.path, rng.end)
        return rng if start == rng.start and end == rng.end else SourceRange(rng.path, start, end)

    def fix(self, fix: Fix | None) -> Fix | None:
        if fix is None or not fix.edits:
            return fix
        edits, moved = [], False
        for e in fix.edits:
            start, end = self._offset(e.path, e.start), self._offset(e.path, e.end)
            if start != e.start or end != e.end:
                e, moved = TextEdit(e.path, start, end, e.new_text), True
            edits.append(e)
        return Fix(fix.title, tuple(edits), fix.applicability, fix.creations, fix.preview,
                   fix.preview_reason) if moved else fix

    def violation(self, v: Violation) -> Violation:
        """``v`` moved; ``v`` itself when none of its offsets moves (a change of the same length elsewhere)."""
        rng, fix, related = self.range(v.range), self.fix(v.fix), v.related
        if related:
            moved = [(self.range(r), text) for r, text in related]
            if any(m is not r for (m, _), (r, _) in zip(moved, related)):
                related = moved
        if rng is v.range and fix is v.fix and related is v.related:
            return v
        return Violation(v.rule, v.message, rng, v.severity, v.help, fix, related, v.group, v.extra_fixes,
                         v.supersedes)


def copy_violation(v: Violation) -> Violation:
    """A finding handed out by the memo is a copy: later stages set its severity and attach splits to it."""
    return Violation(v.rule, v.message, v.range, v.severity, v.help, v.fix, list(v.related), v.group, v.extra_fixes,
                     v.supersedes)


def _offsets(by_rule: Found) -> dict[str, list[int]]:
    """Per file, every offset the findings name there (ranges, related ranges, fix edits), sorted."""
    found: dict[str, set[int]] = {}
    for _, findings in by_rule.values():
        for v in findings:
            ranges = [v.range] if v.range is not None else []
            ranges += [r for r, _ in v.related]
            if v.fix is not None:
                ranges += [SourceRange(e.path, e.start, e.end) for e in v.fix.edits]
            for rng in ranges:
                found.setdefault(rng.path, set()).update((rng.start, rng.end))
    return {path: sorted(values) for path, values in found.items()}


# The findings an entry keeps are its own objects, never handed out: later stages of an analysis set a finding's
# severity and attach splits to it, so the engine gets copies (``copy_violation``).
Found = dict[str, tuple[object, list[Violation]]]  # rule -> (its memo_key, its findings for the unit)


@dataclass(slots=True)
class _TableEntry:
    table: Any  # the Table object the findings were computed for
    span: tuple[int, int]  # its pgTable(...) call, in the text the findings were computed on
    schema_key: tuple
    by_rule: Found
    offsets: dict[str, list[int]]  # per file the findings point into: every offset they name there, sorted


@dataclass(slots=True)
class _MigrationEntry:
    statements: list
    state_before: Any
    fields: tuple
    by_rule: Found
    offsets: dict[str, list[int]]


class RuleMemo:
    """The reusable findings of one project, and the file texts they were computed on."""

    def __init__(self) -> None:
        self._env: tuple | None = None
        self._texts: dict[str, str] = {}  # path -> text the cached findings were computed on
        self._table_spans: dict[str, list[tuple[int, int]]] = {}  # path -> every table call in that text
        self._tables: dict[tuple[str, str], _TableEntry] = {}
        self._migrations: dict[str, _MigrationEntry] = {}
        # The current analysis:
        self._read: Callable[[str], str | None] = lambda path: None
        self._changes: dict[str, TextChange | None] = {}
        self._hosts: dict[str, tuple[int, int] | None] = {}
        self._schema_key: tuple = ()
        self._new_tables: dict[tuple[str, str], _TableEntry] = {}
        self._new_migrations: dict[str, _MigrationEntry] = {}
        self._new_spans: dict[str, list[tuple[int, int]]] = {}
        # The migrations in apply order as the last analysis had them, and how many leading ones this one shares.
        self._order: list[tuple[str, Any, tuple]] = []
        self._next_order: list[tuple[str, Any, tuple]] = []
        self._stable = 0
        self._positions: dict[str, int] = {}
        self.reused = 0  # units reused in the current analysis (tests and the bench read it)

    # --- one analysis ----------------------------------------------------------------------------------------------

    def begin(self, env: tuple, schema: Any, read: Callable[[str], str | None]) -> None:
        if env != self._env:
            self._env = env
            self._tables, self._migrations, self._texts, self._table_spans = {}, {}, {}, {}
            self._order = []
        self._read = read
        self._changes = {}
        self._hosts = {}
        self._schema_key = (tuple(schema.tables.values()), tuple(schema.enums.values()), frozenset(schema.schemas))
        self._new_tables, self._new_migrations, self._new_spans = {}, {}, {}
        self._next_order, self._stable, self._positions = [], 0, {}
        self.reused = 0

    def finish(self) -> None:
        """Keep what this analysis computed or reused, and the texts it was computed on; drop the rest."""
        self._tables, self._migrations = self._new_tables, self._new_migrations
        self._order = self._next_order
        texts: dict[str, str] = {}
        paths: set[str] = set()
        for entry in [*self._tables.values(), *self._migrations.values()]:
            paths.update(entry.offsets)
        for path in paths:
            text = self._text(path)
            if text is not None:
                texts[path] = text
        self._texts = texts
        self._table_spans = self._new_spans

    def _text(self, path: str) -> str | None:
        try:
            return self._read(path)
        except OSError:
            return None

    def _change(self, path: str) -> TextChange | None | bool:
        """None: unchanged since the cached findings; a TextChange; False: unknown (no cached text, unreadable)."""
        if path not in self._changes:
            old, new = self._texts.get(path), self._text(path)
            if old is None or new is None:
                result: TextChange | None | bool = False
            elif old is new or old == new:
                result = None
            else:
                result = text_change(old, new)
            self._changes[path] = result  # type: ignore[assignment]
        return self._changes[path]  # type: ignore[return-value]

    def _mover(self, paths: set[str], own: str | None) -> _Mover | None:
        changes: dict[str, TextChange | None] = {}
        for path in paths:
            change = self._change(path)
            if change is False:
                return None
            changes[path] = change  # type: ignore[assignment]
        try:
            return _Mover(changes, own)
        except _Moved:
            return None

    # --- tables ----------------------------------------------------------------------------------------------------

    def table(self, table: Any) -> _TableView | None:
        """The cached findings of ``table``'s unit, moved to the current text, or None when it must run again."""
        rng = table.range
        if rng is None:
            return None
        key = (rng.path, table.qualified_name)
        self._new_spans.setdefault(rng.path, []).append((rng.start, rng.end))
        entry = self._tables.get(key)
        if entry is None or entry.table is not table:
            return None
        change = self._change(rng.path)
        if change is False:
            return None
        if change is not None:
            # The edit must lie inside another table's call: fix builders read the imports, helpers and the table's
            # own call, which then are all unchanged.
            host = self._host(rng.path, change)  # type: ignore[arg-type]
            if host is None or entry.span == host:
                return None
        return _TableView(self, key, entry)

    def _host(self, path: str, change: TextChange) -> tuple[int, int] | None:
        """The table call (in the last analysis's text of ``path``) that holds the whole changed region, if any."""
        if path not in self._hosts:
            self._hosts[path] = next((span for span in self._table_spans.get(path, ())
                                      if span[0] <= change.start and change.old_end <= span[1]), None)
        return self._hosts[path]

    def keep_table(self, table: Any, by_rule: Found, view: _TableView | None = None) -> None:
        """What the rules found for ``table`` in this analysis: ``by_rule`` maps a rule to its ``memo_key`` and
        findings (objects the memo keeps: copies of what the engine hands on, or what ``view`` returned)."""
        rng = table.range
        if rng is not None:
            key = (rng.path, table.qualified_name)
            old = view._entry if view is not None else None
            if old is not None and old.span == (rng.start, rng.end) and old.by_rule.keys() == by_rule.keys() and all(
                    by_rule[rule][1] is found for rule, (_, found) in old.by_rule.items()):
                offsets = old.offsets  # every finding reused where it was
            else:
                offsets = _offsets(by_rule)
            offsets.setdefault(rng.path, [rng.start])  # the table's own text is read even without findings
            self._new_tables[key] = _TableEntry(table, (rng.start, rng.end), self._schema_key, by_rule, offsets)

    # --- migrations ------------------------------------------------------------------------------------------------

    def history(self, migrations: list) -> None:
        """The migrations of this analysis in apply order: how many leading ones are the very same as in the last
        analysis (statements, journal fields) decides which migrations may reuse the findings of ``"before"``
        rules."""
        order = [(m.sql_path, m.statements, _migration_fields(m)) for m in migrations if not m.missing]
        stable = 0
        for (path, statements, fields), (old_path, old_statements, old_fields) in zip(order, self._order):
            if path != old_path or statements is not old_statements or fields != old_fields:
                break
            stable += 1
        # Kept as the last analysis's order only by ``finish``: entries and order always come from the same analysis.
        self._next_order, self._stable = order, stable
        self._positions = {path: position for position, (path, _, _) in enumerate(order)}

    def migration(self, migration: Any, state_before: Any, keys: dict[str, object],
                  before: frozenset[str] = frozenset()) -> dict[str, tuple[object, list[Violation]]]:
        """The cached findings of the rules (named in ``keys`` with their current ``memo_key``) whose findings for
        ``migration`` can be reused, moved to the current texts; the other rules must run. The rules in ``before``
        (scope ``"before"``) are reused only while every migration applied before this one is unchanged too."""
        entry = self._migrations.get(migration.sql_path)
        if (entry is None or entry.statements is not migration.statements or entry.state_before is not state_before
                or entry.fields != _migration_fields(migration)):
            return {}
        earlier_unchanged = self._positions.get(migration.sql_path, len(self._order)) <= self._stable
        wanted = {rule: found for rule, found in entry.by_rule.items() if rule in keys and found[0] == keys[rule]
                  and (earlier_unchanged or rule not in before)}
        mover = self._mover(set(entry.offsets), migration.sql_path)
        if mover is None:
            return {}
        moved = {}
        for rule, (key, findings) in wanted.items():
            try:
                moved[rule] = (key, mover.violations(findings, entry.offsets))
            except _Moved:
                continue
        self.reused += len(moved)
        return moved

    def keep_migration(self, migration: Any, state_before: Any, by_rule: Found) -> None:
        """Like ``keep_table``: the memo's own objects, for the rules whose findings may be reused."""
        self._new_migrations[migration.sql_path] = _MigrationEntry(
            migration.statements, state_before, _migration_fields(migration), by_rule, _offsets(by_rule))


class _TableView:
    """The cached findings of one table, rule by rule: ``unit`` rules always, ``schema`` rules while every other
    table and enum is the same object too."""

    def __init__(self, memo: RuleMemo, key: tuple[str, str], entry: _TableEntry) -> None:
        self._memo, self._key, self._entry = memo, key, entry
        # Worked out once per table, on first use, for all its rules: can the findings be moved, do they stay where
        # they were, is the rest of the schema the same objects.
        self._mover: _Mover | None | bool = False
        self._still: bool | None = None
        self._schema_same: bool | None = None

    def findings(self, rule: str, scope: str, key: object) -> list[Violation] | None:
        cached = self._entry.by_rule.get(rule)
        if cached is None or cached[0] != key:
            return None
        if scope == "schema":
            if self._schema_same is None:
                self._schema_same = _same(self._entry.schema_key, self._memo._schema_key)
            if not self._schema_same:
                return None
        if self._mover is False:
            self._mover = self._memo._mover(set(self._entry.offsets), self._key[0])
            try:
                self._still = self._mover is not None and self._mover.still(self._entry.offsets)
            except _Moved:
                self._mover = None
        if self._mover is None:
            return None
        if self._still:
            moved = cached[1]
        else:
            try:
                moved = [self._mover.violation(v) for v in cached[1]]  # type: ignore[union-attr]
            except _Moved:
                return None
        self._memo.reused += 1
        return moved


def _same(a: tuple, b: tuple) -> bool:
    return a[2] == b[2] and all(len(x) == len(y) and all(p is q for p, q in zip(x, y)) for x, y in zip(a[:2], b[:2]))


def _migration_fields(migration: Any) -> tuple:
    return (migration.tag, migration.index, migration.idx, migration.when, migration.breakpoints,
            migration.snapshot_path, migration.missing)



