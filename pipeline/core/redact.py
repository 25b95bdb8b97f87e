"""Keep API keys out of anything a user sees or a file keeps: messages, logs, reports."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

# Key-shaped strings of the common providers, and bearer tokens, even when we do not know the key.
KEY_PATTERN = re.compile(r"(sk-[A-Za-z0-9_\-]{6,}|Bearer\s+\S+)")
SECRET_ENV = ("OPENAI_API_KEY", "DUIZHAO_EMBED_API_KEY", "DASHSCOPE_API_KEY", "DEEPSEEK_API_KEY")


def known_secrets() -> list[str]:
    """Keys set in the environment (at least 6 characters, so a short placeholder never blanks text)."""
    return [value for name in SECRET_ENV if len(value := (os.environ.get(name) or "").strip()) >= 6]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in [*secrets, *known_secrets()]:
        if secret:
            text = text.replace(secret, "***")
    return KEY_PATTERN.sub("***", text)
