"""What the drafter does with what the model wrote before it goes into the draft.

Sentences that must never reach a draft are removed (a key, an instruction aimed at us, a bare scaffold
label); an answer that is still empty, scaffold, copied or off-section after the re-ask becomes a precise
【待补：…】 (why, as a comment on the item); otherwise extra points are dropped, invented owners become 【待补：责任人】,
and a fact the model dropped is added in the unit's own words only where it reads as a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from pipeline.core.redact import KEY_PATTERN, known_secrets
from pipeline.core.resources import lexicon
from pipeline.draft.clean import sentences
from pipeline.draft.plan import OutlineItem
from pipeline.text.owners import swap_invented_owners

MIN_CHARS = 8  # content characters below which what is left is a label ("会前准备工作："), not a paragraph
_CONTENT = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SLOT = re.compile(r"【[^【】]*】")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # terminal colour codes a local server may pass through
_PREDICATE = re.compile(r"[了过有是没未不只仅还都被把将已才超]|完成|开展|形成|发文|整改|召开|出现|存在|达到|下降|增加|减少|落实|公开"
                        r"|拖延|延误|推迟|发生|造成|导致")


@lru_cache(maxsize=1)
def _words() -> dict:
    return lexicon("additions")


def content_chars(text: str) -> int:
    return len(_CONTENT.findall(text))


def remove_controls(text: str) -> str:
    """Control and direction characters: Word refuses the first, the second hide text."""
    return _CONTROL.sub("", _ANSI.sub("", text.replace("\t", " ")))


def recordable(raw: str) -> str:
    """The raw answer as the draft's record keeps it: no control characters, and no sentence carrying an
    instruction aimed at the drafter (the kept answer may be the one that had it, when the re-ask did no better)."""
    injection = "|".join(_words()["injection_patterns"])
    sentence = re.compile(rf"[^。！？!?\n]*(?:{injection})[^。！？!?\n]*[。！？!?]?", re.I)
    return sentence.sub("", remove_controls(raw))


def scrub(paragraphs: Sequence[str], secrets: Sequence[str] = ()) -> tuple[list[str], list[str]]:
    """Drop sentences carrying a key or an instruction aimed at the drafter, and scaffold-only sentences."""
    words = _words()
    keys = [s for s in [*secrets, *known_secrets()] if s]
    injection = re.compile("|".join(words["injection_patterns"]), re.I)
    labels = re.compile(words["scaffold_sentence"])
    flags: list[str] = []
    out = []
    for paragraph in paragraphs:
        kept = []
        for sentence in sentences(remove_controls(paragraph)):
            if KEY_PATTERN.search(sentence) or any(k in sentence for k in keys):
                flags.append("secret")
            elif injection.search(sentence):
                flags.append("injection")
            elif labels.match(sentence.strip()) or content_chars(labels.sub("", sentence)) == 0:
                flags.append("scaffold-echo")
            else:
                kept.append(sentence)
        if kept:
            out.append("".join(kept).strip())
    return out, list(dict.fromkeys(flags))


def drop_bare_slots(paragraphs: Sequence[str]) -> tuple[list[str], int]:
    """Sentences that are nothing but a 【…】 slot (【待补：责任人】。) where the unit gave what it asks for: the
    instruction echoed, not text. Returns the paragraphs and how many sentences went."""
    out, dropped = [], 0
    for paragraph in paragraphs:
        kept = []
        for sentence in sentences(paragraph):
            if _SLOT.search(sentence) and not _CJK.search(_SLOT.sub("", sentence)):
                dropped += 1
            else:
                kept.append(sentence)
        if kept:
            out.append("".join(kept))
    return out, dropped


def drop_invented(paragraphs: Sequence[str], surfaces: Sequence[str]) -> tuple[list[str], list[str]]:
    """Clauses carrying a number the unit never gave ("共收集了258条意见") go; the rest of the sentence stays."""
    if not surfaces:
        return list(paragraphs), []
    out, changed = [], []
    for paragraph in paragraphs:
        kept_sentences = []
        for sentence in sentences(paragraph):
            end = re.search(r"[。！？!?”’」』）)]*$", sentence).group(0)
            clauses = re.findall(r"[^，；,;]+[，；,;]?", sentence[: len(sentence) - len(end)])
            kept = [c for c in clauses if not any(s in c for s in surfaces)]
            changed += [c.rstrip("，；,;") for c in clauses if c not in kept]
            if kept:
                kept_sentences.append(re.sub(r"[，；,;]$", "", "".join(kept)) + (end or "。"))
        if kept_sentences:
            out.append("".join(kept_sentences))
    return out, changed


def give_up_reason(paragraphs: Sequence[str], flags: Sequence[str], copy_rate: float, threshold: float) -> str | None:
    """Why the model's answer cannot go into the draft, as a key of pending_reasons; None when it can."""
    if not paragraphs:
        return "scaffold" if "scaffold-echo" in flags else "empty"
    if content_chars("".join(paragraphs)) < MIN_CHARS:
        return "scaffold"
    if copy_rate > threshold:
        return "copied"
    if "off-section" in flags:
        return "off-section"
    return None


def marker(item: OutlineItem, reason: str, *, copy_rate: float = 0.0, facts: Sequence[str] | None = None) -> str:
    """`facts`: what the user can write from (default: the item's facts)."""
    words = _words()
    problems = "；".join(item.problems) or item.aspect or item.heading
    what = words["pending_what"].get("subpart" if item.sub else item.role, "本段内容").format(
        aspect=item.aspect or item.heading, heading=item.heading.rstrip("。"), problems=problems)
    facts = item.facts if not facts else facts
    if facts:
        what += words["pending_facts"].format(facts="；".join(f.rstrip("。") for f in facts))
    return words["pending"].format(what=what)


def gave_up_reason(flags: Sequence[str], copy_rate: float = 0.0) -> str:
    """Why the model failed an item, from its `pending:<reason>` flag, as the comment on the item says it; ''."""
    reasons = _words()["pending_reasons"]
    found = next((flag[8:] for flag in flags if flag.startswith("pending:") and flag[8:] in reasons), "")
    return _words()["gave_up_note"].format(reason=reasons[found].format(rate=f"{copy_rate:.0%}")) if found else ""


def reads_as_sentence(fact: str) -> bool:
    """"耕地整治任务只完成了62%" can follow 比如; "谈心谈话46人次" cannot stand as a sentence."""
    if fact.rstrip().endswith(("：", ":")) or content_chars(fact) < 8:
        return False
    return bool(_PREDICATE.search(fact)) or content_chars(fact) >= 16


def add_facts(paragraphs: list[str], missing: Sequence[str]) -> list[str]:
    """Missing facts after the last paragraph: as an example where they read as sentences, else as a slot."""
    if not paragraphs:
        return paragraphs
    words = _words()
    sentences_ = [f.rstrip("。；;") for f in missing if reads_as_sentence(f)]
    slots = [f for f in missing if not reads_as_sentence(f)]
    tail = (words["example_lead"] + "；".join(sentences_) + "。") if sentences_ else ""
    tail += "".join(words["fact_slot"].format(fact=f.rstrip("。")) for f in slots)
    return paragraphs[:-1] + [paragraphs[-1] + tail]


def add_preparation(paragraphs: list[str], missing: Sequence[str]) -> list[str]:
    """Preparation facts the preamble left out, in the unit's own words, before its closing "…报告如下："."""
    if not paragraphs:
        return paragraphs
    said = _words()["preparation_sentence"].format(facts="，".join(f.strip().rstrip("。；;，,") for f in missing))
    last = paragraphs[-1]
    closing = re.search(r"[^。！？!?]*[：:]$", last)
    if closing:
        last = last[:closing.start()] + said + last[closing.start():]
    else:
        last += said
    return paragraphs[:-1] + [last]


def limit_points(paragraphs: list[str], item: OutlineItem) -> tuple[list[str], bool]:
    """A problems item has as many points as problems asked: the extras (those carrying no fact) go."""
    asked = len(item.problems)
    if item.role != "problems" or not asked or len(paragraphs) <= asked:
        return paragraphs, False
    terms = [f for f in item.facts] + list(item.problems)

    def weight(index: int) -> tuple[int, int]:
        text = paragraphs[index]
        return (-sum(any(t[i:i + 4] in text for i in range(max(1, len(t) - 3))) for t in terms), index)

    keep = sorted(sorted(range(len(paragraphs)), key=weight)[:asked])
    return [paragraphs[i] for i in keep], True


def replace_owners(paragraphs: list[str], allowed_text: str, self_name: str) -> tuple[list[str], list[str]]:
    """An owner the profile does not name becomes 【待补：责任人】."""
    slot = _words()["owner_slot"]
    owners: list[str] = []
    out = []
    for paragraph in paragraphs:
        paragraph, swapped = swap_invented_owners(paragraph, allowed_text, slot, self_name)
        owners += swapped
        out.append(paragraph)
    return out, list(dict.fromkeys(owners))
