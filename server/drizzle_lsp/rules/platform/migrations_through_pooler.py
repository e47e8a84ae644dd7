from __future__ import annotations

import os
import re
from collections.abc import Iterable

from drizzle_lsp.migrate.urls import Pooled, pooled_host
from drizzle_lsp.model.source import SourceRange
from drizzle_lsp.rules.framework import ProjectContext, Rule, Violation

# The files drizzle-kit users keep the URL in: `dotenv` reads .env (Next.js-style setups add .env.local), and a
# Workers project keeps its local secrets in wrangler's .dev.vars and points dotenv at it.
ENV_FILES = (".env", ".env.local", ".dev.vars")
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(?P<value>.*?)\s*$")


def parse_env(text: str) -> dict[str, str]:
    """KEY=VALUE lines, values optionally quoted; later lines win, as in dotenv. Deliberately simple: no expansion."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        match = _ASSIGNMENT.match(line)
        if not match:
            continue
        value = match.group("value")
        if len(value) >= 2 and value[0] in "'\"`" and value.rfind(value[0]) > 0:
            value = value[1:value.rfind(value[0])]
        else:
            value = re.split(r"\s+#", value, maxsplit=1)[0].strip()  # an unquoted value ends at a comment
        values[match.group("key")] = value
    return values


class MigrationsThroughPooler(Rule):
    """drizzle.config.ts migrates through Neon's `-pooler` host or a Hyperdrive connection string.

    ## What it does
    Reads the URL `drizzle.config.ts` gives drizzle-kit (`dbCredentials.url`, or the `process.env.X` it names,
    looked up in the project's `.env`, `.env.local` and `.dev.vars`) and flags Neon's pooled host (`-pooler` in the
    host name) and Cloudflare Hyperdrive connection strings (`*.hyperdrive.local`). Only the host is ever shown:
    the password stays out of every message.

    ## Why is this bad?
    Both pool connections in transaction mode: each transaction may run on a different server connection, so `SET`
    (a `lock_timeout`, a `search_path`) does not stick, session advisory locks and temporary tables do not survive,
    and Hyperdrive cuts every query off after 60 s, in the middle of a long index build or backfill. Neon's
    documentation says to run schema migrations over the direct connection; a Hyperdrive string only works inside a
    Worker and should be created from the direct string in the first place.

    ## Example
    ```ts
    import { defineConfig } from "drizzle-kit";

    export default defineConfig({
      dialect: "postgresql",
      dbCredentials: {
        url: "postgresql://app:secret@ep-cool-night-123-pooler.eu-central-1.aws.neon.tech/neondb",
      },
    });
    ```

    Use instead:
    ```ts
    import { defineConfig } from "drizzle-kit";

    export default defineConfig({
      dialect: "postgresql",
      dbCredentials: {
        url: "postgresql://app:secret@ep-cool-night-123.eu-central-1.aws.neon.tech/neondb",
      },
    });
    ```
    """

    name = "migrations-through-pooler"
    group = "platform"
    severity = "warning"
    dialects = ("postgresql",)
    target = "project"
    # The example is a drizzle.config.ts, and lint_blocks turns ```ts blocks into the schema file while writing its
    # own config: the finding cannot be reproduced from docstring blocks. The tests write real configs instead.
    example_testable = False
    # A check_project rule: it runs once per project, on every analysis.
    reads = "project"

    def check_project(self, ctx: ProjectContext) -> Iterable[Violation]:
        project = ctx.project.project
        config = project.config
        if config.path is None:
            return
        config_name = os.path.basename(config.path)
        env_names = [config.db_url_env] if config.db_url_env else []
        host_credential = config.db_credentials.get("host")
        if isinstance(host_credential, dict) and isinstance(host_credential.get("env"), str):
            env_names.append(host_credential["env"])
        found_in_env = False
        for variable in env_names:
            for filename, value in self._env_values(ctx, project.root, variable):
                found_in_env = True
                pooled = pooled_host(value) or (pooled_host(f"host={value}") if variable != config.db_url_env else None)
                if pooled:
                    where = f"process.env.{variable}, set in {filename}"
                    yield self._finding(pooled, where, config_name, SourceRange(config.path, 0, 0))
        if found_in_env:
            return  # the environment wins over a `?? "fallback"` literal, so the literal is not what runs
        literal = config.db_url
        if literal is None and isinstance(host_credential, str):
            literal = f"host={host_credential}"
        pooled = pooled_host(literal) if literal else None
        if pooled:
            range = next((config.ranges[k] for k in ("dbCredentials.url", "dbCredentials.connectionString",
                                                     "dbCredentials.host", "dbCredentials") if k in config.ranges),
                         SourceRange(config.path, 0, 0))
            yield self._finding(pooled, "dbCredentials", config_name, range)

    @staticmethod
    def _env_values(ctx: ProjectContext, root: str, variable: str) -> Iterable[tuple[str, str]]:
        for filename in ENV_FILES:
            path = os.path.join(root, filename)
            # the workspace reader, so an unsaved .env in the editor counts and rules stay off the disk themselves
            text = ctx.workspace.file_text(path) if ctx.workspace is not None else None
            if text is None:
                continue
            value = parse_env(text).get(variable)
            if value:
                yield filename, value

    def _finding(self, pooled: Pooled, where: str, config_name: str, range: SourceRange) -> Violation:
        if pooled.kind == "neon":
            direct = pooled.host.replace("-pooler", "", 1)
            message = (f"{config_name} migrates through Neon's pooled host {pooled.host} ({where}): PgBouncer in "
                       "transaction mode, where SET does not stick between statements and session advisory locks "
                       "and temporary tables do not work")
            help = (f"Use the direct connection string for migrations: the same URL with the host {direct} (Neon "
                    "console: Connection details, connection pooling off). Keep the pooled URL for the application.")
        elif pooled.kind == "supabase":
            message = (f"{config_name} migrates through Supabase's transaction-mode pooler {pooled.host}:6543 ({where}): "
                       "SET and session advisory locks do not survive between transactions there")
            help = ("Use the session-mode port 5432 or the direct connection (db.<project>.supabase.co) for "
                    "migrations; keep port 6543 for the application.")
        else:
            message = (f"{config_name} migrates through a Cloudflare Hyperdrive connection string, host {pooled.host} "
                       f"({where}): Hyperdrive pools in transaction mode, SET does not stick, and it cuts every query "
                       "off after 60 s")
            help = ("Use the database's direct connection string for migrations (the origin string the Hyperdrive "
                    "config was created from; for Neon, the host without -pooler), and run them outside Workers.")
        return self.violation(message, range, help=help)
