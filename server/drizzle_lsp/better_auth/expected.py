"""The tables Better Auth expects for a set of options, built from the data in ``better_auth/data/*.json``.

Each data file is one Better Auth version range, dumped from the package's own ``getAuthTables()`` (see the data
folder's README): the core models, and per feature (a plugin, ``organization:teams``, ``rateLimit:database``) the
models it adds and the fields it adds to existing models. Nothing here names a table or a field: this module only
applies what Better Auth's Drizzle generator (the ``auth generate`` CLI) applies to that description:

- ``modelName`` and ``usePlural`` give the export key (``modelName + "s"``, as Better Auth's ``getModelName`` does,
  even when the custom name already ends in "s"); the table's SQL name is the snake_case of that key;
- ``fields`` renames give the JS key; the column's SQL name is the snake_case of the key;
- ``generateId``: ``"uuid"`` on PostgreSQL makes the id a ``uuid`` column with a database default (elsewhere Better
  Auth still writes string ids); ``"serial"`` makes it an identity integer, and every field that references an id then
  becomes a number (the generator writes ``integer``), whatever the provider. Under ``"uuid"`` the reference fields
  keep the type ``string``: a rule knows their column is ``uuid`` from the referenced table's ``id_kind``.

``id`` is not among a table's fields: ``AuthTable.id_kind`` describes it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from drizzle_lsp.better_auth.model import AuthField, AuthIndex, AuthOptions, AuthReference, AuthTable

DATA_DIR = Path(__file__).parent / "data"

# The plugins the data describes, by the normalised name AuthOptions.plugins uses.
KNOWN_PLUGINS = ("twoFactor", "organization", "admin", "username", "passkey", "apiKey", "jwt")

_UNBOUNDED = 10**9  # a version component that is "any": ^1.2.3 may install 1.99.0


@dataclass(frozen=True, slots=True)
class VersionRange:
    """One data file: the Better Auth versions ``min <= v < below`` it describes (None: unbounded)."""

    min: tuple[int, int, int] | None
    below: tuple[int, int, int] | None
    data_file: str
    packages: tuple[tuple[str, str], ...]  # the packages the description was dumped from, with their versions

    def contains(self, version: tuple[int, ...]) -> bool:
        return (self.min is None or version >= self.min) and (self.below is None or version < self.below)

    def __str__(self) -> str:
        parts = []
        if self.min is not None:
            parts.append(">=" + ".".join(map(str, self.min)))
        if self.below is not None:
            parts.append("<" + ".".join(map(str, self.below)))
        return " ".join(parts) or "any"


@dataclass(frozen=True, slots=True)
class _Description:
    range: VersionRange
    models: dict[str, Any]
    features: dict[str, Any]


def _parse_exact(text: str) -> tuple[int, int, int] | None:
    match = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?", text.strip())
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


@lru_cache(maxsize=1)
def _descriptions() -> tuple[_Description, ...]:
    """Every data file, newest range first."""
    found = []
    for path in sorted(DATA_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        versions = data.get("versions") or {}
        low = _parse_exact(versions["min"]) if versions.get("min") else None
        high = _parse_exact(versions["below"]) if versions.get("below") else None
        packages = tuple(sorted((data.get("packages") or {}).items()))
        found.append(_Description(VersionRange(low, high, path.name, packages), data["models"], data["features"]))
    found.sort(key=lambda d: d.range.min or (-1, -1, -1), reverse=True)
    return tuple(found)


def resolve_version(version: str | None) -> tuple[int, int, int] | None:
    """The highest Better Auth version a declared or installed version can mean, or None for "the newest".

    A caret or tilde range resolves, on a fresh install, to the newest release it allows, so ``^1.7.1`` means the
    newest 1.x and ``~1.7.1`` the newest 1.7.x, not 1.7.1: that is what a deploy will run. Tags (``latest``), ``workspace:*``, ``catalog:``,
    ``*``, lower bounds only (``>=1.7.0``) and anything unreadable mean the newest description.
    """
    if version is None:
        return None
    text = version.strip()
    if text.startswith("npm:"):  # an alias: "npm:better-auth@^1.7.1"
        text = text.rpartition("@")[2]
    if "||" in text:  # alternatives: the last one is the highest in practice
        text = text.split("||")[-1].strip()
    if not text or text in ("*", "x", "latest", "next") or ":" in text:
        return None
    upper = re.search(r"<(=?)\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?", text)
    if upper:
        bound = (int(upper[2]), int(upper[3] or 0), int(upper[4] or 0))
        if upper[1]:  # <=X: X itself
            return bound
        major, minor, patch = bound
        if patch:
            return (major, minor, patch - 1)
        if minor:
            return (major, minor - 1, _UNBOUNDED)
        return (major - 1, _UNBOUNDED, _UNBOUNDED) if major else None
    if text.startswith(">"):
        return None
    match = re.fullmatch(r"([\^~]|=)?\s*v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:[-+].*)?", text)
    if not match:
        return None
    operator = match[1] or ""
    parts = [match[2], match[3], match[4]]
    numbers = [int(p) if p is not None and p.isdigit() else None for p in parts]
    if numbers[0] is None:
        return None
    major = numbers[0]
    if operator == "^":
        if major > 0 or numbers[1] is None:
            return (major, _UNBOUNDED, _UNBOUNDED)
        if numbers[1] > 0 or numbers[2] is None:
            return (0, numbers[1], _UNBOUNDED)
        return (0, 0, numbers[2])
    if numbers[1] is None:  # "1", "1.x"
        return (major, _UNBOUNDED, _UNBOUNDED)
    if operator == "~" or numbers[2] is None:  # "~1.7.1", "1.7", "1.7.x"
        return (major, numbers[1], _UNBOUNDED)
    return (major, numbers[1], numbers[2])


def version_range_for(version: str | None) -> VersionRange:
    """The description that applies to a declared or installed Better Auth version (newest when unknown)."""
    return _description_for(version).range


def _description_for(version: str | None) -> _Description:
    descriptions = _descriptions()
    resolved = resolve_version(version)
    if resolved is not None:
        for description in descriptions:
            if description.range.contains(resolved):
                return description
        if descriptions[-1].range.min is not None and resolved < descriptions[-1].range.min:
            return descriptions[-1]
    return descriptions[0]


# Better Auth's toSnakeCase splits words like the regex /[\p{Ll}\d]+|\p{Lu}+(?!\p{Ll})|\p{Lu}[\p{Ll}\d]+|\p{Lo}+/u
# (so "credentialID" -> "credential_id"); Python's re has no \p classes, hence this scanner.
def _char_class(char: str) -> str:
    if char.isascii() and char.isdigit():
        return "l"  # \d counts with the lowercase run
    if char.islower():
        return "l"
    if char.isupper():
        return "u"
    if char.isalpha():
        return "o"
    return " "


def snake_case(name: str) -> str:
    """The SQL name Better Auth's generator gives a key (``emailVerified`` -> ``email_verified``)."""
    text = name.replace("'", "").replace("\u2019", "")
    classes = [_char_class(c) for c in text]
    words: list[str] = []
    i, n = 0, len(text)
    while i < n:
        kind = classes[i]
        if kind == " ":
            i += 1
            continue
        j = i
        if kind == "l" or kind == "o":
            while j < n and classes[j] == kind:
                j += 1
        else:
            while j < n and classes[j] == "u":
                j += 1
            run = j - i
            if j < n and classes[j] == "l":
                # \p{Lu}+(?!\p{Ll}) backs off one letter; a single capital starts a \p{Lu}[\p{Ll}\d]+ word
                if run > 1:
                    j -= 1
                else:
                    while j < n and classes[j] == "l":
                        j += 1
        words.append(text[i:j].lower())
        i = j
    return "_".join(words)


def _fnv1a(text: str) -> str:
    value = 2166136261
    data = text.encode("utf-16-le")  # JavaScript's charCodeAt gives UTF-16 code units
    for k in range(0, len(data), 2):
        value ^= data[k] | data[k + 1] << 8
        value = (value * 16777619) & 0xFFFFFFFF
    return f"{value:08x}"


def index_name(table: AuthTable, auth_field: AuthField) -> str:
    """The name the generator gives a field's index: ``<export key>_<field key>_idx``, shortened past 63 bytes."""
    return _index_name(table.export_key, (auth_field.key,), unique=False)


def _index_name(export_key: str, keys: tuple[str, ...], unique: bool) -> str:
    kind = "uidx" if unique else "idx"
    name = f"{export_key}_{'_'.join(keys)}_{kind}"
    if len(name.encode()) <= 63:
        return name
    suffix = f"_{_fnv1a(name)}_{kind}"
    head = name[: -len(kind) - 1]
    budget = 63 - len(suffix.encode())
    kept = ""
    for char in head:
        if len((kept + char).encode()) > budget:
            break
        kept += char
    return kept + suffix


def _option_enabled(value: object) -> bool:
    """``teams: true``, ``teams: { enabled: true }`` (as a tuple of pairs or a dict) count; anything else does not."""
    if isinstance(value, dict):
        return _option_enabled(value.get("enabled"))
    if isinstance(value, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in value):
        return _option_enabled(dict(value))
    return value is True or value == "true"


def _features(options: AuthOptions) -> list[str]:
    wanted = []
    if options.rate_limit_storage == "database":
        wanted.append("rateLimit:database")
    teams = _option_enabled(dict(dict(options.plugin_options).get("organization", ())).get("teams"))
    for plugin in options.plugins:
        if plugin in KNOWN_PLUGINS and plugin not in wanted:
            wanted.append(plugin)
            # right after organization itself: its fields come before those of the plugins listed after it
            if plugin == "organization" and teams:
                wanted.append("organization:teams")
    return wanted


# logical model -> (the plugin that adds it, {logical field -> (plugin, description, feature)}, table-level indexes)
_Merged = dict[str, tuple[str | None, dict[str, tuple[str | None, dict[str, Any], str | None]], list[dict[str, Any]]]]


def _merged_models(options: AuthOptions) -> tuple[_Description, _Merged]:
    """The models and fields ``options`` imply, in the order the generator writes them."""
    description = _description_for(options.version)
    newest = _descriptions()[0]
    models: _Merged = {
        name: (None, {f: (None, spec, None) for f, spec in model["fields"].items()}, list(model.get("indexes", ())))
        for name, model in description.models.items()
    }
    for feature in _features(options):
        # a plugin shipped apart from better-auth (passkey, apiKey) may not be in an older range's dump: its models
        # did not change with the core's, so the newest description stands in
        spec = description.features.get(feature) or newest.features.get(feature)
        if spec is None:
            continue
        plugin = feature.split(":")[0] if not feature.startswith("rateLimit") else None
        own = {None, feature, spec.get("requires")}
        for model_name, model in spec["models"].items():
            if model.get("new") and model_name not in models:
                models[model_name] = (plugin, {}, [])
            if model_name not in models:
                continue
            fields = models[model_name][1]
            for field_name, field_spec in model["fields"].items():
                if field_name not in fields:
                    _insert(fields, field_name, (plugin, field_spec, feature), field_spec.get("after"), own)
            models[model_name][2].extend(model.get("indexes", ()))
    return description, models


def _insert(fields: dict, name: str, value: tuple, after: str | None, own: set) -> None:
    """Put a feature's field where the generator does: after the field it follows in the feature's own dump, past
    the fields that features applied before it appended there (Better Auth appends plugin fields in plugin order)."""
    order = list(fields)
    if after not in fields:
        fields[name] = value
        return
    position = order.index(after) + 1
    while position < len(order) and fields[order[position]][2] not in own:
        position += 1
    items = list(fields.items())
    items.insert(position, (name, value))
    fields.clear()
    fields.update(items)


def _id_kind(options: AuthOptions) -> str:
    if options.generate_id == "serial":
        return "serial"
    if options.generate_id == "uuid" and options.provider == "pg":
        return "uuid"
    return "text"


def _field(name: str, key: str, spec: dict[str, Any], plugin: str | None, serial: bool) -> AuthField:
    reference = spec.get("references")
    field_type = spec["type"]
    if serial and reference and reference.get("field") == "id":
        field_type = "number"  # the generator writes integer for every reference to an identity id
    return AuthField(
        name=name,
        key=key,
        sql_name=snake_case(key),
        type=field_type,
        required=spec.get("required", True),
        unique=spec.get("unique", False),
        index=spec.get("index", False),
        bigint=spec.get("bigint", False),
        default=spec.get("default"),
        on_update_now=spec.get("onUpdate") == "now",
        references=AuthReference(reference["model"], reference["field"], reference.get("onDelete", "cascade"))
        if reference
        else None,
        plugin=plugin,
    )


def _build(options: AuthOptions) -> tuple[AuthTable, ...]:
    _, models = _merged_models(options)
    model_names = dict(options.model_names)
    field_names = {(model, name): key for model, name, key in options.field_names}
    serial = options.generate_id == "serial"
    tables = []
    for model_name, (plugin, fields, table_indexes) in models.items():
        export_key = model_names.get(model_name, model_name) + ("s" if options.use_plural else "")
        keys = {
            name: field_names.get((model_name, name), spec.get("fieldName", name))
            for name, (_, spec, _) in fields.items()
        }
        indexes = []
        for index in table_indexes:
            index_keys = tuple(keys[name] for name in index["fields"])
            unique = index.get("unique", False)
            name = _index_name(export_key, index_keys, unique)
            indexes.append(AuthIndex(tuple(index["fields"]), index_keys, unique, name))
        tables.append(
            AuthTable(
                model=model_name,
                export_key=export_key,
                sql_name=snake_case(export_key),
                id_kind=_id_kind(options),
                fields=tuple(
                    _field(name, keys[name], spec, field_plugin, serial)
                    for name, (field_plugin, spec, _) in fields.items()
                ),
                plugin=plugin,
                indexes=tuple(indexes),
            )
        )
    return tuple(tables)


@lru_cache(maxsize=64)
def _cached(options: AuthOptions) -> tuple[AuthTable, ...]:
    return _build(options)


def expected_tables(options: AuthOptions) -> tuple[AuthTable, ...]:
    """The tables (with their fields) Better Auth needs under ``options``, in the order its generator writes them."""
    try:
        return _cached(options)
    except TypeError:  # a plugin option value that is not hashable (a dict): same result, not memoised
        return _build(options)
