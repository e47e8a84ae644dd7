"""Push diagnostics are built as JSON directly (the fast path); they must be exactly what the typed path gives."""

from __future__ import annotations

import shutil
from pathlib import Path

from pygls.protocol import default_converter

from drizzle_lsp.analysis.session import Session
from drizzle_lsp.lsp import diagnostics

REPO = Path(__file__).resolve().parents[2]


class _Editor:
    def __init__(self, session: Session, versions: dict[str, int]) -> None:
        self.session, self.versions = session, versions

    def document_text(self, path: str) -> str | None:
        return self.session.text_of(path)


def test_json_diagnostics_equal_the_typed_ones(tmp_path: Path) -> None:
    root = tmp_path / "saas"
    shutil.copytree(REPO / "examples" / "saas", root, ignore=shutil.ignore_patterns("node_modules"))
    session = Session([str(root)])
    session.reload_all()
    schema = next(p for p in session.findings if p.endswith(".ts"))
    # A non-ASCII character before the findings: UTF-16 columns differ from character offsets.
    session.set_document(schema, "// café ☕ 𝄞\n" + session.text_of(schema))
    session.refresh({schema})
    converter = default_converter()
    checked = fixes = 0
    for encoding in ("utf-16", "utf-8", "utf-32"):
        for path, found in session.findings.items():
            editor = _Editor(session, {path: 7})
            text = session.text_of(path) or ""
            typed = converter.unstructure(diagnostics.to_diagnostics(found, text, encoding, 7, editor))
            assert diagnostics.to_json(found, text, encoding, 7, editor) == typed
            checked += len(found)
            fixes += sum(1 for v in found if v.fix)
    assert checked and fixes


def test_the_encoder_reuses_unchanged_items_and_still_equals_the_json_of_every_publish(tmp_path: Path) -> None:
    """Items are kept encoded between publishes, keyed by what they show: after edits that move findings to other
    lines and columns, change a message, and bump the version, the text must still be exactly the JSON."""
    import json

    root = tmp_path / "saas"
    shutil.copytree(REPO / "examples" / "saas", root, ignore=shutil.ignore_patterns("node_modules"))
    session = Session([str(root)])
    session.reload_all()
    schema = str(root / "src" / "db" / "schema" / "app.ts")
    original = session.text_of(schema) or ""
    edits = [original, "// moved\n" + original, "// é\n" + original, original.replace("'projects'", "'projectz'"),
             original.replace("bigint('budget_cents'", "bigint('budgetCents'"), original]
    encoder = diagnostics.DiagnosticsEncoder()
    for version, text in enumerate(edits, start=1):
        session.set_document(schema, text)
        session.refresh({schema})
        for encoding in ("utf-16", "utf-8"):
            found = session.findings.get(schema, [])
            editor = _Editor(session, {schema: version})
            expected = json.dumps(diagnostics.to_json(found, text, encoding, version, editor))
            assert encoder.encode(schema, found, text, encoding, version, editor) == expected, (version, encoding)
    assert found and any(v.fix for v in found)
