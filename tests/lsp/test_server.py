"""End-to-end: the real server over stdio, a real LSP client, real files on disk."""

from __future__ import annotations

import asyncio
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import start


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "drizzle_lsp", "serve", "--stdio"]))
async def client(lsp_client: LanguageClient):
    registrations: list = []

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def on_register(params: types.RegistrationParams):
        registrations.extend(params.registrations)

    lsp_client.registrations = registrations
    yield
    await lsp_client.shutdown_session()


async def _wait_for_diagnostics(client: LanguageClient, uri: str, predicate, timeout: float = 15.0):
    async def poll():
        while True:
            found = client.diagnostics.get(uri, [])
            if predicate(found):
                return found
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), timeout)


def _open(client: LanguageClient, path, text: str | None = None, language: str = "sql", version: int = 1):
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=path.as_uri(), language_id=language, version=version, text=text if text is not None else path.read_text(),
    )))


async def test_push_diagnostics_for_a_syntax_error_while_typing(client: LanguageClient, project):
    await start(client, project, "neovim@v0.7.0")
    migration = project / "drizzle" / "0001_index.sql"
    _open(client, migration)
    broken = 'CREATE INDEX "orders_customer_idx" ON "orders" USING btree ("customer_id";\n'
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=migration.as_uri(), version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=broken)],
    ))
    found = await _wait_for_diagnostics(client, migration.as_uri(), lambda d: any(x.code == "syntax-error" for x in d))
    error = next(d for d in found if d.code == "syntax-error")
    assert error.severity == types.DiagnosticSeverity.Error
    assert error.source == "drizzle-lsp"
    assert error.code_description and error.code_description.href.endswith("/syntax-error.md")
    # The unsaved text was checked, not the file on disk.
    assert migration.read_text().rstrip().endswith('("customer_id");')
    # Fixing the text clears the diagnostic.
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=migration.as_uri(), version=3),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=broken.replace('";', '");'))],
    ))
    await _wait_for_diagnostics(client, migration.as_uri(), lambda d: not any(x.code == "syntax-error" for x in d))


async def test_pull_diagnostics_and_unused_suppression_quick_fix(client: LanguageClient, project):
    await start(client, project, "visual-studio-code")
    migration = project / "drizzle" / "0001_index.sql"
    text = "-- drizzle-lsp-ignore require-concurrent-index\nSET lock_timeout = '5s';--> statement-breakpoint\n" + migration.read_text()
    _open(client, migration, text)
    report = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=migration.as_uri())
    ))
    unused = [d for d in report.items if d.code == "unused-suppression"]
    assert unused, [d.code for d in report.items]
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=migration.as_uri()),
        range=unused[0].range,
        context=types.CodeActionContext(diagnostics=unused),
    ))
    titles = [a.title for a in actions]
    fix = next(a for a in actions if a.edit and a.kind == types.CodeActionKind.QuickFix and not a.title.startswith("Disable"))
    change = fix.edit.document_changes[0]
    assert change.text_document.version == 1
    assert any(t.startswith("Show documentation") for t in titles)


async def test_hover_explains_the_lock_of_a_statement(client: LanguageClient, project):
    await start(client, project, "visual-studio-code")
    migration = project / "drizzle" / "0001_index.sql"
    _open(client, migration)
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=migration.as_uri()), position=types.Position(line=0, character=3),
    ))
    assert hover is not None
    text = hover.contents.value
    assert "SHARE" in text and "orders" in text
    assert "existed before this migration" in text


async def test_hover_on_a_schema_column_shows_its_sql(client: LanguageClient, project):
    await start(client, project, "visual-studio-code")
    schema = project / "src" / "schema.ts"
    _open(client, schema, language="typescript")
    line = schema.read_text().splitlines().index('  customerId: bigint("customer_id", { mode: "number" }),')
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=schema.as_uri()), position=types.Position(line=line, character=4),
    ))
    assert hover is not None
    assert '"customer_id" bigint' in hover.contents.value


async def test_bad_editor_setting_is_reported_and_server_keeps_working(client: LanguageClient, project):
    await start(client, project, "neovim@v0.7.0", options={"postgresVersion": 9, "unknownThing": 1})
    async def wait_messages():
        while len(client.messages) < 2:
            await asyncio.sleep(0.05)

    await asyncio.wait_for(wait_messages(), 10)
    texts = " ".join(m.message for m in client.messages)
    assert "postgresVersion" in texts and "unknownThing" in texts
    migration = project / "drizzle" / "0001_index.sql"
    _open(client, migration, "CREATE TABLE (;\n")
    await _wait_for_diagnostics(client, migration.as_uri(), lambda d: any(x.code == "syntax-error" for x in d))


async def test_new_migration_file_on_disk_is_picked_up(client: LanguageClient, project):
    await start(client, project, "neovim@v0.7.0")
    journal = project / "drizzle" / "meta" / "_journal.json"
    migration = project / "drizzle" / "0002_broken.sql"
    migration.write_text("ALTER TABLE;\n")
    import json

    data = json.loads(journal.read_text())
    data["entries"].append({"idx": 2, "version": "7", "when": 1700000009000, "tag": "0002_broken", "breakpoints": True})
    journal.write_text(json.dumps(data))
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=migration.as_uri(), type=types.FileChangeType.Created),
        types.FileEvent(uri=journal.as_uri(), type=types.FileChangeType.Changed),
    ]))
    await _wait_for_diagnostics(client, migration.as_uri(), lambda d: any(x.code == "syntax-error" for x in d))


async def test_fix_all_applies_every_safe_fix(client: LanguageClient, project):
    await start(client, project, "visual-studio-code")
    migration = project / "drizzle" / "0001_index.sql"
    text = (
        "-- drizzle-lsp-ignore require-concurrent-index\nSET lock_timeout = '5s';--> statement-breakpoint\n"
        "-- drizzle-lsp-ignore require-concurrent-index-drop\nSET statement_timeout = '5s';--> statement-breakpoint\n"
        + migration.read_text()
    )
    _open(client, migration, text)
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=migration.as_uri()),
        range=types.Range(types.Position(0, 0), types.Position(0, 0)),
        context=types.CodeActionContext(diagnostics=[], only=["source.fixAll.drizzle-lsp"]),
    ))
    assert len(actions) == 1 and actions[0].kind == "source.fixAll.drizzle-lsp"
    edits = actions[0].edit.document_changes[0].edits
    assert len(edits) == 2  # both unused suppressions removed in one action
    assert {e.range.start.line for e in edits} == {0, 2}
    assert all(e.new_text == "" for e in edits)


async def test_settings_change_takes_effect(client: LanguageClient, project):
    await start(client, project, "neovim@v0.7.0")
    migration = project / "drizzle" / "0001_index.sql"
    _open(client, migration)
    await _wait_for_diagnostics(client, migration.as_uri(), lambda d: any(x.code == "require-concurrent-index" for x in d))
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"drizzleLsp": {"ignore": ["require-concurrent-index"]}}
    ))
    await _wait_for_diagnostics(client, migration.as_uri(), lambda d: not any(x.code == "require-concurrent-index" for x in d))


async def test_config_file_error_is_reported(client: LanguageClient, project):
    (project / ".drizzle-lsp.toml").write_text("postgres-version = 'sixteen'\n")
    await start(client, project, "neovim@v0.7.0")
    settings_uri = (project / ".drizzle-lsp.toml").as_uri()
    found = await _wait_for_diagnostics(client, settings_uri, lambda d: bool(d))
    assert any("postgres-version" in d.message for d in found)
    assert found[0].range.start.line == 0


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP edits (UTF-16 positions; the test texts are ASCII) the way an editor does."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(position: types.Position) -> int:
        return offsets[min(position.line, len(lines))] + position.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


async def _hover_on_the_index(client: LanguageClient, project, options=None) -> tuple[str, list]:
    """The hover text on the migration's CREATE INDEX, and the diagnostics published there."""
    await start(client, project, "neovim@v0.7.0", options)
    migration = project / "drizzle" / "0001_index.sql"
    _open(client, migration)
    found = await _wait_for_diagnostics(client, migration.as_uri(),
                                        lambda d: any(x.code == "require-concurrent-index" for x in d))
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=migration.as_uri()), position=types.Position(line=0, character=5),
    ))
    return hover.contents.value, found


async def test_hover_on_a_finding_explains_the_rule(client: LanguageClient, project):
    text, found = await _hover_on_the_index(client, project)
    assert "**require-concurrent-index**" in text
    assert "Why is this bad?" in text and "CONCURRENTLY" in text
    assert "docs/rules/require-concurrent-index.md" in text
    message = next(d.message for d in found if d.code == "require-concurrent-index").splitlines()[0]
    assert message in text  # Neovim's hover shows only this: the finding itself comes first


async def test_hover_leaves_out_the_message_for_an_editor_that_shows_it(client: LanguageClient, project):
    """VS Code puts the diagnostic's message in the same hover; our extension says so at initialize."""
    text, found = await _hover_on_the_index(client, project, {"drizzleLsp": {}, "client": {"showsDiagnosticsInHover": True}})
    message = next(d.message for d in found if d.code == "require-concurrent-index").splitlines()[0]
    assert "**require-concurrent-index**" in text and "Why is this bad?" in text
    assert message not in text


async def _add_a_timestamp_column(client: LanguageClient, project):
    """Opens the schema, adds a `timestamp` column in the editor (version 2) and waits for its prefer-timestamptz
    finding. Returns (schema path, edited text, that diagnostic)."""
    await start(client, project, "neovim@v0.7.0")
    schema = project / "src" / "schema.ts"
    original = schema.read_text()
    _open(client, schema, language="typescript")
    edited = original.replace('note: text("note"),', 'note: text("note"),\n  sentAt: timestamp("sent_at"),').replace(
        "index }", "index, timestamp }")
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=schema.as_uri(), version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)],
    ))
    found = await _wait_for_diagnostics(client, schema.as_uri(), lambda d: any(x.code == "prefer-timestamptz" for x in d))
    return schema, edited, next(d for d in found if d.code == "prefer-timestamptz")


async def test_schema_edit_updates_diagnostics_and_quick_fix_applies(client: LanguageClient, project):
    schema, edited, finding = await _add_a_timestamp_column(client, project)
    assert edited.splitlines()[finding.range.start.line].strip().startswith("sentAt:")
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=schema.as_uri()), range=finding.range,
        context=types.CodeActionContext(diagnostics=[finding]),
    ))
    fix = next(a for a in actions if a.edit and "withTimezone" in a.title)
    change = fix.edit.document_changes[0]
    assert change.text_document.version == 2  # computed for the unsaved text the editor holds
    fixed = _apply(edited, change.edits)
    assert 'sentAt: timestamp("sent_at", { withTimezone: true }),' in fixed
    assert fixed.replace(', { withTimezone: true }', "") == edited  # nothing else changed


async def test_a_diagnostic_of_an_older_version_offers_no_fix(client: LanguageClient, project):
    """The fix is taken from the finding the server holds for the version the diagnostic was published for: once
    the document moved on, the old diagnostic's fix would edit text that is no longer there."""
    schema, edited, old = await _add_a_timestamp_column(client, project)
    assert old.data["version"] == 2 and old.data["fix"]["applicability"] and "edits" not in old.data["fix"]
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=schema.as_uri(), version=3),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text="// moved on\n" + edited)],
    ))
    await _wait_for_diagnostics(client, schema.as_uri(), lambda d: any(
        x.code == "prefer-timestamptz" and x.range.start.line == old.range.start.line + 1 for x in d))

    async def fixes_for(diagnostic):
        actions = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=schema.as_uri()), range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic])))
        return [a for a in actions if getattr(a, "edit", None) and "withTimezone" in a.title]

    assert await fixes_for(old) == []
    current = next(d for d in client.diagnostics[schema.as_uri()] if d.code == "prefer-timestamptz")
    (fix,) = await fixes_for(current)
    assert fix.edit.document_changes[0].text_document.version == 3


async def test_watchers_are_registered_and_workspace_diagnostics_answer(client: LanguageClient, project):
    await start(client, project, "visual-studio-code")

    async def registered_watchers():
        while True:
            found = [r for r in client.registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
            if found:
                return found
            await asyncio.sleep(0.05)

    registered = await asyncio.wait_for(registered_watchers(), 10)
    assert registered, "file watchers must be registered dynamically"
    options = registered[0].register_options  # arrives as plain JSON: the registration options are untyped
    globs = [w["globPattern"] for w in options["watchers"]]
    assert "**/drizzle.config.*" in globs and "**/meta/_journal.json" in globs
    report = await client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[]))
    by_uri = {item.uri: item for item in report.items}
    migration_uri = (project / "drizzle" / "0001_index.sql").as_uri()
    assert any(d.code == "require-concurrent-index" for d in by_uri[migration_uri].items)


async def test_pull_reports_unchanged_findings_by_result_id(client: LanguageClient, project):
    await start(client, project, "visual-studio-code")
    migration = project / "drizzle" / "0001_index.sql"
    _open(client, migration)
    identifier = types.TextDocumentIdentifier(uri=migration.as_uri())
    first = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(text_document=identifier))
    assert first.kind == "full" and first.result_id
    again = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=identifier, previous_result_id=first.result_id))
    assert again.kind == "unchanged" and again.result_id == first.result_id, (first.result_id, again)
    workspace = await client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(
        previous_result_ids=[types.PreviousResultId(uri=migration.as_uri(), value=first.result_id)]))
    report = next(item for item in workspace.items if item.uri == migration.as_uri())
    assert report.kind == "unchanged"
    # An edit changes the findings: the next pull is full again.
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=migration.as_uri(), version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text="CREATE TABLE (;\n")],
    ))
    changed = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=identifier, previous_result_id=first.result_id))
    assert changed.kind == "full" and any(d.code == "syntax-error" for d in changed.items)


POOLED = "postgresql://app:secret@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require"
DIRECT = "postgresql://app:secret@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=require"


async def test_an_env_file_changed_on_disk_re_checks_the_migration_url(client: LanguageClient, project):
    # The rule reads DATABASE_URL from .env, which is no project file: the watcher must still bring the change in.
    config = project / "drizzle.config.ts"
    config.write_text(
        'import { defineConfig } from "drizzle-kit";\n\nexport default defineConfig({\n  dialect: "postgresql",\n'
        '  schema: "./src/schema.ts",\n  out: "./drizzle",\n  dbCredentials: { url: process.env.DATABASE_URL! },\n});\n')
    env = project / ".env"
    env.write_text(f"DATABASE_URL={DIRECT}\n")
    await start(client, project, "visual-studio-code")
    schema = project / "src" / "schema.ts"
    _open(client, schema, language="typescript")
    await _wait_for_diagnostics(client, schema.as_uri(), lambda d: True)
    assert not any(x.code == "migrations-through-pooler" for x in client.diagnostics.get(config.as_uri(), []))

    env.write_text(f"DATABASE_URL={POOLED}\n")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=env.as_uri(), type=types.FileChangeType.Changed),
    ]))
    found = await _wait_for_diagnostics(
        client, config.as_uri(), lambda d: any(x.code == "migrations-through-pooler" for x in d))
    message = next(x.message for x in found if x.code == "migrations-through-pooler")
    assert "secret" not in message


def test_the_watchers_cover_the_files_rules_read():
    from drizzle_lsp.lsp.server import WATCHED_GLOBS

    for glob in ("**/.env", "**/.dev.vars", "**/wrangler.toml", "**/wrangler.jsonc"):
        assert glob in WATCHED_GLOBS
