"""Pairwise judging of drafts of one unit by a chat model, with the rubric of prompts/judge.txt.

Every pair is judged in both orders. A win counts only when both orders name the same draft; anything
else (a tie, disagreement, an answer that cannot be read) is a tie, so a judge that favours one
position cannot create wins. Win rate = (W + 0.5·T) / N, reported beside each draft's length because
judges tend to favour longer text.
"""

from __future__ import annotations

import asyncio
import json
import re
from itertools import combinations
from typing import Literal

from pydantic import BaseModel, ConfigDict

from pipeline.material.document import count_chars
from pipeline.core.resources import prompt_text
from pipeline.core.errors import InputError
from pipeline.draft import factory  # the one place real models are built
from pipeline.models.chat import ChatSettings, configured
from pipeline.models.chat import complete

Winner = Literal["A", "B", "tie"]
MAX_TOKENS = 400


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class JudgeContext(Strict):
    meeting: str = ""
    unit: str = ""
    aspects: list[str] = []
    facts: list[str] = []


class PairVerdict(Strict):
    first: int  # index of the draft shown as 稿件A in the first order
    second: int
    forward: Winner | None = None  # verdict with `first` as A
    backward: Winner | None = None  # verdict with `second` as A
    winner: int | None = None  # index of the winner when both orders agree
    reasons: list[str] = []

    @property
    def consistent(self) -> bool:
        """Both orders reached the same conclusion (the same draft, or a tie both times)."""
        return (self.forward, self.backward) in (("A", "B"), ("B", "A"), ("tie", "tie"))


class JudgeScore(Strict):
    name: str
    wins: int = 0
    ties: int = 0
    losses: int = 0
    n: int = 0
    win_rate: float | None = None
    chars: int = 0


class JudgeResult(Strict):
    model: str
    pairs: list[PairVerdict] = []
    scores: list[JudgeScore] = []
    consistency: float | None = None  # share of pairs where both orders agree
    first_share: float | None = None  # share of decided verdicts that chose the draft shown first
    unparsed: int = 0


def _sections(text: str) -> dict[str, str]:
    blocks: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        match = re.fullmatch(r"\[(\w+)\]", line.strip())
        if match:
            current = match.group(1)
            blocks[current] = []
        elif current:
            blocks[current].append(line)
    return {name: "\n".join(lines).strip() for name, lines in blocks.items()}


def judge_messages(draft_a: str, draft_b: str, context: JudgeContext) -> list[tuple[str, str]]:
    blocks = _sections(prompt_text("judge.txt"))
    facts = "\n".join(f"- {fact}" for fact in context.facts) or "- （未提供）"
    user = blocks["user"].format(meeting=context.meeting or "（未说明）", unit=context.unit or "（未说明）",
                                 aspects="；".join(context.aspects) or "（未说明）", facts=facts,
                                 draft_a=draft_a.strip(), draft_b=draft_b.strip())
    return [("system", blocks["system"]), ("user", user)]


_WINNER_WORDS = {"a": "A", "稿件a": "A", "a稿": "A", "b": "B", "稿件b": "B", "b稿": "B",
                 "tie": "tie", "draw": "tie", "平": "tie", "平局": "tie", "相当": "tie", "持平": "tie", "equal": "tie"}


def _winner_value(value) -> Winner | None:
    if not isinstance(value, str):
        return None
    key = re.sub(r"[\s\"'“”「」《》]", "", value).lower()
    return _WINNER_WORDS.get(key)  # type: ignore[return-value]


def parse_verdict(text: str) -> tuple[Winner | None, str]:
    """(winner, reason) from a judge's answer: a JSON object anywhere in it (fenced or not, extra keys,
    full-width quotes), else a `winner: X` / `胜者：X` line. None when no verdict can be read."""
    cleaned = text.replace("“", '"').replace("”", '"').replace("：", ":")
    for match in re.finditer(r"\{[^{}]*\}", cleaned, re.S):
        try:
            data = json.loads(match.group(0))
        except ValueError:
            continue
        if isinstance(data, dict):
            value = next((data[k] for k in ("winner", "Winner", "胜者", "结果", "better") if k in data), None)
            winner = _winner_value(value)
            if winner is not None:
                reason = data.get("reason") or data.get("理由") or ""
                return winner, str(reason)
    match = re.search(r"(?:winner|胜者|更好的是|结论)\W{0,4}(稿件\s*[AB]|[AB](?![A-Za-z])|tie|平局|相当)", cleaned, re.I)
    if match:
        return _winner_value(match.group(1)), ""
    return None, ""


class Judge:
    """Judges drafts through an injected chat model (a ChatOpenAI or a fake); `concurrency` calls at once."""

    def __init__(self, chat_model, model_name: str, policy=None, concurrency: int = 4, max_tokens: int = MAX_TOKENS):
        self.chat_model = chat_model
        self.model_name = model_name
        self.policy = policy
        self.concurrency = max(1, concurrency)
        self.max_tokens = max_tokens

    async def _verdict(self, a: str, b: str, context: JudgeContext, semaphore: asyncio.Semaphore):

        async with semaphore:
            completion = await complete(self.chat_model, judge_messages(a, b, context), self.max_tokens, policy=self.policy)
        return parse_verdict(completion.text)

    async def judge(self, names: list[str], texts: list[str], context: JudgeContext) -> JudgeResult:
        semaphore = asyncio.Semaphore(self.concurrency)
        pairs = list(combinations(range(len(texts)), 2))
        calls = [self._verdict(texts[i], texts[j], context, semaphore) for i, j in pairs]
        calls += [self._verdict(texts[j], texts[i], context, semaphore) for i, j in pairs]
        answers = await asyncio.gather(*calls)
        forward, backward = answers[: len(pairs)], answers[len(pairs) :]
        verdicts = [PairVerdict(first=i, second=j, forward=f[0], backward=b[0], reasons=[f[1], b[1]])
                    for (i, j), f, b in zip(pairs, forward, backward)]
        return tally(self.model_name, names, texts, verdicts)


def tally(model: str, names: list[str], texts: list[str], verdicts: list[PairVerdict]) -> JudgeResult:
    """Apply the both-orders rule and count wins, ties and losses per draft."""
    scores = [JudgeScore(name=name, chars=count_chars(text)) for name, text in zip(names, texts)]
    decided = chose_first = unparsed = 0
    for verdict in verdicts:
        first_pick = {"A": verdict.first, "B": verdict.second}.get(verdict.forward or "")
        second_pick = {"A": verdict.second, "B": verdict.first}.get(verdict.backward or "")
        verdict.winner = first_pick if first_pick is not None and first_pick == second_pick else None
        for value in (verdict.forward, verdict.backward):
            unparsed += value is None
            if value in ("A", "B"):
                decided += 1
                chose_first += value == "A"
        for index in (verdict.first, verdict.second):
            score = scores[index]
            score.n += 1
            if verdict.winner is None:
                score.ties += 1
            elif verdict.winner == index:
                score.wins += 1
            else:
                score.losses += 1
    for score in scores:
        score.win_rate = round((score.wins + 0.5 * score.ties) / score.n, 4) if score.n else None
    consistency = sum(v.consistent for v in verdicts) / len(verdicts) if verdicts else None
    return JudgeResult(model=model, pairs=verdicts, scores=scores,
                       consistency=round(consistency, 4) if consistency is not None else None,
                       first_share=round(chose_first / decided, 4) if decided else None, unparsed=unparsed)


def judge_drafts(judge: Judge, names: list[str], texts: list[str], context: JudgeContext) -> JudgeResult:
    return asyncio.run(judge.judge(names, texts, context))


def judge_from_env(model: str | None = None, concurrency: int = 4) -> Judge:
    """A judge on the configured endpoint (OPENAI_BASE_URL / OPENAI_API_KEY), at temperature 0."""

    if not configured():
        raise InputError("成对评判需要大模型接口：请设置 OPENAI_BASE_URL 或 OPENAI_API_KEY（可用 DUIZHAO_MODEL 或 --judge-model 指定模型）")
    settings = ChatSettings.from_env(model=model, temperature=0.0)
    return Judge(factory.chat_model(settings), settings.model, policy=settings.retry_policy(), concurrency=concurrency)
