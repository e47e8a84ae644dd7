"""Printing ``check`` results in the chosen format, and what ``--fix`` changed."""

from __future__ import annotations

import argparse
import os

from drizzle_lsp.cli.formats import to_github, to_json, to_sarif
from drizzle_lsp.cli.output import Style, display_path, format_finding, summary_line, use_colour
from drizzle_lsp.rules.framework import Violation


def _checked(workspace) -> str:
    projects = len(workspace.projects)
    migrations = sum(
        len(p.project.migrations.migrations) if p.project.migrations else 0 for p in workspace.projects
    )
    schema_files = sum(len(p.project.schema_files) for p in workspace.projects)
    return (f"{projects} project{'s' if projects != 1 else ''}, {migrations} migration{'s' if migrations != 1 else ''}, "
            f"{schema_files} schema file{'s' if schema_files != 1 else ''}")


def print_report(findings: list[Violation], workspace, args: argparse.Namespace, *, stream) -> None:
    read_text = workspace.file_text
    if args.format == "json":
        stream.write(to_json(findings, read_text) + "\n")
        return
    if args.format == "sarif":
        from drizzle_lsp.rules.registry import get_registry

        stream.write(to_sarif(findings, read_text, get_registry().rules) + "\n")
        return
    if args.format == "github":
        text = to_github(findings, read_text)
        if text:
            stream.write(text + "\n")
        return
    style = Style(use_colour(stream, args.color, os.environ))
    for finding in findings:
        stream.write(format_finding(finding, read_text, style) + "\n\n")
    fixable = 0 if args.fix else sum(1 for f in findings if f.fix and f.fix.applicability == "safe")
    stream.write(summary_line(findings, style, checked=_checked(workspace), fixable=fixable) + "\n")


def print_fix_report(report, args: argparse.Namespace, *, stream) -> None:
    previews = getattr(report, "previews", [])
    extra_skipped = getattr(report, "extra_skipped", [])
    if not report.applied and not report.skipped and not previews and not extra_skipped:
        stream.write("No fixes to apply.\n")
        return
    files = sorted(set(report.changed_files) | set(report.created_files))
    stream.write(f"Fixed {len(report.applied)} finding{'s' if len(report.applied) != 1 else ''} "
                 f"in {len(files)} file{'s' if len(files) != 1 else ''}:\n")
    for path in report.changed_files:
        stream.write(f"  changed {display_path(path)}\n")
    for path in report.created_files:
        stream.write(f"  created {display_path(path)}\n")
    for finding in report.applied:
        stream.write(f"  - [{finding.rule}] {report.fix_of(finding).title}\n")
    for finding, why in report.skipped:
        stream.write(f"  not applied: [{finding.rule}] {report.fix_of(finding).title}: {why}\n")
    for finding, fix, why in extra_skipped:
        stream.write(f"  not applied: [{finding.rule}] {fix.title}: {why}\n")
    for finding, fix in previews:
        # A split that cannot be written where it belongs is shown, so it can still be applied by hand.
        stream.write(f"  not applied: [{finding.rule}] {fix.title}: {fix.preview_reason}\n")
        stream.write("".join(f"    {line}\n" if line else "\n" for line in fix.preview.splitlines()))
