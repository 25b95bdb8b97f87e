"""A chat model's proposal of a notice's aspect list, for `specs new` when a model is configured. The notice
reader accepts it only when every aspect occurs verbatim in the notice; otherwise its own reading stands."""

from __future__ import annotations

import asyncio
import json
import re

from langchain_core.messages import HumanMessage

from pipeline.core.errors import ModelError
from pipeline.core.resources import prompt_text
from pipeline.models.chat import ChatSettings, complete

_MAX_NOTICE_CHARS = 12000  # notices are a few pages; longer inputs are cut, the offline reader sees all
_ARRAY = re.compile(r"\[[^\[\]]*\]", re.S)


def parse_proposal(answer: str) -> list[str]:
    """The JSON array of strings in a model answer (fenced or not); [] when there is none."""
    match = _ARRAY.search(answer)
    if not match:
        return []
    try:
        items = json.loads(match.group(0))
    except json.JSONDecodeError:
        return []
    return [item for item in items if isinstance(item, str)] if isinstance(items, list) else []


def model_proposer(settings: ChatSettings, chat_model=None):
    """A function notice text → proposed aspects. Model failures give [] (the offline reading is used)."""
    if chat_model is None:
        from pipeline.draft.factory import chat_model as build  # lazy: factory imports this module

        chat_model = build(settings)
    model = chat_model

    def propose(text: str) -> list[str]:
        messages = [HumanMessage(content=prompt_text("notice_aspects.txt").format(text=text[:_MAX_NOTICE_CHARS]))]
        try:
            completion = asyncio.run(complete(model, messages, 800, policy=settings.retry_policy()))
        except ModelError:
            return []
        return parse_proposal(completion.text)

    return propose
