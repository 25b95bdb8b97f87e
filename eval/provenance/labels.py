"""The labelled sets of the provenance benchmark: answers, their sentence labels, the replay of the answers, the
matching of a draft's sentences to the labels, and the metrics.

A set file (sets/*.yaml) holds answers; each answer's `text` has one sentence a line, led by its label:
U (the unit's own facts), F (a formula that asserts nothing about the unit), M (a claim the unit never gave),
S (a heading, an echoed prompt line or a bare 【待补】: not counted). A blank line starts a new paragraph.
Labels are keyed by normalised sentence text, so a draft's sentences find them whatever the pipeline did around.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SETS = HERE / "sets"
LABELS = {"U": "unit", "F": "formula", "M": "model", "S": "skip"}
KINDS = ("unit", "formula", "model")

# The part a request is about, by the keyword that comes first in its first user message (the 本段 line comes
# before the writing instructions, which name other parts: "不写原因分析，不写整改措施").
ROLE_WORDS = {"problems": ("存在的问题",), "measures": ("整改措施",), "causes": ("原因分析", "原因剖析"),
              "preamble": ("导语",), "last_year": ("上年度",), "campaign": ("整改整治",), "case_study": ("案例",),
              "closing": ("结尾",)}
_SLOT = re.compile(r"【[^【】]*】")
_PUNCT = re.compile(r"[\s，。；：、！？,.;:!?“”\"'‘’（）()《》【】\[\]*#\-—…·]+")


def norm(text: str) -> str:
    """A sentence as compared: no whitespace, punctuation, markdown or list marks."""
    return _PUNCT.sub("", text)


@dataclass
class Answer:
    item: str
    role: str
    match: list[str]
    labelled: list[tuple[str, str]]  # (label, sentence), in order; label in LABELS' values
    paragraphs: list[str]
    raw: str | None = None  # the captured answer when it is not rebuilt from the labelled sentences

    @property
    def text(self) -> str:
        return self.raw if self.raw is not None else "\n\n".join(self.paragraphs)


@dataclass
class LabelledSet:
    name: str
    kind: str  # capable (hand-written the way a capable model writes) | small (captured small-model answers)
    answers: list[Answer]
    profile: Path | None = None
    contexts: dict[str, list[str]] = field(default_factory=dict)  # item -> the unit's strings, when no profile
    meeting: Path | None = None  # a meeting file and one of its members: a personal material (direct path only)
    member: str = ""

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(KINDS, 0)
        for answer in self.answers:
            for label, _ in answer.labelled:
                if label in out:
                    out[label] += 1
        return out


def _parse(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    labelled, paragraphs, current = [], [], []
    for line in text.splitlines():
        if not line.strip():
            if current:
                paragraphs.append("".join(current))
                current = []
            continue
        mark, _, sentence = line.strip().partition(" ")
        if mark not in LABELS or not sentence:
            raise ValueError(f"bad labelled line: {line!r}")
        labelled.append((LABELS[mark], sentence.strip()))
        current.append(sentence.strip())
    if current:
        paragraphs.append("".join(current))
    return labelled, paragraphs


def _captures(source: Path) -> dict[str, dict]:
    return {c["id"]: c for c in map(json.loads, source.read_text(encoding="utf-8").splitlines())}


def _capture_context(capture: dict) -> list[str]:
    """What the unit gave in a captured prompt: its facts and the problems the prompt listed."""
    listed = re.search(r"已查摆问题[^：]*：(.*)", capture["messages"][-1]["content"])
    problems = re.split(r"[；;]", listed.group(1)) if listed else []
    return [capture["unit"], *capture["facts"], *(p.strip() for p in problems if p.strip())]


def load_set(path: Path) -> LabelledSet:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    captures = _captures(ROOT / data["source"]) if data.get("source") else {}
    answers, contexts = [], {}
    for entry in data["answers"]:
        labelled, paragraphs = _parse(entry["text"])
        raw = None
        if captures:
            capture = captures[entry["item"]]
            raw = capture["response_text"]
            contexts[entry["item"]] = _capture_context(capture)
        answers.append(Answer(entry["item"], entry["role"], list(entry.get("match") or []), labelled, paragraphs, raw))
    profile = (path.parent / data["profile"]).resolve() if data.get("profile") else None
    meeting = (path.parent / data["meeting"]).resolve() if data.get("meeting") else None
    return LabelledSet(data["set"], data.get("kind", "capable"), answers, profile, contexts, meeting,
                       data.get("member", ""))


def load_sets(names: list[str] | None = None, root: Path = SETS) -> list[LabelledSet]:
    paths = sorted(root.glob("*.yaml"))
    sets = [load_set(p) for p in paths]
    return [s for s in sets if not names or s.name in names]


# ---- replay: a request is answered with the answer for the item it is about, not by the prompt's hash ----

def request_role(text: str) -> str | None:
    found = [(text.find(word), role) for role, words in ROLE_WORDS.items() for word in words if word in text]
    return min(found)[1] if found else None


def pick_answer(answers: list[Answer], unit: str, request: dict) -> Answer | None:
    """The answer whose role is the request's and whose unit strings all occur in it (the most specific wins)."""
    users = [m.get("content") or "" for m in request.get("messages", []) if m.get("role") == "user"]
    if not users or unit not in users[0]:
        return None
    first = users[0]
    role = request_role(first)
    fitting = [a for a in answers if a.role == role and all(m in first for m in a.match)]
    if role == "causes":  # one request per root: the answer that opens on the root the request names
        named = re.search(r"(\S{2,4})方面的原因", first)
        on_root = [a for a in fitting if named and named.group(1) in a.text[:30]]
        fitting = on_root or fitting
    return max(fitting, key=lambda a: sum(map(len, a.match)), default=None)


def responder(labelled: LabelledSet, unit: str, unanswered: str = "（未作答）"):
    """A `StubServer` responder replaying the set's answers; `asked` records which item each request got."""
    asked: list[str | None] = []

    def respond(request: dict) -> str:
        answer = pick_answer(labelled.answers, unit, request)
        asked.append(answer.item if answer else None)
        return answer.text if answer else unanswered

    respond.asked = asked  # type: ignore[attr-defined]
    return respond


# ---- matching a draft's (or a classifier's) sentences to the labels ----

def find(sentence: str, candidates: list[tuple[str, str]]) -> str | None:
    """The source given to the labelled `sentence` among (text, source) candidates: the same text, one holding the
    other (a sentence split or merged differently), or a close one (the pipeline mended a word); None if absent."""
    key = norm(_SLOT.sub("", sentence))
    if not key:
        return None
    # A 【待补】 the pipeline wrote in place of a dropped sentence may quote it: it is never that sentence.
    normed = [(norm(_SLOT.sub("", text)), source) for text, source in candidates]
    normed = [(text, source) for text, source in normed if text]
    for text, source in normed:
        if text == key:
            return source
    for width in (2, 3, 4):  # split finer than the label at ；or ：(a list of slots, a clause per line)
        for start in range(len(normed) - width + 1):
            run = normed[start:start + width]
            if "".join(text for text, _ in run) == key:
                sources = [source for _, source in run]
                return "model" if "model" in sources else sources[0]
    holding = [(text, source) for text, source in normed if len(text) >= 6 and (key in text or text in key)]
    if holding:
        # Split finer than the label: the label is model if any of its parts is (one mark shows the claim).
        parts = [source for text, source in holding if text in key]
        if parts:
            return "model" if "model" in parts else parts[0]
        return holding[0][1]
    best = max(normed, key=lambda c: difflib.SequenceMatcher(None, key, c[0]).ratio(), default=None)
    if best and difflib.SequenceMatcher(None, key, best[0]).ratio() >= 0.75:
        return best[1]
    return None


@dataclass
class Tally:
    """Label x given source. `absent`: the labelled sentence is not in the output (dropped)."""

    cells: dict[tuple[str, str], int] = field(default_factory=dict)
    examples: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def add(self, label: str, given: str | None, sentence: str = "") -> None:
        cell = (label, given or "absent")
        self.cells[cell] = self.cells.get(cell, 0) + 1
        if sentence:
            self.examples.setdefault(cell, []).append(sentence)

    def merge(self, other: Tally) -> Tally:
        out = Tally(dict(self.cells), {k: list(v) for k, v in self.examples.items()})
        for cell, n in other.cells.items():
            out.cells[cell] = out.cells.get(cell, 0) + n
            out.examples.setdefault(cell, []).extend(other.examples.get(cell, []))
        return out

    def n(self, label: str, given: str | None = None) -> int:
        return sum(v for (lab, giv), v in self.cells.items() if lab == label and (given is None or giv == given))

    def metrics(self) -> dict[str, float | int | None]:
        """recall: model claims marked model or gone from the output; false_marks: fact-only sentences marked
        model, of those the output kept (a dropped one is counted by comparing with a strict run);
        formula_model: formulas marked model."""
        def share(hit: int, total: int) -> float | None:
            return hit / total if total else None

        models, units, formulas = self.n("model"), self.n("unit"), self.n("formula")
        caught = self.n("model", "model") + self.n("model", "absent")
        wrong, kept = self.n("unit", "model"), units - self.n("unit", "absent")
        return {"model": models, "caught": caught, "recall": share(caught, models),
                "unit": units, "unit_marked": wrong, "unit_absent": units - kept,
                "false_marks": share(wrong, kept),
                "formula": formulas, "formula_model": self.n("formula", "model"),
                "formula_unit": self.n("formula", "unit"),
                "present": sum(v for (lab, giv), v in self.cells.items() if giv != "absent"),
                "labelled": models + units + formulas}


def tally(answers: list[Answer], outputs: dict[str, list[tuple[str, str]]]) -> Tally:
    """Each labelled sentence against the (text, source) sentences output for its item."""
    out = Tally()
    for answer in answers:
        candidates = outputs.get(answer.item, [])
        for label, sentence in answer.labelled:
            if label == "skip":
                continue
            out.add(label, find(sentence, candidates), sentence)
    return out
