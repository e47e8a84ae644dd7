"""Whether a project uses Better Auth, how it is configured, and which tables it therefore expects.

Detection, strongest first: ``better-auth`` declared in the project's ``package.json``; a ``betterAuth({...})`` call
in the project; a parent ``package.json`` (a monorepo root) or a call elsewhere in the monorepo, counted only when
the schema also holds Better Auth's core tables (a monorepo's analytics database must not be asked for a user
table); the core tables alone. Where the config, the declarations and the version are found is ``locate.py``'s
part.

The result is memoised per analysed project object, and reused for a new project object (the language server
re-creates projects on every edit) only when every input it read is unchanged: the texts of the ``package.json``
files and of the files holding the call (through the editor's buffers when a reader is given), the installed
version, the dialect and the two facts of the schema detection reads (core tables present, plural export keys). The
very same ``AuthSetup`` object is then handed out again, which the auth rules' ``memo_key`` compares by identity:
typing in the schema that changes neither fact keeps every table's auth findings reusable.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drizzle_lsp.better_auth.locate import (call_files, declared_version, folders_up, installed_version, linked,
                                           read_disk, scan)
from drizzle_lsp.better_auth.model import AuthOptions, AuthSetup
from drizzle_lsp.better_auth.reader import MODELS, UNRESOLVED, ReadOptions, read_auth_call
from drizzle_lsp.model.source import Problem, SourceRange

Reader = Callable[[str], "str | None"]

_DIALECT_PROVIDER = {"postgresql": "pg", "sqlite": "sqlite", "mysql": "mysql"}
# Keys that only Better Auth's core tables carry together (Auth.js has `sessionToken`, `providerAccountId`).
_SIGNATURES = {"session": {"token", "expiresAt"}, "account": {"accountId", "providerId"},
               "verification": {"identifier", "value"}}


def setup_for(project: Any, file_text: Reader | None = None) -> AuthSetup | None:
    """The project's Better Auth setup, or None when it does not use Better Auth. ``project`` is an
    ``AnalyzedProject`` (or a model ``Project``); ``file_text`` reads a file with the editor's unsaved text winning."""
    model = getattr(project, "project", project)
    root = os.path.abspath(model.root)
    entry = _MEMO.get(root)
    if entry is not None and entry.owner is project:
        _touch(entry, model, file_text)
        return entry.setup
    read = _reader(file_text)
    inputs = _collect(model, read)
    signature = (model.config.sql_dialect, inputs.key(), _schema_facts(model.schema))
    if entry is not None and entry.signature == signature:
        entry.owner = project
        return entry.setup
    setup = _build(model, inputs)
    paths = tuple(p for p, _ in inputs.packages) + tuple(p for p, _ in inputs.calls)
    _MEMO[root] = _Entry(project, signature, setup, paths)
    _MEMO.move_to_end(root)
    while len(_MEMO) > 32:
        _MEMO.popitem(last=False)
    return setup


@dataclass(slots=True)
class _Entry:
    owner: Any
    signature: tuple
    setup: AuthSetup | None
    paths: tuple[str, ...] = ()  # the files whose text the setup was computed from


def _touch(entry: _Entry, model: Any, file_text: Reader | None) -> None:
    """Read again, through the caller's reader, what the memoised setup depends on: a caller that records what each
    rule reads (the language server's rule-result reuse) then sees that an edit of the auth config or the schema
    invalidates this rule's findings too. The reads are served from the reader's cache."""
    model.schema  # noqa: B018 - the attribute read is the record
    if file_text is not None:
        for path in entry.paths:
            try:
                file_text(path)
            except OSError:
                pass


_MEMO: OrderedDict[str, _Entry] = OrderedDict()


def _reader(file_text: Reader | None) -> Reader:
    def read(path: str) -> str | None:
        if file_text is not None:
            try:
                text = file_text(path)
            except OSError:
                text = None
            if text is not None:
                return text
        return read_disk(path)

    return read


# --- inputs ----------------------------------------------------------------------------------------------------------

@dataclass(slots=True)
class _Inputs:
    root: str
    packages: list[tuple[str, str]]  # (package.json path, text), nearest first
    declared: tuple[str, str] | None  # (package.json path, range) of the nearest declaration of better-auth
    own_declaration: bool
    installed: str | None
    calls: list[tuple[str, str]]  # (path, text) of files holding `betterAuth`, preferred first
    outside_root: set[str]  # of those, files found by the monorepo scan

    def key(self) -> tuple:
        return (tuple(self.packages), self.installed, tuple(self.calls))


def _collect(model: Any, read: Reader) -> _Inputs:
    root = os.path.abspath(model.root)
    folders = folders_up(root)
    packages: list[tuple[str, str]] = []
    declared: tuple[str, str] | None = None
    own = False
    for folder in folders:
        path = os.path.join(folder, "package.json")
        text = read(path) if os.path.isfile(path) else None
        if text is None:
            continue
        packages.append((path, text))
        version = declared_version(text)
        if version is not None and declared is None:
            declared, own = (path, version), folder == root
    calls = call_files(root, model, read)
    outside: set[str] = set()
    version_folders = list(folders)
    if not calls and len(folders) > 1 and (own or _core_tables_present(model.schema)):
        # A monorepo: the auth config usually lives in an app, the schema in a shared package. What is found there
        # counts only when the schema holds Better Auth's tables (see _build), so other projects skip the walk.
        calls = linked(root, packages, scan(folders[-1], read, skip=root))
        outside = {p for p, _ in calls}
        if calls:
            app = folders_up(os.path.dirname(calls[0][0]))
            version_folders += [f for f in app if f not in version_folders]
            if declared is None:
                for folder in app:
                    path = os.path.join(folder, "package.json")
                    text = read(path) if os.path.isfile(path) else None
                    version = declared_version(text) if text else None
                    if text is not None:
                        packages.append((path, text))
                    if version is not None:
                        declared = (path, version)
                        break
    installed = installed_version(version_folders, read)
    return _Inputs(root, packages, declared, own, installed, calls, outside)


def _schema_facts(schema: Any) -> tuple[bool, bool]:
    """All that ``_collect`` and ``_build`` read of the schema: whether it holds Better Auth's core tables, and
    whether its exports are plural."""
    return _core_tables_present(schema), _plural_keys(schema)


# --- the setup -------------------------------------------------------------------------------------------------------

def _build(model: Any, inputs: _Inputs) -> AuthSetup | None:
    read_options: ReadOptions | None = None
    config_path: str | None = None
    for path, text in inputs.calls:
        read_options = read_auth_call(path, text)
        if read_options is not None:
            config_path = path
            break
    looks_like_auth = _core_tables_present(model.schema)
    if read_options is not None and read_options.adapter != "drizzle":
        return None  # Better Auth keeps its tables elsewhere (its own Kysely migrations, Prisma, memory)
    if inputs.declared is not None and inputs.own_declaration:
        detected_by = "package.json"
    elif read_options is not None and config_path not in inputs.outside_root:
        detected_by = "betterAuth() call"
    elif looks_like_auth:
        detected_by = "package.json" if inputs.declared is not None else "tables"
    else:
        return None
    problems: list[Problem] = []
    dialect = model.config.sql_dialect
    if read_options is None:
        read_options = ReadOptions()
        plural = _plural_keys(model.schema)
        read_options.use_plural = plural
        if inputs.declared is not None or plural:
            where = SourceRange(inputs.declared[0], 0, 0) if inputs.declared is not None else None
            guessed = "usePlural true (the tables are exported under plural names)" if plural else "usePlural false"
            problems.append(Problem(
                UNRESOLVED, "no betterAuth({...}) call found in the project: Better Auth's defaults are assumed for "
                f"the schema check (provider from the drizzle config, {guessed}, no plugins, default ids). Keep the "
                "auth config in the project (e.g. src/lib/auth.ts) to have its options checked", where, "info"))
    problems.extend(read_options.problems)
    provider = read_options.provider or _DIALECT_PROVIDER.get(dialect, "pg")
    version = inputs.installed or (inputs.declared[1] if inputs.declared else None)
    options = AuthOptions(
        version=version,  # an installed version, else the declared range (expected.py resolves it)
        provider=provider,
        use_plural=read_options.use_plural,
        generate_id=read_options.generate_id,
        rate_limit_storage=read_options.rate_limit_storage,
        plugins=tuple(read_options.plugins),
        # In the order the config writes them: equal configs give equal (and equally cached) options.
        plugin_options=tuple((p, tuple(o.items())) for p, o in read_options.plugin_options.items()),
        model_names=tuple(read_options.model_names.items()),
        field_names=tuple((m, f, k) for m, fields in read_options.field_names.items() for f, k in fields.items()),
    )
    setup = AuthSetup(
        detected_by=detected_by,
        config_path=config_path,
        call_range=read_options.call_range,
        version=version,
        provider=provider,
        use_plural=read_options.use_plural,
        generate_id=read_options.generate_id,
        rate_limit_storage=read_options.rate_limit_storage,
        plugins=tuple(read_options.plugins),
        plugin_options=dict(read_options.plugin_options),
        model_names=dict(read_options.model_names),
        field_names={m: dict(f) for m, f in read_options.field_names.items()},
        options=options,
        problems=problems,
        additional_fields={m: dict(f) for m, f in read_options.additional_fields.items()},
        schema_keys=dict(read_options.schema_keys),
    )
    setup.tables = tuple(t for t in _expected(options) if t.model not in read_options.not_in_database)
    return setup


def _expected(options: AuthOptions) -> tuple:
    try:
        from drizzle_lsp.better_auth.expected import expected_tables
    except ImportError:  # the expected-schema data is not installed: nothing to compare against
        return ()
    return tuple(expected_tables(options))


def _core_tables_present(schema: Any) -> bool:
    """A table exported as a core model (singular or plural) carrying the keys only Better Auth's has."""
    for table in schema.tables.values():
        key = table.key or ""
        wanted = _SIGNATURES.get(key) or (_SIGNATURES.get(key[:-1]) if key.endswith("s") else None)
        if wanted and wanted <= {c.key for c in table.columns.values()}:
            return True
    return False


def _plural_keys(schema: Any) -> bool:
    keys = {t.key for t in schema.tables.values() if t.key}
    plural = sum(1 for m in MODELS if m + "s" in keys)
    singular = sum(1 for m in MODELS if m in keys)
    return plural > singular
