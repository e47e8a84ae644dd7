"""Machine output of ``check``: JSON, SARIF 2.1.0 (GitHub code scanning and other SARIF viewers), GitHub annotations.

Every position is 1-based: lines from 1, columns from 1 counted in Unicode characters (code points); ``end`` points
just past the last character. SARIF declares that with ``columnKind: unicodeCodePoints``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from urllib.parse import quote

from drizzle_lsp import __version__
from drizzle_lsp.cli.output import display_path, position
from drizzle_lsp.rules.framework import Violation

ReadText = Callable[[str], "str | None"]
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _span(read_text: ReadText, finding_path: str | None, start: int, end: int) -> dict:
    text = read_text(finding_path) if finding_path else None
    start_line, start_column = position(text, start)
    end_line, end_column = position(text, end)
    return {"line": start_line, "column": start_column, "endLine": end_line, "endColumn": end_column}


def to_json(findings: list[Violation], read_text: ReadText, cwd: str | None = None) -> str:
    items = []
    for finding in findings:
        item = {
            "rule": finding.rule,
            "group": finding.group,
            "severity": finding.severity,
            "message": finding.message,
            "help": finding.help,
            "file": display_path(finding.path, cwd) if finding.path else None,
            "location": _span(read_text, finding.path, finding.range.start, finding.range.end) if finding.range else None,
            "related": [
                {"file": display_path(r.path, cwd), "location": _span(read_text, r.path, r.start, r.end), "message": note}
                for r, note in finding.related
            ],
            "fix": None,
        }
        if finding.fix is not None:
            item["fix"] = {
                "title": finding.fix.title,
                "applicability": finding.fix.applicability,
                "edits": [
                    {"file": display_path(e.path, cwd), "location": _span(read_text, e.path, e.start, e.end),
                     "newText": e.new_text}
                    for e in finding.fix.edits
                ],
                "createFiles": [{"file": display_path(c.path, cwd), "text": c.text} for c in finding.fix.creations],
            }
        if finding.extra_fixes:
            # The split of the migration: which files it would change and create (the texts are long and shared by
            # every finding it resolves), or the preview and why it is not applied.
            item["otherFixes"] = [{
                "title": extra.title,
                "applicability": extra.applicability,
                "changesFiles": sorted({display_path(e.path, cwd) for e in extra.edits}),
                "createsFiles": [display_path(c.path, cwd) for c in extra.creations],
                "preview": extra.preview or None,
                "notAppliedBecause": extra.preview_reason or None,
            } for extra in finding.extra_fixes]
        items.append(item)
    summary = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    document = {
        "version": 1,
        "positions": "1-based lines and columns; columns count Unicode characters; end is exclusive",
        "findings": items,
        "summary": {"total": len(findings), **summary},
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _artifact_uri(path: str, cwd: str) -> dict:
    shown = display_path(path, cwd)
    if os.path.isabs(shown):
        return {"uri": "file://" + quote(shown.replace(os.sep, "/"))}
    return {"uri": quote(shown.replace(os.sep, "/")), "uriBaseId": "%SRCROOT%"}


def _region(read_text: ReadText, path: str, start: int, end: int) -> dict:
    span = _span(read_text, path, start, end)
    return {"startLine": span["line"], "startColumn": span["column"], "endLine": span["endLine"],
            "endColumn": span["endColumn"], "charOffset": start, "charLength": max(0, end - start)}


def to_sarif(findings: list[Violation], read_text: ReadText, rule_classes: dict, cwd: str | None = None) -> str:
    from drizzle_lsp.rules.docs import parse_doc, render_page

    cwd = cwd or os.getcwd()
    used = sorted({f.rule for f in findings})
    descriptors = []
    index_of: dict[str, int] = {}
    for name in used:
        rule = rule_classes.get(name)
        index_of[name] = len(descriptors)
        descriptor: dict = {"id": name, "name": name}
        if rule is not None:
            doc = parse_doc(rule)
            descriptor.update({
                "shortDescription": {"text": doc.summary or name},
                "fullDescription": {"text": doc.sections.get("What it does", doc.summary or name)},
                "help": {"text": doc.sections.get("Why is this bad?", doc.summary or name), "markdown": render_page(rule)},
                "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
                "properties": {"tags": [rule.group], "fixable": rule.has_fix},
            })
        else:
            descriptor["shortDescription"] = {"text": name}
        descriptors.append(descriptor)

    results = []
    for finding in findings:
        result: dict = {
            "ruleId": finding.rule,
            "ruleIndex": index_of[finding.rule],
            "level": _SARIF_LEVEL.get(finding.severity, "warning"),
            "message": {"text": finding.message + (f"\n{finding.help}" if finding.help else "")},
        }
        if finding.range is not None:
            result["locations"] = [{"physicalLocation": {
                "artifactLocation": _artifact_uri(finding.range.path, cwd),
                "region": _region(read_text, finding.range.path, finding.range.start, finding.range.end),
            }}]
        if finding.related:
            result["relatedLocations"] = [
                {"id": i, "message": {"text": note}, "physicalLocation": {
                    "artifactLocation": _artifact_uri(r.path, cwd), "region": _region(read_text, r.path, r.start, r.end)}}
                for i, (r, note) in enumerate(finding.related)
            ]
        if finding.fix is not None and finding.fix.edits:
            by_file: dict[str, list] = {}
            for edit in finding.fix.edits:
                by_file.setdefault(edit.path, []).append({
                    "deletedRegion": _region(read_text, edit.path, edit.start, edit.end),
                    "insertedContent": {"text": edit.new_text},
                })
            result["fixes"] = [{
                "description": {"text": f"{finding.fix.title} ({finding.fix.applicability})"},
                "artifactChanges": [{"artifactLocation": _artifact_uri(p, cwd), "replacements": r} for p, r in by_file.items()],
            }]
        results.append(result)

    root_uri = "file://" + quote(cwd.replace(os.sep, "/").rstrip("/") + "/")
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "drizzle-lsp",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": descriptors,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def to_github(findings: list[Violation], read_text: ReadText, cwd: str | None = None) -> str:
    """GitHub Actions workflow commands: each finding becomes an annotation on the pull request's diff."""
    lines = []
    for finding in findings:
        level = _GITHUB_LEVEL.get(finding.severity, "warning")
        properties = []
        if finding.range is not None:
            span = _span(read_text, finding.range.path, finding.range.start, finding.range.end)
            properties += [
                f"file={_escape_property(display_path(finding.range.path, cwd))}",
                f"line={span['line']}", f"col={span['column']}",
                f"endLine={span['endLine']}",
            ]
            if span["line"] == span["endLine"]:  # GitHub only accepts endColumn on one-line annotations
                properties.append(f"endColumn={span['endColumn']}")
        properties.append(f"title={_escape_property(finding.rule)}")
        message = finding.message + (f"\n{finding.help}" if finding.help else "")
        lines.append(f"::{level} {','.join(properties)}::{_escape_data(message)}")
    return "\n".join(lines)
