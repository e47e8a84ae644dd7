"""``drizzle-lsp explain RULE`` and ``drizzle-lsp rules``: the rule docstrings, for people and for tools."""

from __future__ import annotations

import json
import sys

from drizzle_lsp.rules.docs import parse_doc, render_page
from drizzle_lsp.rules.registry import get_registry


def run_explain(name: str) -> int:
    registry = get_registry()
    rule = registry.get(name.strip().lower())
    if rule is not None:
        sys.stdout.write(render_page(rule))
        return 0
    members = registry.expand(name) if name in registry.groups else []
    if members:
        print(f"`{name}` is a group of rules; explain one of them:", file=sys.stderr)
        for member in members:
            print(f"  drizzle-lsp explain {member}", file=sys.stderr)
        return 2
    close = [c for c in registry.suggest(name) if c in registry.rules]
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    print(f"drizzle-lsp: unknown rule `{name}`.{hint}\n`drizzle-lsp rules` lists every rule.", file=sys.stderr)
    return 2


def run_rules_list(output_format: str) -> int:
    rules = list(get_registry().rules.values())
    if output_format == "json":
        rows = [
            {"name": r.name, "group": r.group, "severity": r.severity, "fix": r.has_fix, "target": r.target,
             "dialects": list(r.dialects), "enabledByDefault": r.default_enabled, "summary": parse_doc(r).summary}
            for r in rules
        ]
        print(json.dumps(rows, indent=2))
        return 0
    width = max((len(r.name) for r in rules), default=4)
    print(f"{'rule':<{width}}  {'group':<9}  {'severity':<8}  fix  summary")
    for r in rules:
        summary = parse_doc(r).summary.splitlines()[0] if parse_doc(r).summary else ""
        off = "" if r.default_enabled else " (off by default)"
        print(f"{r.name:<{width}}  {r.group:<9}  {r.severity:<8}  {'yes' if r.has_fix else 'no ':<3}  {summary}{off}")
    return 0
