"""Which rules run, at which severity, on which files: ``[rules]`` settings merged with the command line.

Selectors are rule names, group names or ``all``, in ``select``, ``ignore`` and ``[rules.severity]`` alike. The
command line's ``--select`` replaces the settings' ``select``; ``--ignore`` adds to ``ignore``. A rule-level severity
beats a group-level one, and ``"off"`` disables. Meta rules (``syntax-error`` ...) stay on unless named explicitly,
so narrowing ``select`` to one group never hides a file that could not be read.

The settings object comes from ``workspace.settings``; it is read by attribute or key so this module keeps working
while that class grows: ``rules.select``, ``rules.ignore``, ``rules.severity``, ``rules.options`` (or ``rules.<name>``
tables, or ``rule_options``) and ``exclude`` (or ``rules.exclude``), relative to the settings file.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from drizzle_lsp.rules.framework import SEVERITIES, Violation
from drizzle_lsp.rules.registry import Registry


def settings_value(settings: Any, dotted: str, default: Any = None) -> Any:
    """``settings.rules.select`` or ``settings["rules"]["select"]``, whichever the object offers."""
    current = settings
    for part in dotted.split("."):
        if current is None:
            return default
        if _is_mapping(type(current)):
            current = current.get(part)
        else:
            current = getattr(current, part, None)
    return default if current is None else current


_MAPPING_TYPES: dict[type, bool] = {}


def _is_mapping(kind: type) -> bool:
    # Rules ask for settings ~100,000 times per check of a large schema; the ABC instance check was a tenth of it.
    known = _MAPPING_TYPES.get(kind)
    if known is None:
        known = _MAPPING_TYPES[kind] = issubclass(kind, Mapping)
    return known


def _as_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


@dataclass(slots=True)
class RuleSelection:
    enabled: set[str] = field(default_factory=set)
    severity_by_rule: dict[str, str] = field(default_factory=dict)
    problems: list[Violation] = field(default_factory=list)  # unknown names in the settings

    @classmethod
    def build(cls, registry: Registry, settings: Any, cli_select=None, cli_ignore=None) -> RuleSelection:
        selection = cls()
        # An empty select in the settings means "not set" (the defaults), not "no rules".
        select = _as_list(cli_select) if cli_select is not None else (
            _as_list(settings_value(settings, "rules.select")) or _as_list(settings_value(settings, "select")) or None
        )
        ignore = (_as_list(settings_value(settings, "rules.ignore")) or _as_list(settings_value(settings, "ignore")) or [])
        ignore = ignore + (_as_list(cli_ignore) or [])
        severity = settings_value(settings, "rules.severity") or settings_value(settings, "severity") or {}
        if not isinstance(severity, Mapping):
            severity = {}
        for name in (select or []) + ignore + list(severity):
            if not registry.is_known(name):
                selection.problems.append(_unknown_selector(registry, name))

        if select is None:
            enabled = {n for n, rule in registry.rules.items() if rule.default_enabled}
        else:
            enabled = {n for s in select for n in registry.expand(s)}
        explicitly_ignored = set()
        for selector in ignore:
            explicitly_ignored.update(registry.expand(selector))
        enabled -= explicitly_ignored
        # Meta findings tell the user the check itself was incomplete: keep them unless turned off by name.
        named_off = {s for s, level in severity.items() if str(level) == "off"}
        for name, rule in registry.rules.items():
            if rule.group == "meta" and name not in ignore and name not in named_off and "meta" not in ignore:
                enabled.add(name)

        # "hint" is what editors call the lowest level; the CLI has no lower level than info.
        levels = {s: ("info" if str(v) == "hint" else str(v)) for s, v in severity.items()}
        group_levels = {s: v for s, v in levels.items() if s not in registry.rules}
        rule_levels = {s: v for s, v in levels.items() if s in registry.rules}
        for name, rule in registry.rules.items():
            level = rule_levels.get(name) or group_levels.get(rule.group) or group_levels.get("all")
            if level is None:
                continue
            if level == "off":
                enabled.discard(name)
            elif level in SEVERITIES:
                selection.severity_by_rule[name] = level
            else:
                selection.problems.append(Violation(
                    "invalid-setting", f"[rules.severity] {name} = {level!r} is not one of error, warning, info, hint, off",
                    None, "error", help="Use one of: error, warning, info, off.", group="meta"))
        selection.enabled = enabled
        return selection

    def apply_severity(self, findings: list[Violation]) -> list[Violation]:
        kept = []
        for finding in findings:
            if finding.rule in self.severity_by_rule:
                finding.severity = self.severity_by_rule[finding.rule]
            kept.append(finding)
        return kept


def _unknown_selector(registry: Registry, name: str) -> Violation:
    close = registry.suggest(name)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    return Violation(
        "unknown-rule", f".drizzle-lsp.toml names `{name}`, which is not a drizzle-lsp rule or group", None, "warning",
        help=f"{hint}`drizzle-lsp rules` lists every rule and group.", group="meta",
    )


def rule_options(settings: Any, rule_name: str) -> Mapping[str, Any]:
    """Options of one rule: ``[rules.options.<name>]`` or a ``[rules.<name>]`` table."""
    for dotted in (f"rule_options.{rule_name}", f"rules.options.{rule_name}", f"rules.{rule_name}"):
        value = settings_value(settings, dotted)
        if isinstance(value, Mapping):
            return value
    return {}


def path_is_excluded(path: str, root: str, settings: Any) -> bool:
    patterns: Iterable[str] = (
        _as_list(settings_value(settings, "exclude")) or _as_list(settings_value(settings, "rules.exclude")) or []
    )
    if not patterns:
        return False
    # Globs are relative to the settings file when there is one (as documented for .drizzle-lsp.toml).
    settings_path = settings_value(settings, "path")
    base = os.path.dirname(settings_path) if isinstance(settings_path, str) else root
    relative = os.path.relpath(os.path.abspath(path), base).replace(os.sep, "/")
    for pattern in patterns:
        pattern = pattern.strip("/")
        if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative, pattern + "/*"):
            return True
        # "drizzle/legacy" excludes everything under it; "**/" matches zero folders too.
        if relative.startswith(pattern.rstrip("*").rstrip("/") + "/") and "*" not in pattern:
            return True
        if pattern.startswith("**/") and fnmatch.fnmatch(relative, pattern[3:]):
            return True
    return False
