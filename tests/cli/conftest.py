import pytest

import fake_loader


@pytest.fixture(autouse=True)
def _loader(monkeypatch):
    if not fake_loader.real_loader_available():
        import drizzle_lsp.analysis.project as project_module

        monkeypatch.setattr(project_module, "load_workspace", fake_loader.fake_load_workspace)
