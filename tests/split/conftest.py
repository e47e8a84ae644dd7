"""Two fresh databases on the session's real PostgreSQL: one receives the original migration, the other the split
steps, so their catalogs can be compared."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
import pytest


@dataclass
class Pair:
    original: psycopg.Connection
    split: psycopg.Connection
    split_uri: str

    def both(self):
        return (self.original, self.split)


@pytest.fixture
def pair(postgres_uri, fresh_database):
    original_uri, split_uri = fresh_database(postgres_uri), fresh_database(postgres_uri)
    with psycopg.connect(original_uri, autocommit=True) as original, \
            psycopg.connect(split_uri, autocommit=True) as split:
        yield Pair(original, split, split_uri)


@pytest.fixture
def server_major(postgres_uri) -> int:
    with psycopg.connect(postgres_uri) as connection:
        return int(connection.execute("SHOW server_version_num").fetchone()[0]) // 10000
