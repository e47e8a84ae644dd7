"""Fixtures of the migration runner's tests; the helpers they use live in ``helpers.py``."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from tests.migrate.helpers import Project

# The embedded server is PostgreSQL 18; Debian's package (postgresql-15 on bookworm) covers an older major.
EMBEDDED_MAJOR = 18


@pytest.fixture
def project(tmp_path) -> Project:
    """An empty drizzle project (config, journal) in a temporary folder."""
    return Project(str(tmp_path / "app"))


def _older_server_bin() -> str | None:
    found = []
    for pg_ctl in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"):
        major = re.search(r"/postgresql/(\d+)/", pg_ctl)
        if major and int(major.group(1)) < EMBEDDED_MAJOR:
            found.append((int(major.group(1)), os.path.dirname(pg_ctl)))
    return max(found)[1] if found else None


@pytest.fixture(scope="session")
def older_postgres_uri():
    """A throw-away cluster of the distribution's PostgreSQL (older than the embedded one), on a Unix socket only.

    CI installs it (.ci/run), so there a missing server fails the tests that use it instead of skipping them."""
    bin_dir = _older_server_bin()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's postgresql package (apt-get install postgresql): the runner's "
                        "tests on an older PostgreSQL cannot be skipped there")
        pytest.skip("no PostgreSQL older than 18 under /usr/lib/postgresql (apt-get install postgresql)")
    # initdb refuses to run as root: run the server as the package's own user then
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 and shutil.which("runuser") else []
    base = tempfile.mkdtemp(prefix="drizzle-lsp-older-pg-")
    data, socket = os.path.join(base, "data"), os.path.join(base, "socket")
    os.makedirs(socket)
    os.chmod(base, 0o755)
    if as_user:
        shutil.chown(base, "postgres")
        shutil.chown(socket, "postgres")
    pg_ctl = os.path.join(bin_dir, "pg_ctl")
    subprocess.run(as_user + [os.path.join(bin_dir, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
                              "--no-sync", "-E", "UTF8"], check=True, capture_output=True, timeout=120)
    subprocess.run(as_user + [pg_ctl, "-D", data, "-w", "-l", os.path.join(base, "server.log"), "-o",
                              f"-k {socket} -c listen_addresses='' -c fsync=off", "start"],
                   check=True, capture_output=True, timeout=120)
    try:
        yield f"postgresql://postgres@/postgres?host={socket}"
    finally:
        subprocess.run(as_user + [pg_ctl, "-D", data, "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def older_database_url(older_postgres_uri, fresh_database):
    """A fresh database on the older PostgreSQL, like ``database_url`` on the embedded one."""
    return fresh_database(older_postgres_uri)
