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
    with _lock:
        entry = _memo.get(key)
        if entry is None or entry[0] is not statements:
            entry = _memo[key] = (statements, {})
            if len(_memo) > _LIMIT:
                _memo.popitem(last=False)
        else:
            _memo.move_to_end(key)
        facts = entry[1]
        if name in facts:
            return facts[name]
    value = compute()
    with _lock:
        facts.setdefault(name, value)
    return value


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
