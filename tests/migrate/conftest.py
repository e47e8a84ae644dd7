"""Fixtures of the migration runner's tests; the helpers they use live in ``helpers.py``."""

from __future__ import annotations

import pytest

from tests.migrate.helpers import Project


@pytest.fixture
def project(tmp_path) -> Project:
    """An empty drizzle project (config, journal) in a temporary folder."""
    return Project(str(tmp_path / "app"))
