"""A real uvicorn server on 127.0.0.1 in a thread, for tests that need real sockets or a real browser, and the
headless Chromium page the browser tests open on it."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from pipeline.web.app import WebConfig, create_app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def live_server(config: WebConfig):
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(400):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def offline_workbench(tmp_path, retriever, monkeypatch, **config):
    """The workbench with its own home and cache under `tmp_path`, drafting offline unless `config` says
    otherwise: its base URL."""
    monkeypatch.setenv("DUIZHAO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path / "cache"))
    config = {"model_available": lambda: False, **config}
    with live_server(WebConfig(data_dir=tmp_path / "data", retriever_factory=lambda: retriever, **config)) as (base, _):
        yield base


@contextmanager
def chromium_page(base: str, timeout_ms: int = 60_000, **page_options):
    """A page of a fresh headless Chromium at the clerk's screen size, opened on the start page at `base`."""
    from playwright.sync_api import sync_playwright  # lazy: only the browser tests need it

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768}, **page_options)
            page.set_default_timeout(timeout_ms)
            page.goto(base + "/")
            yield page
        finally:
            browser.close()
