from drizzle_lsp.rules.framework import Rule


class UnknownSuppression(Rule):
    """A suppression comment names something that is not a drizzle-lsp rule or group.

    ## What it does
    Checks every name in `drizzle-lsp-ignore` and `drizzle-lsp-ignore-file` comments against the rule and group
    names, and suggests the closest ones.

    ## Why is this bad?
    A misspelt name suppresses nothing, so the finding the comment was meant to silence is still reported, or, worse,
    the author believes a risk was reviewed when it was not.

    ## Example
    ```sql
    -- drizzle-lsp-ignore drop-tabel
    CREATE TABLE "users" ("id" integer PRIMARY KEY);
    ```

    Use instead:
    ```sql
    CREATE TABLE "users" ("id" integer PRIMARY KEY);
    ```
    """

    name = "unknown-suppression"
    group = "meta"
    severity = "warning"
