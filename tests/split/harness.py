"""Applying an original migration and its split plan to a real PostgreSQL, and comparing what they leave behind.

A case is a setup migration (the tables that exist before: large and live in real life, a few thousand rows here)
and the migration to split. ``apply_plan`` runs the steps the way a runner honouring the plan would: each step in its
own transaction, a ``no_transaction`` step statement by statement in autocommit, each statement of a backfill step
repeated (one transaction per batch) until it changes no row. Every statement is traced (``tests.pg_probe``) so a
test can assert which locks it held while it read or rewrote an existing table.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import psycopg

from drizzle_lsp.fixes.split.plan import SplitPlan
from drizzle_lsp.fixes.split.recipes import plan_split
from drizzle_lsp.rules.testing import build_workspace
from tests.pg_probe import BLOCKS_WRITES, Trace, held_modes, trace

MAX_BATCHES = 100


def make_plan(setup: str, change: str, *, version: int = 16, migrator: str = "transaction") -> SplitPlan | None:
    """The plan for ``change`` applied after ``setup`` (so the tables of ``setup`` existed before it)."""
    workspace = build_workspace(sql=[("0000_setup", setup), ("0001_change", change)], migrator=migrator)
    project = workspace.projects[0]
    return plan_split(project, project.project.migrations.migrations[-1], postgres_version=version)


def statements_of(migration_sql: str) -> list[str]:
    from drizzle_lsp.sql import parse_migration

    return [s.text for s in parse_migration(migration_sql, "m.sql")]


def apply_original(pg, migration_sql: str, tables: list[str]) -> list[Trace]:
    """The migration as drizzle applies a file: every statement in one transaction."""
    traces = []
    pg.execute("BEGIN")
    try:
        for statement in statements_of(migration_sql):
            traces.append(trace(pg, statement, tables))
    except Exception:
        pg.execute("ROLLBACK")
        raise
    pg.execute("COMMIT")
    return traces


@dataclass
class StepRun:
    slug: str
    no_transaction: bool
    traces: list[Trace]
    batches: dict[str, int]  # backfill statement -> times it ran (the last one changed no row)


def apply_plan(pg, plan: SplitPlan, tables: list[str], *, replace: dict[str, str] | None = None,
               run_concurrently=None) -> list[StepRun]:
    """``run_concurrently(statement)``, when given, runs the statements of a no-transaction step instead of ``pg``."""
    runs = []
    for step in plan.steps:
        statements = [_replaced(s, replace) for s in step.statements]
        traces: list[Trace] = []
        batches: dict[str, int] = {}
        if step.no_transaction:
            for statement in statements:
                if run_concurrently is not None:
                    run_concurrently(statement)
                else:
                    pg.execute(statement)  # autocommit: CONCURRENTLY refuses a transaction block (25001)
        elif step.backfill:
            for statement in statements:
                for count in range(1, MAX_BATCHES + 1):
                    pg.execute("BEGIN")
                    traced = trace(pg, statement, tables)
                    pg.execute("COMMIT")
                    traces.append(traced)
                    if traced.rowcount == 0:
                        batches[statement] = count
                        break
                else:
                    raise AssertionError(f"backfill never reached 0 rows: {statement}")
        else:
            pg.execute("BEGIN")
            try:
                for statement in statements:
                    traces.append(trace(pg, statement, tables))
            except Exception:
                pg.execute("ROLLBACK")
                raise
            pg.execute("COMMIT")
        runs.append(StepRun(step.slug, step.no_transaction, traces, batches))
    return runs


def _replaced(statement: str, replace: dict[str, str] | None) -> str:
    for old, new in (replace or {}).items():
        statement = statement.replace(old, new)
    return statement


def scans_under_blocking_locks(traces: list[Trace]) -> list[str]:
    """Statements that read or rewrote an existing table while the transaction held a lock that blocks its writers
    (or readers) on an existing table. Locks last until commit, so a lock taken earlier in the step counts too."""
    found = []
    for traced in traces:
        scanned = traced.scanned()
        blocking = traced.write_blocking_locks()
        if scanned and blocking:
            found.append(f"{traced.statement} read {scanned} while holding {blocking}")
    return found


def catalog(pg, tables: list[str]) -> dict:
    """What the schema of ``tables`` is, order-free: columns, constraints with their validation state, indexes with
    their validity. PostgreSQL 18 NOT NULL constraints are named after the column that first had them, so they are
    compared by column and validation state."""
    columns = pg.execute(
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
        "pg_get_expr(d.adbin, d.adrelid) "
        "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE c.relname = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped", (tables,)).fetchall()
    constraints = pg.execute(
        "SELECT c.relname, k.conname, k.contype, k.convalidated, pg_get_constraintdef(k.oid), "
        "(SELECT attname FROM pg_attribute WHERE attrelid = k.conrelid AND attnum = k.conkey[1]) "
        "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE c.relname = ANY(%s)", (tables,)).fetchall()
    indexes = pg.execute(
        "SELECT c.relname, i.relname, x.indisvalid, x.indisready, pg_get_indexdef(x.indexrelid) "
        "FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE c.relname = ANY(%s)", (tables,)).fetchall()
    return {
        "columns": sorted(columns),
        "constraints": sorted(
            (table, f"NOT NULL {column}" if kind == "n" else name, kind, valid, "" if kind == "n" else definition)
            for table, name, kind, valid, definition, column in constraints),
        "indexes": sorted(indexes),
    }


def concurrent_locks(uri: str, statement: str, table: str) -> dict:
    """Run a concurrent index statement while another transaction writes to ``table`` and keeps its transaction open:
    CONCURRENTLY then waits for that transaction, and meanwhile its locks are read from a third connection, and a
    writer's lock on the table is requested with a short lock_timeout (it must not wait)."""
    holder = psycopg.connect(uri)
    watcher = psycopg.connect(uri, autocommit=True)
    runner = psycopg.connect(uri, autocommit=True)
    result: dict = {}
    try:
        # ROW EXCLUSIVE is the table lock every INSERT/UPDATE/DELETE takes: the holder stands for a writer in the middle
        # of its transaction, the watcher's later LOCK for a new writer
        holder.execute(f'LOCK TABLE "{table}" IN ROW EXCLUSIVE MODE')
        pid = runner.execute("SELECT pg_backend_pid()").fetchone()[0]
        oid = watcher.execute("SELECT %s::regclass::oid", (f'"{table}"',)).fetchone()[0]
        failure: list[BaseException] = []

        def run() -> None:
            try:
                runner.execute(statement)
            except BaseException as error:  # reported to the test below
                failure.append(error)

        thread = threading.Thread(target=run)
        thread.start()
        deadline = time.time() + 20
        modes: list[str] = []
        while time.time() < deadline:
            waiting = watcher.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                                      (pid,)).fetchone()
            modes = held_modes(watcher, oid, pid)
            if waiting and waiting[0] == "Lock" and modes:
                break
            time.sleep(0.05)
        result["modes"] = modes
        watcher.execute("SET lock_timeout = '1s'")
        with watcher.transaction():
            watcher.execute(f'LOCK TABLE "{table}" IN ROW EXCLUSIVE MODE')
        result["write_while_running"] = True
        holder.commit()
        thread.join(30)
        if failure:
            raise failure[0]
    finally:
        holder.close()
        watcher.close()
        runner.close()
    result["blocks_writes"] = bool(set(result["modes"]) & BLOCKS_WRITES)
    return result


def promised_locks(setup: str, plan: SplitPlan) -> list[list[tuple[str, object]]]:
    """For each step, (statement, lock fact) as drizzle-lsp's own lock table (``analysis.locks``) predicts it, given
    the schema replayed up to that statement: the locks the recipe promises."""
    from drizzle_lsp.analysis.locks import lock_facts
    from drizzle_lsp.analysis.replay import replay as replay_migrations
    from drizzle_lsp.model import Migration
    from drizzle_lsp.sql import parse_migration

    migrations = []
    for number, text in enumerate([setup] + ["\n".join(step.statements) for step in plan.steps]):
        migration = Migration(tag=f"{number:04d}_step", sql_path=f"{number:04d}.sql", text=text)
        migration.statements = parse_migration(text, migration.sql_path)
        migrations.append(migration)
    replayed = replay_migrations(migrations, "postgresql")
    promised = []
    for migration in migrations[1:]:
        facts = []
        for statement in migration.statements:
            op = statement.operations[0] if len(statement.operations) == 1 else None
            context = replayed.context(op) if op is not None else None
            facts.append((statement.text, lock_facts(op, context.state_before) if context is not None else None))
        promised.append(facts)
    return promised


def measured_matches_promised(setup: str, plan: SplitPlan, runs: list[StepRun]) -> list[str]:
    """Each statement of a transactional step, measured: the lock it newly took on the table it alters must be the
    promised mode, and it may read or rewrite that table only where the promise says so."""
    from tests.pg_probe import MODE_NAMES, STRENGTH

    mismatches = []
    for step, run, facts in zip(plan.steps, runs, promised_locks(setup, plan)):
        if step.no_transaction or step.backfill:
            continue
        for traced, (_, fact) in zip(run.traces, facts):
            if fact is None or not fact.tables or not fact.tables[0]:
                continue
            table = fact.tables[0]
            before = traced.before.get(table)
            after = traced.after.get(table)
            if before is None or after is None:
                continue  # the statement dropped or renamed it
            if before.locks is None or STRENGTH.index(after.locks) > STRENGTH.index(before.locks):
                if after.locks != MODE_NAMES[fact.lock]:
                    mismatches.append(f"{traced.statement}: promised {fact.lock}, took {after.locks}")
            if traced.read_rows(table) and not fact.scans:
                mismatches.append(f"{traced.statement}: promised no scan of {table}, read its rows")
            if traced.rewrote(table) and not fact.rewrites:
                mismatches.append(f"{traced.statement}: promised no rewrite of {table}, rewrote it")
    return mismatches
