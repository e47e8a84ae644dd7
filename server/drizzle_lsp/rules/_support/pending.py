"""How far back a rule looks for statements of other migrations that may share a transaction with this one.

Under the ``transaction`` migrator every pending migration runs in one transaction, but which migrations are pending
together is only known at deploy time. Counting every earlier migration would report the first migration's locks in
every later file, although only a fresh database (empty tables) ever applies them all at once. The rules therefore
assume the usual case of a deploy carrying a few new migrations, configurable per rule:

```toml
[rules.options.exclusive-lock-held-across-statements]
pending-migrations = 3   # this migration and the 2 before it may run in one transaction (default 2; 1 = own file)
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from drizzle_lsp.rules._support.transactions import StatementRef, TransactionMap

OPTION = "pending-migrations"
DEFAULT_PENDING = 2


def pending_migrations(options: Mapping[str, Any]) -> int:
    """The ``pending-migrations`` option of a rule: a whole number of migrations, at least 1."""
    value = options.get(OPTION, DEFAULT_PENDING) if options else DEFAULT_PENDING
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return DEFAULT_PENDING
    return value


def earlier_in_window(tmap: TransactionMap, ref: StatementRef, pending: int) -> Iterator[StatementRef]:
    """The statements before ``ref`` in its transaction, nearest first, from its own migration and the
    ``pending - 1`` migrations before it."""
    for position in range(ref.position - 1, -1, -1):
        earlier = tmap.refs[position]
        if ref.file - earlier.file >= pending:
            return
        if earlier.transaction == ref.transaction:
            yield earlier


def later_in_window(tmap: TransactionMap, ref: StatementRef, pending: int) -> Iterator[StatementRef]:
    """The statements after ``ref`` in its transaction, nearest first, up to ``pending - 1`` migrations later."""
    for position in range(ref.position + 1, len(tmap.refs)):
        later = tmap.refs[position]
        if later.file - ref.file >= pending:
            return
        if later.transaction == ref.transaction:
            yield later
