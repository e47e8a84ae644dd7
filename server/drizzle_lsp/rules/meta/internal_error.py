from drizzle_lsp.rules.framework import Rule


class InternalError(Rule):
    """A drizzle-lsp rule failed while checking this place.

    ## What it does
    When a rule raises an exception, drizzle-lsp reports it here (naming the rule and the error) instead of
    stopping. Every other rule still runs, and the language server keeps answering.

    ## Why is this bad?
    It is a bug in drizzle-lsp, not in your code, but it means the failing rule did not check this file, so a real
    problem could be hiding. Please report it with the file that triggers it. Until it is fixed you can silence the
    rule with `--ignore RULE` or `[rules] ignore = ["RULE"]` in `.drizzle-lsp.toml`.

    ## Example
    ```sql
    -- any statement on which a rule crashes, for example:
    ALTER TABLE "orders" ADD COLUMN "note" text;
    ```

    Use instead:
    ```sql
    -- nothing to change in the migration: report the crash, and ignore the rule meanwhile
    ALTER TABLE "orders" ADD COLUMN "note" text;
    ```
    """

    name = "internal-error"
    group = "meta"
    severity = "error"
    example_testable = False  # a crash cannot be written down as an input that always reproduces it
