"""Moving the ranges of a cached declaration when text above it was edited but its own text was not."""

from __future__ import annotations

from drizzle_lsp.model.source import Problem, SourceRange

_RANGE_FIELDS = ("range", "type_range", "name_range", "extra_config_range")


def _moved(rng: SourceRange | None, path: str, start: int, end: int, delta: int) -> SourceRange | None:
    # Only ranges inside the declaration move; ranges from other declarations (spreads) are validated separately.
    if rng is None or rng.path != path or not (start <= rng.start and rng.end <= end):
        return rng
    return SourceRange(path, rng.start + delta, rng.end + delta)


def _shift_object(obj: object, path: str, start: int, end: int, delta: int) -> None:
    for name in _RANGE_FIELDS:
        if hasattr(obj, name):
            setattr(obj, name, _moved(getattr(obj, name), path, start, end, delta))


def shift_ranges(entry, path: str, start: int, end: int, delta: int) -> None:
    """Shift in place every range of ``entry`` (a cached table / enum and its problems) lying in [start, end)."""
    table = entry.table
    if table is not None:
        _shift_object(table, path, start, end, delta)
        for group in (table.columns, table.indexes, table.foreign_keys, table.primary_keys, table.unique_constraints,
                      table.checks, table.policies):
            for item in group.values():
                _shift_object(item, path, start, end, delta)
    if entry.enum is not None:
        _shift_object(entry.enum, path, start, end, delta)
    entry.problems = [Problem(p.code, p.message, _moved(p.range, path, start, end, delta), p.severity)
                      for p in entry.problems]

