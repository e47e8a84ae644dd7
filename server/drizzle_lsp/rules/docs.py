"""Rule documentation from the rule docstrings: parsing, the pages in ``docs/rules/``, and ``explain``.

One text feeds hover, ``drizzle-lsp explain RULE`` and the docs folder, so they never disagree. Regenerate the pages
with ``python -m drizzle_lsp.rules.docs --write``; ``--check`` exits 1 when they are stale (a test does the same).
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import sys
from dataclasses import dataclass, field

from drizzle_lsp.rules.framework import Rule

REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example")
FIX_SECTION = "Fix safety"
_FENCE = re.compile(r"^```(?P<lang>[A-Za-z0-9_+-]*)[^\n]*\n(?P<code>.*?)^```[ \t]*$", re.M | re.S)
_USE_INSTEAD = re.compile(r"^Use instead:[ \t]*$", re.M)


@dataclass(slots=True)
class CodeBlock:
    lang: str  # "sql", "ts", "toml" (settings for the example project)
    code: str


@dataclass(slots=True)
class RuleDoc:
    summary: str
    sections: dict[str, str] = field(default_factory=dict)  # heading -> markdown body
    example: list[CodeBlock] = field(default_factory=list)
    use_instead: list[CodeBlock] = field(default_factory=list)
    has_use_instead: bool = False


def parse_doc(rule: type[Rule]) -> RuleDoc:
    text = inspect.cleandoc(rule.__doc__ or "")
    parts = re.split(r"^## +(.+?)[ \t]*$", text, flags=re.M)
    doc = RuleDoc(summary=parts[0].strip())
    for heading, body in zip(parts[1::2], parts[2::2]):
        doc.sections[heading.strip()] = body.strip()
    example = doc.sections.get("Example", "")
    split = _USE_INSTEAD.search(example)
    bad, good = (example[: split.start()], example[split.end():]) if split else (example, "")
    doc.has_use_instead = split is not None
    doc.example = [CodeBlock(m.group("lang").lower(), m.group("code")) for m in _FENCE.finditer(bad)]
    doc.use_instead = [CodeBlock(m.group("lang").lower(), m.group("code")) for m in _FENCE.finditer(good)]
    return doc


def missing_sections(rule: type[Rule]) -> list[str]:
    """What the docstring lacks, in words a rule author can act on. Empty when complete."""
    doc = parse_doc(rule)
    missing = [f"## {s}" for s in REQUIRED_SECTIONS if not doc.sections.get(s)]
    if not doc.summary:
        missing.append("a one-line summary before the first section")
    if "Example" in doc.sections:
        if not [b for b in doc.example if b.lang in ("sql", "ts")]:
            missing.append("a ```sql or ```ts block under ## Example")
        if not doc.has_use_instead:
            missing.append("a 'Use instead:' line under ## Example")
        elif not [b for b in doc.use_instead if b.lang in ("sql", "ts")]:
            missing.append("a ```sql or ```ts block after 'Use instead:'")
    if rule.has_fix and not doc.sections.get(FIX_SECTION):
        missing.append(f"## {FIX_SECTION} (the rule has a fix)")
    return missing


def render_page(rule: type[Rule]) -> str:
    doc = parse_doc(rule)
    facts = [
        f"**Group:** {rule.group}",
        f"**Default severity:** {rule.severity}",
        f"**Fix:** {'yes' if rule.has_fix else 'no'}",
        f"**Dialects:** {', '.join(rule.dialects)}",
    ]
    if not rule.default_enabled:
        facts.append("**Enabled by default:** no (turn it on with `select`)")
    lines = [f"# {rule.name}", "", doc.summary, "", " · ".join(facts), ""]
    for heading, body in doc.sections.items():
        lines += [f"## {heading}", "", body, ""]
    lines += [
        "## Configuration",
        "",
        "```toml",
        "# .drizzle-lsp.toml",
        "[rules]",
        f'ignore = ["{rule.name}"]        # turn it off',
        "",
        "[rules.severity]",
        f'"{rule.name}" = "error"         # or "warning", "info", "off"',
        "```",
        "",
        f"Suppress one occurrence with `-- drizzle-lsp-ignore {rule.name}` (SQL, next statement) or "
        f"`// drizzle-lsp-ignore {rule.name}` (TypeScript, next line).",
        "",
    ]
    return "\n".join(lines)


def render_index(rules: list[type[Rule]]) -> str:
    lines = [
        "# drizzle-lsp rules",
        "",
        "Generated from the rule docstrings by `python -m drizzle_lsp.rules.docs --write`; do not edit by hand.",
        "",
    ]
    for group in sorted({r.group for r in rules}):
        lines += [f"## {group}", "", "| rule | severity | fix | what it flags |", "| --- | --- | --- | --- |"]
        for rule in sorted((r for r in rules if r.group == group), key=lambda r: r.name):
            summary = parse_doc(rule).summary.replace("|", "\\|").replace("\n", " ")
            lines.append(f"| [{rule.name}]({rule.name}.md) | {rule.severity} | {'yes' if rule.has_fix else 'no'} | {summary} |")
        lines.append("")
    return "\n".join(lines)


def expected_pages(rules: list[type[Rule]]) -> dict[str, str]:
    pages = {f"{rule.name}.md": render_page(rule) for rule in rules}
    pages["README.md"] = render_index(rules)
    return pages


def default_docs_dir() -> str:
    # server/drizzle_lsp/rules/docs.py -> the repository's docs/rules
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "..", "docs", "rules"))


def stale_pages(docs_dir: str, rules: list[type[Rule]]) -> list[str]:
    """Pages that differ from the docstrings, are missing, or belong to no rule any more."""
    expected = expected_pages(rules)
    stale = []
    for name, text in expected.items():
        path = os.path.join(docs_dir, name)
        try:
            with open(path, encoding="utf-8") as handle:
                if handle.read() != text:
                    stale.append(name)
        except OSError:
            stale.append(name)
    if os.path.isdir(docs_dir):
        stale += sorted(n for n in os.listdir(docs_dir) if n.endswith(".md") and n not in expected)
    return stale


def write_pages(docs_dir: str, rules: list[type[Rule]]) -> list[str]:
    os.makedirs(docs_dir, exist_ok=True)
    expected = expected_pages(rules)
    for name in os.listdir(docs_dir):
        if name.endswith(".md") and name not in expected:
            os.remove(os.path.join(docs_dir, name))
    changed = stale_pages(docs_dir, rules)
    for name, text in expected.items():
        with open(os.path.join(docs_dir, name), "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    return changed


def main(argv: list[str] | None = None) -> int:
    from drizzle_lsp.rules.registry import all_rules

    parser = argparse.ArgumentParser(prog="python -m drizzle_lsp.rules.docs", description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="regenerate docs/rules from the docstrings")
    action.add_argument("--check", action="store_true", help="exit 1 when docs/rules is stale")
    parser.add_argument("--dir", default=default_docs_dir(), help="the docs/rules folder (default: the repository's)")
    args = parser.parse_args(argv)
    rules = all_rules()
    if args.write:
        changed = write_pages(args.dir, rules)
        print(f"{len(changed)} page(s) updated in {args.dir}")
        return 0
    stale = stale_pages(args.dir, rules)
    if stale:
        print("stale rule docs: " + ", ".join(stale) + "\nrun: python -m drizzle_lsp.rules.docs --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
