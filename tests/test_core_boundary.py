"""The core (everything but ``drizzle_lsp.lsp``) must import neither pygls nor lsprotocol.

That keeps ``drizzle-lsp check`` fast in CI (the LSP stack costs ~0.4 s to import) and keeps the server a thin
adapter, so the CLI and the editor can never disagree.
"""

import pkgutil
import subprocess
import sys

import drizzle_lsp


def _core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(drizzle_lsp.__path__, "drizzle_lsp."):
        if info.name.startswith("drizzle_lsp.lsp") or info.name == "drizzle_lsp.__main__":
            continue
        names.append(info.name)
    return names


def test_core_modules_exist():
    modules = _core_modules()
    assert "drizzle_lsp.model.schema" in modules
    assert "drizzle_lsp.analysis.project" in modules


def test_core_imports_no_lsp_stack():
    modules = _core_modules()
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"core modules pulled in the LSP stack: {result.stdout.strip()}"
