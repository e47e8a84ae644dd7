"""Cloudflare D1 bindings declared in ``wrangler.toml`` / ``wrangler.json`` / ``wrangler.jsonc``.

A Worker declares its D1 databases under ``d1_databases`` (at the top level or per ``env``); ``migrations_dir``
(default ``migrations``) is the folder ``wrangler d1 migrations apply`` reads. A drizzle project with the sqlite
dialect next to such a file runs on D1, whose SQLite differs from a local one in ways that lose data (foreign keys
cannot be turned off) or reject migrations (size limits, no ``BEGIN``). Reading is static and never raises: a file
that does not parse simply declares nothing.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator

from drizzle_lsp.model.project import D1Binding
from drizzle_lsp.workspace.files import folders_upward

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the tomli backport, a dependency there
    import tomli as tomllib
from drizzle_lsp.model.source import SourceRange

WRANGLER_NAMES = ("wrangler.toml", "wrangler.jsonc", "wrangler.json")
DEFAULT_MIGRATIONS_DIR = "migrations"
_MAX_LEVELS = 4  # a Worker's wrangler file sits in the project folder or a few folders above it in a monorepo


def find_d1_bindings(root: str, read: Callable[[str], str | None]) -> list[D1Binding]:
    """D1 bindings of the wrangler files in ``root`` and its parents, up to the repository root."""
    found: list[D1Binding] = []
    for path in _wrangler_files(root):
        text = read(path)
        if text:
            found.extend(read_d1_bindings(path, text))
    return found


def read_d1_bindings(path: str, text: str) -> list[D1Binding]:
    data = _load(path, text)
    if not isinstance(data, dict):
        return []
    folder = os.path.dirname(os.path.abspath(path))
    anchor = text.find("d1_databases")
    where = SourceRange(path, max(anchor, 0), max(anchor, 0) + (len("d1_databases") if anchor >= 0 else 0))
    bindings = []
    for entry in _entries(data):
        migrations_dir = entry.get("migrations_dir")
        if not isinstance(migrations_dir, str) or not migrations_dir.strip():
            migrations_dir = DEFAULT_MIGRATIONS_DIR
        name = entry.get("database_name")
        binding = entry.get("binding")
        bindings.append(D1Binding(
            wrangler_path=path,
            binding=binding if isinstance(binding, str) else None,
            database_name=name if isinstance(name, str) else None,
            migrations_dir=os.path.normpath(os.path.join(folder, migrations_dir)),
            range=where,
        ))
    return bindings


def _entries(data: dict) -> Iterator[dict]:
    sections = [data]
    envs = data.get("env")
    if isinstance(envs, dict):
        sections.extend(env for env in envs.values() if isinstance(env, dict))
    for section in sections:
        databases = section.get("d1_databases")
        if isinstance(databases, list):
            yield from (entry for entry in databases if isinstance(entry, dict))


def _wrangler_files(root: str) -> Iterator[str]:
    for folder in folders_upward(root, _MAX_LEVELS):
        for name in WRANGLER_NAMES:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                yield candidate


def _load(path: str, text: str) -> object:
    try:
        if path.endswith(".toml"):
            return tomllib.loads(text)
        return json.loads(strip_jsonc(text))
    except (ValueError, tomllib.TOMLDecodeError):
        return None


def strip_jsonc(text: str) -> str:
    """JSON with comments and trailing commas (wrangler.jsonc) turned into plain JSON; strings are left intact.
    Comments go first, so a comma followed by a comment and then ``}`` is still seen as trailing."""
    return _drop_trailing_commas(_drop_comments(text))


# A JSON string (kept whole, so nothing inside it is taken for a comment or a comma; an unterminated one runs to the
# end), or what JSONC adds to JSON: comments, and a comma right before a closing bracket, which JSON refuses.
_STRING = r'"(?:\\.|[^"\\])*"?'
_COMMENT = re.compile(_STRING + r"|//[^\n]*|/\*.*?(?:\*/|\Z)", re.S)
_TRAILING_COMMA = re.compile(_STRING + r"|,(?=\s*[\]}])")


def _drop_outside_strings(pattern: re.Pattern, text: str) -> str:
    return pattern.sub(lambda m: m.group() if m.group().startswith('"') else "", text)


def _drop_comments(text: str) -> str:
    return _drop_outside_strings(_COMMENT, text)


def _drop_trailing_commas(text: str) -> str:
    return _drop_outside_strings(_TRAILING_COMMA, text)
