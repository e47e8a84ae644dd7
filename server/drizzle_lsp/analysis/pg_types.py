"""PostgreSQL type strings: parsing drizzle-kit's spelling, and what a type change costs.

``classify_type_change(old, new)`` answers the two questions the migration rules ask of
``ALTER COLUMN … SET DATA TYPE``: does it fail without ``USING`` (no implicit or assignment cast: 42804), and does it
rewrite the table (not binary-coercible)? The answers are checked against a real PostgreSQL by the test suite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_ALIASES = {
    "int": "integer", "int4": "integer", "integer": "integer", "serial": "integer", "serial4": "integer",
    "smallint": "smallint", "int2": "smallint", "smallserial": "smallint", "serial2": "smallint",
    "bigint": "bigint", "int8": "bigint", "bigserial": "bigint", "serial8": "bigint",
    "varchar": "varchar", "character varying": "varchar",
    "char": "char", "character": "char", "bpchar": "char",
    "text": "text", "citext": "citext",
    "numeric": "numeric", "decimal": "numeric",
    "real": "real", "float4": "real",
    "double precision": "double precision", "float8": "double precision", "float": "double precision",
    "boolean": "boolean", "bool": "boolean",
    "timestamp": "timestamp", "timestamp without time zone": "timestamp",
    "timestamptz": "timestamptz", "timestamp with time zone": "timestamptz",
    "time": "time", "time without time zone": "time",
    "timetz": "timetz", "time with time zone": "timetz",
    "date": "date", "interval": "interval",
    "json": "json", "jsonb": "jsonb", "uuid": "uuid", "bytea": "bytea",
    "inet": "inet", "cidr": "cidr", "macaddr": "macaddr", "macaddr8": "macaddr8",
    "bit": "bit", "bit varying": "varbit", "varbit": "varbit",
    "money": "money", "point": "point", "line": "line", "xml": "xml",
}

INTEGER_TYPES = ("smallint", "integer", "bigint")
NUMERIC_TYPES = INTEGER_TYPES + ("numeric", "real", "double precision", "money")
STRING_TYPES = ("text", "varchar", "char", "citext")
SERIAL_TYPES = ("serial", "serial4", "bigserial", "serial8", "smallserial", "serial2")

# Casts PostgreSQL applies in assignment context (pg_cast.castcontext 'i' or 'a'), outside the numeric family and
# the "anything to a string type" I/O rule. Everything not listed needs USING.
_ASSIGNMENT_CASTS = {
    ("date", "timestamp"), ("date", "timestamptz"),
    ("timestamp", "date"), ("timestamptz", "date"),
    ("timestamp", "timestamptz"), ("timestamptz", "timestamp"),
    ("timestamp", "time"), ("timestamptz", "time"), ("timestamptz", "timetz"),
    ("time", "interval"), ("interval", "time"), ("time", "timetz"), ("timetz", "time"),
    ("json", "jsonb"), ("jsonb", "json"),
    ("cidr", "inet"), ("inet", "cidr"),
    ("bit", "varbit"), ("varbit", "bit"),
    ("macaddr", "macaddr8"), ("macaddr8", "macaddr"),
    ("bigint", "money"), ("integer", "money"), ("numeric", "money"), ("money", "numeric"),
}


@dataclass(frozen=True, slots=True)
class PgType:
    base: str  # canonical name, e.g. "varchar", "timestamptz"; enums and unknown types keep their own name
    args: tuple[int, ...] = ()  # length, or precision and scale
    array_dims: int = 0
    known: bool = True  # False for enums, domains and extension types

    @property
    def is_string(self) -> bool:
        return self.base in STRING_TYPES and not self.array_dims


@lru_cache(maxsize=4096)  # rules ask for the same few type strings ~70,000 times per check of a large schema
def parse_type(text: str) -> PgType:
    """Parse a type as drizzle-kit or a person writes it: ``varchar(255)``, ``timestamp (3) with time zone``,
    ``"public"."mood"``, ``integer[]``, ``numeric(10, 2)``."""
    raw = text.strip()
    dims = 0
    while raw.endswith("[]"):
        dims += 1
        raw = raw[:-2].rstrip()
    args: tuple[int, ...] = ()
    match = re.search(r"\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)", raw)
    if match:
        args = tuple(int(g) for g in match.groups() if g is not None)
        raw = (raw[: match.start()] + " " + raw[match.end() :]).strip()
    name = re.sub(r"\s+", " ", raw.replace('"', "")).lower()
    if "." in name and name.split(".", 1)[0] in ("pg_catalog", "public"):
        name = name.split(".", 1)[1]
    base = _ALIASES.get(name)
    if base is None:
        return PgType(name, args, dims, known=False)
    return PgType(base, args, dims)


@dataclass(frozen=True, slots=True)
class TypeChange:
    needs_using: bool  # fails without USING (42804: column cannot be cast automatically)
    rewrites: bool  # full table and index rewrite under ACCESS EXCLUSIVE
    rewrites_unless_utc: bool = False  # timestamp -> timestamptz: no table rewrite only when the session TimeZone is UTC
    reason: str = ""


def classify_type_change(old_text: str, new_text: str) -> TypeChange:
    old, new = parse_type(old_text), parse_type(new_text)
    if old == new:
        return TypeChange(False, False, reason="the type does not change")
    if old.array_dims != new.array_dims:
        if new.is_string:
            return TypeChange(False, True, reason=f"{old_text} is converted to text row by row")
        return TypeChange(True, True, reason=f"{old_text} and {new_text} differ in array dimensions, which has no cast")
    if old.array_dims:
        # Arrays are converted element by element even when the element types are binary-coercible (measured).
        elements = classify_type_change(old_text.rstrip("[] "), new_text.rstrip("[] "))
        return TypeChange(elements.needs_using, True, reason=f"{old_text} to {new_text}: every array is rebuilt")
    if not old.known or not new.known:
        if old.base == new.base:
            return TypeChange(False, False, reason="same type")
        if new.is_string:
            return TypeChange(False, True, reason=f"{old_text} is converted to text row by row")
        return TypeChange(True, True, reason=f"PostgreSQL has no automatic cast from {old_text} to {new_text}")
    if _binary_coercible(old, new):
        return TypeChange(False, False, reason=f"{old_text} to {new_text} is binary-coercible: no rewrite, brief lock")
    if old.base == "timestamp" and new.base == "timestamptz" and _precision_not_reduced(old, new):
        return TypeChange(
            False, True, rewrites_unless_utc=True,
            reason="timestamp to timestamptz rewrites the table unless the session TimeZone is UTC (its indexes are rebuilt either way)",
        )
    if _assignable(old, new):
        return TypeChange(False, True, reason=f"{old_text} to {new_text} is not binary-coercible: every row and index is rewritten")
    return TypeChange(True, True, reason=f"PostgreSQL has no automatic cast from {old_text} to {new_text}: add USING")


def _precision_not_reduced(old: PgType, new: PgType) -> bool:
    if not new.args:
        return True
    return bool(old.args) and new.args[0] >= old.args[0]


def _binary_coercible(old: PgType, new: PgType) -> bool:
    """The changes PostgreSQL does without touching a row (measured: relfilenode unchanged)."""
    if old.base == "varchar" and new.base == "varchar":
        return not new.args or (bool(old.args) and new.args[0] >= old.args[0])
    if old.base == "varchar" and new.base == "text":
        return True
    if old.base == "text" and new.base == "varchar" and not new.args:
        return True
    if old.base == "citext" and new.base == "text" or old.base == "text" and new.base == "citext":
        return False
    if old.base == "numeric" and new.base == "numeric":
        if not new.args:
            return True
        if len(old.args) >= 1 and len(new.args) >= 1:
            old_scale = old.args[1] if len(old.args) > 1 else 0
            new_scale = new.args[1] if len(new.args) > 1 else 0
            return new_scale == old_scale and new.args[0] >= old.args[0]
        return False
    if old.base == new.base and old.base in ("timestamp", "timestamptz", "time", "timetz", "interval", "varbit", "bit"):
        if old.base == "bit":
            return old.args == new.args
        return _precision_not_reduced(old, new)
    if (old.base, new.base) == ("cidr", "inet"):
        return True
    if old.base == new.base and old.base == "char":
        return old.args == new.args
    return False


def _assignable(old: PgType, new: PgType) -> bool:
    if new.is_string:
        return True  # every type converts to a string type in assignment context (I/O conversion)
    if old.base in STRING_TYPES:
        return new.base in STRING_TYPES
    if old.base in NUMERIC_TYPES and new.base in NUMERIC_TYPES:
        if "money" in (old.base, new.base):
            return (old.base, new.base) in _ASSIGNMENT_CASTS
        return True
    if old.base == new.base:
        return True
    return (old.base, new.base) in _ASSIGNMENT_CASTS
