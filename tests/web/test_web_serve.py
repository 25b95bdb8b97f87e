"""`duizhao serve` as a clerk starts it: again at once after a crash or Ctrl-C, and with --host 0.0.0.0 it names the
addresses colleagues can open."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.web.live import free_port

ROOT = Path(__file__).resolve().parents[2]


def start(port: int, data: Path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", "pipeline.cli.main", "serve", "--port", str(port), "--no-browser",
               "--data", str(data), *extra]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def answering(base: str, server: subprocess.Popen, client: httpx.Client | None = None) -> httpx.Response:
    deadline = time.monotonic() + 120  # a loaded machine takes its time to import the web stack
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(server.stdout.read())
        try:
            return (client or httpx).get(base + "/", timeout=2)
        except httpx.HTTPError:
            time.sleep(0.05)
    raise AssertionError("the server did not answer")


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT], ids=["crash", "ctrl-c"])
def test_the_server_starts_again_at_once_on_the_same_port(tmp_path, stop):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    first = start(port, tmp_path / "web")
    try:
        with httpx.Client() as client:  # a browser's kept-alive connection: the server closes it, TIME_WAIT
            assert answering(base, first, client).status_code == 200
            first.send_signal(stop)
            first.wait(timeout=20)
    finally:
        first.kill()
    second = start(port, tmp_path / "web")
    try:
        # Refused, it would exit at once with "端口可能已被占用" (answering() then fails with its output).
        assert answering(base, second).status_code == 200
    finally:
        second.terminate()
        second.wait(timeout=20)


def _way_out() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.254.254.254", 1))
            return probe.getsockname()[0]
    except OSError:
        return None


@pytest.mark.slow
def test_all_interfaces_prints_the_addresses_colleagues_can_use(tmp_path):
    port = free_port()
    server = start(port, tmp_path / "web", "--host", "0.0.0.0")
    try:
        first, second = server.stdout.readline(), server.stdout.readline()
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert first.startswith("工作台已启动：http://127.0.0.1:")
    address = _way_out()
    if address is None or address.startswith("127."):
        pytest.skip("this machine has no network interface besides loopback")
    assert second.startswith("同事在自己的电脑上打开：") and "127.0.0.1" not in second
    assert f"http://{address}:{port}/?token=" in second
