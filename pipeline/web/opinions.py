"""征求意见: each opinion proposed under the aspect it fits best, by embedding similarity to the aspect's
name, hint and the problems already listed under it. The user confirms or moves each one."""

from __future__ import annotations

import numpy as np

from pipeline.material.specs import MeetingSpec
from pipeline.run.models import embed_texts
from pipeline.web.forms import FormState, Opinion

MAX_LINES = 200
_BULLET = "0123456789０１２３４５６７８９.、．)）(（-*•·　 \t"


def opinion_lines(text: str) -> list[str]:
    """One opinion per line; list numbering and bullets are dropped, blank and duplicate lines skipped."""
    lines = []
    for line in text.splitlines():
        line = line.strip().lstrip(_BULLET).strip()
        if line and line not in lines:
            lines.append(line)
    return lines[:MAX_LINES]


def _descriptors(spec: MeetingSpec, state: FormState) -> list[tuple[str, str]]:
    """(aspect, text) pairs an opinion is compared with."""
    pairs: list[tuple[str, str]] = []
    names = list(state.aspects) if spec.free_aspects and state.aspects else spec.aspect_names()
    hints = {a.name: a.hint for a in spec.aspects}
    for name in names:
        pairs.append((name, name))
        if hints.get(name):
            pairs.append((name, f"{name}：{hints[name]}"))
        for row in state.aspects.get(name, []):
            text = "；".join(part for part in [row.problem, *row.facts] if part.strip())
            if text:
                pairs.append((name, text))
    return pairs


def assign(lines: list[str], spec: MeetingSpec, state: FormState, embedder) -> list[Opinion]:
    if not lines:
        return []
    pairs = _descriptors(spec, state)
    vectors = embed_texts(embedder, lines + [text for _, text in pairs])
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    queries, targets = vectors[: len(lines)], vectors[len(lines):]
    scores = queries @ targets.T
    proposals = []
    for line, row in zip(lines, scores):
        best = int(np.argmax(row))
        proposals.append(Opinion(text=line, aspect=pairs[best][0], score=round(float(row[best]), 4)))
    return proposals
