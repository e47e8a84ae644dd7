"""The Better Auth rules reuse a table's findings between keystrokes (``rules/memo.py``) while the table, the setup
and which table serves which model are unchanged (``rules/auth/_auth.py``, ``auth_memo_key``). These tests edit what
the memo key summarises, never the table whose findings must follow: the auth config in an editor buffer, the
declared version, the schema facts detection reads, and the table serving a referenced model. Each would show a
stale finding if the key left that fact out."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from drizzle_lsp.rules.auth.better_auth_column_type import BetterAuthColumnType
from drizzle_lsp.rules.auth.better_auth_constraint import BetterAuthConstraint
from drizzle_lsp.rules.auth.better_auth_missing_column import BetterAuthMissingColumn
from drizzle_lsp.rules.auth.better_auth_required_column_never_written import BetterAuthRequiredColumnNeverWritten
from drizzle_lsp.rules.auth.better_auth_stale_issuer import BetterAuthStaleIssuer
from tests.analysis.test_rule_memo import EXAMPLE, _copy, _fresh, _memo, _session, _signature, _typing

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "better-auth"
RULES = (BetterAuthColumnType, BetterAuthConstraint, BetterAuthMissingColumn, BetterAuthRequiredColumnNeverWritten,
         BetterAuthStaleIssuer)


def _auth(session, path: Path | None = None) -> set[tuple[str, str]]:
    """The auth findings (rule, message), of one file or of all."""
    return {(v.rule, v.message) for p, vs in session.findings.items() if path is None or p == str(path)
            for v in vs if v.rule.startswith("better-auth")}


def _edit(session, root: Path, path: Path, text: str) -> None:
    """``text`` in the editor's buffer of ``path``; the session's findings must be a fresh analysis's."""
    session.set_document(str(path), text)
    session.refresh({str(path)})
    assert _signature(session.findings) == _signature(_fresh(root, dict(session.overrides)))


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip())
    return root


_CONFIG = """
    import { defineConfig } from 'drizzle-kit';

    export default defineConfig({ dialect: 'postgresql', schema: './schema/*.ts', out: './drizzle' });
"""


def test_the_schema_side_of_the_auth_rules_declares_a_narrow_scope() -> None:
    for rule in RULES:
        assert rule.scope_on("schema") == "unit", rule.name


def test_editing_the_auth_config_in_a_buffer_updates_the_findings_of_unchanged_tables(tmp_path: Path) -> None:
    root = _copy(EXAMPLE, tmp_path)
    session = _session(root)
    config = root / "src" / "lib" / "auth.ts"
    schema = root / "src" / "db" / "schema" / "auth.ts"
    text = config.read_text()
    before = _auth(session, schema)
    assert any(rule == "better-auth-column-type" and "twoFactor.id" in m for rule, m in before)

    # A plugin: the organization plugin adds session.activeOrganizationId.
    with_org = text.replace("import { admin, twoFactor }", "import { admin, organization, twoFactor }").replace(
        "plugins: [twoFactor(), admin()]", "plugins: [twoFactor(), admin(), organization()]")
    _edit(session, root, config, with_org)
    assert any(rule == "better-auth-missing-column" and "activeOrganizationId" in m
               for rule, m in _auth(session, schema) - before)

    # usePlural: the adapter looks up `users`, `twoFactors`...: the tables present serve no model any more.
    plural = text.replace("provider: 'pg',", "provider: 'pg',\n    usePlural: true,")
    _edit(session, root, config, plural)
    assert {rule for rule, _ in _auth(session, schema)} == {"better-auth-missing-table"}

    # generateId "uuid": every text id is wrong now, the uuid one right.
    uuid = text.replace("emailAndPassword: {", "advanced: { database: { generateId: 'uuid' } },\n  emailAndPassword: {")
    _edit(session, root, config, uuid)
    found = _auth(session, schema)
    assert any(rule == "better-auth-column-type" and m.startswith("user.id") for rule, m in found)
    assert not any(rule == "better-auth-column-type" and m.startswith("twoFactor.id") for rule, m in found)

    _edit(session, root, config, text)
    assert _auth(session, schema) == before


def test_typing_the_auth_config_matches_a_fresh_analysis(tmp_path: Path) -> None:
    root = _copy(EXAMPLE, tmp_path)
    session = _session(root)
    config = root / "src" / "lib" / "auth.ts"
    text = config.read_text()
    _typing(session, root, config, text.index("admin()") + len("admin()"), ", username()")
    _typing(session, root, config, text.index("provider: 'pg',") + len("provider: 'pg',"), " usePlural: true,")


def test_the_declared_version_updates_the_findings_of_unchanged_tables(tmp_path: Path) -> None:
    root = _copy(FIXTURES / "stale-issuer-1.7.2", tmp_path)
    session = _session(root)
    schema = root / "auth-schema.ts"
    assert not any(rule == "better-auth-stale-issuer" for rule, _ in _auth(session, schema))
    package = root / "package.json"
    text = package.read_text()
    _edit(session, root, package, text.replace('"better-auth": "1.7.2"', '"better-auth": "1.7.25"'))
    assert any(rule == "better-auth-stale-issuer" for rule, _ in _auth(session, schema))
    _edit(session, root, package, text)
    assert not any(rule == "better-auth-stale-issuer" for rule, _ in _auth(session, schema))


_PG_AUTH = """
            import { betterAuth } from 'better-auth';
            import { drizzleAdapter } from 'better-auth/adapters/drizzle';
            import { db } from './db';

            export const auth = betterAuth({ database: drizzleAdapter(db, { provider: 'pg' }) });
        """


def _user_table(name: str, id_column: str = "text('id').primaryKey()",
                email_column: str = "text('email').notNull()") -> str:
    """Better Auth's user table as its generator writes it, exported and named ``name`` (``id`` and ``email`` as
    given: the tests take the key or the uniqueness away)."""
    return f"""
            import {{ boolean, pgTable, text, timestamp }} from 'drizzle-orm/pg-core';

            export const {name} = pgTable('{name}', {{
              id: {id_column},
              name: text('name').notNull(),
              email: {email_column},
              emailVerified: boolean('email_verified').default(false).notNull(),
              image: text('image'),
              createdAt: timestamp('created_at').defaultNow().notNull(),
              updatedAt: timestamp('updated_at').defaultNow().notNull(),
            }});
        """


def _session_table(imports: str, user_id: str, config: str = "") -> str:
    """Better Auth's session table as its generator writes it, with ``userId`` and the table config as given."""
    return f"""
            {imports}

            export const session = pgTable('session', {{
              id: text('id').primaryKey(),
              expiresAt: timestamp('expires_at').notNull(),
              token: text('token').notNull().unique(),
              createdAt: timestamp('created_at').defaultNow().notNull(),
              updatedAt: timestamp('updated_at').notNull(),
              ipAddress: text('ip_address'),
              userAgent: text('user_agent'),
              userId: {user_id},
            }}{config});
        """


def test_typing_that_hides_the_core_tables_turns_detection_off_for_the_other_tables(tmp_path: Path) -> None:
    """No package.json and no betterAuth() call: Better Auth is detected by its session table alone. Typing in its
    `token` key hides it, and the findings of the user table (unchanged, in another file) must go."""
    root = _write(tmp_path / "detected", {
        "drizzle.config.ts": _CONFIG,
        "schema/users.ts": _user_table("user"),
        "schema/sessions.ts": _session_table(
            "import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';\nimport { user } from './users';",
            "text('user_id').notNull().references(() => user.id, { onDelete: 'cascade' })"),
    })
    session = _session(root)
    users, sessions = root / "schema" / "users.ts", root / "schema" / "sessions.ts"
    assert any(rule == "better-auth-constraint" and "user.email is not unique" in m
               for rule, m in _auth(session, users))
    text = sessions.read_text()
    at = text.index("token:") + len("tok")
    _edit(session, root, sessions, text[:at] + "x" + text[at:])
    assert not _auth(session, users)
    _edit(session, root, sessions, text)
    assert _auth(session, users)
    _typing(session, root, sessions, at, "xy")


def test_typing_in_the_referenced_table_updates_the_referencing_tables_findings(tmp_path: Path) -> None:
    """session.userId has no foreign key: better-auth-constraint names user's id as the target, found by key `id`
    (user has no primary key). Typing in user's `id` key leaves user without an id column, and the finding on the
    session table (unchanged, in another file, looking nothing up in user) must go."""
    root = _write(tmp_path / "parents", {
        "package.json": '{ "name": "parents", "dependencies": { "better-auth": "1.7.25" } }\n',
        "drizzle.config.ts": _CONFIG,
        "auth.ts": _PG_AUTH,
        "schema/users.ts": _user_table("user", id_column="text('id').notNull()",
                                       email_column="text('email').notNull().unique()"),
        "schema/sessions.ts": _session_table(
            "import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';", "text('user_id').notNull()",
            ", (t) => [index('session_userId_idx').on(t.userId)]"),
    })
    session = _session(root)
    users, sessions = root / "schema" / "users.ts", root / "schema" / "sessions.ts"

    def no_foreign_key() -> bool:
        return any(rule == "better-auth-constraint" and "has no foreign key to user.id" in m
                   for rule, m in _auth(session, sessions))

    assert no_foreign_key()
    text = users.read_text()
    at = text.index("id:") + len("id")
    _edit(session, root, users, text[:at] + "x" + text[at:])
    assert not no_foreign_key()
    _edit(session, root, users, text)
    assert no_foreign_key()
    _typing(session, root, users, at, "xy")


@pytest.mark.parametrize("case", ["base", "plugins", "use-plural", "renames", "sqlite", "generate-id-serial"])
def test_typing_in_better_auth_fixtures_matches_a_fresh_analysis(case: str, tmp_path: Path) -> None:
    root = _copy(FIXTURES / case, tmp_path)
    session = _session(root)
    schema = root / "auth-schema.ts"
    text = schema.read_text()
    # Inside the first table's id key, inside the last table's name, and in the auth config's options.
    reused = _typing(session, root, schema, text.index("id:") + 1, "_x")
    reused += _typing(session, root, schema, text.rindex("Table(") + len("Table(") + 2, "s")
    config = root / "auth.ts"
    _typing(session, root, config, config.read_text().index("drizzleAdapter(db, {") + len("drizzleAdapter(db, {"),
            " usePlural: true,")
    assert reused > 0


def test_without_better_auth_typing_in_a_table_runs_the_auth_rules_on_that_table_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The language-server benchmark's case: many tables, no Better Auth. Only the edited table runs the rules."""
    tables = "\n".join(
        f"export const table{i} = pgTable('table_{i}', {{\n"
        "  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),\n"
        "  name: text('name').notNull(),\n"
        + ("  parentId: integer('parent_id').references(() => table0.id),\n" if i % 3 == 1 else "")
        + "  createdAt: timestamp('created_at').defaultNow().notNull(),\n});\n" for i in range(20))
    root = _write(tmp_path / "plain", {
        "drizzle.config.ts": _CONFIG,
        "schema/schema.ts": "import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';\n\n" + tables,
    })
    session = _session(root)
    assert not _auth(session)
    seen: list[str] = []
    for rule in RULES:
        for hook in ("check_table", "check_column"):
            original = getattr(rule, hook)

            def counted(self, ctx, _original=original):
                seen.append(ctx.table.qualified_name)
                return _original(self, ctx)

            monkeypatch.setattr(rule, hook, counted)
    path = root / "schema" / "schema.ts"
    text = path.read_text()
    at = text.index("'table_10'") + len("'table_1")
    for typed in ("x", "xy", "x", ""):
        seen.clear()
        session.set_document(str(path), text[:at] + typed + text[at:])
        session.refresh({str(path)})
        assert _memo(session).reused > 0
        assert set(seen) == {"public.table_1" + typed + "0"}, sorted(set(seen))
        assert _signature(session.findings) == _signature(_fresh(root, dict(session.overrides)))


def test_another_table_taking_over_a_model_updates_the_findings_of_the_one_that_served_it(tmp_path: Path) -> None:
    """The adapter finds a model by export key: a second file exporting `user` takes the model over, and the first
    user table (unchanged, in another file) serves nothing any more."""
    root = _write(tmp_path / "takeover", {
        "package.json": '{ "name": "takeover", "dependencies": { "better-auth": "1.7.25" } }\n',
        "drizzle.config.ts": _CONFIG,
        "auth.ts": _PG_AUTH,
        "schema/a.ts": _user_table("user"),
        "schema/z.ts": """
            import { pgTable, text } from 'drizzle-orm/pg-core';

            export const other = pgTable('other', { id: text('id').primaryKey() });
        """,
    })
    session = _session(root)
    a, z = root / "schema" / "a.ts", root / "schema" / "z.ts"

    def not_unique() -> bool:
        return any(rule == "better-auth-constraint" and "user.email is not unique" in m
                   for rule, m in _auth(session, a))

    assert not_unique()
    text = z.read_text()
    _edit(session, root, z, text.replace("export const other", "export const user"))
    assert not not_unique()
    _edit(session, root, z, text)
    assert not_unique()


def test_exports_turning_singular_switch_the_guessed_use_plural_for_the_other_files(tmp_path: Path) -> None:
    """better-auth declared, no betterAuth() call: usePlural is guessed from the exports. Renaming two exports in
    one file to singular names flips the guess, and the users table (unchanged, in another file) serves nothing."""
    root = _write(tmp_path / "plural", {
        "package.json": '{ "name": "plural", "dependencies": { "better-auth": "1.7.25" } }\n',
        "drizzle.config.ts": _CONFIG,
        "schema/a.ts": _user_table("users"),
        "schema/b.ts": """
            import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

            export const sessions = pgTable('sessions', {
              id: text('id').primaryKey(),
              token: text('token').notNull().unique(),
              expiresAt: timestamp('expires_at').notNull(),
            });

            export const accounts = pgTable('accounts', {
              id: text('id').primaryKey(),
              accountId: text('account_id').notNull(),
              providerId: text('provider_id').notNull(),
            });
        """,
    })
    session = _session(root)
    a, b = root / "schema" / "a.ts", root / "schema" / "b.ts"

    def not_unique() -> bool:
        return any(rule == "better-auth-constraint" and "users.email is not unique" in m
                   for rule, m in _auth(session, a))

    assert not_unique()
    text = b.read_text()
    _edit(session, root, b, text.replace("export const sessions", "export const session").replace(
        "export const accounts", "export const account"))
    assert not not_unique()
    _edit(session, root, b, text)
    assert not_unique()


def test_with_better_auth_typing_a_column_key_elsewhere_keeps_the_setup_and_reuses_the_auth_tables(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A column key typed in an app table changes nothing Better Auth detection reads: the setup stays the very same
    object, and the auth rules run on the edited table only."""
    root = _copy(EXAMPLE, tmp_path)
    session = _session(root)
    app = root / "src" / "db" / "schema" / "app.ts"
    text = app.read_text()
    seen: list[str] = []
    for rule in RULES:
        for hook in ("check_table", "check_column"):
            original = getattr(rule, hook)

            def counted(self, ctx, _original=original):
                seen.append(ctx.table.qualified_name)
                return _original(self, ctx)

            monkeypatch.setattr(rule, hook, counted)

    def tables() -> dict:
        return dict(session.workspace.projects[0].project.schema.tables)

    at = text.index("name:", text.index("'projects'"))  # a column key of the projects table
    for typed in ("x", "xy", ""):
        before = tables()
        seen.clear()
        session.set_document(str(app), text[:at] + typed + text[at:])
        session.refresh({str(app)})
        after = tables()
        changed = {name for name, table in after.items() if before.get(name) is not table}
        assert "public.user" not in changed and set(seen) == changed, (sorted(set(seen)), sorted(changed))
        assert _signature(session.findings) == _signature(_fresh(root, dict(session.overrides)))


def test_typing_in_another_table_that_changes_the_files_indentation_updates_the_index_fix(tmp_path: Path) -> None:
    """better-auth-constraint's fix adds a config callback indented with the file's indentation step, which every
    line of the file decides: a line indented by one space, typed in the verification table, changes the fix on the
    twoFactor table (unchanged)."""
    root = _copy(EXAMPLE, tmp_path)
    schema = root / "src" / "db" / "schema" / "auth.ts"
    text = schema.read_text().replace("  (table) => [index('twoFactor_secret_idx').on(table.secret)],\n", "")
    schema.write_text(text)
    session = _session(root)

    def fixes() -> set[str]:
        return {e.new_text for v in session.findings.get(str(schema), []) if v.rule == "better-auth-constraint"
                and v.fix is not None for e in v.fix.edits}

    before = fixes()
    assert any("\n    index('twoFactor_userId_idx')" in f for f in before)
    at = text.index("identifier: text(")
    _edit(session, root, schema, text[:at] + "\n x: text('x')," + text[at:])
    assert any("\n   index('twoFactor_userId_idx')" in f for f in fixes())
    _edit(session, root, schema, text)
    assert fixes() == before
