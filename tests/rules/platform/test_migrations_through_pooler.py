"""migrations-through-pooler: drizzle-kit pointed at Neon's pooled host or a Hyperdrive string."""

from __future__ import annotations

import os

from drizzle_lsp.rules.platform.migrations_through_pooler import parse_env
from drizzle_lsp.rules.testing import assert_clean, assert_flags, lint_project, write_project

RULE = "migrations-through-pooler"
PASSWORD = "npg_S3cretPassw0rd"
POOLED = f"postgresql://neondb_owner:{PASSWORD}@ep-cool-night-a1b2c3-pooler.eu-central-1.aws.neon.tech/neondb"
DIRECT = f"postgresql://neondb_owner:{PASSWORD}@ep-cool-night-a1b2c3.eu-central-1.aws.neon.tech/neondb"
HYPERDRIVE = f"postgresql://app:{PASSWORD}@5f2c0a1e9b7d4c3a.hyperdrive.local:5432/app"


def _project(tmp_path, credentials: str, env_files: dict[str, str] | None = None) -> str:
    root = write_project(str(tmp_path))
    with open(os.path.join(root, "drizzle.config.ts"), "w", encoding="utf-8") as handle:
        handle.write('import "dotenv/config";\nimport { defineConfig } from "drizzle-kit";\n\n'
                     'export default defineConfig({\n  dialect: "postgresql",\n  schema: "./src/schema.ts",\n'
                     f'  out: "./drizzle",\n  dbCredentials: {credentials},\n}});\n')
    for name, text in (env_files or {}).items():
        with open(os.path.join(root, name), "w", encoding="utf-8") as handle:
            handle.write(text)
    return root


def _config_text(root: str) -> str:
    with open(os.path.join(root, "drizzle.config.ts"), encoding="utf-8") as handle:
        return handle.read()


def test_literal_neon_pooler_url_is_flagged_on_the_credentials_and_names_the_direct_host(tmp_path):
    root = _project(tmp_path, f'{{ url: "{POOLED}" }}')
    finding = assert_flags(lint_project(root, select=[RULE]), RULE)
    assert "ep-cool-night-a1b2c3-pooler.eu-central-1.aws.neon.tech" in finding.message
    assert "transaction mode" in finding.message and "SET does not stick" in finding.message
    assert "ep-cool-night-a1b2c3.eu-central-1.aws.neon.tech" in finding.help
    text = _config_text(root)
    assert text[finding.range.start:finding.range.end] == f'"{POOLED}"'


def test_env_var_resolved_through_dot_env_is_flagged_at_the_config_start_with_its_name_and_file(tmp_path):
    root = _project(tmp_path, "{ url: process.env.DATABASE_URL! }",
                    {".env": f'# Neon\nDATABASE_URL="{POOLED}"\n'})
    finding = assert_flags(lint_project(root, select=[RULE]), RULE)
    assert "process.env.DATABASE_URL" in finding.message and ".env" in finding.message
    assert finding.range.path.endswith("drizzle.config.ts") and finding.range.start == 0


def test_dev_vars_and_env_local_are_read_too(tmp_path):
    root = _project(tmp_path / "a", "{ url: process.env.MIGRATIONS_URL! }",
                    {".dev.vars": f"MIGRATIONS_URL={HYPERDRIVE}\n"})
    finding = assert_flags(lint_project(root, select=[RULE]), RULE, message_contains="Hyperdrive")
    assert "60 s" in finding.message and ".dev.vars" in finding.message
    root = _project(tmp_path / "b", "{ url: process.env.DATABASE_URL as string }",
                    {".env.local": f"export DATABASE_URL='{POOLED}'\n"})
    assert_flags(lint_project(root, select=[RULE]), RULE, message_contains=".env.local")


def test_literal_hyperdrive_string_is_flagged(tmp_path):
    root = _project(tmp_path, f'{{ url: "{HYPERDRIVE}" }}')
    finding = assert_flags(lint_project(root, select=[RULE]), RULE, message_contains="5f2c0a1e9b7d4c3a.hyperdrive.local")
    assert "direct connection string" in finding.help


def test_the_password_never_appears(tmp_path):
    for index, (credentials, env) in enumerate([
        (f'{{ url: "{POOLED}" }}', None),
        (f'{{ url: "{HYPERDRIVE}" }}', None),
        ("{ url: process.env.DATABASE_URL! }", {".env": f"DATABASE_URL={POOLED}\n"}),
        ("{ url: process.env.DATABASE_URL! }", {".dev.vars": f'DATABASE_URL="{HYPERDRIVE}"\n'}),
    ]):
        findings = [f for f in lint_project(_project(tmp_path / str(index), credentials, env), select=[RULE])
                    if f.rule == RULE]
        assert findings
        for finding in findings:
            assert PASSWORD not in finding.message and PASSWORD not in finding.help
            assert "neondb_owner:" not in finding.message and "app:" not in finding.message


def test_direct_urls_are_clean(tmp_path):
    assert_clean(lint_project(_project(tmp_path / "a", f'{{ url: "{DIRECT}" }}'), select=[RULE]), RULE)
    root = _project(tmp_path / "b", "{ url: process.env.DATABASE_URL! }", {".env": f"DATABASE_URL={DIRECT}\n"})
    assert_clean(lint_project(root, select=[RULE]), RULE)


def test_env_value_wins_over_the_fallback_literal(tmp_path):
    root = _project(tmp_path / "a", f'{{ url: process.env.DATABASE_URL ?? "{POOLED}" }}',
                    {".env": f"DATABASE_URL={DIRECT}\n"})
    assert_clean(lint_project(root, select=[RULE]), RULE)
    root = _project(tmp_path / "b", f'{{ url: process.env.DATABASE_URL ?? "{POOLED}" }}')
    assert_flags(lint_project(root, select=[RULE]), RULE)


def test_unset_variable_and_other_variables_are_clean(tmp_path):
    root = _project(tmp_path, "{ url: process.env.DATABASE_URL! }",
                    {".env": f"# DATABASE_URL={POOLED}\nPOOLED_URL={POOLED}\n"})
    assert_clean(lint_project(root, select=[RULE]), RULE)


def test_parse_env_handles_quotes_comments_and_export():
    assert parse_env('# x\nexport A="a b"\nB=\'c\' # note\nC=d # note\nnot a line\nD=e=f\n') == {
        "A": "a b", "B": "c", "C": "d", "D": "e=f"}


def test_separate_host_credential_is_checked(tmp_path):
    root = _project(tmp_path, '{ host: "ep-cool-night-a1b2c3-pooler.eu-central-1.aws.neon.tech", user: "app", '
                              f'password: "{PASSWORD}", database: "neondb" }}')
    finding = assert_flags(lint_project(root, select=[RULE]), RULE)
    assert PASSWORD not in finding.message + finding.help
    assert _config_text(root)[finding.range.start:finding.range.end].startswith('"ep-cool-night')


def test_supabase_transaction_pooler_is_named_as_such():
    from drizzle_lsp.migrate.urls import pooled_host

    pooled = pooled_host("postgresql://postgres.abc:pw@aws-0-eu-central-1.pooler.supabase.com:6543/postgres")
    assert pooled is not None and pooled.kind == "supabase"
    assert pooled_host("postgresql://postgres.abc:pw@aws-0-eu-central-1.pooler.supabase.com:5432/postgres") is None
