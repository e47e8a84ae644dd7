"""Starts the real server with one rule made to raise, to prove a failing rule never stops the server."""

from drizzle_lsp.rules.meta.unused_suppression import UnusedSuppression  # noqa: F401 - registry import side effects
from drizzle_lsp.rules.registry import get_registry


def _explode(self, ctx):
    raise RuntimeError("injected failure")


for rule in get_registry().rules.values():
    # the first catalogue rule that checks migrations: the test opens a migration and waits for the crash there
    if rule.name not in ("internal-error", "syntax-error", "unused-suppression", "unknown-suppression") \
            and rule.runs_on("migration"):
        rule.check_operation = _explode
        rule.check_column = _explode
        break
else:  # no catalogue rule loaded: make a meta-independent one fail via the schema hook of every rule
    raise SystemExit("no rule to break")

from drizzle_lsp.lsp.server import main  # noqa: E402

main()
