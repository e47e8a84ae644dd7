from drizzle_lsp.rules.framework import Rule


class UnusedSuppression(Rule):
    """A suppression comment that silences nothing.

    ## What it does
    Reports a `drizzle-lsp-ignore` (next statement or line) or `drizzle-lsp-ignore-file` name for which no finding
    was suppressed, when that rule is enabled.

    ## Why is this bad?
    The problem it was written for is gone. Left in place, it would silently hide the next finding of that rule at
    that spot, which is exactly the kind of change a reviewer needs to see.

    ## Example
    ```sql
    -- drizzle-lsp-ignore syntax-error
    CREATE TABLE "users" ("id" integer PRIMARY KEY);
    ```

    Use instead:
    ```sql
    CREATE TABLE "users" ("id" integer PRIMARY KEY);
    ```

    ## Fix safety
    The fix removes the unused name, or the whole comment when it names nothing else. It is safe: nothing was
    suppressed by it, so no finding appears or disappears.
    """

    name = "unused-suppression"
    group = "meta"
    severity = "warning"
    has_fix = True
