"""neon-http-migrations-not-atomic: the neon-http migrator runs migrations with no transaction."""

from __future__ import annotations

import os

from drizzle_lsp.rules.testing import assert_clean, assert_flags, lint_project, write_project

RULE = "neon-http-migrations-not-atomic"
TWO_STATEMENTS = ('-- 0000_init.sql\nCREATE TABLE "teams" ("id" bigint PRIMARY KEY NOT NULL);\n'
                  '--> statement-breakpoint\nCREATE TABLE "members" ("id" bigint PRIMARY KEY NOT NULL);\n')
ONE_STATEMENT = '-- 0000_init.sql\nCREATE TABLE "teams" ("id" bigint PRIMARY KEY NOT NULL);\n'
NEON_HTTP_SCRIPT = ('import { neon } from "@neondatabase/serverless";\nimport { drizzle } from "drizzle-orm/neon-http";\n'
                    'import { migrate } from "drizzle-orm/neon-http/migrator";\n\n'
                    'await migrate(drizzle(neon(process.env.DATABASE_URL!)), { migrationsFolder: "./drizzle" });\n')


def _with_script(root: str, text: str) -> str:
    os.makedirs(os.path.join(root, "scripts"), exist_ok=True)
    with open(os.path.join(root, "scripts", "migrate.ts"), "w", encoding="utf-8") as handle:
        handle.write(text)
    return root


def test_imported_neon_http_migrator_flags_the_first_multi_statement_migration_once(tmp_path):
    sql = TWO_STATEMENTS + '-- 0001_more.sql\nCREATE TABLE "a" ("id" int);\n--> statement-breakpoint\nCREATE TABLE "b" ("id" int);\n'
    root = _with_script(write_project(str(tmp_path), sql=sql), NEON_HTTP_SCRIPT)
    findings = [f for f in lint_project(root, select=[RULE]) if f.rule == RULE]
    assert len(findings) == 1
    [finding] = findings
    assert finding.message.startswith("0000_init has 2 statements")
    assert finding.range.path.endswith("0000_init.sql") and finding.severity == "warning"
    assert "drizzle-orm/neon-serverless" in finding.help and "drizzle-lsp migrate" in finding.help
    [(where, _)] = finding.related
    assert where.path.endswith(os.path.join("scripts", "migrate.ts"))
    assert NEON_HTTP_SCRIPT[where.start:where.end] == "drizzle-orm/neon-http/migrator"


def test_without_multi_statement_migration_the_import_is_reported_as_info(tmp_path):
    root = _with_script(write_project(str(tmp_path), sql=ONE_STATEMENT), NEON_HTTP_SCRIPT)
    finding = assert_flags(lint_project(root, select=[RULE]), RULE)
    assert finding.severity == "info"
    assert finding.range.path.endswith("migrate.ts")
    assert NEON_HTTP_SCRIPT[finding.range.start:finding.range.end] == "drizzle-orm/neon-http/migrator"


def test_setting_neon_http_flags_multi_statement_migrations(tmp_path):
    root = write_project(str(tmp_path), sql=TWO_STATEMENTS, settings='migrator = "neon-http"\n')
    assert_flags(lint_project(root, select=[RULE]), RULE, message_contains="0000_init")


def test_transactional_migrators_are_clean(tmp_path):
    script = NEON_HTTP_SCRIPT.replace("neon-http/migrator", "neon-serverless/migrator")
    root = _with_script(write_project(str(tmp_path / "ws"), sql=TWO_STATEMENTS), script)
    assert_clean(lint_project(root, select=[RULE]), RULE)
    root = write_project(str(tmp_path / "plain"), sql=TWO_STATEMENTS)
    assert_clean(lint_project(root, select=[RULE]), RULE)


def test_no_transaction_set_for_another_reason_is_clean(tmp_path):
    root = write_project(str(tmp_path), sql=TWO_STATEMENTS, settings='migrator = "no-transaction"\n')
    assert_clean(lint_project(root, select=[RULE]), RULE)


def test_comment_only_chunks_do_not_count_as_statements(tmp_path):
    sql = ONE_STATEMENT + "--> statement-breakpoint\n-- nothing to run here\n"
    root = write_project(str(tmp_path), sql=sql, settings='migrator = "neon-http"\n')
    assert_clean(lint_project(root, select=[RULE]), RULE)
