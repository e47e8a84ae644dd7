"""Column types as drizzle-kit writes them in snapshots.

Types the PostgreSQL grammar knows (``int``, ``timestamptz``, ``varchar(255)``, ``double precision``) come back as
``pg_catalog`` names and are spelled the way drizzle-kit spells them, so a hand-written ``int4`` and drizzle-kit's
``integer`` compare equal. Other types (``text``, ``uuid``, enums, ``vector(3)``) keep their written name, unquoted,
with any schema split off into ``type_schema`` as drizzle-kit does for enums.
"""

from __future__ import annotations

from typing import Any

from drizzle_lsp.sql.pg_common import Ctx, const_text, names
from drizzle_lsp.sql.tokens import match_paren

_CATALOG = {
    "int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real", "float8": "double precision",
    "bool": "boolean", "numeric": "numeric", "varchar": "varchar", "bpchar": "char", "bit": "bit",
    "varbit": "bit varying", "timestamp": "timestamp", "timestamptz": "timestamp", "time": "time", "timetz": "time",
    "interval": "interval",
}

_INTERNAL_ALIASES = {"int2", "int4", "int8", "float4", "float8", "bool", "timestamptz", "timetz", "varbit"}


def render_type(ctx: Ctx, tn: Any) -> tuple[str, str | None]:
    """(type string, type schema) of a ``TypeName`` node."""
    parts = names(tn.names)
    arrays = "".join("[]" if b.integer.ival < 0 else f"[{b.integer.ival}]" for b in tn.array_bounds)
    mods = [m for m in (const_text(x) for x in tn.typmods) if m is not None]
    if len(parts) == 1 and parts[0] in _INTERNAL_ALIASES:
        parts = ["pg_catalog", parts[0]]  # int8, float8, timestamptz written by hand: the same types
    if len(parts) == 2 and parts[0] == "pg_catalog" and parts[1] in _CATALOG:
        base = parts[1]
        name = _CATALOG[base]
        if base in ("timestamp", "timestamptz"):
            # drizzle-orm spells precision `timestamp (3)` in mode 'date' and `timestamp(3)` in mode 'string', and
            # drizzle-kit diffs the spelling: keep the one written so the replay equals the snapshot.
            gap = " " if mods and _space_before_parens(ctx, tn) else ""
            text = f"timestamp{gap}({mods[0]})" if mods else "timestamp"
            text += " with time zone" if base == "timestamptz" else ""
        elif base in ("time", "timetz"):
            text = f"time({mods[0]})" if mods else "time"
            text += " with time zone" if base == "timetz" else ""
        elif base == "interval" and tn.typmods:
            text = _source_type(ctx, tn).lower()
            text = text[: -len(arrays)] if arrays and text.endswith(arrays) else text
        elif base == "bpchar" and mods == ["1"] and not _has_parens(ctx, tn):
            text = "char"
        else:
            text = f"{name}({', '.join(mods)})" if mods else name
        return text + arrays, None
    schema = parts[-2] if len(parts) > 1 and parts[-2] != "pg_catalog" else None
    base = parts[-1] if parts else _source_type(ctx, tn)
    mod_text = _written_mods(ctx, tn) if len(tn.typmods) else ""
    return base + mod_text + arrays, schema


def type_end(ctx: Ctx, tn: Any, stop: int) -> int:
    """File offset where the type written at ``tn.location`` ends, given the token index ``stop`` that follows it."""
    i = ctx.tok_index(tn.location)
    last = max(i, stop - 1)
    return ctx.toks[min(last, len(ctx.toks) - 1)].end if ctx.toks else ctx.at(tn.location)


def _written_mods(ctx: Ctx, tn: Any) -> str:
    i = ctx.tok_index(tn.location)
    while i < len(ctx.toks) and ctx.toks[i].text != "(":
        if ctx.toks[i].text in (",", ")", ";"):
            return ""
        i += 1
    if i >= len(ctx.toks):
        return ""
    j = match_paren(ctx.toks, i)
    return ctx.text[ctx.toks[i].start:ctx.toks[j].end] if j > i else ""


def _has_parens(ctx: Ctx, tn: Any) -> bool:
    i = ctx.tok_index(tn.location)
    return i + 1 < len(ctx.toks) and ctx.toks[i + 1].text == "("


def _space_before_parens(ctx: Ctx, tn: Any) -> bool:
    i = ctx.tok_index(tn.location)
    if i + 1 >= len(ctx.toks) or ctx.toks[i + 1].text != "(":
        return True  # not written as `timestamp(…)` next to its name: the usual spelling
    return ctx.toks[i + 1].start > ctx.toks[i].end


def _source_type(ctx: Ctx, tn: Any) -> str:
    i = ctx.tok_index(tn.location)
    out = []
    depth = 0
    for t in ctx.toks[i:]:
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and (t.text in (",", ";") or t.upper in _STOP_WORDS):
            break
        out.append(t)
    if not out:
        return ""
    return ctx.text[out[0].start:out[-1].end]


_STOP_WORDS = {"NOT", "NULL", "DEFAULT", "PRIMARY", "UNIQUE", "CHECK", "REFERENCES", "GENERATED", "CONSTRAINT",
               "COLLATE", "USING"}
