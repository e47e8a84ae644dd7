"""Reading a project's Better Auth setup statically: detection, the options of betterAuth({...}), the installed
version, what cannot be read, and a memo that never goes stale when the auth config changes."""

from __future__ import annotations

import dataclasses
import json
import os

import pytest

from drizzle_lsp.analysis.project import load_workspace
from drizzle_lsp.analysis.session import Session
from drizzle_lsp.better_auth import setup_for
from drizzle_lsp.better_auth.reader import read_auth_call
from drizzle_lsp.rules.testing import write_project
from tests.better_auth.test_generated_fixtures import CASE_OPTIONS
from tests.rules.auth.auth_helpers import FIXTURES, SCHEMA, auth_findings, copy_case, edit, fixture_cases, read


def setup_of(root: str, overrides: dict[str, str] | None = None):
    workspace = load_workspace([root], overrides=overrides)
    return setup_for(workspace.projects[0], workspace.file_text)


@pytest.mark.parametrize("case", fixture_cases())
def test_options_read_from_each_fixtures_auth_ts_are_the_ones_it_was_generated_with(case):
    setup = setup_of(os.path.join(FIXTURES, case))
    declared = json.loads(read(os.path.join(FIXTURES, case, "package.json")))["dependencies"]["better-auth"]
    assert setup.detected_by == "package.json"
    assert setup.version == declared  # declared exactly in the fixture's package.json; nothing installed there
    assert setup.options == dataclasses.replace(CASE_OPTIONS[case], version=declared)
    assert setup.problems == []


def read_call(code: str):
    return read_auth_call("/p/auth.ts", code)


def test_aliases_renames_additional_fields_and_schema_keys():
    options = read_call(
        'import { betterAuth as createAuth } from "better-auth";\n'
        'import { drizzleAdapter as adapter } from "better-auth/adapters/drizzle";\n'
        'import { organization as org, twoFactor } from "better-auth/plugins";\n'
        'import * as tables from "./schema";\n'
        'const base = { usePlural: true };\n'
        "export function makeAuth(env: Env) {\n"
        '  return createAuth({\n'
        '    database: adapter(db, { provider: "sqlite", ...base, schema: { user: tables.members, session } }),\n'
        '    advanced: { database: { generateId: () => crypto.randomUUID() } },\n'
        '    user: { modelName: "members", additionalFields: { plan: { type: "string", required: true } } },\n'
        '    rateLimit: { storage: "database", modelName: "limits" },\n'
        '    plugins: [org({ teams: { enabled: true }, allowUserToCreateOrganization: false }),\n'
        '              twoFactor({ schema: { twoFactor: { fields: { secret: "otpSecret" } } } })],\n'
        "  });\n"
        "}\n")
    assert options.provider == "sqlite" and options.use_plural is True
    assert options.generate_id == "custom"
    assert options.schema_keys == {"user": "members", "session": "session"}
    assert options.model_names == {"user": "members", "rateLimit": "limits"}
    assert options.additional_fields == {"user": {"plan": True}}
    assert options.rate_limit_storage == "database"
    assert options.plugins == ["organization", "twoFactor"]
    assert options.plugin_options["organization"] == {"teams": True, "allowUserToCreateOrganization": False}
    assert options.field_names == {"twoFactor": {"secret": "otpSecret"}}
    assert options.problems == []


@pytest.mark.parametrize("code, expected", [
    ("advanced: { database: { generateId: false } }", "false"),
    ('advanced: { database: { generateId: "serial" } }', "serial"),
    ("advanced: { generateId: () => nanoid() }", "custom"),  # the option's place before Better Auth 1.3
    ("", "default"),
])
def test_generate_id(code, expected):
    assert read_call(f"export const auth = betterAuth({{ {code} }});").generate_id == expected


def test_what_cannot_be_read_is_a_problem_naming_the_default():
    code = ('import { shared } from "./shared";\n'
            'import { morePlugins } from "./plugins";\n'
            "export const auth = betterAuth({\n"
            "  ...shared,\n"
            "  database: drizzleAdapter(db, { provider: process.env.PROVIDER, usePlural: flags.plural }),\n"
            "  plugins: [twoFactor(), ...morePlugins, customPlugin],\n"
            "});\n")
    options = read_call(code)
    messages = [p.message for p in options.problems]
    assert len(messages) == 5, messages
    assert any("`...shared`" in m for m in messages)
    assert any("`provider`" in m and "process.env.PROVIDER" in m and "drizzle config's dialect" in m for m in messages)
    assert any("`usePlural`" in m and "(false)" in m for m in messages)
    assert any("`...morePlugins`" in m for m in messages)
    assert any("plugin `customPlugin`" in m for m in messages)
    assert options.plugins == ["twoFactor"]
    assert all(code[p.range.start:p.range.end] for p in options.problems)  # each points at its expression


def test_unreadable_options_are_reported_by_check_at_the_auth_config(tmp_path):
    root = copy_case(tmp_path, "plugins")
    edit(root, "auth.ts", "plugins: [", "plugins: [...extraPlugins, ")
    findings = auth_findings(root)
    assert [(f.rule, f.severity) for f in findings] == [("better-auth-config-unresolved", "info")]
    assert findings[0].range.path.endswith("auth.ts")
    assert "`...extraPlugins` cannot be read statically" in findings[0].message


@pytest.mark.parametrize("code", [
    "", "betterAuth(", "export const auth = betterAuth();", "export const auth = betterAuth(config);",
    "betterAuth({ plugins: 42, database: 7, user: [], advanced: { database: null } })",
    "betterAuth({ plugins: [[[[]]]], rateLimit: { storage: `x${y}` } })", "\x00\ufffd betterAuth({ ",
    "betterAuth({" + "a: {" * 300 + "}" * 300 + "})",
])
def test_bad_input_never_raises(code):
    read_call(code)


# --- detection ---------------------------------------------------------------------------------------------------------

AUTH_JS = ('import { pgTable, text, timestamp } from "drizzle-orm/pg-core";\n'
           'export const users = pgTable("users", { id: text("id").primaryKey(), email: text("email"),'
           ' emailVerified: timestamp("emailVerified") });\n'
           'export const sessions = pgTable("sessions", { sessionToken: text("sessionToken").primaryKey(),'
           ' userId: text("userId").notNull(), expires: timestamp("expires").notNull() });\n'
           'export const accounts = pgTable("accounts", { userId: text("userId").notNull(),'
           ' provider: text("provider"), providerAccountId: text("providerAccountId") });\n')


def test_an_auth_js_schema_without_better_auth_is_not_mistaken_for_it(tmp_path):
    root = write_project(str(tmp_path / "app"), ts=AUTH_JS)
    assert setup_of(root) is None
    assert auth_findings(root) == []


def test_the_core_tables_alone_detect_it_and_plural_exports_imply_use_plural(tmp_path):
    schema = read(os.path.join(FIXTURES, "use-plural", SCHEMA))
    root = write_project(str(tmp_path / "app"), ts=schema)
    setup = setup_of(root)
    assert setup.detected_by == "tables" and setup.use_plural is True
    findings = auth_findings(root)
    assert [f.rule for f in findings] == ["better-auth-config-unresolved"]
    assert "usePlural true" in findings[0].message


def test_a_monorepo_app_holds_the_auth_config_and_the_installed_version(tmp_path):
    repo = tmp_path / "repo"
    (repo / "apps" / "api" / "src" / "lib").mkdir(parents=True)
    (repo / "apps" / "api" / "node_modules" / "better-auth").mkdir(parents=True)
    (repo / "package.json").write_text(json.dumps({"name": "mono", "workspaces": ["apps/*", "packages/*"]}))
    (repo / "apps" / "api" / "package.json").write_text(json.dumps({"dependencies": {"better-auth": "^1.7.0"}}))
    (repo / "apps" / "api" / "node_modules" / "better-auth" / "package.json").write_text('{"version": "1.7.2"}')
    (repo / "apps" / "api" / "src" / "lib" / "auth.ts").write_text(read(os.path.join(FIXTURES, "plugins", "auth.ts"))
                                                                  + 'import * as schema from "@acme/db/schema";\n')
    # another app's auth config, for another database: not this schema's
    (repo / "apps" / "admin").mkdir()
    (repo / "apps" / "admin" / "auth.ts").write_text(read(os.path.join(FIXTURES, "use-plural", "auth.ts")))
    db = write_project(str(repo / "packages" / "db"), ts=read(os.path.join(FIXTURES, "plugins", SCHEMA)),
                       package_json={"name": "@acme/db", "dependencies": {"drizzle-orm": "^0.45.0"}})
    setup = setup_of(db)
    assert setup.config_path == str(repo / "apps" / "api" / "src" / "lib" / "auth.ts")
    assert setup.plugins == ("twoFactor", "organization", "admin", "username")
    assert setup.version == "1.7.2"
    # 1.7.0 to 1.7.2 want a required account.issuer, which the 1.7.25 schema does not have
    assert [(f.rule, "issuer" in f.message) for f in auth_findings(db)] == [("better-auth-missing-column", True)]


def test_several_unlinked_auth_configs_in_a_monorepo_are_not_guessed_between(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    for app, case in (("web", "plugins"), ("admin", "use-plural")):
        (repo / "apps" / app).mkdir(parents=True)
        (repo / "apps" / app / "auth.ts").write_text(read(os.path.join(FIXTURES, case, "auth.ts")))
    db = write_project(str(repo / "packages" / "db"), ts=read(os.path.join(FIXTURES, "base", SCHEMA)))
    setup = setup_of(db)
    assert setup.detected_by == "tables" and setup.config_path is None and setup.plugins == ()
    assert auth_findings(db) == []


def test_a_monorepo_auth_config_does_not_switch_on_checks_for_an_unrelated_database(tmp_path):
    repo = tmp_path / "repo"
    (repo / "apps" / "api").mkdir(parents=True)
    (repo / "pnpm-workspace.yaml").write_text("packages: ['apps/*', 'packages/*']\n")
    (repo / "apps" / "api" / "auth.ts").write_text(read(os.path.join(FIXTURES, "base", "auth.ts")))
    analytics = write_project(str(repo / "packages" / "analytics"), ts=(
        'import { pgTable, text } from "drizzle-orm/pg-core";\n'
        'export const events = pgTable("events", { id: text("id").primaryKey() });\n'))
    assert setup_of(analytics) is None


# --- the memo ----------------------------------------------------------------------------------------------------------

def test_memo_follows_the_auth_config_on_disk_and_in_the_editor(tmp_path):
    root = copy_case(tmp_path, "base")
    workspace = load_workspace([root])
    project = workspace.projects[0]
    first = setup_for(project, workspace.file_text)
    assert setup_for(project, workspace.file_text) is first  # one project object: computed once
    again = load_workspace([root])
    assert setup_for(again.projects[0], again.file_text) is first  # a new project object, same inputs: reused
    auth = os.path.join(root, "auth.ts")
    unsaved = read(auth).replace("emailAndPassword", 'plugins: [twoFactor()],\n  emailAndPassword').replace(
        'import { db } from "./db";', 'import { twoFactor } from "better-auth/plugins";\nimport { db } from "./db";')
    in_editor = load_workspace([root], overrides={auth: unsaved})
    assert setup_for(in_editor.projects[0], in_editor.file_text).plugins == ("twoFactor",)
    with open(auth, "w", encoding="utf-8") as handle:
        handle.write(unsaved.replace("twoFactor()", "twoFactor(), jwt()").replace("{ twoFactor }", "{ jwt, twoFactor }"))
    saved = load_workspace([root])
    assert setup_for(saved.projects[0], saved.file_text).plugins == ("twoFactor", "jwt")


def test_the_language_server_session_rechecks_the_schema_when_the_auth_config_is_edited(tmp_path):
    root = copy_case(tmp_path, "base")
    session = Session([root])
    session.reload_all()
    schema = os.path.join(root, SCHEMA)
    assert not [f for f in session.findings.get(schema, []) if f.group == "auth"]
    auth = os.path.join(root, "auth.ts")
    session.set_document(auth, read(auth).replace("emailAndPassword", "plugins: [twoFactor()],\n  emailAndPassword"))
    changed = session.refresh({auth})
    assert schema in changed
    rules = sorted(f.rule for f in session.findings.get(schema, []) if f.group == "auth")
    assert rules == ["better-auth-missing-column", "better-auth-missing-table"]  # user.twoFactorEnabled, twoFactor
    session.set_document(auth, None)  # closed unsaved: back to the file on disk
    session.refresh({auth})
    assert not [f for f in session.findings.get(schema, []) if f.group == "auth"]


@pytest.mark.parametrize("schema_option, missing", [
    ("{ ...schema, user: schema.users }", []),
    ("{ user: schema.users }", ["account", "session", "verification"]),
])
def test_the_adapters_schema_object_decides_the_keys(tmp_path, schema_option, missing):
    root = copy_case(tmp_path, "base")
    text = read(os.path.join(root, SCHEMA))
    edit(root, SCHEMA, text, text.replace("export const user = ", "export const users = ")
         .replace("user.id", "users.id").replace("relations(user,", "relations(users,").replace("one(user,", "one(users,"))
    edit(root, "auth.ts", 'drizzleAdapter(db, { provider: "pg" })',
         f'drizzleAdapter(db, {{ provider: "pg", schema: {schema_option} }})')
    edit(root, "auth.ts", 'import { db } from "./db";', 'import { db } from "./db";\nimport * as schema from "./auth-schema";')
    findings = auth_findings(root)
    assert sorted(f.message.split("`")[1] for f in findings) == missing
    assert {f.rule for f in findings} <= {"better-auth-missing-table"}


@pytest.mark.parametrize("database", [
    "new Pool({ connectionString: process.env.DATABASE_URL })",
    'prismaAdapter(prisma, { provider: "postgresql" })',
    '{ db: kysely, type: "postgres" }',
    None,  # no database at all: Better Auth keeps everything in memory
])
def test_better_auth_on_another_database_adapter_leaves_the_drizzle_schema_alone(tmp_path, database):
    root = copy_case(tmp_path, "base")
    edit(root, SCHEMA, '  image: text("image"),\n', "")  # would be a finding if the schema were Better Auth's
    replacement = f"database: {database}," if database else ""
    edit(root, "auth.ts", 'database: drizzleAdapter(db, { provider: "pg" }),', replacement)
    assert setup_of(root) is None
    assert auth_findings(root) == []


def test_a_database_adapter_held_in_an_imported_variable_is_assumed_to_be_drizzle(tmp_path):
    root = copy_case(tmp_path, "base")
    edit(root, "auth.ts", 'database: drizzleAdapter(db, { provider: "pg" }),', "database: sharedAdapter,")
    findings = auth_findings(root)
    assert [f.rule for f in findings] == ["better-auth-config-unresolved"]
    assert "`database` is not a drizzleAdapter" in findings[0].message


@pytest.mark.parametrize("options, missing", [
    ("secondaryStorage: kv,", []),  # sessions and verification values live in the secondary storage
    ("secondaryStorage: kv, session: { storeSessionInDatabase: true },", ["session"]),
    ("secondaryStorage: kv, verification: { storeInDatabase: true },", ["verification"]),
    ("", ["session", "verification"]),
])
def test_models_kept_in_secondary_storage_need_no_table(tmp_path, options, missing):
    root = copy_case(tmp_path, "base")
    text = read(os.path.join(root, SCHEMA))
    for marker in ("export const session = ", "export const verification = "):
        start = text.index(marker)
        text = text[:start] + text[text.index("\n\n", start) + 2:]
    text = text[:text.index("export const userRelations")]  # the relations name the removed tables
    edit(root, SCHEMA, read(os.path.join(root, SCHEMA)), text)
    edit(root, "auth.ts", "emailAndPassword", options + "\n  emailAndPassword")
    findings = auth_findings(root)
    assert sorted(f.message.split("`")[1] for f in findings) == missing, [f.message for f in findings]
