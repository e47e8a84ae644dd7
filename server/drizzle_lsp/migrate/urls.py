"""The database URL: where it comes from, how it is shown without its password, and which URLs must not migrate.

Sources, first found wins: ``--database-url``; the environment variable ``drizzle.config.ts`` reads
(``process.env.X``); ``DATABASE_URL``; a literal URL (or host/user/... credentials) written in the config. Both URL
(``postgres://…``) and libpq key=value forms are understood.

Transaction-mode poolers are refused: Neon's ``-pooler`` host and Supabase's port 6543 run PgBouncer/Supavisor in
transaction mode, and Cloudflare Hyperdrive pools the same way. There a session advisory lock and session settings do
not survive between transactions, so two deploys could migrate at once and ``lock_timeout`` would not stick.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from drizzle_lsp.model import DrizzleConfig

MASK = "****"
_URL_USERINFO = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*:)([^\s@]+)(@)")
_KEY_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]+)", re.IGNORECASE)
_KEY_VALUE = re.compile(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")
# Shorter passwords are masked inside URLs only: replacing every occurrence of a two-letter word would garble output.
_MIN_LITERAL_SECRET = 4


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    url: str
    source: str  # for people: "--database-url", "$DATABASE_URL", "drizzle.config.ts (dbCredentials.url)", ...

    @property
    def parts(self) -> dict[str, str]:
        return conninfo_parts(self.url)

    @property
    def secrets(self) -> list[str]:
        password = self.parts.get("password")
        return [password] if password else []

    def display(self) -> str:
        """``user@host:port/db``: enough to recognise the target, never the password."""
        parts = self.parts
        user = parts.get("user", "")
        host = parts.get("host", "") or "localhost"
        port = f":{parts['port']}" if parts.get("port") else ""
        database = parts.get("dbname", "")
        return f"{user + '@' if user else ''}{host}{port}/{database}"


def conninfo_parts(url: str) -> dict[str, str]:
    """libpq keywords (host, port, user, password, dbname, ...) of a URL or a key=value string. Never raises."""
    url = url.strip()
    if "://" not in url:
        return {key.lower(): _unquote_value(value) for key, value in _KEY_VALUE.findall(url)}
    try:
        split = urlsplit(url)
        parts: dict[str, str] = {}
        if split.username:
            parts["user"] = unquote(split.username)
        if split.password is not None:
            parts["password"] = unquote(split.password)
        netloc_host = split.netloc.rpartition("@")[2]
        if netloc_host:
            host, _, port = netloc_host.rpartition(":") if not netloc_host.endswith("]") else (netloc_host, "", "")
            if not host:  # no port was written
                host, port = netloc_host, ""
            parts["host"] = unquote(host.strip("[]"))
            if port:
                parts["port"] = port
        if split.path.strip("/"):
            parts["dbname"] = unquote(split.path.lstrip("/"))
        for key, value in parse_qsl(split.query):
            parts[key.lower()] = value
        return parts
    except ValueError:
        return {}


def _unquote_value(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every password hidden: in URLs, in ``password=`` settings, and any literal occurrence."""
    text = _URL_USERINFO.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    text = _KEY_PASSWORD.sub(lambda m: m.group(1) + MASK, text)
    for secret in secrets:
        if secret and len(secret) >= _MIN_LITERAL_SECRET:
            for form in {secret, quote(secret, safe="")}:
                text = text.replace(form, MASK)
    return text


def resolve_database_url(flag: str | None, config: DrizzleConfig, environ: Mapping[str, str] = os.environ
                         ) -> DatabaseUrl | None:
    if flag:
        return DatabaseUrl(flag, "--database-url")
    config_name = os.path.basename(config.path) if config.path else "drizzle.config.ts"
    if config.db_url_env and environ.get(config.db_url_env):
        return DatabaseUrl(environ[config.db_url_env], f"${config.db_url_env}, read by {config_name}")
    if environ.get("DATABASE_URL"):
        return DatabaseUrl(environ["DATABASE_URL"], "$DATABASE_URL")
    if config.db_url:
        return DatabaseUrl(config.db_url, f"{config_name} (dbCredentials.url)")
    return _from_credentials(config, environ, config_name)


def _from_credentials(config: DrizzleConfig, environ: Mapping[str, str], config_name: str) -> DatabaseUrl | None:
    """host/port/user/password/database credentials, each a literal or ``process.env.X``, as a key=value string."""
    credentials = config.db_credentials or {}
    if "host" not in credentials:
        return None
    keywords = {"host": "host", "port": "port", "user": "user", "password": "password", "database": "dbname",
                "ssl": "sslmode"}
    pairs = []
    for name, keyword in keywords.items():
        value = credentials.get(name)
        if isinstance(value, dict) and "env" in value:
            value = environ.get(str(value["env"]))
        if value is None or value == "" or isinstance(value, dict):
            if name == "host":
                return None
            continue
        if name == "ssl":
            if value is True or value in ("require", "true"):
                value = "require"
            elif value is False:
                value = "disable"
            else:
                continue
        text = str(value).replace("\\", "\\\\").replace("'", "\\'")
        pairs.append(f"{keyword}='{text}'")
    return DatabaseUrl(" ".join(pairs), f"{config_name} (dbCredentials host, user, ...)")


def missing_url_message(config: DrizzleConfig) -> str:
    config_name = os.path.basename(config.path) if config.path else "drizzle.config.ts"
    if config.db_url_env and config.db_url_env != "DATABASE_URL":
        reads = f"{config_name} reads process.env.{config.db_url_env}, which is not set, and neither is DATABASE_URL"
    elif config.db_url_env:
        reads = f"{config_name} reads process.env.DATABASE_URL, which is not set"
    else:
        reads = "DATABASE_URL is not set and the config names no URL"
    variable = config.db_url_env or "DATABASE_URL"
    return (f"no database URL: {reads}.\n"
            f"Pass --database-url, or export {variable} (from a .env file: set -a; . ./.env; set +a).\n"
            "Use the direct connection string, not a pooled one.")


@dataclass(frozen=True, slots=True)
class Pooled:
    kind: str  # "neon" | "hyperdrive" | "supabase"
    host: str


def pooled_host(connection: str | dict) -> Pooled | None:
    """The transaction-mode pooler a connection string (URL or key=value, or its parsed parts) goes through."""
    parts = conninfo_parts(connection) if isinstance(connection, str) else connection
    hosts = [h.strip().lower() for h in parts.get("host", "").split(",") if h.strip()]
    for host in hosts:
        if host == "hyperdrive.local" or host.endswith(".hyperdrive.local"):
            return Pooled("hyperdrive", host)
        # Neon's pooled endpoint is the compute id with -pooler appended: ep-x-123-pooler.region.aws.neon.tech
        if "-pooler." in host or host.endswith("-pooler"):
            return Pooled("neon", host)
        if host.endswith("pooler.supabase.com") and parts.get("port", "") == "6543":
            return Pooled("supabase", host)
    return None


def refusal(url: DatabaseUrl) -> str | None:
    """Why this URL must not be used for migrations, and what to use instead; None when it is fine."""
    pooled = pooled_host(url.parts)
    if pooled is None:
        return None
    if pooled.kind == "hyperdrive":
        return (f"{url.display()} is a Cloudflare Hyperdrive connection string. Hyperdrive pools connections in "
                "transaction mode: the advisory lock that keeps two deploys from migrating at once and the "
                "session settings do not survive between transactions, and it cuts every query off after 60 s. "
                "Hyperdrive strings only work inside a Worker anyway. Run migrations outside Workers, over the "
                "database's direct URL (the origin string the Hyperdrive config was created from; for Neon, "
                "the connection string without -pooler).")
    if pooled.kind == "neon":
        direct = pooled.host.replace("-pooler", "", 1)
        return (f"{url.display()} is Neon's pooled host ({pooled.host}): PgBouncer in transaction mode, where the "
                "advisory lock that keeps two deploys from migrating at once, SET and session state do not "
                "work. Neon's documentation says to run schema migrations over the direct connection. Use the "
                f"same URL with the host {direct} (Neon console: Connection details, pooling off).")
    return (f"{url.display()} is Supabase's transaction-mode pooler (port 6543): the advisory lock and "
            "session settings do not survive between transactions there. Use the session-mode port 5432 "
            "or the direct connection (db.<project>.supabase.co).")
