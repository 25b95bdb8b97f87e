"""Library messages as a clerk reads them in the browser."""

from __future__ import annotations

import re

# A parenthesis or clause that speaks to a command-line user (flags, `duizhao …` commands).
_CLI_ASIDE = re.compile(r"[（(][^（）()]*(?:--[a-z]|duizhao )[^（）()]*[）)]|[；;，,][^；;。]*(?:--[a-z]|duizhao )[^；;。]*")
_FLAG = re.compile(r"\s*--[a-z][a-z-]*")
# A path on the server (POSIX or Windows): never shown, it names the session's folder.
_PATH = re.compile(r"(?:(?<![\w.])/(?:[^\s/：:，,。（）()“”\"']+/)+[^\s：:，,。（）()“”\"']*|[A-Za-z]:\\[^\s：，。（）()“”\"']+)")


def clerk_words(message: str) -> str:
    """A library message as a clerk should read it in the browser: no server paths (and so no session ids), no
    command-line flags or commands."""
    message = _CLI_ASIDE.sub("", message)
    message = _FLAG.sub("", message)
    return _PATH.sub("（文件）", message).strip()
