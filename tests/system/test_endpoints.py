"""Endpoints as users meet them, through the CLI: a dead endpoint, a bad key, an empty account each end the run
in seconds with one line and exit 2; a rate limit is waited out; one warning per distinct failure."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from stub_server import StubServer, auth_error, forbidden, insufficient_quota, rate_limited, server_error
from typer.testing import CliRunner

from pipeline.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "examples" / "agency-2024-dangji.yaml"
KEY = "sk-duizhao-endpoints-0123456789"


@pytest.fixture
def offline_store(monkeypatch, retriever):
    import pipeline.draft.factory

    monkeypatch.setattr(pipeline.draft.factory, "retriever_factory", lambda settings, on_ingest=None: lambda: retriever)


def draft(tmp_path: Path, url: str, **env: str):
    environment = {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": KEY, "DUIZHAO_MODEL": "stub-model", "COLUMNS": "200",
                   **env}
    started = time.monotonic()
    result = CliRunner().invoke(app, ["draft", str(PROFILE), "-o", str(tmp_path / "out"), "--no-docx"],
                                env=environment)
    return result, time.monotonic() - started


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/v1"


def assert_one_line_exit_2(result, words: str) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("错误")]
    assert result.exit_code == 2, result.output
    assert len(errors) == 1 and errors[0].startswith("错误：") and words in errors[0], lines
    assert not [line for line in lines if line.startswith("警告")], lines
    assert KEY not in result.output


@pytest.mark.slow
def test_endpoint_down_is_one_line_and_exit_2_within_10_s(tmp_path, offline_store):
    result, seconds = draft(tmp_path, closed_port_url())
    assert_one_line_exit_2(result, "无法连接模型服务")
    assert seconds < 10
    assert not list((tmp_path / "out").glob("*.md"))


@pytest.mark.parametrize("fault, words", [
    (lambda: auth_error(echo_key=True), "认证失败（HTTP 401）"),
    (forbidden, "认证失败（HTTP 403）"),
    (insufficient_quota, "余额不足"),
    (lambda: insufficient_quota(402, "Insufficient Balance", "invalid_request_error"), "HTTP 402"),
    (lambda: insufficient_quota(429, "账户余额不足，请充值", "Arrearage"), "账户余额不足"),
], ids=["401", "403", "insufficient-quota", "402-balance", "dashscope-arrearage"])
def test_fatal_answers_end_the_run_at_once(tmp_path, offline_store, fault, words):
    with StubServer(responder=lambda request: fault()) as server:
        result, seconds = draft(tmp_path, server.url)
        asked = len(server.chat_requests)
    assert_one_line_exit_2(result, words)
    assert seconds < 10 and asked <= 4  # the first wave (default concurrency), never a retry


@pytest.mark.slow
def test_a_rate_limit_is_waited_out_with_one_warning(tmp_path, offline_store):
    served = {"n": 0}

    def responder(request):
        served["n"] += 1
        if served["n"] <= 6:
            return rate_limited(0.2) if served["n"] % 2 else server_error(503)
        return "班子在这方面还存在差距，需要认真整改。"

    with StubServer(responder=responder) as server:
        result, _ = draft(tmp_path, server.url, DUIZHAO_MAX_RETRIES="6")
    warnings = [line for line in result.stderr.splitlines() if line.startswith("警告")]
    assert result.exit_code in (0, 1), result.output
    # two distinct failures (429, 503), however many items and retries met them
    assert len(warnings) == 2 and any("HTTP 429" in w for w in warnings) and any("HTTP 503" in w for w in warnings)
