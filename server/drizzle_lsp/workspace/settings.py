"""``.drizzle-lsp.toml``: drizzle-lsp's own settings, shared by the CLI and the language server.

Found by walking up from the checked file or folder (``find_settings``). Keys may sit at the top level or under a
``[drizzle-lsp]`` table. Every key:

``postgres-version``   int 12..18, default 16. Facts about locks and rewrites change with the version.
``migrator``           how migrations are applied: ``auto`` (default: inferred from the config and package.json),
                       ``transaction`` (all pending files in one transaction: drizzle-kit migrate, pg, postgres-js,
                       neon-serverless, pglite), ``neon-http`` (no transaction), ``no-transaction``, ``d1`` (each file
                       in its own transaction), ``per-file`` (each file in its own transaction, e.g. a custom runner),
                       ``drizzle-lsp`` (``drizzle-lsp migrate``: per file, and files marked
                       ``-- drizzle-lsp: no-transaction`` statement by statement).
``exclude``            list of globs (relative to this file) of files never checked.
``config``             path (relative to this file) of the drizzle config to use when there are several, or when the
                       real one cannot be read statically.
``[rules]``
  ``select``           list of rule names or group names to enable (default: all default rules).
  ``ignore``           list of rule names or group names to disable.
``[rules.severity]``   rule name -> ``error`` | ``warning`` | ``info`` | ``hint`` | ``off``.
``[rules.options.<rule>]``  free table of options for one rule (validated by that rule).
``[naming]``
  ``convention``       ``snake_case`` | ``camelCase``; by default the drizzle config's ``casing`` decides
                       (``camelCase`` there means camelCase names), else ``snake_case``.
  ``tables``           ``plural`` | ``singular`` | ``any`` (default: any, but used consistently).
``[migrate]``          for the migration runner and the fixes that add timeouts:
  ``lock-timeout``     e.g. ``"5s"`` or milliseconds as an integer (default ``"5s"``).
  ``statement-timeout``  same form; default none.
  ``retries``          int >= 0, default 3.

Rule and group names are kept as strings here; the rules registry checks them. Unknown keys and bad values become
problems pointing at the key's line; nothing raises.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from drizzle_lsp.model.source import Problem, SourceRange
from drizzle_lsp.workspace.files import read_or_report

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

SETTINGS_NAME = ".drizzle-lsp.toml"
MIGRATORS = ("auto", "transaction", "neon-http", "no-transaction", "d1", "per-file", "drizzle-lsp")
SEVERITIES = ("error", "warning", "info", "hint", "off")
CONVENTIONS = ("snake_case", "camelCase")
TABLE_FORMS = ("plural", "singular", "any")
_TOP = ("postgres-version", "migrator", "exclude", "config", "rules", "naming", "migrate", "drizzle-lsp")
_RULES = ("select", "ignore", "severity", "options")
_NAMING = ("convention", "tables")
_MIGRATE = ("lock-timeout", "statement-timeout", "retries")
_DURATION = re.compile(r"^\d+(\.\d+)?\s*(ms|s|min|h)?$")


@dataclass(slots=True)
class Settings:
    path: str | None = None
    postgres_version: int = 16
    migrator: str = "auto"
    exclude: list[str] = field(default_factory=list)
    config: str | None = None  # as written
    config_path: str | None = None  # absolute, resolved against the settings file's folder
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    naming_convention: str | None = None  # None: follow the drizzle config's casing (camelCase), else snake_case
    naming_tables: str = "any"
    lock_timeout: str = "5s"
    statement_timeout: str | None = None
    retries: int = 3
    problems: list[Problem] = field(default_factory=list)


def find_settings(start: str, stop_at: str | None = None) -> str | None:
    """The nearest ``.drizzle-lsp.toml`` in ``start`` (a file's folder, or a folder) or above, up to ``stop_at``."""
    folder = os.path.abspath(start)
    if not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    stop = os.path.abspath(stop_at) if stop_at else None
    while True:
        candidate = os.path.join(folder, SETTINGS_NAME)
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if folder == stop or parent == folder:
            return None
        folder = parent


def read_settings(path: str, text: str | None = None) -> Settings:
    settings = Settings(path=path)
    try:
        if text is None:
            text = read_or_report(path, settings.problems, "settings-unreadable")
            if text is None:
                return settings
        _Reader(settings, path, text).read()
    except Exception as error:  # never let a settings bug stop the check
        settings.problems.append(Problem("settings-invalid", f"drizzle-lsp could not read {SETTINGS_NAME} "
                                         f"({type(error).__name__}: {error}); defaults are used",
                                         SourceRange(path, 0, 0), "error"))
    return settings


class _Reader:
    def __init__(self, settings: Settings, path: str, text: str) -> None:
        self.s = settings
        self.path = path
        self.text = text
        self.lines = text.splitlines(keepends=True)

    def read(self) -> None:
        try:
            data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as error:
            line, col = _error_position(str(error))
            offset = self._offset(line - 1, col - 1) if line else 0
            message = str(error).split(" (at ", 1)[0]
            where = f" at line {line}, column {col}" if line else ""
            self.s.problems.append(Problem("settings-syntax-error", f"{SETTINGS_NAME} is not valid TOML{where}: "
                                           f"{message}; defaults are used",
                                           SourceRange(self.path, offset, offset + 1), "error"))
            return
        nested = data.pop("drizzle-lsp", None)
        if isinstance(nested, dict):
            data = {**nested, **data}
        self._check_keys(data, _TOP, ())
        self._top(data)
        rules = self._table(data, "rules", ())
        self._check_keys(rules, _RULES, ("rules",))
        self.s.select = self._names(rules, "select", ("rules",))
        self.s.ignore = self._names(rules, "ignore", ("rules",))
        for rule, value in self._table(rules, "severity", ("rules",)).items():
            if value in SEVERITIES:
                self.s.severity[rule] = value
            else:
                self._bad(("rules", "severity", rule), f"severity of '{rule}' must be one of {', '.join(SEVERITIES)}",
                          value)
        for rule, value in self._table(rules, "options", ("rules",)).items():
            if isinstance(value, dict):
                self.s.rule_options[rule] = value
            else:
                self._bad(("rules", "options", rule), f"[rules.options.{rule}] must be a table", value)
        naming = self._table(data, "naming", ())
        self._check_keys(naming, _NAMING, ("naming",))
        self.s.naming_convention = self._choice(naming, "convention", CONVENTIONS, ("naming",), None)
        self.s.naming_tables = self._choice(naming, "tables", TABLE_FORMS, ("naming",), "any")
        migrate = self._table(data, "migrate", ())
        self._check_keys(migrate, _MIGRATE, ("migrate",))
        self.s.lock_timeout = self._duration(migrate, "lock-timeout") or "5s"
        self.s.statement_timeout = self._duration(migrate, "statement-timeout")
        if "retries" in migrate:
            retries = migrate["retries"]
            if isinstance(retries, int) and not isinstance(retries, bool) and retries >= 0:
                self.s.retries = retries
            else:
                self._bad(("migrate", "retries"), "retries must be a whole number >= 0", retries)

    def _top(self, data: dict[str, Any]) -> None:
        if "postgres-version" in data:
            version = data["postgres-version"]
            if isinstance(version, int) and not isinstance(version, bool) and 12 <= version <= 18:
                self.s.postgres_version = version
            else:
                self._bad(("postgres-version",), "postgres-version must be a whole number from 12 to 18 (default 16)",
                          version)
        self.s.migrator = self._choice(data, "migrator", MIGRATORS, (), "auto")
        if "exclude" in data:
            self.s.exclude = self._names(data, "exclude", ())
        if "config" in data:
            config = data["config"]
            if isinstance(config, str) and config:
                self.s.config = config
                self.s.config_path = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(self.path)),
                                                                   config))
            else:
                self._bad(("config",), "config must be the path of a drizzle config file", config)

    # -- helpers --------------------------------------------------------------------------------------------------
    def _table(self, data: dict[str, Any], key: str, parent: tuple[str, ...]) -> dict[str, Any]:
        value = data.get(key, {})
        if isinstance(value, dict):
            return value
        self._bad(parent + (key,), f"[{'.'.join(parent + (key,))}] must be a table", value)
        return {}

    def _names(self, data: dict[str, Any], key: str, parent: tuple[str, ...]) -> list[str]:
        value = data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
        self._bad(parent + (key,), f"{key} must be a list of strings", value)
        return []

    def _choice(self, data: dict[str, Any], key: str, allowed: tuple[str, ...], parent: tuple[str, ...],
                default: str | None) -> str | None:
        if key not in data:
            return default
        value = data[key]
        if value in allowed:
            return value
        close = difflib.get_close_matches(str(value), allowed, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        fallback = f"{default} is used" if default is not None else "the default is used"
        self._bad(parent + (key,), f"{key} must be one of {', '.join(allowed)}{hint}; {fallback}", value)
        return default

    def _duration(self, data: dict[str, Any], key: str) -> str | None:
        if key not in data:
            return None
        value = data[key]
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return f"{value}ms"
        if isinstance(value, str) and _DURATION.match(value.strip()):
            return value.strip()
        self._bad(("migrate", key), f"{key} must be a duration such as \"5s\", \"500ms\" or a number of milliseconds",
                  value)
        return None

    def _check_keys(self, data: dict[str, Any], allowed: tuple[str, ...], parent: tuple[str, ...]) -> None:
        for key in data:
            if key in allowed:
                continue
            close = difflib.get_close_matches(key.replace("_", "-"), allowed, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            where = f" in [{'.'.join(parent)}]" if parent else ""
            self._problem(parent + (key,), f"unknown key '{key}'{where} in {SETTINGS_NAME}{hint}: it is ignored")

    def _bad(self, key_path: tuple[str, ...], message: str, value: Any) -> None:
        self._problem(key_path, f"{message} (found {value!r}) in {SETTINGS_NAME}")

    def _problem(self, key_path: tuple[str, ...], message: str) -> None:
        start, end = self._locate(key_path)
        self.s.problems.append(Problem("settings-invalid", message, SourceRange(self.path, start, end), "error"))

    # -- positions ------------------------------------------------------------------------------------------------
    def _offset(self, line: int, col: int) -> int:
        line = max(0, min(line, len(self.lines)))
        return sum(len(x) for x in self.lines[:line]) + max(0, col)

    def _locate(self, key_path: tuple[str, ...]) -> tuple[int, int]:
        """Offsets of the key ``key_path`` in the text: its ``key =`` line inside the right table, or its header."""
        table: tuple[str, ...] = ()
        offset = 0
        best: tuple[int, int] | None = None
        for line in self.lines:
            stripped = line.strip()
            header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", stripped)
            if header:
                table = tuple(_unquote(p) for p in _split_dotted(header.group(1)))
                if table == ("drizzle-lsp",):
                    table = ()
                if table == key_path and best is None:
                    col = line.index("[")
                    best = (offset + col, offset + len(line.rstrip("\r\n")))
            else:
                match = re.match(r"^\s*((?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_.\- ]+?))\s*=", line)
                if match:
                    keys = tuple(_unquote(p) for p in _split_dotted(match.group(1)))
                    full = (table[1:] if table[:1] == ("drizzle-lsp",) else table) + keys
                    if full[: len(key_path)] == key_path and (best is None or full == key_path):
                        best = (offset + match.start(1), offset + match.end(1))
                        if full == key_path:
                            return best
            offset += len(line)
        return best or (0, 0)


def _split_dotted(text: str) -> list[str]:
    return [p.strip() for p in re.findall(r"\"[^\"]*\"|'[^']*'|[^.]+", text)]


def _unquote(text: str) -> str:
    text = text.strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" else text


def _error_position(message: str) -> tuple[int | None, int | None]:
    match = re.search(r"line (\d+), column (\d+)", message)
    return (int(match.group(1)), int(match.group(2))) if match else (None, None)
