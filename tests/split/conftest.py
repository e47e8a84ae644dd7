"""Two fresh databases on the session's real PostgreSQL: one receives the original migration, the other the split
steps, so their catalogs can be compared."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
import pytest

from tests.migrate.conftest import older_postgres_uri  # noqa: F401  (a fixture: the distribution's older server)


@dataclass
class Pair:
    original: psycopg.Connection
    split: psycopg.Connection
    split_uri: str

    def both(self):
        return (self.original, self.split)


@pytest.fixture(params=["embedded", "older"])
def server_uri(request):
    """The embedded PostgreSQL, then the distribution's older one (skipped where it is not installed)."""
    name = "postgres_uri" if request.param == "embedded" else "older_postgres_uri"
    return request.getfixturevalue(name)


@pytest.fixture
def pair(server_uri, fresh_database):
    original_uri, split_uri = fresh_database(server_uri), fresh_database(server_uri)
    with psycopg.connect(original_uri, autocommit=True) as original, \
            psycopg.connect(split_uri, autocommit=True) as split:
        yield Pair(original, split, split_uri)
