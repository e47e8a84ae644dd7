"""The database URL (sources, pooled URLs refused, the password never printed) and the command's usage errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from drizzle_lsp.migrate.urls import DatabaseUrl, redact, refusal, resolve_database_url
from drizzle_lsp.model import DrizzleConfig
from tests.migrate.helpers import CONFIG, REPO, migrate

PASSWORD = "Sup3r-Secret-pw"


def _config(**kw) -> DrizzleConfig:
    return DrizzleConfig(path="/p/drizzle.config.ts", **kw)


def test_url_sources_in_order():
    config = _config(db_url_env="DIRECT_URL", db_url="postgres://literal/db")
    env = {"DIRECT_URL": "postgres://direct/db", "DATABASE_URL": "postgres://generic/db"}
    assert resolve_database_url("postgres://flag/db", config, env).source == "--database-url"
    chosen = resolve_database_url(None, config, env)
    assert (chosen.url, chosen.source) == ("postgres://direct/db", "$DIRECT_URL, read by drizzle.config.ts")
    assert resolve_database_url(None, config, {"DATABASE_URL": "postgres://generic/db"}).source == "$DATABASE_URL"
    assert resolve_database_url(None, config, {}).url == "postgres://literal/db"
    credentials = _config(db_credentials={"host": "db.example.com", "port": 5433, "user": "app",
                                          "password": {"env": "PGPASS"}, "database": "shop", "ssl": True})
    url = resolve_database_url(None, credentials, {"PGPASS": "it's"})
    assert url.parts == {"host": "db.example.com", "port": "5433", "user": "app", "password": "it's",
                         "dbname": "shop", "sslmode": "require"}
    assert resolve_database_url(None, _config(), {}) is None


def test_redact_hides_passwords_in_every_form():
    text = (f"postgres://app:{PASSWORD}@h/db postgresql://u:p%40ss@h/db?sslmode=require&password={PASSWORD} "
            f"host=h password='{PASSWORD}' user=u; raw {PASSWORD}")
    hidden = redact(text, [PASSWORD])
    assert PASSWORD not in hidden and "p%40ss" not in hidden
    assert "postgres://app:****@h/db" in hidden and "user=u" in hidden
    assert DatabaseUrl(f"postgresql://app:{PASSWORD}@ep-x.eu.aws.neon.tech:5432/main", "x").display() == \
        "app@ep-x.eu.aws.neon.tech:5432/main"


@pytest.mark.parametrize("url, says", [
    (f"postgresql://app:{PASSWORD}@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require",
     ["Neon's pooled host", "transaction mode", "advisory lock", "direct connection",
      "ep-cool-darkness-123456.us-east-2.aws.neon.tech"]),
    (f"postgresql://app:{PASSWORD}@0f1e2d3c4b5a.hyperdrive.local:5432/app",
     ["Cloudflare Hyperdrive", "transaction mode", "advisory lock", "60 s", "direct URL"]),
    (f"postgresql://postgres.ref:{PASSWORD}@aws-0-eu-central-1.pooler.supabase.com:6543/postgres",
     ["Supabase's transaction-mode pooler", "5432"]),
])
def test_pooled_urls_are_refused_with_the_reason_and_the_alternative(project, url, says):
    message = refusal(DatabaseUrl(url, "--database-url"))
    for part in says:
        assert part in message
    project.add_saas(1)
    result = migrate(project, url)  # refused before any connection is attempted
    assert result.code == 1
    assert "refusing --database-url:" in result.err
    assert PASSWORD not in result.text


def test_direct_urls_are_accepted():
    for url in ("postgresql://app:pw@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb",
                "postgresql://postgres:pw@db.abc.supabase.co:5432/postgres", "host=localhost dbname=app"):
        assert refusal(DatabaseUrl(url, "x")) is None


def test_the_password_is_never_printed(project, database_url):
    # trust authentication ignores the password, so a URL carrying one still connects to the test server
    with_password = database_url.replace("postgres:@", f"postgres:{PASSWORD}@")
    in_query = database_url + f"&password={PASSWORD}"
    project.add_saas(3)  # 0002 fails: the failure message and the resume command are printed too
    outputs = [migrate(project, with_password, "--status"), migrate(project, in_query, "--dry-run"),
               migrate(project, with_password), migrate(project, in_query, "--lock-timeout", "1s")]
    assert outputs[2].code == 1 and "To resume once the cause is fixed:" in outputs[2].err
    assert "--database-url 'postgresql://postgres:****@" in outputs[2].err
    unreachable = migrate(project, f"postgresql://app:{PASSWORD}@127.0.0.1:1/app?connect_timeout=2")
    assert unreachable.code == 1 and "cannot connect to app@127.0.0.1:1/app" in unreachable.err
    for result in outputs + [unreachable]:
        assert PASSWORD not in result.text, result.text


def test_the_url_comes_from_the_variable_the_config_reads(project, database_url, monkeypatch):
    with open(os.path.join(project.root, "drizzle.config.ts"), "w") as handle:
        handle.write(CONFIG.replace("process.env.DATABASE_URL!", "process.env.DIRECT_URL!"))
    project.add_saas(1)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DIRECT_URL", raising=False)
    missing = migrate(project, None)
    assert missing.code == 2
    assert "drizzle.config.ts reads process.env.DIRECT_URL, which is not set, and neither is DATABASE_URL" in missing.err
    monkeypatch.setenv("DIRECT_URL", database_url)
    found = migrate(project, None, "--status")
    assert found.code == 0 and "(URL from $DIRECT_URL, read by drizzle.config.ts)" in found.out


def test_usage_and_configuration_errors_exit_2(project, tmp_path):
    project.add_saas(1)
    assert migrate(project, "postgres://x/y", "--lock-timeout", "soon").code == 2
    assert migrate(project, "postgres://x/y", "--retries", "-1").code == 2
    with open(os.path.join(project.out, "meta", "_journal.json"), "w") as handle:
        handle.write("{ not json")
    broken = migrate(project, "postgres://x/y")
    assert broken.code == 2 and "the migrations folder cannot be applied as it stands" in broken.err

    mysql = tmp_path / "shop"
    (mysql / "drizzle").mkdir(parents=True)
    (mysql / "drizzle.config.ts").write_text(CONFIG.replace("'postgresql'", "'mysql'"))

    class MySql:
        root = str(mysql)

    result = migrate(MySql, "postgres://x/y")
    assert result.code == 2 and "applies PostgreSQL migrations; this project's dialect is mysql" in result.err
    (tmp_path / "two" / "a").mkdir(parents=True)
    (tmp_path / "two" / "b").mkdir(parents=True)
    (tmp_path / "two" / "a" / "drizzle.config.ts").write_text(CONFIG)
    (tmp_path / "two" / "b" / "drizzle.config.ts").write_text(CONFIG)

    class Two:
        root = str(tmp_path / "two")

    several = migrate(Two, "postgres://x/y")
    assert several.code == 2 and "holds 2 Drizzle projects; pass the folder of the one to migrate" in several.err


def _run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)


def test_without_psycopg_migrate_says_how_to_install_it(project):
    project.add_saas(1)
    completed = _run_python(
        "import sys; sys.modules['psycopg'] = None\n"
        "from drizzle_lsp.cli.main import main\n"
        f"sys.exit(main(['migrate', {project.root!r}, '--database-url', 'postgresql://localhost/app']))")
    assert completed.returncode == 2, completed.stderr
    assert "pip install 'drizzle-lsp[migrate]'" in completed.stderr and "Traceback" not in completed.stderr


def test_other_commands_never_import_psycopg():
    completed = _run_python(
        "import sys, contextlib, io\n"
        "from drizzle_lsp.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['check', 'examples/saas']); main(['rules'])\n"
        "    with contextlib.suppress(SystemExit):\n"
        "        main(['migrate', '--help'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'psycopg'))")
    assert completed.stdout.strip().splitlines()[-1] == "[]", completed.stderr
