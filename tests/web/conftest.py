"""The workbench app in-process, its data, user folder and cache under the test's temp folder, no model."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from pipeline.web.app import WebConfig, create_app


@pytest.fixture
def client(tmp_path, retriever, monkeypatch):
    monkeypatch.setenv("DUIZHAO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path / "cache"))
    app = create_app(WebConfig(data_dir=tmp_path / "data", retriever_factory=lambda: retriever,
                               model_available=lambda: False))
    return TestClient(app, base_url="http://127.0.0.1")
