"""Reading what a statement did to a real PostgreSQL: the table locks the backend holds (``pg_locks``), whether a
table was rewritten (``pg_class.relfilenode`` changes) and whether its rows were read (the current transaction's
``pg_stat_xact_user_tables`` counters grow).

Shared by the lock-fact tests and the split-recipe tests, so both measure a statement the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

STRENGTH = [
    "AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock",
    "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock",
]
MODE_NAMES = {
    "ACCESS EXCLUSIVE": "AccessExclusiveLock", "EXCLUSIVE": "ExclusiveLock",
    "SHARE ROW EXCLUSIVE": "ShareRowExclusiveLock", "SHARE": "ShareLock",
    "SHARE UPDATE EXCLUSIVE": "ShareUpdateExclusiveLock", "ROW EXCLUSIVE": "RowExclusiveLock",
}
# Modes that make writers (or readers) of the table wait.
BLOCKS_WRITES = {"ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"}


def strongest(modes) -> str | None:
    modes = list(modes)
    return max(modes, key=STRENGTH.index) if modes else None


def held_modes(pg, oid: int, pid: int | None = None) -> list[str]:
    """The lock modes a backend (this one by default) holds on the relation ``oid``."""
    if pid is None:
        rows = pg.execute("SELECT mode FROM pg_locks WHERE relation = %s AND pid = pg_backend_pid() AND granted",
                          (oid,)).fetchall()
    else:
        rows = pg.execute("SELECT mode FROM pg_locks WHERE relation = %s AND pid = %s AND granted",
                          (oid, pid)).fetchall()
    return [row[0] for row in rows]


def relfilenode(pg, oid: int) -> int:
    return pg.execute("SELECT relfilenode FROM pg_class WHERE oid = %s", (oid,)).fetchone()[0]


@dataclass
class TableState:
    locks: str | None  # the strongest mode held by this backend
    relfilenode: int
    rows_read: int  # tuples read by sequential and index scans in the current transaction


@dataclass
class Trace:
    """What one statement did to each watched table."""

    statement: str
    before: dict[str, TableState]
    after: dict[str, TableState]
    rowcount: int = -1
    errors: list[str] = field(default_factory=list)

    def rewrote(self, table: str) -> bool:
        return table in self.before and table in self.after and \
            self.before[table].relfilenode != self.after[table].relfilenode

    def read_rows(self, table: str) -> bool:
        return table in self.before and table in self.after and \
            self.after[table].rows_read > self.before[table].rows_read

    def lock(self, table: str) -> str | None:
        return self.after[table].locks if table in self.after else None

    def write_blocking_locks(self) -> dict[str, str]:
        return {t: s.locks for t, s in self.after.items() if s.locks in BLOCKS_WRITES}

    def scanned(self) -> list[str]:
        return [t for t in self.after if self.read_rows(t) or self.rewrote(t)]


def table_states(pg, tables: list[str]) -> dict[str, TableState]:
    """The state of each watched table that exists now (a table dropped or renamed drops out)."""
    rows = pg.execute(
        "SELECT c.relname, c.oid, c.relfilenode, coalesce(s.seq_tup_read, 0) + coalesce(s.idx_tup_fetch, 0) "
        "FROM pg_class c LEFT JOIN pg_stat_xact_user_tables s ON s.relid = c.oid "
        "WHERE c.relname = ANY(%s) AND c.relkind IN ('r', 'p')", (tables,)).fetchall()
    return {name: TableState(strongest(held_modes(pg, oid)), node, read) for name, oid, node, read in rows}


def trace(pg, statement: str, tables: list[str]) -> Trace:
    """Run ``statement`` on ``pg`` (inside the caller's transaction, whose locks stay readable) and record it."""
    before = table_states(pg, tables)
    cursor = pg.execute(statement)
    after = table_states(pg, tables)
    return Trace(statement, before, after, rowcount=cursor.rowcount)
