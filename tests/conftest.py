"""Shared fixtures."""

from __future__ import annotations

import pytest
from stub_server import StubServer


@pytest.fixture
def stub_server():
    """A running OpenAI-compatible stub on 127.0.0.1 (see tests/stub_server.py); script it with .queue()."""
    with StubServer() as server:
        yield server
