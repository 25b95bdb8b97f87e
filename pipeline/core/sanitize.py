"""Characters no document may hold: C0 controls (other than tab and line breaks), DEL, C1 controls,
terminal escape sequences, and what XML cannot store (lone surrogates, U+FFFE/U+FFFF).

Word's XML refuses all of them (python-docx raises "All strings must be XML compatible"), and ANSI escapes in
a unit name would reach the terminal and file names. Text is cleaned where it enters: materials, YAML files,
JSON documents and model answers.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# A terminal escape sequence as a whole (CSI such as ESC[31m, OSC such as ESC]0;title BEL, or ESC + one byte),
# so no "[31m" is left behind when the ESC is dropped.
_ANSI = re.compile(r"\x1b(?:\[[0-?]{0,32}[ -/]{0,8}[@-~]|\][^\x07\x1b]{0,512}(?:\x07|\x1b\\)|[@-Z\\-_])|\x9b[0-?]{0,32}[ -/]{0,8}[@-~]")
# Form feed and vertical tab end a line in the writers that produce them (page breaks in exported text).
_BREAKS = str.maketrans({"\f": "\n", "\v": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"})
_BAD = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff\ud800-\udfff]")


def strip_controls(text: str) -> str:
    """`text` without control characters: line-like ones (form feed, vertical tab) become line breaks, terminal
    escape sequences and every other control character are removed. Tab, LF and CR are kept."""
    if not text or (text.isprintable() and "\x1b" not in text):
        return text
    return _BAD.sub("", _ANSI.sub("", text).translate(_BREAKS))


def strip_controls_in(data: Any) -> Any:
    """Every string inside parsed YAML/JSON data (keys too) cleaned by strip_controls."""
    if isinstance(data, str):
        return strip_controls(data)
    if isinstance(data, list):
        return [strip_controls_in(item) for item in data]
    if isinstance(data, dict):
        return {strip_controls_in(key): strip_controls_in(value) for key, value in data.items()}
    return data


def is_blank(text: str) -> bool:
    """True when `text` shows nothing: only spaces, line breaks and invisible format characters
    (zero-width space and joiners, BOMs, word joiners)."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text)
