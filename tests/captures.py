"""The 29 captured real model exchanges (prompts and a small model's answers) and how tests clean them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipeline.draft.clean import Cleaned, clean_output
from pipeline.material.specs import load_spec

FIXTURE = Path(__file__).parent / "fixtures" / "llm_captures.jsonl"
CAPTURES = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
BY_ID = {c["id"]: c for c in CAPTURES}
IDS = [c["id"] for c in CAPTURES]
SPECS = {"2023年主题教育专题民主生活会": "2023-zhuti-minzhu", "2024年党纪学习教育专题组织生活会": "2024-dangji-zuzhi"}


def task_lines(capture: dict) -> list[str]:
    """The prompt's task line (段落：/本段：), which an answer must not restate; never the facts."""
    user = capture["messages"][-1]["content"]
    return [re.sub(r"^(?:段落|本段)：", "", line) for line in user.splitlines() if re.match(r"^(?:段落|本段)：", line)]


def other_aspects(capture: dict) -> list[str]:
    return [a for a in load_spec(SPECS[capture["meeting"]]).aspect_names() if a != capture["aspect"]]


def clean_capture(capture: dict, raw: str | None = None, finish_reason: str | None = None, **overrides) -> Cleaned:
    """Clean a capture as the drafter would: the spec's other aspects are off-limits, the task line is no answer."""
    options = dict(forbidden_headings=other_aspects(capture), aspect=capture["aspect"],
                   echo_sources=task_lines(capture), unit=capture["unit"])
    options.update(overrides)
    return clean_output(raw or capture["response_text"], capture["role"], finish_reason or capture["finish_reason"],
                        **options)
