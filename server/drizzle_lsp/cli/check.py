"""``drizzle-lsp check``: load the projects, run the rules, print findings, optionally apply fixes.

Every input error is answered with a sentence that says what to do, and exit status 2; a traceback would tell a
TypeScript developer nothing. Set DRIZZLE_LSP_DEBUG=1 to see one when reporting a bug.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from drizzle_lsp.cli.main import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE
from drizzle_lsp.rules.framework import Violation, severity_rank

SETTINGS_NAME = ".drizzle-lsp.toml"
# Loader problems that mean "your configuration is broken", as opposed to findings in the project's files.
CONFIG_ERROR_CODES = {"settings-syntax-error", "settings-unreadable"}


class UsageError(Exception):
    """Bad input from the user: printed as one clear message, exit status 2."""


def run_check(args: argparse.Namespace) -> int:
    try:
        return _check(args)
    except UsageError as error:
        print(f"drizzle-lsp: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as error:  # a bug in drizzle-lsp: say so plainly, keep the traceback for those who ask
        if os.environ.get("DRIZZLE_LSP_DEBUG"):
            traceback.print_exc()
        print(
            f"drizzle-lsp: internal error ({type(error).__name__}: {error}).\n"
            "This is a bug in drizzle-lsp, not in your project. Re-run with DRIZZLE_LSP_DEBUG=1 and report the output.",
            file=sys.stderr,
        )
        return EXIT_USAGE


def _selectors(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _check_selectors(registry, selectors: list[str] | None, flag: str) -> None:
    for selector in selectors or []:
        if not registry.is_known(selector):
            close = registry.suggest(selector)
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            raise UsageError(f"{flag} {selector}: no rule or group has that name.{hint} `drizzle-lsp rules` lists them.")


def _check_readable_file(path: str, max_bytes: int) -> None:
    """Files named on the command line must be readable UTF-8 text: say which byte is wrong, and how to fix it."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except PermissionError:
        raise UsageError(f"cannot read {path}: permission denied. Check the file's permissions (ls -l {path}).")
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}.")
    if len(data) > max_bytes:
        return  # too big to check cheaply here; the loader reports it as a finding
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise UsageError(
            f"{path} is not UTF-8 text (byte 0x{data[error.start]:02x} on line {line}). drizzle-kit and TypeScript "
            "expect UTF-8: re-save the file as UTF-8 (VS Code: 'Reopen with Encoding', then 'Save with Encoding')."
        )


def _find_settings(paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        folder = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path) or ".")
        while True:
            candidate = os.path.join(folder, SETTINGS_NAME)
            if os.path.isfile(candidate):
                found.append(candidate)
                break
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
    return sorted(set(found))


def _validate_settings_syntax(path: str) -> None:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            tomllib.load(handle)
    except OSError as error:
        raise UsageError(f"cannot read the settings file {path}: {error.strerror or error}.")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise UsageError(
            f"{path} is not valid TOML: {error}.\nFix the line it names (strings need quotes: "
            'select = ["locks"]), or move the file away to run with the defaults.'
        )


def _check(args: argparse.Namespace) -> int:
    from drizzle_lsp.rules.registry import get_registry

    registry = get_registry()
    select, ignore = _selectors(args.select), _selectors(args.ignore)
    _check_selectors(registry, select, "--select")
    _check_selectors(registry, ignore, "--ignore")
    if args.unsafe_fixes and not args.fix:
        args.fix = True  # asking for unsafe fixes only makes sense as fixes

    overrides: dict[str, str] = {}
    paths = list(args.paths) or ["."]
    only_paths: list[str] | None = None
    if args.stdin_filename:
        data = sys.stdin.buffer.read()
        try:
            overrides[os.path.abspath(args.stdin_filename)] = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise UsageError(f"standard input for {args.stdin_filename} is not UTF-8 text (byte {error.start}).")
        if not args.paths:
            paths = [args.stdin_filename]
        only_paths = [args.stdin_filename]
    for path in paths:
        if os.path.abspath(path) in overrides:
            continue
        if not os.path.exists(path):
            raise UsageError(
                f"{path} does not exist. Run drizzle-lsp from your project folder (the one holding "
                "drizzle.config.ts), or pass that folder: drizzle-lsp check apps/web"
            )
        if os.path.isfile(path):
            _check_readable_file(path, max_bytes=64 * 1024 * 1024)
    if only_paths is None and any(os.path.isfile(p) for p in paths):
        only_paths = [p for p in paths]

    if args.config:
        if not os.path.isfile(args.config):
            raise UsageError(f"--config {args.config}: no such file.")
        _validate_settings_syntax(args.config)
    else:
        for settings_file in _find_settings(paths):
            _validate_settings_syntax(settings_file)

    workspace = _load(paths, overrides, args.config)
    _raise_config_errors(workspace)
    findings = _run(workspace, select, ignore, only_paths)

    from drizzle_lsp.cli.report import print_report, print_fix_report

    fix_report = None
    if args.fix:
        from drizzle_lsp.fixes import apply_fixes

        allowed = ("safe", "unsafe") if args.unsafe_fixes else ("safe",)
        roots = [p.project.root for p in workspace.projects]
        write = not args.stdin_filename
        fix_report, new_texts = apply_fixes(findings, roots=roots, read_text=workspace.file_text,
                                            applicabilities=allowed, write=write)
        if args.stdin_filename:
            # Editors and pre-commit read the fixed text back from standard output, as with other formatters.
            target = os.path.abspath(args.stdin_filename)
            sys.stdout.write(new_texts.get(target, overrides.get(target, "")))
            fixed_ids = {id(f) for f in fix_report.applied}
            findings = [f for f in findings if id(f) not in fixed_ids]
            print_report(findings, workspace, args, stream=sys.stderr)
            return _exit_status(findings, args.fail_on)
        if fix_report.applied:
            workspace = _load(paths, overrides, args.config)
            findings = _run(workspace, select, ignore, only_paths)
    print_report(findings, workspace, args, stream=sys.stdout)
    if fix_report is not None:
        print_fix_report(fix_report, args, stream=sys.stderr if args.format != "text" else sys.stdout)
    return _exit_status(findings, args.fail_on)


def _load(paths: list[str], overrides: dict[str, str], settings_path: str | None):
    from drizzle_lsp.analysis.project import load_workspace

    kwargs = {"overrides": overrides}
    if settings_path:
        kwargs["settings_path"] = os.path.abspath(settings_path)
    return load_workspace(paths, **kwargs)


def _raise_config_errors(workspace) -> None:
    problems = list(getattr(workspace, "problems", []))
    for analyzed in getattr(workspace, "projects", []):
        problems.extend(getattr(analyzed.project, "problems", []))
    for problem in problems:
        if problem.code in CONFIG_ERROR_CODES and problem.severity == "error":
            where = f"{problem.range.path}: " if problem.range else ""
            raise UsageError(f"{where}{problem.message}")
    if not workspace.projects:
        missing = [p for p in workspace.problems if p.code == "path-not-found"]
        if missing:
            raise UsageError(missing[0].message)


def _run(workspace, select, ignore, only_paths) -> list[Violation]:
    from drizzle_lsp.rules.engine import run_rules

    return run_rules(workspace, select=select, ignore=ignore, only_paths=only_paths)


def _exit_status(findings: list[Violation], fail_on: str) -> int:
    threshold = severity_rank(fail_on)
    return EXIT_FINDINGS if any(severity_rank(f.severity) >= threshold for f in findings) else EXIT_CLEAN
