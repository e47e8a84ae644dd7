"""Reading the settings an editor sends (initializationOptions, workspace/configuration) without trusting them.

A wrong value is reported once, in words, and ignored; it never stops the server.
"""

from __future__ import annotations

from typing import Any

from drizzle_lsp.analysis.migrator import SETTING_ALIASES
from drizzle_lsp.analysis.session import EditorSettings

SECTION = "drizzleLsp"
_SEVERITIES = ("error", "warning", "info", "hint", "off")


def settings_section(raw: Any) -> Any:
    """The ``drizzleLsp`` section of what an editor sent: initializationOptions may nest it, or not."""
    if isinstance(raw, dict):
        if isinstance(raw.get(SECTION), dict):
            return raw[SECTION]
        if isinstance(raw.get("settings"), dict):
            return raw["settings"]
    return raw


def parse_editor_settings(raw: Any) -> EditorSettings:
    settings = EditorSettings()
    if raw is None:
        return settings
    raw = settings_section(raw)
    if not isinstance(raw, dict):
        settings.problems.append(f"{SECTION} settings must be an object, got {type(raw).__name__}")
        return settings
    for key, value in raw.items():
        _apply(settings, key, value)
    return settings


def _apply(settings: EditorSettings, key: str, value: Any) -> None:
    bad = settings.problems.append
    if value is None:
        return
    if key == "enable":
        if isinstance(value, bool):
            settings.enable = value
        else:
            bad(f"{SECTION}.enable must be true or false")
    elif key in ("select", "ignore"):
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            setattr(settings, key, list(value))
        else:
            bad(f"{SECTION}.{key} must be a list of rule or group names")
    elif key == "severity":
        if isinstance(value, dict) and all(isinstance(v, str) and v in _SEVERITIES for v in value.values()):
            settings.severity = {str(k): v for k, v in value.items()}
        else:
            bad(f"{SECTION}.severity must map rule names to one of {', '.join(_SEVERITIES)}")
    elif key in ("postgresVersion", "postgres_version"):
        if isinstance(value, int) and not isinstance(value, bool) and 12 <= value <= 18:
            settings.postgres_version = value
        else:
            bad(f"{SECTION}.postgresVersion must be a whole number from 12 to 18, got {value!r}")
    elif key == "migrator":
        if value == "auto" or value in SETTING_ALIASES:
            settings.migrator = value
        else:
            bad(f"{SECTION}.migrator must be one of auto, {', '.join(SETTING_ALIASES)}; got {value!r}")
    elif key in ("logLevel", "log_level"):
        if value in ("error", "warning", "info", "debug", "off", "messages", "verbose"):
            settings.log_level = value
        else:
            bad(f"{SECTION}.logLevel must be error, warning, info or debug")
    elif key in ("debounceMs", "debounce"):
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 5000:
            settings.debounce_ms = value
        else:
            bad(f"{SECTION}.debounceMs must be a number of milliseconds from 0 to 5000")
    elif key in ("serverPath", "interpreter", "importStrategy", "path", "trace"):
        pass  # read by the editor extension (and VS Code's own trace.server), not by the server
    else:
        bad(f"unknown setting {SECTION}.{key}")
