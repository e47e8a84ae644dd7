"""Better Auth's own generator is the oracle for expected_tables(): for every fixture case (an auth.ts and the
auth-schema.ts that `auth generate` wrote for it, see tests/fixtures/better-auth/regenerate.sh), the tables that
expected_tables() gives for that case's options are exactly the ones generated, field by field: JS key, SQL name,
type family, NOT NULL, uniqueness, reference with its ON DELETE, index and default.

The cases are loaded as projects, through the loader the CLI and the server use, and the TypeScript reading of each
generated schema must equal drizzle-kit's own snapshot of it, so a mismatch here is the data's fault."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import pytest

from drizzle_lsp.analysis.project import load_workspace
from drizzle_lsp.better_auth.expected import expected_tables, index_name
from drizzle_lsp.better_auth.model import AuthOptions
from drizzle_lsp.model.compare import canonical, diff
from drizzle_lsp.workspace.snapshots import read_snapshot

FIXTURES = Path(__file__).parent.parent / "fixtures" / "better-auth"
CORE = {"user", "session", "account", "verification"}

# What each case's auth.ts sets, in the form the static reader of betterAuth({...}) hands to expected_tables().
CASE_OPTIONS = {
    "base": AuthOptions(),
    "plugins": AuthOptions(plugins=("twoFactor", "organization", "admin", "username")),
    "use-plural": AuthOptions(use_plural=True),
    "generate-id-uuid": AuthOptions(generate_id="uuid"),
    "generate-id-serial": AuthOptions(generate_id="serial", plugins=("twoFactor",)),
    "sqlite": AuthOptions(provider="sqlite", plugins=("twoFactor", "organization")),
    "mysql": AuthOptions(provider="mysql", plugins=("organization", "username")),
    "organization-teams": AuthOptions(
        plugins=("username", "organization", "admin"), plugin_options=(("organization", (("teams", True),)),)
    ),
    "more-plugins": AuthOptions(rate_limit_storage="database", plugins=("passkey", "apiKey", "jwt")),
    "renames": AuthOptions(
        plugins=("twoFactor",),
        model_names=(("user", "account_holder"), ("twoFactor", "mfa")),
        field_names=(
            ("user", "emailVerified", "isEmailVerified"),
            ("session", "userId", "ownerId"),
            ("session", "expiresAt", "validUntil"),
        ),
    ),
}
CASES = sorted(p.parent.name for p in FIXTURES.glob("*/auth.ts"))


def test_every_case_has_its_options():
    assert set(CASES) == set(CASE_OPTIONS)
    assert {"base", "plugins", "use-plural", "generate-id-uuid", "generate-id-serial", "sqlite"} <= set(CASES)


@pytest.fixture(scope="module", params=CASES)
def case(request):
    root = FIXTURES / request.param
    workspace = load_workspace([str(root)])
    assert len(workspace.projects) == 1
    project = workspace.projects[0].project
    assert not workspace.problems and not project.problems, [p.message for p in project.problems]
    assert [Path(f).name for f in project.schema_files] == ["auth-schema.ts"]
    package = json.loads((root / "package.json").read_text())
    assert "better-auth" in package["dependencies"]
    return request.param, project, CASE_OPTIONS[request.param], workspace.projects[0]


def test_typescript_reading_equals_drizzle_kit_snapshot(case):
    name, project, _, _ = case
    (snapshot,) = glob.glob(str(FIXTURES / name / "drizzle" / "meta" / "*_snapshot.json"))
    differences = diff(canonical(read_snapshot(snapshot).schema), canonical(project.schema), "drizzle-kit", "typescript")
    assert not differences, "\n".join(differences)


def column_family(column, provider: str) -> str:
    """The Better Auth field type a generated column stands for (``uuid`` and ``bigint`` kept apart)."""
    builder, options, sql_type = column.builder, column.options, column.type
    if provider == "sqlite":
        if builder == "integer":
            return {"boolean": "boolean", "timestamp_ms": "date"}.get(options.get("mode"), "number")
        return "json" if options.get("mode") == "json" else "string"
    if sql_type.endswith("[]"):
        return {"text": "string[]", "integer": "number[]"}[sql_type[:-2]]
    if builder in ("text", "varchar"):
        return "json" if options.get("mode") == "json" else "string"
    return {"boolean": "boolean", "timestamp": "date", "integer": "number", "int": "number", "bigint": "bigint",
            "jsonb": "json", "json": "json", "uuid": "uuid"}[builder]


def expected_family(field, table_by_model, provider: str) -> str:
    reference = field.references
    if reference and reference.field == "id":
        id_kind = table_by_model[reference.model].id_kind
        if id_kind == "uuid":
            return "uuid"
        if id_kind == "serial":
            assert field.type == "number"  # expected_tables turns serial references into numbers
            return "number"
    if field.type == "number" and field.bigint and provider != "sqlite":
        return "bigint"
    if field.type in ("string[]", "number[]") and provider != "pg":
        return "json"
    return field.type


def expected_default(default: str | None, provider: str) -> set[str | None]:
    if default is None:
        return {None}
    if default == "now":
        return {"now()", "(now())", "(cast(unixepoch('subsecond') * 1000 as integer))"}
    value = json.loads(default)
    if isinstance(value, bool):
        return {"true" if value else "false", "1" if value else "0"} if provider == "sqlite" else {str(value).lower()}
    if isinstance(value, str):
        return {"'" + value.replace("'", "''") + "'"}
    return {str(value)}


def is_unique(table, sql_name: str) -> bool:
    return any(u.columns == [sql_name] for u in table.unique_constraints.values()) or any(
        i.unique and i.column_names == [sql_name] for i in table.indexes.values()
    )


def is_primary_key(table, sql_name: str) -> bool:
    return table.columns[sql_name].primary_key or any(pk.columns == [sql_name] for pk in table.primary_keys.values())


def test_expected_tables_match_the_generator(case):
    name, project, options, _ = case
    provider = options.provider
    tables = expected_tables(options)
    table_by_model = {t.model: t for t in tables}
    generated = {t.key: t for t in project.schema.tables.values()}
    assert set(generated) == {t.export_key for t in tables}, "export keys differ from the generator's"
    for expected in tables:
        where = f"{name}: {expected.export_key}"
        table = generated[expected.export_key]
        assert table.name == expected.sql_name, where

        id_column = next(c for c in table.columns.values() if c.key == "id")
        assert is_primary_key(table, id_column.name), where
        if expected.id_kind == "uuid":
            assert column_family(id_column, provider) == "uuid" and "gen_random_uuid()" in (id_column.default or "")
        elif expected.id_kind == "serial":
            assert column_family(id_column, provider) == "number", where
            assert id_column.identity is not None or id_column.auto_increment, where
        else:
            assert column_family(id_column, provider) == "string", where

        columns = {c.key: c for c in table.columns.values() if c.key != "id"}
        assert list(columns) == [f.key for f in expected.fields], f"{where}: fields or their order differ"
        for field in expected.fields:
            column = columns[field.key]
            at = f"{where}.{field.key}"
            assert column.name == field.sql_name, at
            assert column_family(column, provider) == expected_family(field, table_by_model, provider), at
            assert column.not_null == field.required, at
            assert is_unique(table, field.sql_name) == field.unique, at
            assert column.default in expected_default(field.default, provider), at
            foreign_keys = [fk for fk in table.foreign_keys.values() if fk.columns_from == [field.sql_name]]
            if field.references:
                target = table_by_model[field.references.model]
                (fk,) = foreign_keys
                assert (fk.table_to, fk.columns_to, fk.on_delete) == (target.sql_name, ["id"], field.references.on_delete), at
            else:
                assert not foreign_keys, at
            plain_indexes = [i for i in table.indexes.values() if not i.unique and i.column_names == [field.sql_name]]
            if field.index and not field.unique:
                assert [i.name for i in plain_indexes] == [index_name(expected, field)], at
            else:
                assert not plain_indexes, at


def test_cases_cover_every_described_model():
    """Each model of the newest description is generated by at least one case, so none goes unchecked."""
    from drizzle_lsp.better_auth.expected import _descriptions

    newest = _descriptions()[0]
    described = set(newest.models) | {m for f in newest.features.values() for m, s in f["models"].items() if s.get("new")}
    covered = {t.model for options in CASE_OPTIONS.values() for t in expected_tables(options)}
    assert described <= covered
    assert CORE <= covered


def test_static_reading_of_auth_ts_implies_the_generated_tables(case):
    """End to end: reading the case's betterAuth({...}) statically gives the tables the generator wrote."""
    from drizzle_lsp.better_auth import setup_for

    name, _, options, analyzed = case
    setup = setup_for(analyzed)
    assert setup is not None and not setup.problems, name
    assert setup.version == "1.7.25"  # from package.json
    assert {t.export_key: t for t in setup.tables} == {t.export_key: t for t in expected_tables(options)}
