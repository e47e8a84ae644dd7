"""``drizzle.config.{ts,js,mjs,cjs,json}`` found and read statically (tree-sitter; the user's code never runs).

Understood shapes: ``export default defineConfig({...})``, ``export default {...} satisfies Config``,
``const config = {...}; export default config``, ``module.exports = ...`` and JSON. Values may be literals, local
``const``s, template strings of those, ``path.join``/``path.resolve`` of literals, and ``process.env.X`` (URLs only).
An option whose value cannot be worked out keeps drizzle-kit's documented default and leaves a ``config-unresolved``
problem at the expression, saying which default is used and how to make it readable.
"""

from __future__ import annotations

import difflib
import json
import os
from typing import Any, Mapping

import tree_sitter

from drizzle_lsp.model.project import DrizzleConfig
from drizzle_lsp.model.source import Problem, SourceRange
from drizzle_lsp.workspace.files import read_or_report
from drizzle_lsp.workspace.tsvalues import Evaluator, EnvRef, Unresolved, parse

CONFIG_NAMES = tuple(f"drizzle.config.{ext}" for ext in ("ts", "js", "mjs", "cjs", "mts", "cts", "json"))
SKIP_DIRS = {"node_modules", ".git", "dist", "build", "out", "coverage", ".next", ".turbo", ".wrangler"}
DIALECTS = ("postgresql", "mysql", "sqlite", "turso", "singlestore", "gel")
PREFIXES = ("index", "timestamp", "supabase", "unix", "none")
CASINGS = ("snake_case", "camelCase")
DRIVERS = ("aws-data-api", "pglite", "d1-http", "expo", "durable-sqlite", "turso", "libsql", "mysql2")
KNOWN_OPTIONS = ("dialect", "schema", "out", "casing", "breakpoints", "migrations", "driver", "dbCredentials",
                 "tablesFilter", "schemaFilter", "extensionsFilters", "entities", "strict", "verbose", "introspect")
_FIX = "write a literal in the config, or set `config` in .drizzle-lsp.toml to a config drizzle-lsp can read"


def find_configs(root: str) -> list[str]:
    """Every drizzle config under ``root`` (monorepos hold several), skipping dependency, build and hidden folders."""
    found: list[str] = []
    if os.path.isfile(root):
        return [os.path.abspath(root)] if os.path.basename(root) in CONFIG_NAMES else []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in CONFIG_NAMES:
            if name in files:
                found.append(os.path.abspath(os.path.join(folder, name)))
    return found


def read_config(path: str, text: str | None = None, env: Mapping[str, str] | None = None) -> DrizzleConfig:
    """Read one config. Never raises: whatever goes wrong becomes a problem and the defaults stand."""
    config = DrizzleConfig(path=path)
    try:
        if text is None:
            text = read_or_report(path, config.problems, "config-unreadable")
            if text is None:
                return config
        _Reader(config, text, env).read()
    except Exception as error:  # a reader bug must not take the project down
        config.problems.append(Problem(
            "config-unresolved", f"drizzle-lsp could not read this config ({type(error).__name__}: {error}); "
            "defaults are used", SourceRange(path, 0, 0), "error"))
    return config


class _Reader:
    def __init__(self, config: DrizzleConfig, text: str, env: Mapping[str, str] | None) -> None:
        self.config = config
        self.path = config.path or ""
        self.text = text
        self.env = env

    def problem(self, code: str, message: str, rng: SourceRange | None, severity: str = "warning") -> None:
        self.config.problems.append(Problem(code, message, rng or SourceRange(self.path, 0, 0), severity))

    def read(self) -> None:
        is_json = self.path.endswith(".json")
        shift = 0
        source = self.text
        if is_json:
            try:
                json.loads(self.text)
            except ValueError as error:
                pos = getattr(error, "pos", 0) or 0
                self.problem("config-syntax-error", f"{os.path.basename(self.path)} is not valid JSON: "
                             f"{getattr(error, 'msg', error)} (line {getattr(error, 'lineno', '?')})",
                             SourceRange(self.path, pos, pos), "error")
                return
            source, shift = "(" + self.text + ")", 1  # a JSON document is a TypeScript expression once wrapped
        tree, data = parse(source)
        base_dir = os.path.dirname(os.path.abspath(self.path)) if self.path else None
        self.ev = Evaluator(tree.root_node, data, self.path, self.env, base_dir, char_shift=shift)
        if tree.root_node.has_error and not is_json:
            error_node = _first_error(tree.root_node)
            rng = self.ev.range(error_node) if error_node is not None else None
            self.problem("config-syntax-error", "the config has a syntax error here; values after it may be missed",
                         rng, "warning")
        exported = self._exported(tree.root_node, is_json)
        if exported is None:
            self.problem("config-unresolved", "no `export default` or `module.exports` found in the config: "
                         f"drizzle-kit defaults are used (dialect postgresql, out ./drizzle). To fix, {_FIX}.", None)
            return
        body = self.ev.unwrap(exported)
        if body.type != "object":
            self.problem("config-unresolved", "the exported config is computed in code: drizzle-kit defaults are "
                         f"used (dialect postgresql, out ./drizzle). To fix, {_FIX}.", self.ev.range(exported))
            return
        self._options(body)

    def _exported(self, root: tree_sitter.Node, is_json: bool) -> tree_sitter.Node | None:
        if is_json:
            for node in root.named_children:
                if node.type == "expression_statement" and node.named_children:
                    return node.named_children[0]
            return None
        for node in root.named_children:
            if node.type == "export_statement":
                value = node.child_by_field_name("value")
                if value is not None:
                    return value
                if any(c.type == "default" for c in node.children):
                    decl = node.child_by_field_name("declaration")
                    if decl is not None:
                        return decl
            elif node.type == "expression_statement" and node.named_children:
                expr = node.named_children[0]
                if expr.type == "assignment_expression":
                    left = expr.child_by_field_name("left")
                    right = expr.child_by_field_name("right")
                    if left is not None and right is not None and self.ev.text(left).replace(" ", "") in (
                            "module.exports", "exports.default"):
                        return right
        return None

    # -- options --------------------------------------------------------------------------------------------------
    def _options(self, body: tree_sitter.Node) -> None:
        pairs = self.ev.object_pairs(body)
        config = self.config
        for name, (key_node, _) in pairs.items():
            if name not in KNOWN_OPTIONS:
                close = difflib.get_close_matches(name, KNOWN_OPTIONS, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.problem("config-unknown-option", f"unknown drizzle config option '{name}'{hint}: drizzle-kit "
                             "ignores it", self.ev.range(key_node), "info")

        dialect = self._string(pairs, "dialect", "postgresql")
        if "dialect" not in pairs:
            self.problem("config-unresolved", "the config sets no `dialect` (drizzle-kit requires one): postgresql is "
                         "assumed. To fix, add `dialect: \"postgresql\"` (or mysql, sqlite, turso, singlestore).",
                         self.ev.range(body))
        if dialect is not None:
            if dialect in DIALECTS:
                config.dialect = dialect
            else:
                close = difflib.get_close_matches(dialect, DIALECTS, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.problem("config-invalid-value", f"unknown dialect '{dialect}'{hint}: expected one of "
                             f"{', '.join(DIALECTS)}; postgresql is assumed", config.ranges.get("dialect"), "error")
        config.schema = self._string_list(pairs, "schema", [])
        out = self._string(pairs, "out", "drizzle")
        if out is not None:
            config.out = out
        casing = self._string(pairs, "casing", "none")
        if casing is not None:
            if casing in CASINGS:
                config.casing = casing
            else:
                self.problem("config-invalid-value", f"unknown casing '{casing}': expected snake_case or camelCase; "
                             "names are used as written", config.ranges.get("casing"), "error")
        breakpoints = self._value(pairs, "breakpoints", "true", bool)
        if isinstance(breakpoints, bool):
            config.breakpoints = breakpoints
        driver = self._string(pairs, "driver", "none")
        if driver is not None:
            config.driver = driver
        if "migrations" in pairs:
            self._migrations(pairs["migrations"][1])
        if "dbCredentials" in pairs:
            self._credentials(pairs["dbCredentials"][1])
        config.tables_filter = self._string_list(pairs, "tablesFilter", [])
        config.schema_filter = self._string_list(pairs, "schemaFilter", [])

    def _migrations(self, node: tree_sitter.Node) -> None:
        inner = self.ev.object_pairs(node)
        if self.ev.unwrap(node).type != "object":
            self._unresolved("migrations", node, "table __drizzle_migrations in schema drizzle, prefix index")
            return
        self.config.ranges["migrations"] = self.ev.range(node)
        table = self._string(inner, "table", "__drizzle_migrations", "migrations.")
        if table is not None:
            self.config.migrations_table = table
        schema = self._string(inner, "schema", "drizzle", "migrations.")
        if schema is not None:
            self.config.migrations_schema = schema
        prefix = self._string(inner, "prefix", "index", "migrations.")
        if prefix is not None:
            if prefix in PREFIXES:
                self.config.migrations_prefix = prefix
            else:
                self.problem("config-invalid-value", f"unknown migrations.prefix '{prefix}': expected one of "
                             f"{', '.join(PREFIXES)}; index is assumed", self.config.ranges.get("migrations.prefix"),
                             "error")

    def _credentials(self, node: tree_sitter.Node) -> None:
        self.config.ranges["dbCredentials"] = self.ev.range(node)
        if self.ev.unwrap(node).type != "object":
            value = self.ev.value(node)
            if not isinstance(value, (Unresolved, EnvRef)):
                return
            self._unresolved("dbCredentials", node, "no connection details")
            return
        credentials: dict[str, object] = {}
        for name, (_, value_node) in self.ev.object_pairs(node).items():
            self.config.ranges[f"dbCredentials.{name}"] = self.ev.range(value_node)
            value = self.ev.value(value_node)
            if isinstance(value, EnvRef):
                credentials[name] = {"env": value.name}
                if name in ("url", "connectionString"):
                    self.config.db_url_env = value.name
                    if isinstance(value.fallback, str):
                        self.config.db_url = value.fallback
            elif isinstance(value, Unresolved):
                credentials[name] = None  # computed in code; nothing depends on it enough to warn
            else:
                credentials[name] = value
                if name in ("url", "connectionString") and isinstance(value, str):
                    self.config.db_url = value
        self.config.db_credentials = credentials

    # -- value helpers -----------------------------------------------------------------------------------------------
    def _value(self, pairs, name: str, default_text: str, expected: type, prefix: str = "") -> Any:
        if name not in pairs:
            return None
        node = pairs[name][1]
        option = prefix + name
        self.config.ranges[option] = self.ev.range(node)
        value = self.ev.value(node)
        if isinstance(value, EnvRef) and isinstance(value.fallback, expected):
            return value.fallback
        if isinstance(value, (Unresolved, EnvRef)):
            self._unresolved(option, node, default_text, value)
            return None
        if value is None:
            return None
        if not isinstance(value, expected):
            self.problem("config-invalid-value", f"`{option}` should be a {expected.__name__ if expected is not str else 'string'}"
                         f"; the default ({default_text}) is used", self.config.ranges[option], "error")
            return None
        return value

    def _string(self, pairs, name: str, default_text: str, prefix: str = "") -> str | None:
        return self._value(pairs, name, default_text, str, prefix)

    def _string_list(self, pairs, name: str, default: list[str]) -> list[str]:
        if name not in pairs:
            return list(default)
        node = pairs[name][1]
        self.config.ranges[name] = self.ev.range(node)
        value = self.ev.value(node)
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            items: list[str] = []
            elements = [c for c in self.ev.unwrap(node).named_children if c.type != "comment"]
            for i, item in enumerate(value):
                element = elements[i] if i < len(elements) else node
                if isinstance(item, str):
                    items.append(item)
                else:
                    self._unresolved(f"{name}[{i}]", element, "this entry is skipped", item)
            return items
        if isinstance(value, (Unresolved, EnvRef)):
            fallback = "none" if not default else ", ".join(default)
            self._unresolved(name, node, fallback if name != "schema" else "no schema files", value)
        else:
            self.problem("config-invalid-value", f"`{name}` should be a string or a list of strings; it is ignored",
                         self.config.ranges[name], "error")
        return list(default)

    def _unresolved(self, option: str, node: tree_sitter.Node, default_text: str, value: Any = None) -> None:
        if isinstance(value, EnvRef):
            why = f"it reads process.env.{value.name}, which drizzle-lsp does not know"
            fix = f"write a literal, or set it in .drizzle-lsp.toml"
        else:
            why = value.reason if isinstance(value, Unresolved) else "it is computed in code"
            fix = _FIX
        rng = self.ev.range(value.node) if isinstance(value, Unresolved) else self.ev.range(node)
        self.problem("config-unresolved", f"cannot read `{option}` statically ({why}): the default ({default_text}) "
                     f"is used. To fix, {fix}.", rng)


def _first_error(node: tree_sitter.Node) -> tree_sitter.Node | None:
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing:
            found = _first_error(child)
            if found is not None:
                return found
    return None
