"""Finds every rule: each ``rules/<group>/<rule>.py`` module is imported and its ``Rule`` subclasses collected.

Discovery walks the folders rather than a hand-kept list, so adding a rule is adding one file. A module that fails
to import must not take the other rules down: the failure is kept in ``load_errors`` and reported by the engine as
an ``internal-error`` finding.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import os
from dataclasses import dataclass, field
from functools import lru_cache

from drizzle_lsp.rules.framework import Rule

_RULES_DIR = os.path.dirname(os.path.abspath(__file__))
_PACKAGE = "drizzle_lsp.rules"


@dataclass(slots=True)
class Registry:
    rules: dict[str, type[Rule]] = field(default_factory=dict)  # sorted by group, then name
    load_errors: list[tuple[str, str]] = field(default_factory=list)  # (module, "ExcType: message")

    @property
    def groups(self) -> list[str]:
        return sorted({rule.group for rule in self.rules.values()})

    def get(self, name: str) -> type[Rule] | None:
        return self.rules.get(name)

    def expand(self, selector: str) -> list[str]:
        """Rule names a selector stands for: a rule name, a group name, or ``all``. Unknown selectors give []."""
        if selector == "all":
            return list(self.rules)
        if selector in self.rules:
            return [selector]
        return [name for name, rule in self.rules.items() if rule.group == selector]

    def is_known(self, selector: str) -> bool:
        return selector == "all" or selector in self.rules or selector in self.groups

    def suggest(self, selector: str, limit: int = 3) -> list[str]:
        """Close names for a misspelt rule or group, best first."""
        candidates = list(self.rules) + self.groups
        close = difflib.get_close_matches(selector, candidates, n=limit, cutoff=0.5)
        if not close:  # "concurrent" should still find "require-concurrent-index"
            close = [c for c in candidates if selector and selector in c][:limit]
        return close


def _group_folders() -> list[str]:
    return sorted(
        entry
        for entry in os.listdir(_RULES_DIR)
        if not entry.startswith(("_", "."))
        and os.path.isdir(os.path.join(_RULES_DIR, entry))
        and any(name.endswith(".py") for name in os.listdir(os.path.join(_RULES_DIR, entry)))
    )


def discover() -> Registry:
    registry = Registry()
    found: dict[str, type[Rule]] = {}
    for group in _group_folders():
        folder = os.path.join(_RULES_DIR, group)
        for filename in sorted(os.listdir(folder)):
            if not filename.endswith(".py") or filename.startswith("_"):
                continue
            module_name = f"{_PACKAGE}.{group}.{filename[:-3]}"
            try:
                module = importlib.import_module(module_name)
            except Exception as error:  # one broken rule file must not hide all the others
                registry.load_errors.append((module_name, f"{type(error).__name__}: {error}"))
                continue
            for _, value in inspect.getmembers(module, inspect.isclass):
                if issubclass(value, Rule) and value.name and value.__module__ == module.__name__:
                    if value.name in found and found[value.name] is not value:
                        registry.load_errors.append(
                            (module_name, f"duplicate rule name {value.name!r} (also in {found[value.name].__module__})")
                        )
                        continue
                    found[value.name] = value
    registry.rules = dict(sorted(found.items(), key=lambda item: (item[1].group, item[0])))
    return registry


@lru_cache(maxsize=1)
def get_registry() -> Registry:
    """The registry of this process: discovery imports modules, so it runs once."""
    return discover()


def all_rules() -> list[type[Rule]]:
    return list(get_registry().rules.values())
