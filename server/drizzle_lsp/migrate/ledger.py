"""drizzle's ledger table, read and written exactly as drizzle-orm's migrator does, plus what only this runner needs.

0.x: ``"drizzle"."__drizzle_migrations" (id serial primary key, hash text not null, created_at bigint)``, one row
``(hash, created_at = journal when)`` per applied migration. v1 adds ``name text`` (the folder name, which v1 uses
to decide what is pending) and ``applied_at timestamptz default now()``; a 0.x ledger is upgraded the way drizzle
v1 does it (add both columns, fill ``name`` for the rows that match a local migration). Schema and table come from
the config's ``migrations: { schema, table }``.

This runner also keeps:
- a session advisory lock whose key is derived from the ledger's name, so runs against the same ledger serialise;
- ``<table>_lsp_progress``, only while a migration that commits in several steps (no-transaction, or an explicit
  COMMIT) is being applied: how many of its queries are committed, so a rerun resumes after them instead of
  repeating them. It is dropped with its last row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from drizzle_lsp.migrate.plan import LedgerRow


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class Ledger:
    schema: str
    table: str
    layout: str  # "0.x" | "v1"

    @property
    def qualified(self) -> str:
        return f"{quote_ident(self.schema)}.{quote_ident(self.table)}"

    @property
    def progress_qualified(self) -> str:
        return f"{quote_ident(self.schema)}.{quote_ident(self.table + '_lsp_progress')}"

    @property
    def display(self) -> str:
        return self.qualified

    @property
    def advisory_key(self) -> int:
        """A fixed signed 64-bit key: the same ledger always gives the same key, whichever machine runs."""
        digest = hashlib.sha256(f"drizzle-lsp migrate {self.schema}.{self.table}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)


def table_exists(conn, ledger: Ledger) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", [ledger.qualified]).fetchone()[0]


def has_name_column(conn, ledger: Ledger) -> bool:
    return conn.execute(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
        "AND column_name = 'name')", [ledger.schema, ledger.table]).fetchone()[0]


def read_rows(conn, ledger: Ledger) -> list[LedgerRow]:
    """Every row, oldest first; an empty list when the table does not exist yet."""
    if not table_exists(conn, ledger):
        return []
    name = "name" if has_name_column(conn, ledger) else "NULL::text"
    rows = conn.execute(f"SELECT id, hash, created_at, {name} FROM {ledger.qualified} ORDER BY id").fetchall()
    return [LedgerRow(int(r[0]), r[1], int(r[2]) if r[2] is not None else None, r[3]) for r in rows]


def ensure_table(conn, ledger: Ledger) -> None:
    """Create the schema and table as drizzle does; checking first, since CREATE SCHEMA IF NOT EXISTS still needs
    the CREATE privilege on the database when the schema exists."""
    exists = conn.execute("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s)", [ledger.schema]).fetchone()[0]
    if not exists:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(ledger.schema)}")
    columns = "id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint"
    if ledger.layout == "v1":
        columns += ", name text, applied_at timestamp with time zone DEFAULT now()"
    conn.execute(f"CREATE TABLE IF NOT EXISTS {ledger.qualified} ({columns})")


def upgrade_to_v1(conn, ledger: Ledger, names_by_row_id: dict[int, str]) -> None:
    """A 0.x ledger used with a v1 folder: the columns drizzle v1 adds, and the names of the rows it recognises
    (``applied_at`` NULL for those, as drizzle leaves it: the real time is unknown)."""
    with conn.transaction():
        conn.execute(f"ALTER TABLE {ledger.qualified} ADD COLUMN IF NOT EXISTS name text")
        conn.execute(f"ALTER TABLE {ledger.qualified} ADD COLUMN IF NOT EXISTS applied_at timestamp with time zone "
                     "DEFAULT now()")
        for row_id, name in names_by_row_id.items():
            conn.execute(f"UPDATE {ledger.qualified} SET name = %s, applied_at = NULL WHERE id = %s", [name, row_id])


def record(conn, ledger: Ledger, migration_hash: str, created_at: int | None, name: str) -> None:
    """The row drizzle's migrator writes after a migration: same columns, same values."""
    if ledger.layout == "v1":
        conn.execute(f'INSERT INTO {ledger.qualified} ("hash", "created_at", "name") VALUES (%s, %s, %s)',
                     [migration_hash, created_at, name])
    else:
        conn.execute(f'INSERT INTO {ledger.qualified} ("hash", "created_at") VALUES (%s, %s)',
                     [migration_hash, created_at])


# ---------------------------------------------------------------------------------------------------------------------
# Advisory lock

def try_lock(conn, ledger: Ledger) -> bool:
    return bool(conn.execute("SELECT pg_try_advisory_lock(%s)", [ledger.advisory_key]).fetchone()[0])


def unlock(conn, ledger: Ledger) -> None:
    conn.execute("SELECT pg_advisory_unlock(%s)", [ledger.advisory_key])


def lock_holder(conn, ledger: Ledger) -> str | None:
    """Who holds the lock, for the waiting message: "pid 123 (drizzle-lsp migrate, from 10.0.0.5, since 12:00:01)"."""
    key = ledger.advisory_key
    row = conn.execute(
        "SELECT l.pid, a.application_name, a.client_addr::text, to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ') "
        "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s AND l.objsubid = 1 "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        [(key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF]).fetchone()
    if row is None:
        return None
    pid, application, address, since = row
    details = ", ".join(x for x in (application or None, f"from {address}" if address else None,
                                    f"connected since {since}" if since else None) if x)
    return f"pid {pid}" + (f" ({details})" if details else "")


# ---------------------------------------------------------------------------------------------------------------------
# Progress of a migration that commits in several steps

def read_progress(conn, ledger: Ledger) -> dict[str, tuple[str, int]]:
    """tag -> (hash of the queries committed, how many were committed)."""
    if not conn.execute("SELECT to_regclass(%s) IS NOT NULL", [ledger.progress_qualified]).fetchone()[0]:
        return {}
    rows = conn.execute(f"SELECT tag, hash, queries_done FROM {ledger.progress_qualified}").fetchall()
    return {tag: (hash_, int(done)) for tag, hash_, done in rows}


def ensure_progress_table(conn, ledger: Ledger) -> None:
    conn.execute(f"CREATE TABLE IF NOT EXISTS {ledger.progress_qualified} (tag text PRIMARY KEY, hash text NOT NULL, "
                 "queries_done integer NOT NULL, updated_at timestamp with time zone NOT NULL DEFAULT now())")


def save_progress(conn, ledger: Ledger, tag: str, done_hash: str, queries_done: int) -> None:
    conn.execute(f"INSERT INTO {ledger.progress_qualified} (tag, hash, queries_done) VALUES (%s, %s, %s) "
                 "ON CONFLICT (tag) DO UPDATE SET hash = excluded.hash, queries_done = excluded.queries_done, "
                 "updated_at = now()", [tag, done_hash, queries_done])


def clear_progress(conn, ledger: Ledger, tag: str) -> None:
    """Forget ``tag``'s progress; the table goes with its last row, so a finished run leaves only drizzle's ledger."""
    if conn.execute("SELECT to_regclass(%s) IS NOT NULL", [ledger.progress_qualified]).fetchone()[0]:
        conn.execute(f"DELETE FROM {ledger.progress_qualified} WHERE tag = %s", [tag])
        if not conn.execute(f"SELECT EXISTS (SELECT 1 FROM {ledger.progress_qualified})").fetchone()[0]:
            conn.execute(f"DROP TABLE {ledger.progress_qualified}")
