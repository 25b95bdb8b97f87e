"""A PyYAML parse error said in Chinese, naming the likely cause (a full-width colon, a Tab, an unquoted `*`…).

PyYAML's own problem text ("mapping values are not allowed in this context") never reaches people; the cause
is read from the problem kind and the lines around the mark. Wording: lexicon/yaml_errors.yaml."""

from __future__ import annotations

import re

from pipeline.core.resources import lexicon

_FULLWIDTH_KEY = re.compile(r"^\s*(?:-\s+)?[^\s#:：'\"][^:：]*：")
_PLAIN_KEY = re.compile(r"^\s*(?:-\s+)?[^\s#'\"][^:]*:(\s|$)")


def _line(lines: list[str], number: int) -> str:
    return lines[number] if 0 <= number < len(lines) else ""


def explain(exc, text: str) -> str:
    """One Chinese sentence for a yaml.YAMLError raised on `text`."""
    said = lexicon("yaml_errors")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is None:
        return said["hint"]
    lines = text.splitlines()
    row, column = mark.line, mark.column
    problem = str(getattr(exc, "problem", "") or "")
    context = str(getattr(exc, "context", "") or "")

    def say(key: str, line: int = row) -> str:
        return said[key].format(line=line + 1, column=column + 1)

    # A Tab at or before the mark, in the indentation of the line.
    here = _line(lines, row)
    if "\t" in here[: len(here) - len(here.lstrip())] or ("cannot start any token" in problem and "\t" in here):
        return say("tab")
    if "mapping values are not allowed" in problem or "did not find expected key" in problem:
        # The key before this line (or this line) written with a full-width colon.
        for candidate in (row - 1, row, row - 2):
            line = _line(lines, candidate)
            if _FULLWIDTH_KEY.match(line) and not _PLAIN_KEY.match(line):
                return say("fullwidth_colon", candidate)
        if "mapping values" in problem and here.count(": ") + here.rstrip().endswith(":") >= 2:
            return say("colon_in_value")
        return say("indent" if "mapping values" in problem else "block_indent")
    if "quoted scalar" in context and "end of stream" in problem:
        return say("unclosed_quote", exc.context_mark.line if getattr(exc, "context_mark", None) else row)
    if "escape" in problem:
        return say("escape")
    if "flow" in context:
        return say("unclosed_bracket")
    if "alias" in problem or "alias" in context:
        return say("alias")
    if "anchor" in problem or "anchor" in context:
        return say("anchor")
    if "tag" in problem or "constructor" in problem:
        return say("tag")
    if "cannot start any token" in problem:
        return say("reserved")
    return say("other")
