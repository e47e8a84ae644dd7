"""``drizzle-lsp migrate [PATH]``: apply a project's pending drizzle migrations to PostgreSQL, safely.

Only ``add_migrate_arguments`` is imported when the parser is built; everything else (the workspace, psycopg) is
imported when the command runs, so other subcommands never pay for it.
"""

from __future__ import annotations

import argparse
import shlex
import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

MIGRATE_EPILOG = """\
what it does: keeps drizzle's ledger ("drizzle"."__drizzle_migrations", same hash and created_at), so you can switch
between this and drizzle-kit migrate in either direction; decides what is pending per migration (not by the newest
timestamp); runs each migration in its own transaction under lock_timeout, retrying lock timeouts; runs a migration
whose first lines hold `-- drizzle-lsp: no-transaction` statement by statement (for CREATE INDEX CONCURRENTLY);
holds an advisory lock so two deploys cannot migrate at once.

database URL: --database-url, else the variable drizzle.config.ts reads (process.env.X), else DATABASE_URL. Use the
direct URL: Neon -pooler hosts and Hyperdrive strings are refused. The password is never printed.

exit status: 0 applied (or nothing to apply), 1 a migration failed or the run was refused (out-of-order or changed
migrations, a pooled URL, a lock held too long), 2 a usage or configuration error.

examples:
  drizzle-lsp migrate                     # deploy: apply what is pending
  drizzle-lsp migrate --status            # applied, pending, out-of-order and changed migrations
  drizzle-lsp migrate --dry-run           # per pending statement: the lock it takes, rewrite or scan
  drizzle-lsp migrate apps/api --database-url "$DIRECT_DATABASE_URL" --lock-timeout 2s
"""


def add_migrate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=".", metavar="PATH",
                        help="the project folder, holding drizzle.config.ts (default: .)")
    parser.add_argument("--database-url", metavar="URL", help="the direct PostgreSQL URL (default: see below)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--status", action="store_true",
                      help="list applied, pending, out-of-order and changed migrations; apply nothing")
    mode.add_argument("--dry-run", action="store_true",
                      help="print each pending statement with the lock it takes and whether it rewrites or scans")
    parser.add_argument("--allow-out-of-order", action="store_true",
                        help="apply pending migrations older than the newest applied one (a branch merged late)")
    parser.add_argument("--allow-changed", action="store_true",
                        help="run even though an applied migration's file changed since (the stored hash is kept)")
    parser.add_argument("--lock-timeout", metavar="DURATION",
                        help="give up waiting for a lock after this long, e.g. 2s (default: [migrate] lock-timeout "
                             "in .drizzle-lsp.toml, else 5s; 0 = wait forever)")
    parser.add_argument("--statement-timeout", metavar="DURATION",
                        help="cancel a statement running longer than this (default: [migrate] statement-timeout, "
                             "else the server's)")
    parser.add_argument("--retries", type=int, metavar="N",
                        help="retries after a lock timeout (default: [migrate] retries, else 3)")
    parser.add_argument("--retry-delay", metavar="DURATION", default="1s",
                        help="wait before the first retry, doubled each time (default: 1s)")
    parser.add_argument("--wait", metavar="DURATION", default="15min",
                        help="how long to wait for another migration run to finish (default: 15min)")
    parser.add_argument("--config", metavar="PATH", help="use this .drizzle-lsp.toml instead of searching for one")


def run_migrate(args: argparse.Namespace) -> int:
    from drizzle_lsp.analysis.project import load_workspace
    from drizzle_lsp.migrate.report import shown_path
    from drizzle_lsp.migrate.target import ConfigError, load_target

    workspace = load_workspace([args.path], settings_path=args.config)
    problems = [p.message for p in workspace.problems if p.severity == "error"]
    if problems or not workspace.projects:
        return _usage("\n".join(problems) or f"no Drizzle project found in {args.path}")
    if len(workspace.projects) > 1:
        roots = "\n  ".join(shown_path(a.project.root) for a in workspace.projects)
        return _usage(f"{args.path} holds {len(workspace.projects)} Drizzle projects; pass the folder of the one to "
                      f"migrate:\n  {roots}")
    analyzed = workspace.projects[0]
    settings_errors = [p.message for p in getattr(analyzed.settings, "problems", []) if p.severity == "error"]
    if settings_errors:
        return _usage("fix .drizzle-lsp.toml first (migrate never runs on a guessed setting):\n  "
                      + "\n  ".join(settings_errors))
    try:
        target = load_target(analyzed)
        options = _options(args, analyzed.settings)
    except (ConfigError, ValueError) as error:
        return _usage(str(error))
    return _run(args, analyzed, target, options)


def _run(args, analyzed, target, options) -> int:
    from drizzle_lsp.migrate.report import dry_run_lines, shown_path
    from drizzle_lsp.migrate.runner import Printer, Runner, Stop, connect
    from drizzle_lsp.migrate.urls import missing_url_message, refusal, resolve_database_url

    config = analyzed.project.config
    url = resolve_database_url(args.database_url, config)
    printer = Printer(url.secrets if url else [])
    if url is None:
        if not args.dry_run:
            return _usage(missing_url_message(config))
        printer.say(f"drizzle-lsp migrate --dry-run: {shown_path(target.root)}, no database URL: every migration "
                    "is shown as pending")
        for line in dry_run_lines(target, target.migrations, options, target.postgres_version):
            printer.say(line)
        return EXIT_FAILED if any(p.problems for p in target.plans.values()) else EXIT_OK
    refused = refusal(url)
    if refused:
        printer.error(f"drizzle-lsp migrate: refusing {url.source}: {refused}")
        return EXIT_FAILED
    try:
        import psycopg
    except ImportError:
        return _usage("drizzle-lsp migrate needs psycopg 3, an optional dependency. Install it with:\n"
                      "  pip install 'drizzle-lsp[migrate]'\n"
                      "(or, where drizzle-lsp was installed with pipx: pipx inject drizzle-lsp 'psycopg[binary]')")
    for warning in target.warnings:
        printer.say(f"warning: {warning}")
    printer.say(f"drizzle-lsp migrate: {shown_path(target.root)} -> {url.display()} (URL from {url.source}), "
                f"ledger {target.ledger.display}")
    try:
        conn = connect(url)
    except psycopg.Error as error:
        printer.error(f"drizzle-lsp migrate: cannot connect to {url.display()} (URL from {url.source}): "
                      f"{str(error).strip()}")
        return EXIT_FAILED
    try:
        runner = Runner(conn, target, options, printer)
        if args.status:
            return runner.status()
        if args.dry_run:
            return runner.dry_run()
        return runner.apply()
    except Stop as stop:
        for line in stop.lines:
            printer.error(line)
        return EXIT_FAILED
    except psycopg.Error as error:  # the ledger or the lock could not be read or written: say so, no traceback
        printer.error(f"drizzle-lsp migrate: PostgreSQL error {getattr(error, 'sqlstate', None) or ''} while reading "
                      f"or writing {target.ledger.display}: {str(error).strip()}\nNothing more was applied. To resume "
                      f"once the cause is fixed: {options.resume_command}")
        return EXIT_FAILED
    finally:
        conn.close()


def _options(args: argparse.Namespace, settings):
    from drizzle_lsp.migrate.target import Options, parse_duration_ms

    lock = args.lock_timeout if args.lock_timeout is not None else getattr(settings, "lock_timeout", "5s")
    statement = args.statement_timeout if args.statement_timeout is not None else \
        getattr(settings, "statement_timeout", None)
    retries = args.retries if args.retries is not None else getattr(settings, "retries", 3)
    if retries < 0:
        raise ValueError("--retries must be 0 or more")
    return Options(
        lock_timeout_ms=parse_duration_ms(lock) if lock is not None else None,
        statement_timeout_ms=parse_duration_ms(statement) if statement is not None else None,
        retries=retries,
        retry_delay_s=parse_duration_ms(args.retry_delay) / 1000,
        wait_s=parse_duration_ms(args.wait) / 1000,
        allow_out_of_order=args.allow_out_of_order,
        allow_changed=args.allow_changed,
        resume_command=_resume_command(args),
    )


def _resume_command(args: argparse.Namespace) -> str:
    """The command to run again: the same project and settings; the URL as given (its password masked on print)."""
    words = ["drizzle-lsp", "migrate"]
    if args.path not in (".", "./"):
        words.append(args.path)
    for flag, value in (("--database-url", args.database_url), ("--config", args.config),
                        ("--lock-timeout", args.lock_timeout), ("--statement-timeout", args.statement_timeout),
                        ("--retries", args.retries)):
        if value is not None:
            words += [flag, str(value)]
    words += [flag for flag, on in (("--allow-out-of-order", args.allow_out_of_order),
                                    ("--allow-changed", args.allow_changed)) if on]
    return shlex.join(words)


def _usage(message: str) -> int:
    print(f"drizzle-lsp migrate: {message}", file=sys.stderr)
    return EXIT_USAGE
