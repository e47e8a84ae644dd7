"""The naming convention of a project: what counts as snake_case or camelCase, plural or singular, and which names
are exempt (names drizzle-kit generates, Better Auth's tables).

Kept apart from the rule so the wording of the decisions lives in one place and can be tested on its own.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from drizzle_lsp.model import Column
from drizzle_lsp.rules.selection import settings_value
from drizzle_lsp.schema_ts.columns import to_camel_case, to_snake_case
from drizzle_lsp.workspace.files import folders_upward

SNAKE = "snake_case"
CAMEL = "camelCase"

_SNAKE = re.compile(r"^[a-z_][a-z0-9_]*$")
_CAMEL = re.compile(r"^[a-z][a-zA-Z0-9]*$")
# In a camelCase schema, index and constraint names join camelCase table and column names with underscores, as
# drizzle-kit builds them (`userProfiles_userId_idx`).
_CAMEL_PARTS = re.compile(r"^[a-z][a-zA-Z0-9]*(_[a-z0-9][a-zA-Z0-9]*)*$")

# Better Auth's own models and those of its official plugins, as SQL names in either casing. They are singular by
# design (Better Auth finds a model by its singular name unless `usePlural` is set), so a plural-or-singular finding
# on them would push the user towards breaking Better Auth.
BETTER_AUTH_CORE = ("user", "session", "account", "verification")
_BETTER_AUTH_PLUGINS = ("rate_limit", "two_factor", "organization", "member", "invitation", "team", "team_member",
                        "passkey", "apikey", "jwks", "sso_provider", "oauth_application", "oauth_access_token",
                        "oauth_consent", "device_code", "subscription", "wallet_address")
BETTER_AUTH_TABLES = frozenset(BETTER_AUTH_CORE + _BETTER_AUTH_PLUGINS)

# Words spelled the same in both forms, or never counted: they say nothing about the convention.
_NEITHER = {"data", "metadata", "media", "info", "information", "news", "series", "species", "feedback", "equipment",
            "software", "staff", "auth", "analytics", "sheep", "fish", "money", "music", "traffic", "inventory",
            "knowledge", "evidence", "advice", "progress", "research", "content", "audio", "access", "stuff",
            "config", "cache", "history", "log", "audit", "index", "status"}
_IRREGULAR_PLURALS = {"people": "person", "children": "child", "men": "man", "women": "woman", "mice": "mouse",
                      "geese": "goose", "feet": "foot", "teeth": "tooth", "criteria": "criterion",
                      "phenomena": "phenomenon", "indices": "index", "matrices": "matrix", "vertices": "vertex"}
_IRREGULAR_SINGULARS = {v: k for k, v in _IRREGULAR_PLURALS.items()}
_SINGULAR_ENDINGS = ("ss", "us", "is")
_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True, slots=True)
class NamingPolicy:
    convention: str = SNAKE  # SNAKE | CAMEL
    tables: str = "any"  # plural | singular | any

    @classmethod
    def of(cls, settings: object, project: object = None) -> NamingPolicy:
        """The configured policy. Without ``[naming] convention``, a project whose drizzle config sets
        ``casing: 'camelCase'`` wants camelCase database names; every other project, snake_case."""
        convention = settings_value(settings, "naming_convention") or settings_value(settings, "naming.convention")
        if not convention:
            casing = settings_value(project, "project.config.casing")
            convention = CAMEL if casing == "camelCase" else SNAKE
        tables = settings_value(settings, "naming_tables") or settings_value(settings, "naming.tables")
        return cls(convention if convention in (SNAKE, CAMEL) else SNAKE,
                   tables if tables in ("plural", "singular", "any") else "any")

    def fits(self, name: str, compound: bool = False) -> bool:
        """``name`` follows the convention. ``compound`` names (indexes, constraints) may join parts with ``_``."""
        if self.convention == SNAKE:
            return bool(_SNAKE.match(name))
        return bool((_CAMEL_PARTS if compound else _CAMEL).match(name))

    def suggest(self, name: str, compound: bool = False) -> str:
        if self.convention == SNAKE:
            return to_snake_case(name) or name
        if compound:
            return "_".join(to_camel_case(part) for part in name.split("_") if part) or name
        return to_camel_case(name) or name


def has_explicit_name(column: Column) -> bool:
    """The column's name is written in its builder call (``text("first_name")``), not derived from its key."""
    name, call = column.name_range, column.type_range
    return name is not None and call is not None and call.start <= name.start and name.end <= call.end


def config_casing(analyzed: object) -> str | None:
    """drizzle-kit's ``casing`` from drizzle.config.ts (None when unset)."""
    return getattr(getattr(getattr(analyzed, "project", None), "config", None), "casing", None)


# --- plural or singular ----------------------------------------------------------------------------------------------

def last_word(name: str) -> str:
    words = _WORD.findall(to_snake_case(name).replace("_", " "))
    return words[-1].lower() if words else ""


@lru_cache(maxsize=8192)  # asked for every table name on every analysis
def number_of(name: str) -> str | None:
    """``plural``, ``singular``, or None when the table name's last word does not tell (``data``, ``media``)."""
    word = last_word(name)
    if not word or word in _NEITHER:
        return None
    if word in _IRREGULAR_PLURALS:
        return "plural"
    if word in _IRREGULAR_SINGULARS:
        return "singular"
    if word.endswith("s") and not word.endswith(_SINGULAR_ENDINGS):
        return "plural"
    return "singular"


def other_number(name: str, wanted: str) -> str:
    """A best guess at ``name`` in the ``wanted`` form, for help texts (``user_profile`` -> ``user_profiles``)."""
    word = last_word(name)
    if not word:
        return name
    stem = name[: len(name) - len(word)] if name.lower().endswith(word) else name
    tail = name[len(stem):]
    if wanted == "plural":
        if word in _IRREGULAR_SINGULARS:
            return stem + _match_case(tail, _IRREGULAR_SINGULARS[word])
        if re.search(r"[^aeiou]y$", word):
            return stem + tail[:-1] + "ies"
        if word.endswith(("s", "x", "z", "ch", "sh")):
            return name + "es"
        return name + "s"
    if word in _IRREGULAR_PLURALS:
        return stem + _match_case(tail, _IRREGULAR_PLURALS[word])
    if word.endswith("ies"):
        return stem + tail[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return name[:-2]
    return name[:-1]


def _match_case(original: str, word: str) -> str:
    return word[:1].upper() + word[1:] if original[:1].isupper() else word


@dataclass(frozen=True, slots=True)
class NumberVerdict:
    wanted: str  # the form the table should take
    reason: str  # why, for the message


def number_verdicts(policy: NamingPolicy, names: Iterable[str], exempt: set[str]) -> dict[str, NumberVerdict]:
    """Tables (by name) whose plural/singular form goes against the policy.

    ``plural``/``singular`` flag the other form. ``any`` flags only a minority: when the schema mixes both forms and
    one is used by strictly more tables, the others are out of line. A tie says nothing about what was intended.
    """
    forms = {n: number_of(n) for n in names if n not in exempt}
    forms = {n: f for n, f in forms.items() if f is not None}
    if policy.tables in ("plural", "singular"):
        reason = f'[naming] tables = "{policy.tables}"'
        return {n: NumberVerdict(policy.tables, reason) for n, f in forms.items() if f != policy.tables}
    plural = sum(1 for f in forms.values() if f == "plural")
    singular = len(forms) - plural
    if not plural or not singular or plural == singular:
        return {}
    wanted = "plural" if plural > singular else "singular"
    reason = f"{max(plural, singular)} of {len(forms)} tables are {wanted}"
    return {n: NumberVerdict(wanted, reason) for n, f in forms.items() if f != wanted}


# --- Better Auth ------------------------------------------------------------------------------------------------------

@lru_cache(maxsize=8192)  # asked for every table name on every analysis
def better_auth_model(name: str) -> str | None:
    """The Better Auth model a table name stands for (``sessions`` with ``usePlural`` -> ``session``), or None."""
    snake = to_snake_case(name)
    for candidate in (snake, snake[:-1] if snake.endswith("s") else snake):
        if candidate in BETTER_AUTH_TABLES:
            return candidate
    return None


def better_auth_tables(table_names: Iterable[str], project_root: str | None) -> set[str]:
    """The tables Better Auth owns: those named after its models, when better-auth is a dependency or its four
    core tables (user, session, account, verification; plural with ``usePlural``) are all present."""
    names = set(table_names)
    candidates = {n for n in names if better_auth_model(n) is not None}
    if not candidates:
        return set()
    core = {better_auth_model(n) for n in candidates}
    if set(BETTER_AUTH_CORE) <= core or (project_root and "better-auth" in _dependencies(project_root)):
        return candidates
    return set()


_manifest_cache: dict[str, tuple[tuple[int, int], set[str]]] = {}


def _dependencies(start: str) -> set[str]:
    """Dependency names of the package.json files from ``start`` up to the repository root (monorepos)."""
    names: set[str] = set()
    for folder in folders_upward(start):
        names |= _manifest_dependencies(os.path.join(folder, "package.json"))
    return names


def _manifest_dependencies(path: str) -> set[str]:
    try:
        stat = os.stat(path)
    except OSError:
        return set()
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _manifest_cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    found: set[str] = set()
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        for section in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
            if isinstance(data.get(section), dict):
                found.update(data[section])
    except (OSError, ValueError, AttributeError):
        pass
    _manifest_cache[path] = (stamp, found)
    return found
