"""The Better Auth quick fixes: applied to a schema with tables and columns removed, they give back a schema with no
Better Auth finding, the same database as the one Better Auth's generator wrote, and one the real drizzle-kit turns
into the very migration it generated from the generator's schema."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import pytest

from drizzle_lsp.analysis.project import load_workspace
from drizzle_lsp.fixes import apply_fixes
from drizzle_lsp.model.compare import canonical, diff
from tests.rules.auth.auth_helpers import FIXTURES, SCHEMA, auth_findings, copy_case, edit, flagged, read

REPO = os.path.abspath(os.path.join(FIXTURES, "..", "..", ".."))
TOOLS = os.path.join(REPO, "tests", "fixtures", "drizzle-kit")
ALL = ("safe", "unsafe", "suggestion")


def fix_until_clean(root: str, rounds: int = 6) -> list:
    """Apply every Better Auth fix, as `check --fix --unsafe-fixes` does, until none is left (fixes that insert at
    the same place wait for the next round, as ruff's do)."""
    findings = auth_findings(root)
    for _ in range(rounds):
        fixable = [f for f in findings if f.fix is not None]
        if not fixable:
            break
        report, _ = apply_fixes(fixable, roots=[root], read_text=read, applicabilities=ALL)
        assert report.applied, [why for _, why in report.skipped]
        findings = auth_findings(root)
    return findings


def schema_of(root: str):
    return canonical(load_workspace([root]).projects[0].project.schema)


def remove_statement(root: str, start_marker: str) -> None:
    """Delete a top-level statement (a table) from the schema, from its first line to the blank line after it."""
    text = read(os.path.join(root, SCHEMA))
    start = text.index(start_marker)
    end = text.index("\n\n", start) + 2
    edit(root, SCHEMA, text[start:end], "")


def remove_relations_everywhere(*roots: str) -> None:
    """Drop the generated relations() blocks: they name the removed tables, and the fix does not write relations."""
    for root in roots:
        text = read(os.path.join(root, SCHEMA))
        cut = text.find("Relations = relations(")
        if cut >= 0:
            cut = text.rfind("\nexport const", 0, cut)
            edit(root, SCHEMA, text[cut:], "\n")


CASES = {
    # case: (tables removed, (column line removed, ...))
    "plugins": (["export const twoFactor = ", "export const member = ", "export const invitation = "],
                ['  image: text("image"),\n', '  banReason: text("ban_reason"),\n', '    ipAddress: text("ip_address"),\n']),
    "base": (["export const verification = "],
             ['  emailVerified: boolean("email_verified").default(false).notNull(),\n', '  image: text("image"),\n']),
    "sqlite": (["export const twoFactor = "], ['    ipAddress: text("ip_address"),\n']),
    "generate-id-uuid": (["export const account = "], ['  image: text("image"),\n']),
    "mysql": (["export const invitation = "], ['  image: text("image"),\n']),
}


@pytest.fixture(params=sorted(CASES))
def damaged(request, tmp_path):
    case = request.param
    pristine = copy_case(tmp_path / "pristine", case)
    root = copy_case(tmp_path / "damaged", case)
    remove_relations_everywhere(pristine, root)
    tables, lines = CASES[case]
    for marker in tables:
        remove_statement(root, marker)
    for line in lines:
        edit(root, SCHEMA, line, "")
    return case, pristine, root


def test_fixes_give_back_the_generated_schema(damaged):
    case, pristine, root = damaged
    before = auth_findings(root)
    assert {f.rule for f in before} >= {"better-auth-missing-table", "better-auth-missing-column"}
    assert fix_until_clean(root) == []
    # The same database as Better Auth's generator wrote: tables, columns, types, defaults, keys, indexes.
    differences = diff(schema_of(pristine), schema_of(root), "generated", "fixed")
    if case == "mysql":
        # The generator writes varchar(255) for fields Better Auth marks sortable; the expected-schema data does not
        # record that mark, so the fix writes text for them: the one difference allowed.
        # A text column's default is an expression in MySQL, so its default differs with it.
        widened = {d.split(".type:")[0] for d in differences if d.endswith("generated='varchar(255)' != fixed='text'")}
        differences = [d for d in differences if d.split(".type:")[0] not in widened
                       and d.split(".default:")[0] not in widened]
    assert differences == []


def test_missing_table_fix_follows_the_files_quotes_and_semicolons(tmp_path):
    root = copy_case(tmp_path, "base")
    remove_relations_everywhere(root)
    path = os.path.join(root, SCHEMA)
    edit(root, SCHEMA, read(path), read(path).replace('"', "'").replace(";\n", "\n"))
    remove_statement(root, "export const verification = ")
    assert fix_until_clean(root) == []
    text = read(path)
    added = text[text.index("export const verification"):]
    assert '"' not in added and ";" not in added
    assert "identifier: text('identifier').notNull()," in added
    assert "index('verification_identifier_idx').on(table.identifier)" in added


def test_missing_column_fix_adds_the_index_and_the_import(tmp_path):
    root = copy_case(tmp_path, "base")
    edit(root, SCHEMA, '    userId: text("user_id")\n      .notNull()\n      .references(() => user.id, { onDelete: "cascade" }),\n', "")
    edit(root, SCHEMA, '  (table) => [index("session_userId_idx").on(table.userId)],\n', "")
    edit(root, SCHEMA, "boolean, index }", "boolean }")
    findings = auth_findings(root)
    finding = next(f for f in findings if f.rule == "better-auth-missing-column")
    assert "`userId`" in finding.message and flagged(finding) == '"session"'
    assert fix_until_clean(root) == []
    text = read(os.path.join(root, SCHEMA))
    assert 'userId: text("user_id").notNull().references(() => user.id, { onDelete: "cascade" })' in text
    assert 'index("session_userId_idx").on(t.userId)' in text
    assert "import { pgTable, text, timestamp, boolean, index }" in text


@pytest.mark.parametrize("case, old, new", [
    ("base", 'id: text("id").primaryKey(),', 'id: uuid("id").defaultRandom().primaryKey(),'),
    ("base", 'email: text("email").notNull().unique()', 'email: text("email").notNull()'),
    ("base", '.references(() => user.id, { onDelete: "cascade" })', ".references(() => user.id)"),
    ("base", '  (table) => [index("session_userId_idx").on(table.userId)],\n', ""),
    ("sqlite", 'expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull()', 'expiresAt: text("expires_at").notNull()'),
    ("base", 'image: text("image"),', 'image: text("image").notNull(),'),
    ("base", '    accountId: text("account_id").notNull(),\n',
     '    accountId: text("account_id").notNull(),\n    issuer: text("issuer").notNull(),\n'),
])
def test_other_fixes_resolve_their_finding(tmp_path, case, old, new):
    root = copy_case(tmp_path, case)
    if "uuid(" in new:
        edit(root, SCHEMA, "boolean, index }", "boolean, index, uuid }")
    edit(root, SCHEMA, old, new)
    before = auth_findings(root)
    assert len(before) == 1 and before[0].fix is not None, [f.message for f in before]
    assert fix_until_clean(root) == []


# --- the real drizzle-kit accepts the fixed schema ---------------------------------------------------------------------

def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must provide it")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def drizzle_kit() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _unavailable("node and npm are not installed")
    binary = os.path.join(TOOLS, "node_modules", ".bin", "drizzle-kit")
    if not os.path.isfile(binary):
        completed = subprocess.run([npm, "ci", "--prefix", TOOLS, "--no-audit", "--no-fund"], capture_output=True,
                                   text=True, timeout=600, stdin=subprocess.DEVNULL)
        if completed.returncode != 0:
            _unavailable(f"npm ci --prefix tests/fixtures/drizzle-kit failed: {completed.stderr[-1500:]}")
    return binary


def generate(binary: str, root: str) -> str:
    """Run `drizzle-kit generate` on a project with no migrations yet; the SQL it wrote."""
    environment = dict(os.environ, NODE_PATH=os.path.join(TOOLS, "node_modules"), FORCE_COLOR="0", NO_COLOR="1")
    completed = subprocess.run([binary, "generate", "--config", "drizzle.config.ts"], cwd=root, capture_output=True,
                               text=True, timeout=300, stdin=subprocess.DEVNULL, env=environment)
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    written = glob.glob(os.path.join(root, "drizzle", "*.sql"))
    assert len(written) == 1, written
    return read(written[0])


@pytest.mark.parametrize("case", ["plugins", "sqlite"])
def test_drizzle_kit_generates_the_same_migration_from_the_fixed_schema(tmp_path, drizzle_kit, case):
    root = copy_case(tmp_path, case)
    remove_relations_everywhere(root)
    tables, lines = CASES[case]
    for marker in tables:
        remove_statement(root, marker)
    for line in lines:
        edit(root, SCHEMA, line, "")
    assert fix_until_clean(root) == []
    generated = generate(drizzle_kit, root)
    original = read(glob.glob(os.path.join(FIXTURES, case, "drizzle", "*.sql"))[0])
    # Statement order follows declaration order, and the fix appends what it adds: compare the statements as a set.
    assert sorted(_statements(generated)) == sorted(_statements(original))


def _statements(sql: str) -> list[str]:
    """The migration's statements; inside CREATE TABLE the column and constraint lines are sorted, because the fix
    appends the columns it adds where the generator had them in its own order (which the database does not mind)."""
    statements = []
    for statement in (s.strip() for s in sql.split("--> statement-breakpoint")):
        if statement.startswith("CREATE TABLE"):
            head, _, body = statement.partition("(\n")
            lines = sorted(line.strip().rstrip(",") for line in body.rsplit("\n)", 1)[0].split("\n"))
            statement = head + "(" + "|".join(lines) + ")"
        if statement:
            statements.append(statement)
    return statements


@pytest.mark.parametrize("dialect, text", [
    ("postgresql", ""),
    ("sqlite", 'import { sqliteTable, text } from "drizzle-orm/sqlite-core";\n\nexport const notes = sqliteTable("notes", {\n'
               '  id: text("id").primaryKey(),\n});\n'),
])
def test_a_project_that_declares_better_auth_gets_its_whole_schema_from_the_fix(tmp_path, dialect, text):
    from drizzle_lsp.rules.testing import write_project

    root = write_project(str(tmp_path / "app"), ts=text, dialect=dialect,
                         package_json={"name": "app", "dependencies": {"better-auth": "^1.7.0"}})
    before = auth_findings(root)
    assert sorted(f.message.split("`")[1] for f in before if f.rule == "better-auth-missing-table") == [
        "account", "session", "user", "verification"]
    # what is left says that no betterAuth({...}) call was found, so defaults were assumed
    assert [f.rule for f in fix_until_clean(root)] == ["better-auth-config-unresolved"]
    schema = read(os.path.join(root, "src", "schema.ts"))
    assert schema.startswith("import { ")
    if dialect == "sqlite":
        assert 'emailVerified: integer("email_verified", { mode: "boolean" }).default(false).notNull()' in schema
        assert "export const notes" in schema
