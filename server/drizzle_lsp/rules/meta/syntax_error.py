from drizzle_lsp.rules.framework import Rule


class SyntaxError_(Rule):
    """A statement or file that could not be parsed.

    ## What it does
    Reports where the parser stopped in a migration (or a schema file) and the parser's message. The rest of the
    file is still checked: each statement is parsed on its own.

    ## Why is this bad?
    PostgreSQL (or SQLite, or MySQL) will reject the same statement when the migration runs, usually at deploy
    time. With a transactional migrator the whole batch of pending migrations rolls back; with `neon-http` the
    statements before it stay applied.

    ## Example
    ```sql
    CREATE TABLE "users" ("id" integer PRIMARY KEY,);
    ```

    Use instead:
    ```sql
    CREATE TABLE "users" ("id" integer PRIMARY KEY);
    ```
    """

    name = "syntax-error"
    group = "meta"
    severity = "error"
