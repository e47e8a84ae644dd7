"""Applying the pending migrations over one psycopg 3 connection (imported here only, lazily).

Order of a run: take the advisory lock (polling, see ``_acquire_lock``), create the ledger as drizzle does, compare
it with the folder, refuse what must not run, then apply each pending migration in journal order. A migration runs
in its own transaction with ``SET LOCAL lock_timeout``/``statement_timeout``, its ledger row written in the same
transaction; a lock timeout (or deadlock) rolls the transaction back and retries it, a bounded number of times with
a doubling delay. Queries that commit on their own (no-transaction migrations, statements after an explicit COMMIT)
are retried one by one, an index left INVALID by a failed concurrent build is dropped before the build runs again,
and their progress is saved so a rerun resumes after what was committed.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field

from drizzle_lsp.migrate import ledger as ledgers
from drizzle_lsp.migrate.plan import MigrationPlan, Status, compare
from drizzle_lsp.migrate.report import dry_run_lines, location, preview, refusal_lines, status_lines
from drizzle_lsp.migrate.target import Options, Target, format_ms
from drizzle_lsp.migrate.urls import DatabaseUrl, redact
from drizzle_lsp.model import Migration, OpKind

RETRYABLE = {"55P03": "lock timeout", "40P01": "deadlock"}
MAX_RETRY_DELAY_S = 30.0
APPLICATION_NAME = "drizzle-lsp migrate"
EXIT_OK, EXIT_FAILED = 0, 1


class Printer:
    """Every line the runner prints passes through here, so no password can reach the terminal or a CI log."""

    def __init__(self, secrets: list[str], out=None, err=None) -> None:
        self.secrets = secrets
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    def say(self, text: str = "") -> None:
        print(redact(text, self.secrets), file=self.out, flush=True)

    def error(self, text: str) -> None:
        print(redact(text, self.secrets), file=self.err, flush=True)


class Stop(Exception):
    """The run stops here; ``lines`` say why and what to do (exit status 1)."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__(lines[0] if lines else "")
        self.lines = [f"drizzle-lsp migrate: {lines[0]}"] + lines[1:] if lines else []


class _QueryFailed(Exception):
    def __init__(self, index: int | None, error: Exception, attempts: int, holders: str = "") -> None:
        super().__init__(str(error))
        self.index = index  # the query that failed; None: writing the ledger row or the progress failed
        self.error = error
        self.attempts = attempts
        self.holders = holders  # who held the lock, for a lock timeout


def connect(url: DatabaseUrl):
    import psycopg

    return psycopg.connect(url.url, autocommit=True, application_name=APPLICATION_NAME, connect_timeout=15)


@dataclass(slots=True)
class Runner:
    conn: object
    target: Target
    options: Options
    printer: Printer
    applied_now: list[str] = field(default_factory=list)
    _current: int | None = None

    # -- reading ------------------------------------------------------------------------------------------------------
    def state(self) -> tuple[Status, dict[str, tuple[str, int]]]:
        rows = ledgers.read_rows(self.conn, self.target.ledger)
        return compare(self.target.migrations, rows, self.target.hashes), ledgers.read_progress(self.conn, self.target.ledger)

    @property
    def server_major(self) -> int:
        return self.conn.info.server_version // 10000

    def status(self) -> int:
        status, progress = self.state()
        for line in status_lines(self.target, status, progress):
            self.printer.say(line)
        return EXIT_OK

    def dry_run(self) -> int:
        status, _ = self.state()
        for line in dry_run_lines(self.target, status.pending, self.options, self.server_major):
            self.printer.say(line)
        refusals = refusal_lines(self.target, status, self.options)
        if refusals:
            raise Stop(["the real run would refuse to start:"] + refusals)
        return EXIT_OK

    # -- applying -----------------------------------------------------------------------------------------------------
    def apply(self) -> int:
        target, say = self.target, self.printer.say
        self._acquire_lock()
        ledgers.ensure_table(self.conn, target.ledger)
        if target.layout == "v1" and not ledgers.has_name_column(self.conn, target.ledger):
            status, _ = self.state()
            ledgers.upgrade_to_v1(self.conn, target.ledger, {row.id: m.tag for m, row in status.applied})
            say(f"upgraded {target.ledger.display} to drizzle v1's columns (name, applied_at)")
        status, progress = self.state()
        self._check(status, progress)
        if not status.pending:
            say(f"nothing to apply: the database is up to date ({len(status.applied)} migrations applied).")
            return EXIT_OK
        say(f"{len(status.pending)} migration(s) to apply, lock_timeout {format_ms(self.options.lock_timeout_ms)}, "
            f"statement_timeout {format_ms(self.options.statement_timeout_ms)}")
        started = time.monotonic()
        for position, migration in enumerate(status.pending):
            done = progress.get(migration.tag, ("", 0))[1]
            try:
                self._apply_one(migration, done)
            except _QueryFailed as failure:
                raise Stop(self._failure_lines(migration, failure, status, status.pending[position + 1:])) from None
        say(f"applied {len(self.applied_now)} migration(s) in {_duration(time.monotonic() - started)}.")
        return EXIT_OK

    def _check(self, status: Status, progress: dict[str, tuple[str, int]]) -> None:
        target, say = self.target, self.printer.say
        if status.unknown_rows:
            ids = ", ".join(str(r.id) for r in status.unknown_rows)
            say(f"warning: {len(status.unknown_rows)} ledger row(s) (id {ids}) match no migration in "
                f"{target.out_dir}: applied from another branch, or their files were deleted.")
        refusals = refusal_lines(target, status, self.options)
        pending = {m.tag: m for m in status.pending}
        for tag, (stored_hash, done) in progress.items():
            if tag in pending and stored_hash != target.plans[tag].prefix_hash(done):
                refusals.append(f"{tag} was partly applied by an earlier run ({done} queries committed), and those "
                                "statements changed in the file since. Check what the database holds, then delete "
                                f"its progress row to start it from the top: DELETE FROM "
                                f"{target.ledger.progress_qualified} WHERE tag = '{tag}';")
        if refusals:
            raise Stop(["refusing to run:"] + refusals)
        for migration, row, current in status.changed:
            say(f"warning: {migration.tag} changed after it was applied (stored hash {row.hash[:12]}…, current "
                f"{current[:12]}…); running anyway (--allow-changed), the stored hash is kept.")

    def _apply_one(self, migration: Migration, done: int) -> None:
        plan = self.target.plans[migration.tag]
        units = plan.units()
        saves_progress = bool(plan.queries) and not (len(units) == 1 and plan.ledger_in_transaction)
        resume = f", resuming after the {done} queries an earlier run committed" if done else ""
        self.printer.say(f"{migration.tag} ({plan.describe_mode()}{resume})")
        started = time.monotonic()
        if saves_progress:
            ledgers.ensure_progress_table(self.conn, self.target.ledger)
        autocommits = any(q.transaction is None for q in plan.queries)
        if autocommits:
            self._set_timeouts(local=False)
        try:
            for unit in units:
                if unit[-1] < done:
                    continue
                self._run_unit(plan, unit, write_ledger=unit is units[-1] and plan.ledger_in_transaction,
                               save_progress=saves_progress)
            if not plan.ledger_in_transaction:
                self._current = None
                try:
                    with self.conn.transaction():
                        self._record(plan)
                except Exception as error:
                    raise _QueryFailed(None, error, 1) from None
        finally:
            if autocommits:
                self._reset_timeouts()
        self.applied_now.append(migration.tag)
        self.printer.say(f"  recorded {migration.tag} in {_duration(time.monotonic() - started)}")

    def _run_unit(self, plan: MigrationPlan, unit: list[int], write_ledger: bool, save_progress: bool) -> None:
        import psycopg

        transactional = plan.queries[unit[0]].transaction is not None
        attempts = self.options.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                if transactional:
                    with self.conn.transaction():
                        self._set_timeouts(local=True)
                        for index in unit:
                            self._execute(plan, index)
                        self._finish_unit(plan, unit, write_ledger, save_progress)
                else:
                    self._current = unit[0]  # a lock timeout while dropping a leftover index is retried like the build
                    self._drop_invalid_indexes(plan, unit[0])
                    self._execute(plan, unit[0])
                    self._finish_unit(plan, unit, write_ledger, save_progress)
                return
            except psycopg.Error as error:
                index = self._current
                reason = RETRYABLE.get(getattr(error, "sqlstate", None) or "")
                holders = self._lock_holders(plan, index) if reason else ""
                if not reason or attempt == attempts or index is None:
                    raise _QueryFailed(index, error, attempt, holders) from None
                delay = min(self.options.retry_delay_s * 2 ** (attempt - 1), MAX_RETRY_DELAY_S)
                query = plan.queries[index]
                self.printer.say(f"    {reason} at {location(plan.migration, query.line)} (attempt {attempt} of "
                                 f"{attempts}{'; lock held by ' + holders if holders else ''}): rolled back, "
                                 f"retrying in {_duration(delay)}")
                time.sleep(delay)

    def _execute(self, plan: MigrationPlan, index: int) -> None:
        query = plan.queries[index]
        self._current = index
        started = time.monotonic()
        # No parameters: psycopg sends the text as one simple query, so a chunk holding several statements runs as
        # one query, exactly as drizzle sends it.
        self.conn.execute(query.text)
        self.printer.say(f"    ok  {location(plan.migration, query.line, query.end_line)}  {preview(query.text)}  "
                         f"{_duration(time.monotonic() - started)}")

    def _finish_unit(self, plan: MigrationPlan, unit: list[int], write_ledger: bool, save_progress: bool) -> None:
        self._current = None
        if write_ledger:
            self._record(plan)
        elif save_progress:
            ledgers.save_progress(self.conn, self.target.ledger, plan.tag, plan.prefix_hash(unit[-1] + 1), unit[-1] + 1)

    def _record(self, plan: MigrationPlan) -> None:
        ledgers.record(self.conn, self.target.ledger, plan.hash, plan.migration.when, plan.tag)
        ledgers.clear_progress(self.conn, self.target.ledger, plan.tag)

    # -- timeouts, locks, indexes -------------------------------------------------------------------------------------
    def _set_timeouts(self, local: bool) -> None:
        for name, ms in (("lock_timeout", self.options.lock_timeout_ms),
                         ("statement_timeout", self.options.statement_timeout_ms)):
            if ms is not None:
                self.conn.execute("SELECT set_config(%s, %s, %s)", [name, f"{ms}ms", local])

    def _reset_timeouts(self) -> None:
        try:
            self.conn.execute("RESET lock_timeout")
            self.conn.execute("RESET statement_timeout")
        except Exception:  # the connection may be gone after a failure; the failure is what gets reported
            pass

    def _acquire_lock(self) -> None:
        """Poll ``pg_try_advisory_lock`` instead of blocking in ``pg_advisory_lock``: a waiting statement holds a
        snapshot, and the other run's ``CREATE INDEX CONCURRENTLY`` waits for every older snapshot to end."""
        ledger = self.target.ledger
        if ledgers.try_lock(self.conn, ledger):
            return
        holder = ledgers.lock_holder(self.conn, ledger) or "another session"
        self.printer.say(f"another migration run holds the lock on {ledger.display} ({holder}); waiting up to "
                         f"{_duration(self.options.wait_s)} for it to finish")
        started = time.monotonic()
        delay = 0.05
        while True:
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
            if ledgers.try_lock(self.conn, ledger):
                self.printer.say(f"lock acquired after {_duration(time.monotonic() - started)}")
                return
            if time.monotonic() - started > self.options.wait_s:
                raise Stop([f"gave up after waiting {_duration(self.options.wait_s)} for the other migration run "
                            f"({holder}) to release the lock on {ledger.display}. Nothing was applied.",
                            f"Run again when it has finished: {self.options.resume_command}"])

    def _lock_holders(self, plan: MigrationPlan, index: int | None) -> str:
        if index is None:
            return ""
        tables = {ledgers.quote_ident(op.schema) + "." + ledgers.quote_ident(op.table) if op.schema
                  else ledgers.quote_ident(op.table) for op in plan.queries[index].operations if op.table}
        holders = []
        try:
            for table in sorted(tables):
                holders += self.conn.execute(
                    "SELECT format('pid %%s (%%s, %%s%%s)', l.pid, l.mode, coalesce(a.state, '?'), "
                    "CASE WHEN a.application_name <> '' THEN ', ' || a.application_name ELSE '' END) "
                    "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.granted "
                    "AND l.relation = to_regclass(%s) AND l.pid <> pg_backend_pid()", [table]).fetchall()
        except Exception:  # only a hint for the message: never let it hide the real error
            return ""
        return ", ".join(sorted({row[0] for row in holders}))

    def _drop_invalid_indexes(self, plan: MigrationPlan, index: int) -> None:
        for op in plan.queries[index].concurrent_ops:
            if op.kind is not OpKind.CREATE_INDEX or not op.index_name:
                continue
            row = self.conn.execute(
                "SELECT format('%%I.%%I', n.nspname, c.relname) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = %s AND NOT i.indisvalid "
                "AND n.nspname = coalesce(%s, current_schema())", [op.index_name, op.schema]).fetchone()
            if row:
                self.printer.say(f"    dropping index {row[0]}: an earlier concurrent build failed and left it INVALID")
                self.conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {row[0]}")

    # -- failure ------------------------------------------------------------------------------------------------------
    def _failure_lines(self, migration: Migration, failure: _QueryFailed, status: Status,
                       not_run: list[Migration]) -> list[str]:
        plan = self.target.plans[migration.tag]
        error = failure.error
        tries = f" after {failure.attempts} attempts" if failure.attempts > 1 else ""
        if failure.index is not None:
            query = plan.queries[failure.index]
            lines = [f"migration {migration.tag} failed at {location(migration, query.line, query.end_line)}{tries}:",
                     f"  {preview(query.text)}"]
        else:
            lines = [f"migration {migration.tag} failed while recording it in {self.target.ledger.display}:"]
        lines += _error_lines(error)
        if getattr(error, "sqlstate", None) == "55P03":
            lines.append(f"  Another session held a conflicting lock for longer than lock_timeout "
                         f"({format_ms(self.options.lock_timeout_ms)}) on each of {failure.attempts} attempts"
                         + (f"; held by {failure.holders}." if failure.holders else "."))
        before = len(status.applied)
        lines.append(f"Applied and recorded in this run: {', '.join(self.applied_now) or 'none'}"
                     f"{f' (after {before} applied earlier)' if before else ''}.")
        lines.append(self._failing_migration_state(plan, failure))
        if not_run:
            lines.append(f"Not run: {', '.join(m.tag for m in not_run)}.")
        lines.append(f"To resume once the cause is fixed: {self.options.resume_command}")
        return lines

    def _failing_migration_state(self, plan: MigrationPlan, failure: _QueryFailed) -> str:
        if failure.index is None:
            return f"{plan.tag}: its statements ran, but it is not recorded; the next run applies it again."
        query = plan.queries[failure.index]
        if query.transaction is not None:
            unit = next(u for u in plan.units() if failure.index in u)
            committed = unit[0]
        else:
            committed = failure.index
        if committed == 0:
            return f"{plan.tag}: rolled back, nothing of it was applied, and it is not recorded."
        last = plan.queries[committed - 1]
        return (f"{plan.tag}: partly applied. Its statements up to line {last.end_line} were committed (they do not "
                "run in one transaction) and saved as progress; the failed part was rolled back. The next run "
                f"resumes at line {plan.queries[committed].line}.")


def _error_lines(error: Exception) -> list[str]:
    diag = getattr(error, "diag", None)
    sqlstate = getattr(error, "sqlstate", None)
    primary = getattr(diag, "message_primary", None) or (str(error).strip().splitlines() or [type(error).__name__])[0]
    if sqlstate:
        condition = re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()
        lines = [f"  PostgreSQL error {sqlstate} ({condition}): {primary}"]
    else:
        lines = [f"  {primary}"]
    for label in ("detail", "hint"):
        value = getattr(diag, f"message_{label}", None) if diag is not None else None
        if value:
            lines.append(f"  {label}: {value}")
    return lines


def _duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.1f} min"
