"""Facts derived from one parsed migration, remembered while its statements list is the very same object.

Rules ask per operation what happened earlier in the migration (a table created, a ``SET lock_timeout``, an explicit
``COMMIT``), and answering by walking the statements from the start made a 200-statement migration quadratic: the
language server paid it on every keystroke. Such a fact is worked out once per parse instead. A parsed migration's
statements list is never changed after the parse (a new text is parsed into a new list), so the list's identity is
the key; the entry holds the list, so the id stays unique while the entry lives. Only facts that depend on the
statements alone belong here (never on the replay, the settings or the migrator).
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

# Statements lists remembered, least recently used first. A rule's pending-migrations window spans a few migrations,
# and a full check visits them in order, so a few suffice; each holds its parsed statements.
_LIMIT = 16
_memo: OrderedDict[int, tuple[list, dict[str, Any]]] = OrderedDict()
_lock = threading.Lock()  # an analysis thread and a code action may ask at once


def per_statements(statements: list, name: str, compute: Callable[[], T]) -> T:
    """``compute()`` for ``statements``, or what it gave the last time the same list was asked for ``name``."""
    key = id(statements)
    entry = _memo.get(key)
    if entry is not None and entry[0] is statements:
        try:
            _memo.move_to_end(key)  # most recently used last
        except KeyError:  # dropped meanwhile by another thread: the facts are still right
            pass
        facts = entry[1]
        if name in facts:
            return facts[name]
    else:
        with _lock:
            entry = _memo.get(key)
            if entry is None or entry[0] is not statements:
                entry = _memo[key] = (statements, {})
                while len(_memo) > _LIMIT:
                    _memo.popitem(last=False)
        facts = entry[1]
    return facts.setdefault(name, compute())


def positions(statements: list) -> dict[int, int]:
    """id(statement) -> its position in ``statements`` (the first one, should a statement appear twice)."""
    def compute() -> dict[int, int]:
        found: dict[int, int] = {}
        for index, statement in enumerate(statements):
            found.setdefault(id(statement), index)
        return found
    return per_statements(statements, "positions", compute)


def position_of(statements: list, statement: Any) -> int:
    """Where ``statement`` is in ``statements``: ``len(statements)`` when it is not one of them (a walk from the start
    that stops at it then sees every statement)."""
    return positions(statements).get(id(statement), len(statements))


def statement_at(statements: list, offset: int, *, empty_holds_start: bool = False) -> Any | None:
    """The first statement whose range holds ``offset`` (``start <= offset < end``; with ``empty_holds_start`` an
    empty range holds its start), found by bisection when the statements are in order and do not overlap, as a
    parse gives them."""
    starts = per_statements(statements, "starts", lambda: _ordered_starts(statements))

    def holds(statement) -> bool:
        start, end = statement.range.start, statement.range.end
        return start <= offset < (max(end, start + 1) if empty_holds_start else end)

    if starts is None:
        return next((s for s in statements if holds(s)), None)
    index = bisect_right(starts, offset) - 1
    if index >= 0 and holds(statements[index]):
        return statements[index]
    return None


def _ordered_starts(statements: list) -> list[int] | None:
    """The statements' start offsets, or None when they are out of order or overlap (then only a walk is exact)."""
    starts: list[int] = []
    previous_end = None
    for statement in statements:
        start, end = statement.range.start, max(statement.range.end, statement.range.start + 1)
        if previous_end is not None and start < previous_end:
            return None
        starts.append(start)
        previous_end = end
    return starts
