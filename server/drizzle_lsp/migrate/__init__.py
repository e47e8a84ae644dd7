"""``drizzle-lsp migrate``: apply a project's drizzle migrations to PostgreSQL, safely, keeping drizzle's own ledger.

- ``urls``: where the database URL comes from, masking its password, refusing pooled URLs;
- ``plan``: pure planning (no database): each migration's hash and the queries it sends, and which migrations are
  applied, pending, out of order or changed compared with the ledger's rows;
- ``ledger``: drizzle's ``__drizzle_migrations`` table (0.x and v1 columns), the advisory lock and the progress of
  a partly applied no-transaction migration;
- ``runner``: applies the pending migrations (psycopg 3, imported only here, lazily);
- ``report``: the text printed for ``--status``, ``--dry-run`` and failures.
"""
