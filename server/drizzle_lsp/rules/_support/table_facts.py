"""``memo_key`` parts for rules whose TypeScript side reads its table plus a few facts from elsewhere (rules/memo.py).

The language server reuses a rule's findings for a table while the table is the very same object and the rule's
``memo_key`` compares equal. A fact about another table (the referenced table's key, the tables sharing a spread
column) cannot be a plain value here: editing a table that another one references changes that reference, so a
value summarising every table's facts would change on nearly every keystroke and every table would run again.
``TableFacts`` holds one fact per table instead and compares two analyses only on the tables both hold (the same
object): the memo reuses nothing else, since the findings of a table that is a new object are computed again anyway.

The other parts (the migrated state, the layout of a schema file) are plain values, computed once per analysis and
shared by every rule that asks (``per_analysis``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from typing import Any

from drizzle_lsp.model import DatabaseSchema, SourceRange, Table
from drizzle_lsp.rules.memo import Same, history_key

# --- values kept for one analysis ------------------------------------------------------------------------------------

_stores: list[tuple[object, dict[str, Any]]] = []  # (owner, its values), the latest few analyses; owners held


def per_analysis(owner: object, name: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, once per ``owner`` (an analyzed project, a schema: objects that are new for each analysis and
    not changed during it)."""
    for held, values in reversed(_stores):
        if held is owner:
            break
    else:
        values = {}
        _stores.append((owner, values))
        del _stores[:-8]  # a few projects of a workspace are analysed in turn
    if name not in values:
        values[name] = compute()
    return values[name]


_per_table: dict[str, dict[int, tuple[Table, Any]]] = {}  # name -> id(table) -> (table, value); tables held
# Each edit hands out a few new tables and leaves the old ones here: a name's entries are dropped once they are many
# more than a schema holds (raised for large schemas by ``table_facts``), and recomputed for the tables still there.
_limit = [1000]


def per_table(table: Table, name: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, once per ``Table`` object, for what its own declaration gives: the extractor hands out the
    very same object while the declaration and everything it looked up are unchanged (it moves the ranges inside the
    declaration in place when text above it moved, so the text at every range of the table stays the same)."""
    values = _per_table.get(name)
    if values is None:
        values = _per_table[name] = {}
    found = values.get(id(table))
    if found is not None and found[0] is table:
        return found[1]
    value = compute()
    if len(values) >= _limit[0]:
        values.clear()
    values[id(table)] = (table, value)
    return value


# --- one fact per table -----------------------------------------------------------------------------------------------

class TableFacts:
    """One fact per table of a schema, for a ``memo_key``: equal to another ``TableFacts`` when every table both hold
    (the very same object) has the same fact in both. Facts are compared with ``==``: wrap objects that must be the
    same in ``Same``.

    This is all the memo needs: it only reuses the findings of a table that is the very same object as when they
    were computed (so it was in the schema the older key was computed on), and then compares that older key with the
    current one."""

    __slots__ = ("_facts", "_last")

    def __init__(self, facts: dict[int, tuple[Table, Hashable]]) -> None:
        self._facts = facts  # id(table) -> (table, its fact); the tables are held, so their ids stay unique
        self._last: tuple[TableFacts, bool] | None = None  # the last comparison: every table's entry asks the same

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TableFacts):
            return NotImplemented
        if other is self:
            return True
        last = self._last
        if last is not None and last[0] is other:
            return last[1]
        mine, theirs = self._facts, other._facts
        if len(theirs) < len(mine):
            mine, theirs = theirs, mine
        same = True
        for key, (table, fact) in mine.items():
            found = theirs.get(key)
            if found is not None and found[0] is table and found[1] != fact:
                same = False
                break
        self._last = (other, same)
        return same

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:  # equality is not by value: all compare in one bucket
        return hash(TableFacts)

    def __repr__(self) -> str:
        return f"TableFacts({len(self._facts)} tables)"


def table_facts(ctx: Any, name: str, fact: Callable[[DatabaseSchema, Table], Hashable]) -> TableFacts:
    """``fact(schema, table)`` for every table of the TypeScript schema, once per analysis per ``name``."""
    schema = ctx.project.project.schema

    def compute() -> TableFacts:
        _limit[0] = max(_limit[0], 3 * len(schema.tables) + 500)
        return TableFacts({id(table): (table, fact(schema, table)) for table in schema.tables.values()})

    return per_analysis(ctx.project, name, compute)


def foreign_facts(ctx: Any) -> TableFacts:
    """``foreign_texts`` of every table."""
    return table_facts(ctx, "foreign_texts", lambda _schema, table: foreign_texts(ctx, table))


def foreign_texts(ctx: Any, table: Table) -> tuple:
    """A ``table_facts`` fact: the texts of the other files ``table``'s columns were written in (spread from a helper
    of another file), which fix builders read (imports, declarations); () for nearly every table."""
    def paths() -> tuple[str, ...]:
        own = table.range.path if table.range is not None else None
        return tuple(sorted({rng.path for column in table.columns.values() for rng in (column.range, column.type_range)
                             if rng is not None and rng.path != own}))

    return tuple((path, file_text(ctx, path)) for path in per_table(table, "foreign_paths", paths))


# --- the migration history --------------------------------------------------------------------------------------------

def migrated_state_key(ctx: Any) -> Hashable:
    """What ``type_policy.migrated_column`` reads: the replay's final state (the very same object while no migration
    changed), else the latest snapshot (the whole history's key, since the snapshots are read again)."""
    analyzed = ctx.project
    replay = getattr(analyzed, "replay", None)
    if replay is not None:
        return Same(replay.final)
    if not getattr(getattr(analyzed, "project", None), "snapshots", None):
        return None
    return per_analysis(analyzed, "history_key", lambda: history_key(ctx))


def replayed_final_key(ctx: Any) -> Hashable:
    """What ``schema_sides.final_table`` reads: the replay's final state, when a migration was replayed."""
    replay = getattr(ctx.project, "replay", None)
    if replay is None or not getattr(replay, "after", None):
        return None
    return Same(replay.final)


# --- the layout of a schema file --------------------------------------------------------------------------------------
# Fix builders read a few things of a schema file beyond the table's own call and the text outside every table: the
# quote of the first `from '...'` in the file and the file's indentation step (``ts_tables.quote_of``,
# ``BuilderCall.quote``, ``ts_tables.indent_unit``), which an edit inside another table can change.

def file_text(ctx: Any, path: str) -> str | None:
    """The text the fix builders read for ``path`` (``ts_builders.schema_source``)."""
    def read() -> str | None:
        from drizzle_lsp.rules._support.ts_builders import _read_disk

        reader = getattr(getattr(ctx, "workspace", None), "file_text", None)
        text = reader(path) if callable(reader) else None
        return text if text is not None else _read_disk(path)

    return per_analysis(ctx.project, "text:" + path, read)


def text_at(ctx: Any, rng: SourceRange | None) -> tuple | None:
    """The path and text of ``rng`` (not its offsets: the memo moves cached ranges with the text)."""
    if rng is None:
        return None
    text = file_text(ctx, rng.path)
    return rng.path, text[rng.start:rng.end] if text is not None else None


def quotes(ctx: Any, path: str) -> tuple:
    """The quotes ``BuilderCall.quote`` and ``ts_tables.quote_of`` take from the file (``ts_builders.file_quotes``)."""
    from drizzle_lsp.rules._support.ts_builders import file_quotes

    return per_analysis(ctx.project, "quotes:" + path, lambda: file_quotes(file_text(ctx, path) or ""))


def quote_facts(ctx: Any) -> TableFacts:
    """``quotes`` of every table's file."""
    return table_facts(ctx, "quotes", lambda _schema, table: quotes(ctx, table.range.path) if table.range else None)


def indent_step(ctx: Any, path: str) -> str:
    """``ts_tables.indent_unit`` of the file."""
    from drizzle_lsp.rules._support.ts_tables import indent_unit

    return per_analysis(ctx.project, "indent:" + path, lambda: indent_unit(file_text(ctx, path) or ""))
