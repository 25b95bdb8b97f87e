"""An optional second look at a drafted item by the same endpoint (one request per item, off by default): it lists
the sentences its facts do not support, and those become `model`. It can only take a sentence away from the unit,
never give one: the lexical decision (draft/provenance.py) stands wherever the answer says nothing or fails."""

from __future__ import annotations

import re

from pipeline.core.errors import ModelError
from pipeline.core.resources import prompt_text
from pipeline.material.sentences import Fact, Sentence
from pipeline.models.chat import complete

_MAX_TOKENS = 200


def verification_messages(sentences: list[Sentence], facts: list[Fact]) -> list[tuple[str, str]]:
    listed = "\n".join(f"{n}. {s.text}" for n, s in enumerate(sentences, 1))
    given = "\n".join(f"- {f.text}" for f in facts) or "- （未提供）"
    return [("user", prompt_text("verify.txt").format(facts=given, sentences=listed))]


def unsupported_numbers(answer: str, count: int) -> set[int]:
    """The sentence numbers an answer names (1-based, within range); none for "无" or an answer without numbers."""
    return {int(n) for n in re.findall(r"\d+", answer) if 1 <= int(n) <= count}


async def verify(chat_model, policy, sentences: list[Sentence], facts: list[Fact]) -> tuple[list[Sentence], bool]:
    """(sentences with those the endpoint finds unsupported made `model`, whether the endpoint answered)."""
    if not any(s.source == "unit" for s in sentences):
        return sentences, True
    try:
        completion = await complete(chat_model, verification_messages(sentences, facts), _MAX_TOKENS, policy=policy)
    except ModelError:
        return sentences, False
    flagged = unsupported_numbers(completion.text, len(sentences))
    return [s.model_copy(update={"source": "model", "facts": []}) if n in flagged and s.source == "unit" else s
            for n, s in enumerate(sentences, 1)], True
