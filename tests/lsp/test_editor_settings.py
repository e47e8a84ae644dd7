"""What editors send as settings, read without trusting it."""

from drizzle_lsp.lsp.settings import parse_editor_settings, settings_section


def test_nested_and_flat_sections_read_the_same():
    nested = parse_editor_settings({"drizzleLsp": {"postgresVersion": 15, "ignore": ["prefer-text"]}})
    flat = parse_editor_settings({"postgresVersion": 15, "ignore": ["prefer-text"]})
    assert (nested.postgres_version, nested.ignore) == (flat.postgres_version, flat.ignore) == (15, ["prefer-text"])
    assert settings_section({"drizzleLsp": {"a": 1}}) == {"a": 1}


def test_vscode_trace_object_is_not_a_bad_value():
    # VS Code's drizzleLsp.trace.server arrives as an object; it belongs to the client, not the server
    settings = parse_editor_settings({"trace": {"server": "verbose"}, "logLevel": "debug"})
    assert settings.problems == [] and settings.log_level == "debug"


def test_bad_values_are_reported_and_defaults_kept():
    settings = parse_editor_settings({"postgresVersion": 9, "migrator": "sometimes", "debounceMs": -1, "typo": 1})
    assert settings.postgres_version is None and settings.migrator is None and settings.debounce_ms == 40
    assert len(settings.problems) == 4
    assert any("unknown setting drizzleLsp.typo" in p for p in settings.problems)
