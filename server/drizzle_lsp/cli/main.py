"""The ``drizzle-lsp`` command: ``check``, ``explain``, ``rules``, ``model``, ``migrate``, ``serve``.

Subcommands import their dependencies lazily: ``check`` must start fast in CI and never load the LSP stack, and
``serve`` alone needs pygls, ``migrate`` alone psycopg.
"""

from __future__ import annotations

import argparse
import sys

from drizzle_lsp import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

CHECK_EPILOG = """\
exit status: 0 when no finding reaches --fail-on, 1 when one does, 2 for a usage or configuration error
(a path that does not exist, an unreadable or non-UTF-8 file given on the command line, a malformed
.drizzle-lsp.toml, an unknown rule name).

positions: text, json, sarif and github output use 1-based line and column numbers; columns count characters
(Unicode code points), and the end position points just past the last character.

examples:
  drizzle-lsp check                          # the project in the current folder
  drizzle-lsp check apps/api --format github # annotations on the pull request
  drizzle-lsp check --format sarif > drizzle-lsp.sarif
  drizzle-lsp check --fix                    # apply the safe fixes
  cat drizzle/0003_x.sql | drizzle-lsp check --stdin-filename drizzle/0003_x.sql
"""


def _add_check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="project folder (holding drizzle.config.ts) or files inside one (default: .)")
    parser.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text",
                        help="output format (default: text)")
    parser.add_argument("--fail-on", choices=("error", "warning", "info"), default="warning",
                        help="lowest severity that makes the exit status 1 (default: warning)")
    parser.add_argument("--fix", action="store_true", help="apply the safe fixes and report what changed")
    parser.add_argument("--unsafe-fixes", action="store_true",
                        help="with --fix, also apply fixes that may change behaviour (review the diff)")
    parser.add_argument("--select", action="append", metavar="RULES",
                        help="only these rules or groups, comma-separated (replaces [rules] select)")
    parser.add_argument("--ignore", action="append", metavar="RULES",
                        help="skip these rules or groups, comma-separated (adds to [rules] ignore)")
    parser.add_argument("--stdin-filename", metavar="NAME",
                        help="read the text of file NAME from standard input (editors, pre-commit)")
    parser.add_argument("--config", metavar="PATH", help="use this .drizzle-lsp.toml instead of searching for one")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the text output (default: auto = only on a terminal; NO_COLOR always wins)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="drizzle-lsp",
        description="Check Drizzle ORM schemas and migrations: locks, rewrites, data loss, naming, migrator pitfalls.",
    )
    parser.add_argument("--version", action="version", version=f"drizzle-lsp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="check a project and report findings (for CI and pre-commit)",
                                epilog=CHECK_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_check_arguments(check)

    explain = commands.add_parser("explain", help="print the documentation of a rule")
    explain.add_argument("rule", metavar="RULE", help="a rule name, as shown in brackets by `check`")

    rules = commands.add_parser("rules", help="list every rule with its group, default severity and fix")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    model = commands.add_parser("model", help="print what drizzle-lsp reads from a project (config, tables, migrations)")
    try:
        from drizzle_lsp.cli.model_cmd import add_model_arguments
    except ImportError:  # the model command is optional for the other subcommands
        model.add_argument("paths", nargs="*")
    else:
        add_model_arguments(model)

    from drizzle_lsp.cli.migrate_cmd import MIGRATE_EPILOG, add_migrate_arguments

    migrate = commands.add_parser("migrate", help="apply pending migrations to PostgreSQL safely (drizzle's ledger, "
                                  "a transaction per migration, lock_timeout, an advisory lock)",
                                  epilog=MIGRATE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_migrate_arguments(migrate)

    serve = commands.add_parser("serve", help="run the language server (what the VS Code extension starts)")
    serve.add_argument("--stdio", action="store_true", help="talk over standard input/output (the default)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            from drizzle_lsp.cli.check import run_check

            return run_check(args)
        if args.command == "explain":
            from drizzle_lsp.cli.rules_cmd import run_explain

            return run_explain(args.rule)
        if args.command == "rules":
            from drizzle_lsp.cli.rules_cmd import run_rules_list

            return run_rules_list(args.format)
        if args.command == "model":
            from drizzle_lsp.cli.model_cmd import run_model

            return run_model(args)
        if args.command == "migrate":
            from drizzle_lsp.cli.migrate_cmd import run_migrate

            return run_migrate(args)
        if args.command == "serve":
            return _serve(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `drizzle-lsp check | head`: the reader left, nothing more to say
        return EXIT_CLEAN
    parser.print_help()
    return EXIT_USAGE


def _serve(args: argparse.Namespace) -> int:
    try:
        import pygls  # noqa: F401  (only to give a clear message when the optional dependency is missing)
    except ImportError:
        print(
            "drizzle-lsp: the language server needs the optional 'lsp' dependencies (pygls, lsprotocol).\n"
            "Install them with:  pip install 'drizzle-lsp[lsp]'\n"
            "(The VS Code extension installs them for you.)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        from drizzle_lsp.lsp import server
    except ImportError as error:
        print(f"drizzle-lsp: the language server is not available in this build: {error}", file=sys.stderr)
        return EXIT_USAGE
    start = getattr(server, "main", None) or getattr(server, "start", None)
    if start is None:
        print("drizzle-lsp: the language server module has no entry point (main)", file=sys.stderr)
        return EXIT_USAGE
    result = start()
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
