"""``drizzle-lsp serve``: the language server, a thin pygls layer over ``analysis.session.Session``.

Everything the server knows comes from the same core as ``drizzle-lsp check``; this module only translates between
LSP messages and the core's model (offsets <-> positions, violations <-> diagnostics, fixes <-> workspace edits).
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import inspect
import json
import logging
import os
import sys
import traceback

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from drizzle_lsp import __version__
from drizzle_lsp.analysis.session import Session
from drizzle_lsp.lsp import actions, diagnostics, hover, navigation
from drizzle_lsp.lsp.convert import path_to_uri, uri_to_path
from drizzle_lsp.lsp.settings import SECTION, parse_editor_settings, settings_section

log = logging.getLogger("drizzle-lsp")

SHOW_DOCUMENTATION = "drizzle-lsp.showDocumentation"
WATCHED_GLOBS = (
    "**/drizzle.config.*",
    "**/.drizzle-lsp.toml",
    "**/package.json",
    "**/*.sql",
    "**/meta/_journal.json",
    "**/meta/*_snapshot.json",
    "**/snapshot.json",
    "**/*.ts",
    # Read by rules, not parsed as project files: the migration URL's .env files, and wrangler's D1 bindings.
    "**/.env",
    "**/.env.*",
    "**/.dev.vars",
    "**/wrangler.toml",
    "**/wrangler.json",
    "**/wrangler.jsonc",
)


class DrizzleLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("drizzle-lsp", __version__)
        self.session: Session | None = None
        self.versions: dict[str, int] = {}  # path -> version of the open document
        self.published: set[str] = set()  # paths that currently show diagnostics (push mode)
        self.encoder = diagnostics.DiagnosticsEncoder()  # each file's published diagnostics, kept encoded
        self.sent: dict[str, str] = {}  # path -> id of the findings and version last pushed for it
        self.generation = 0
        self.pending: set[str] = set()
        self.analysis_lock = asyncio.Lock()
        self.ready = asyncio.Event()
        self.init_settings = None
        self.client_shows_diagnostics_in_hover = False  # the hover then leaves out a finding's message
        # path -> id of the findings last computed for it: a pull client that already holds them gets "unchanged"
        # (VS Code asks for workspace diagnostics every few seconds).
        self.result_ids: dict[str, str] = {}

    # --- capabilities -------------------------------------------------------------------------------------------

    @property
    def pull_mode(self) -> bool:
        text_document = self.client_capabilities.text_document
        return bool(text_document and text_document.diagnostic)

    @property
    def encoding(self) -> str:
        encoding = self.workspace.position_encoding
        return str(getattr(encoding, "value", encoding) or "utf-16")

    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        # Logs go to the client, never to stdout: stdout is the protocol channel.
        try:
            self.window_log_message(types.LogMessageParams(type=kind, message=message))
        except Exception:  # noqa: BLE001 - logging must never break a request
            print(message, file=sys.stderr)

    # --- analysis scheduling ------------------------------------------------------------------------------------

    def document_text(self, path: str) -> str | None:
        assert self.session is not None
        return self.session.text_of(path)

    async def analyze(self, changed: set[str] | None, progress: str | None = None) -> None:
        """Run one analysis (all projects when ``changed`` is None) off the event loop, then publish. With
        ``progress`` (a work-done token), a full analysis reports each project done and publishes its results
        at once."""
        async with self.analysis_lock:
            await self._analyze_locked(changed, progress)

    async def _analyze_locked(self, changed: set[str] | None, progress: str | None = None) -> None:
        assert self.session is not None
        session = self.session
        loop = asyncio.get_running_loop()
        # The texts and their versions are taken together, here on the event loop where changes arrive: a change that
        # lands while the analysis starts must not give findings of the new text the old version (their fixes are
        # looked up by version).
        versions, texts = dict(self.versions), dict(session.overrides)

        def project_done(done: int, total: int, files: set[str]) -> None:  # runs on the analysis thread
            loop.call_soon_threadsafe(self._project_done, progress, done, total, files, versions)

        def work() -> set[str]:
            with session.lock:
                if changed is None:
                    return session.reload_all(project_done if progress is not None else None, texts)
                return session.refresh(changed, texts)

        try:
            touched = await loop.run_in_executor(None, work)
        except Exception as error:  # noqa: BLE001 - the server must keep serving
            self.log(f"drizzle-lsp analysis failed: {error}\n{traceback.format_exc()}", types.MessageType.Error)
            return
        ids = {path: _findings_id(session.findings.get(path, []), versions.get(path)) for path in touched}
        self.result_ids.update(ids)
        self.publish(touched, versions, ids)
        navigation.refresh_lenses(self)

    async def schedule(self, paths: set[str]) -> None:
        """Re-check after a change. A change that finds the server idle is analysed at once: waiting a fixed delay
        first would add it to every keystroke's latency. Changes that arrive while an analysis runs form a burst:
        they wait ``debounceMs`` for more, then cost one analysis, run with the newest text."""
        self.pending |= paths
        self.generation += 1
        generation = self.generation
        assert self.session is not None
        if self.analysis_lock.locked():
            await asyncio.sleep(self.session.editor.debounce_ms / 1000)
            if generation != self.generation:
                return  # a newer change is waiting; it will analyse these paths too
        await self.flush()

    async def flush(self) -> None:
        """Analyse what is pending. The pending set is taken once the previous analysis is over, so that a burst of
        changes made during it is analysed once, and a pull request waits for fresh findings."""
        await self.ready.wait()
        async with self.analysis_lock:
            if not self.pending:
                return
            changed, self.pending = self.pending, set()
            await self._analyze_locked(changed)

    def _project_done(self, progress: str | None, done: int, total: int, files: set[str],
                      versions: dict[str, int]) -> None:
        """One project of a full analysis is checked: its files' results are shown now, not after the last one."""
        assert self.session is not None
        if progress:
            try:
                self.work_done_progress.report(progress, types.WorkDoneProgressReport(
                    message=f"{done}/{total} projects checked", percentage=done * 100 // max(total, 1)))
            except Exception:  # noqa: BLE001 - progress is a courtesy
                pass
        if not self.pull_mode:
            self.publish(files, versions)

    def publish(self, touched: set[str], versions: dict[str, int], ids: dict[str, str] | None = None) -> None:
        """Push the findings of ``touched`` (and clear files that no longer have any); ``ids`` are their
        ``_findings_id`` when the caller computed them already (a thousand findings cost milliseconds to digest)."""
        assert self.session is not None
        if self.pull_mode:
            refresh = self.client_capabilities.workspace and self.client_capabilities.workspace.diagnostics
            if refresh and refresh.refresh_support:
                self.workspace_diagnostic_refresh(None)
            return
        for path in sorted(touched | self.published):
            found = self.session.findings.get(path, [])
            if not found and path not in self.published:
                continue
            version = versions.get(path)
            sent = (ids or {}).get(path) or _findings_id(found, version)
            if self.sent.get(path) == sent:
                continue  # the client already shows these findings for this version: a 300-file project re-sent
                # every file's diagnostics on each keystroke
            self._send_diagnostics(path, found, self.session.text_of(path) or "", version)
            self.sent[path] = sent
            if found:
                self.published.add(path)
            else:
                self.published.discard(path)

    def _send_diagnostics(self, path: str, found: list, text: str, version: int | None) -> None:
        writer = getattr(self.protocol, "writer", None)
        if writer is None or not hasattr(self.protocol, "_include_headers"):  # pragma: no cover - another pygls
            items = diagnostics.to_diagnostics(found, text, self.encoding, version, self)
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=path_to_uri(path), diagnostics=items, version=version))
            return
        # The message is written as JSON text built here: lsprotocol objects unstructured by cattrs cost several
        # times the analysis on a file with a thousand findings, and the encoder re-encodes only the findings that
        # changed (``diagnostics.DiagnosticsEncoder``; a test checks it equals the typed path).
        items = self.encoder.encode(path, found, text, self.encoding, version, self)
        version_part = f', "version": {version}' if version is not None else ""
        body = (f'{{"jsonrpc": "2.0", "method": "{types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS}", "params": '
                f'{{"uri": {json.dumps(path_to_uri(path))}, "diagnostics": {items}{version_part}}}}}')
        self._write_message(writer, body)

    def _write_message(self, writer, body: str) -> None:
        """One JSON-RPC message on the transport, framed as pygls frames its own (the body is ASCII: json escapes)."""
        data = body.encode("utf-8")
        if self.protocol._include_headers:
            data = (f"Content-Length: {len(data)}\r\n"
                    f"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n").encode("ascii") + data
        try:
            result = writer.write(data)
            if inspect.isawaitable(result):
                asyncio.ensure_future(result)
        except BrokenPipeError:  # the client went away: nothing to tell it
            log.warning("the client closed the connection while diagnostics were sent")

    def versions_for(self, versions: dict[str, int], path: str) -> int | None:
        return versions.get(path)


def _findings_id(findings: list, version: int | None) -> str:
    """Same findings on the same document version, same id: a re-analysis that changes nothing stays "unchanged"."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(repr(version).encode())
    for finding in findings:
        where = (finding.range.start, finding.range.end) if finding.range else None
        digest.update(repr((finding.rule, finding.severity, finding.message, where)).encode("utf-8", "replace"))
    return digest.hexdigest()


server = DrizzleLanguageServer()


def _roots(params: types.InitializeParams) -> list[str]:
    if params.workspace_folders:
        return [uri_to_path(f.uri) for f in params.workspace_folders]
    if params.root_uri:
        return [uri_to_path(params.root_uri)]
    if params.root_path:
        return [params.root_path]
    return [os.getcwd()]


@server.feature(types.INITIALIZE)
def on_initialize(ls: DrizzleLanguageServer, params: types.InitializeParams) -> None:
    ls.session = Session(_roots(params))
    ls.init_settings = params.initialization_options
    ls.session.editor = parse_editor_settings(params.initialization_options)
    ls.client_shows_diagnostics_in_hover = _client_flag(params.initialization_options, "showsDiagnosticsInHover")


def _client_flag(options: object, name: str) -> bool:
    """A fact about the editor its extension sends next to the settings (``{"client": {name: true}}``): what LSP's
    capabilities cannot say, such as VS Code showing a diagnostic's message in the hover at its range."""
    client = options.get("client") if isinstance(options, dict) else None
    return isinstance(client, dict) and client.get(name) is True


@server.feature(types.INITIALIZED)
async def on_initialized(ls: DrizzleLanguageServer, params: types.InitializedParams) -> None:
    await _register_watchers(ls)
    await _pull_configuration(ls)
    token = "drizzle-lsp/initial-index"
    progress = _begin_progress(ls, token, "drizzle-lsp: reading the Drizzle projects")
    try:
        await ls.analyze(None, token if progress else "")
    finally:
        ls.ready.set()
        if progress:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))
    assert ls.session is not None
    projects = len(ls.session.workspace.projects)
    ls.log(f"drizzle-lsp {__version__}: {projects} Drizzle project(s) found under {', '.join(ls.session.roots)}")
    if ls.pending:
        await ls.flush()


def _begin_progress(ls: DrizzleLanguageServer, token: str, title: str) -> bool:
    window = ls.client_capabilities.window
    if not (window and window.work_done_progress):
        return False
    try:
        ls.work_done_progress.create(token)
        ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title, cancellable=False))
        return True
    except Exception:  # noqa: BLE001 - progress is a courtesy
        return False


async def _register_watchers(ls: DrizzleLanguageServer) -> None:
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    if not (watched and watched.dynamic_registration):
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in WATCHED_GLOBS]
    )
    registration = types.Registration(
        id="drizzle-lsp-watchers", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options
    )
    try:
        await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
    except Exception as error:  # noqa: BLE001
        ls.log(f"could not register file watchers: {error}")


async def _pull_configuration(ls: DrizzleLanguageServer) -> None:
    workspace = ls.client_capabilities.workspace
    assert ls.session is not None
    editor = parse_editor_settings(ls.init_settings)
    if workspace and workspace.configuration:
        try:
            result = await asyncio.wait_for(
                ls.workspace_configuration_async(
                    types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
                ),
                timeout=2,
            )
            if result and isinstance(result[0], dict) and result[0]:
                # The pulled configuration is newer than the initialization options: it wins key by key.
                initial = settings_section(ls.init_settings)
                editor = parse_editor_settings({**(initial if isinstance(initial, dict) else {}), **result[0]})
        except Exception as error:  # noqa: BLE001 - a client that cannot answer keeps the initial settings
            ls.log(f"workspace/configuration failed: {error}")
    ls.session.editor = editor
    for problem in editor.problems:
        ls.window_show_message(types.ShowMessageParams(
            type=types.MessageType.Warning,
            message=f"drizzle-lsp: {problem}. The default is used; fix it in your editor settings.",
        ))


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def on_configuration(ls: DrizzleLanguageServer, params: types.DidChangeConfigurationParams) -> None:
    settings = params.settings
    if isinstance(settings, dict) and settings.get(SECTION) is not None:
        ls.init_settings = settings
    await _pull_configuration(ls)
    await ls.analyze(None)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
async def on_open(ls: DrizzleLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    path = uri_to_path(params.text_document.uri)
    ls.versions[path] = params.text_document.version
    assert ls.session is not None
    ls.session.set_document(path, params.text_document.text)
    if ls.session.text_of(path) != params.text_document.text or path not in _known_files(ls):
        await ls.schedule({path})
    elif not ls.pull_mode:
        ls.publish({path}, dict(ls.versions))


def _known_files(ls: DrizzleLanguageServer) -> set[str]:
    assert ls.session is not None
    return set(ls.session.findings)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
async def on_change(ls: DrizzleLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    path = uri_to_path(params.text_document.uri)
    document = ls.workspace.get_text_document(params.text_document.uri)
    ls.versions[path] = params.text_document.version
    assert ls.session is not None
    ls.session.set_document(path, document.source)
    await ls.schedule({path})


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
async def on_save(ls: DrizzleLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    path = uri_to_path(params.text_document.uri)
    await ls.schedule({path})


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
async def on_close(ls: DrizzleLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    path = uri_to_path(params.text_document.uri)
    ls.versions.pop(path, None)
    assert ls.session is not None
    had_unsaved = path in ls.session.overrides
    ls.session.set_document(path, None)
    if had_unsaved:
        await ls.schedule({path})  # the disk's text may differ from what the editor showed


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
async def on_watched(ls: DrizzleLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
    assert ls.session is not None
    paths = set()
    for change in params.changes:
        path = uri_to_path(change.uri)
        if any(part in ("node_modules", ".git") for part in path.split(os.sep)):
            continue
        if change.type == types.FileChangeType.Deleted:
            ls.session.file_deleted(path)
        paths.add(path)
    if paths:
        # A created or deleted file can change the journal's view of the folder: reload the whole workspace.
        created_or_deleted = any(c.type != types.FileChangeType.Changed for c in params.changes)
        if created_or_deleted:
            ls.pending |= paths
            ls.generation += 1
            await ls.ready.wait()
            ls.pending = set()
            await ls.analyze(None)
        else:
            await ls.schedule(paths)


@server.feature(
    types.TEXT_DOCUMENT_DIAGNOSTIC,
    types.DiagnosticOptions(identifier="drizzle-lsp", inter_file_dependencies=True, workspace_diagnostics=True),
)
async def on_pull_diagnostics(ls: DrizzleLanguageServer, params: types.DocumentDiagnosticParams):
    await ls.flush()
    path = uri_to_path(params.text_document.uri)
    assert ls.session is not None
    result_id = ls.result_ids.get(path, "none")
    if params.previous_result_id == result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    text = ls.session.text_of(path) or ""
    # As JSON (what the push path writes, kept encoded between requests): typed lsprotocol items unstructured by
    # cattrs cost several times the analysis on a file with a thousand findings.
    items = ls.encoder.encode(path, ls.session.findings.get(path, []), text, ls.encoding, ls.versions.get(path), ls)
    return {"kind": "full", "resultId": result_id, "items": json.loads(items)}


@server.feature(types.WORKSPACE_DIAGNOSTIC)
async def on_workspace_diagnostics(ls: DrizzleLanguageServer, params: types.WorkspaceDiagnosticParams):
    await ls.flush()
    assert ls.session is not None
    previous = {uri_to_path(p.uri): p.value for p in params.previous_result_ids or []}
    reports: list = []
    # Files the client holds findings for that now have none must be reported (empty), or their squiggles stay.
    for path in sorted(set(ls.session.findings) | set(previous)):
        result_id = ls.result_ids.get(path, "none")
        uri, version = path_to_uri(path), ls.versions.get(path)
        if previous.get(path) == result_id:
            reports.append({"kind": "unchanged", "uri": uri, "version": version, "resultId": result_id})
            continue
        text = ls.session.text_of(path) or ""
        items = ls.encoder.encode(path, ls.session.findings.get(path, []), text, ls.encoding, version, ls)
        reports.append({"kind": "full", "uri": uri, "version": version, "resultId": result_id,
                        "items": json.loads(items)})
    return {"items": reports}  # JSON, as for one document (on_pull_diagnostics)


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def on_hover(ls: DrizzleLanguageServer, params: types.HoverParams):
    # A hover during the first index waits briefly for it, then answers from what is known so far (or nothing):
    # the server keeps answering while a large workspace is read.
    try:
        await asyncio.wait_for(ls.ready.wait(), timeout=3)
    except asyncio.TimeoutError:
        pass
    try:
        return hover.hover(ls, params)
    except Exception as error:  # noqa: BLE001 - a hover failure must not surface as a crash
        ls.log(f"hover failed: {error}\n{traceback.format_exc()}", types.MessageType.Error)
        return None


async def _navigate(ls: DrizzleLanguageServer, name: str, answer, params, empty):
    # Like hover: wait briefly for the first index, and never let a failure surface as a crash.
    try:
        await asyncio.wait_for(ls.ready.wait(), timeout=3)
    except asyncio.TimeoutError:
        pass
    try:
        return answer(ls, params)
    except Exception as error:  # noqa: BLE001
        ls.log(f"{name} failed: {error}\n{traceback.format_exc()}", types.MessageType.Error)
        return empty


@server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
async def on_code_lens(ls: DrizzleLanguageServer, params: types.CodeLensParams):
    await ls.flush()
    return await _navigate(ls, "code lens", navigation.code_lenses, params, [])


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
async def on_definition(ls: DrizzleLanguageServer, params: types.DefinitionParams):
    return await _navigate(ls, "definition", navigation.definition, params, None)


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
async def on_references(ls: DrizzleLanguageServer, params: types.ReferenceParams):
    return await _navigate(ls, "references", navigation.references, params, [])


@server.command(navigation.SHOW_PENDING_CHANGES)
async def show_pending_changes(ls: DrizzleLanguageServer, *args):
    navigation.show_pending_changes(ls, list(args))
    return None


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, actions.FIX_ALL_KIND], resolve_provider=False
    ),
)
async def on_code_action(ls: DrizzleLanguageServer, params: types.CodeActionParams):
    await ls.flush()
    try:
        return actions.code_actions(ls, params)
    except Exception as error:  # noqa: BLE001
        ls.log(f"code actions failed: {error}\n{traceback.format_exc()}", types.MessageType.Error)
        return []


@server.command(actions.SHOW_SPLIT_PREVIEW)
async def show_split_preview(ls: DrizzleLanguageServer, *args):
    return actions.show_split_preview(ls, list(args))


@server.command(SHOW_DOCUMENTATION)
async def show_documentation(ls: DrizzleLanguageServer, *args):
    from drizzle_lsp.analysis.describe import rule_url

    rule = args[0] if args else None
    if isinstance(rule, list):
        rule = rule[0] if rule else None
    if not isinstance(rule, str):
        return None
    ls.window_show_document(types.ShowDocumentParams(uri=rule_url(rule), external=True))
    return None


def main(argv: list[str] | None = None) -> int:
    # `--stdio` is what vscode-languageclient appends; stdio is the only transport, so it is accepted and ignored.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    # Clients cancel requests the server already answered; pygls warns about each one, which only fills the log.
    logging.getLogger("pygls.protocol.json_rpc").setLevel(logging.ERROR)
    # An analysis allocates hundreds of thousands of short-lived objects while the project's model stays alive: with
    # the default thresholds the collector kept walking the whole model mid-keystroke (a third of the slowest
    # keystrokes' time on a 3,000-line schema). Rarer young collections, and far rarer full ones.
    gc.set_threshold(100_000, 50, 100)
    server.start_io()
    return 0


start = main
