"""expected_tables(): the options Better Auth reads change the expected tables the way its generator changes them,
and the version ranges pick the right description."""

from __future__ import annotations

import json

import pytest

from drizzle_lsp.better_auth.expected import (
    DATA_DIR,
    KNOWN_PLUGINS,
    expected_tables,
    index_name,
    resolve_version,
    snake_case,
    version_range_for,
)
from drizzle_lsp.better_auth.model import FIELD_TYPES, AuthOptions


def tables_by_model(options: AuthOptions):
    return {t.model: t for t in expected_tables(options)}


def field(table, name):
    return next(f for f in table.fields if f.name == name)


def test_core_tables_with_default_options():
    tables = tables_by_model(AuthOptions())
    assert list(tables) == ["user", "session", "account", "verification"]
    user = tables["user"]
    assert (user.export_key, user.sql_name, user.id_kind) == ("user", "user", "text")
    email = field(user, "email")
    assert (email.type, email.required, email.unique) == ("string", True, True)
    verified = field(user, "emailVerified")
    assert (verified.sql_name, verified.type, verified.default) == ("email_verified", "boolean", "false")
    assert field(user, "updatedAt").on_update_now and field(user, "updatedAt").default == "now"
    assert field(user, "image").required is False
    session_user = field(tables["session"], "userId")
    assert session_user.index and session_user.references.model == "user"
    assert session_user.references.on_delete == "cascade"
    assert field(tables["session"], "updatedAt").default is None  # Better Auth always writes it itself
    assert "issuer" not in {f.name for f in tables["account"].fields}
    assert "id" not in {f.name for f in user.fields}  # id_kind describes it


def test_use_plural_and_model_name_change_export_key_and_sql_name():
    tables = tables_by_model(AuthOptions(use_plural=True, model_names=(("user", "member_profile"),)))
    assert tables["session"].export_key == "sessions"
    assert tables["session"].sql_name == "sessions"
    # Better Auth appends "s" to a custom modelName too, and snake_cases the key for the table name
    assert tables["user"].export_key == "member_profiles"
    assert tables["user"].sql_name == "member_profiles"
    assert field(tables["session"], "userId").references.model == "user"  # references stay logical

    renamed = tables_by_model(AuthOptions(model_names=(("verification", "emailCode"),)))
    assert (renamed["verification"].export_key, renamed["verification"].sql_name) == ("emailCode", "email_code")


def test_field_renames_change_key_and_generator_sql_name():
    options = AuthOptions(field_names=(("user", "emailVerified", "isEmailConfirmed"), ("session", "userId", "ownerId")))
    tables = tables_by_model(options)
    verified = field(tables["user"], "emailVerified")
    assert (verified.key, verified.sql_name) == ("isEmailConfirmed", "is_email_confirmed")
    owner = field(tables["session"], "userId")
    assert (owner.key, owner.sql_name) == ("ownerId", "owner_id")
    assert index_name(tables["session"], owner) == "session_ownerId_idx"
    # the rename of one model's field leaves the same logical field of another model alone
    assert field(tables["account"], "userId").key == "userId"


def test_generate_id_kinds_per_provider():
    assert {t.id_kind for t in expected_tables(AuthOptions(generate_id="uuid"))} == {"uuid"}
    # outside PostgreSQL the generator writes a text id and Better Auth itself writes uuid strings into it
    assert {t.id_kind for t in expected_tables(AuthOptions(generate_id="uuid", provider="sqlite"))} == {"text"}
    serial = tables_by_model(AuthOptions(generate_id="serial", provider="mysql", plugins=("twoFactor",)))
    assert {t.id_kind for t in serial.values()} == {"serial"}
    # the generator writes integer for every column that references an id under serial ids
    assert field(serial["session"], "userId").type == "number"
    assert field(serial["twoFactor"], "userId").type == "number"
    assert field(serial["session"], "token").type == "string"
    uuid = tables_by_model(AuthOptions(generate_id="uuid"))
    assert field(uuid["session"], "userId").type == "string"


def test_plugins_add_tables_and_fields():
    tables = tables_by_model(AuthOptions(plugins=("twoFactor", "organization", "admin", "username")))
    assert {"twoFactor", "organization", "member", "invitation"} <= set(tables)
    assert "team" not in tables
    user_fields = {f.name: f for f in tables["user"].fields}
    assert user_fields["twoFactorEnabled"].plugin == "twoFactor"
    assert user_fields["role"].plugin == "admin"
    assert user_fields["username"].unique and user_fields["username"].plugin == "username"
    assert field(tables["session"], "activeOrganizationId").required is False
    assert field(tables["organization"], "slug").unique
    assert tables["twoFactor"].sql_name == "two_factor" and tables["twoFactor"].plugin == "twoFactor"
    assert field(tables["member"], "role").default == '"member"'


def test_organization_teams_and_separately_packaged_plugins():
    teams = AuthOptions(plugins=("organization",), plugin_options=(("organization", (("teams", True),)),))
    tables = tables_by_model(teams)
    assert {"team", "teamMember"} <= set(tables)
    assert tables["teamMember"].sql_name == "team_member"
    assert field(tables["session"], "activeTeamId").plugin == "organization"
    assert field(tables["teamMember"], "teamId").references.model == "team"
    nested = AuthOptions(
        plugins=("organization",), plugin_options=(("organization", (("teams", (("enabled", True),)),)),)
    )
    assert "team" in tables_by_model(nested)
    # teams without organization() mean nothing
    assert "team" not in tables_by_model(AuthOptions(plugin_options=teams.plugin_options))

    extra = tables_by_model(AuthOptions(plugins=("passkey", "apiKey", "jwt"), rate_limit_storage="database"))
    assert field(extra["passkey"], "credentialID").sql_name == "credential_id"
    assert extra["apikey"].export_key == "apikey"
    assert extra["jwks"].plugin == "jwt"
    assert field(extra["rateLimit"], "lastRequest").bigint
    assert "rateLimit" not in tables_by_model(AuthOptions(rate_limit_storage="memory"))
    unknown = tables_by_model(AuthOptions(plugins=("someUnknownPlugin",)))
    assert set(unknown) == {"user", "session", "account", "verification"}


def test_stale_issuer_only_in_1_7_0_to_1_7_2():
    old = tables_by_model(AuthOptions(version="1.7.1"))
    issuer = field(old["account"], "issuer")
    assert (issuer.type, issuer.required) == ("string", True)
    for version in ("1.7.3", "^1.7.1", "1.7.25", "1.6.34", None):
        assert "issuer" not in {f.name for f in tables_by_model(AuthOptions(version=version))["account"].fields}
    # 1.7.0 to 1.7.2 also declare a unique (issuer, accountId) index, named by the generator's rule
    (index,) = old["account"].indexes
    assert (index.fields, index.unique, index.name) == (("issuer", "accountId"), True, "account_issuer_accountId_uidx")
    assert tables_by_model(AuthOptions())["account"].indexes == ()
    renamed = tables_by_model(
        AuthOptions(version="1.7.0", use_plural=True, field_names=(("account", "accountId", "providerAccountId"),))
    )
    assert renamed["account"].indexes[0].keys == ("issuer", "providerAccountId")
    assert renamed["account"].indexes[0].name == "accounts_issuer_providerAccountId_uidx"
    # passkey is missing from the 1.7.2 dump (separate package): the newest description stands in
    assert "passkey" in tables_by_model(AuthOptions(version="1.7.1", plugins=("passkey",)))


@pytest.mark.parametrize(
    ("declared", "range_text"),
    [
        (None, ">=1.7.3"),
        ("1.7.25", ">=1.7.3"),
        ("1.7.3", ">=1.7.3"),
        ("1.7.2", ">=1.7.0 <1.7.3"),
        ("1.7.0", ">=1.7.0 <1.7.3"),
        ("=1.7.1", ">=1.7.0 <1.7.3"),
        ("^1.7.1", ">=1.7.3"),  # a fresh install takes the newest 1.x
        ("~1.7.0", ">=1.7.3"),
        ("~1.6.5", "<1.7.0"),
        ("1.6.x", "<1.7.0"),
        ("1.7.2-beta.1", ">=1.7.0 <1.7.3"),
        ("<1.7.3", ">=1.7.0 <1.7.3"),
        ("<=1.6.34", "<1.7.0"),
        (">=1.7.0 <1.7.3", ">=1.7.0 <1.7.3"),
        ("latest", ">=1.7.3"),
        ("workspace:*", ">=1.7.3"),
        ("catalog:", ">=1.7.3"),
        ("npm:better-auth@1.7.1", ">=1.7.0 <1.7.3"),
        ("not a version", ">=1.7.3"),
        ("1.5.0", "<1.7.0"),
    ],
)
def test_version_range_for(declared, range_text):
    assert str(version_range_for(declared)) == range_text


def test_resolve_version_reads_ranges_as_their_highest_release():
    assert resolve_version("1.7.4") == (1, 7, 4)
    assert resolve_version("^1.7.4")[:1] == (1,)
    assert resolve_version("^1.7.4")[1] > 7
    assert resolve_version("~1.7.4")[:2] == (1, 7) and resolve_version("~1.7.4")[2] > 4
    assert resolve_version("<1.7.0")[:2] == (1, 6)
    assert resolve_version(">=1.7.0") is None


@pytest.mark.parametrize(
    ("key", "sql"),
    [
        ("emailVerified", "email_verified"),
        ("credentialID", "credential_id"),
        ("twoFactor", "two_factor"),
        ("apikey", "apikey"),
        ("HTTPServer", "http_server"),
        ("user2Fa", "user2_fa"),
        ("already_snake", "already_snake"),
    ],
)
def test_snake_case_matches_better_auth(key, sql):
    assert snake_case(key) == sql


def test_long_index_names_are_shortened_like_better_auth():
    options = AuthOptions(
        model_names=(("invitation", "organizationInvitation"),),
        field_names=(("invitation", "inviterId", "theInvitingMemberOfThisOrganizationId"),),
        use_plural=True,
        plugins=("organization",),
    )
    invitation = tables_by_model(options)["invitation"]
    # the value Better Auth's getDatabaseFieldIndexName gives for these names (a 32-bit FNV-1a hash keeps it unique)
    assert index_name(invitation, field(invitation, "inviterId")) == (
        "organizationInvitations_theInvitingMemberOfThisOrg_87167d2d_idx"
    )


def test_memoised_and_tolerates_unhashable_option_values():
    options = AuthOptions(plugins=("twoFactor",))
    assert expected_tables(options) is expected_tables(AuthOptions(plugins=("twoFactor",)))
    unhashable = AuthOptions(
        plugins=("organization",), plugin_options=(("organization", (("teams", {"enabled": True}),)),)
    )
    assert "team" in {t.model for t in expected_tables(unhashable)}


def test_data_files_describe_only_what_expected_tables_models():
    files = sorted(DATA_DIR.glob("*.json"))
    assert len(files) >= 3
    for path in files:
        data = json.loads(path.read_text())
        known_models = set(data["models"])
        for feature in data["features"].values():
            known_models |= {m for m, spec in feature["models"].items() if spec.get("new")}
        assert set(data["features"]) - {"rateLimit:database", "organization:teams"} <= set(KNOWN_PLUGINS)
        specs = [(m, spec) for m, spec in data["models"].items()] + [
            (m, spec) for f in data["features"].values() for m, spec in f["models"].items()
        ]
        for model, spec in specs:
            for index in spec.get("indexes", ()):
                assert set(index["fields"]) <= set(spec["fields"]), f"{path.name}: {model} index {index}"
            for name, field_spec in spec["fields"].items():
                assert field_spec["type"] in FIELD_TYPES, f"{path.name}: {model}.{name}"
                if "references" in field_spec:
                    assert field_spec["references"]["model"] in known_models
