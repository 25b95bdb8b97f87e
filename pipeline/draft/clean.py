"""Turn a raw model answer into plain prose paragraphs for one slot of the document, and say what was wrong.

Models wrap the text they were asked for in talk (lead-ins, sign-offs, notes), format it (markdown, their
own numbering, headings), echo the prompt, loop, stray into other sections and get cut off. Numbering
and headings always come from the pipeline, so every marker is stripped here. Word lists live in
lexicon/clean.yaml; `flags` are stable codes for what the raw text showed (the text is fixed where it can be).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from pipeline.draft.clean_lines import Context, drop_list_clause, fix_voice, line_pass, slot_text
from pipeline.draft.clean_sentences import check_foreign, closing_last, note_patterns, without_notes
from pipeline.text.overlap import OverlapIndex
from pipeline.core.resources import lexicon
from pipeline.text.numbering import CN_NUMERALS
from pipeline.core.sanitize import strip_controls
from pipeline.text.slots import pending

FLAGS = ("empty", "truncated", "lead-in", "sign-off", "salutation", "markdown", "numbering", "heading", "note",
         "scaffold-echo", "off-section", "repeated-sentence", "wrong-voice", "foreign-word")
_END = "。！？!?"
_SENTENCE = re.compile(r"[^。！？!?]*[。！？!?]+[”’」』）)]*|[^。！？!?]+$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
MAX_ANSWER_CHARS = 20000  # far more than any item asks for
_ORDINALS = CN_NUMERALS
_POINT_MARK = re.compile(rf"(?:^|(?<=[。；;：:，,]))\s*(?:[{_ORDINALS}]是|其[{_ORDINALS}][，,]?|[（(]\d{{1,2}}[）)]|[①-⑳]|\d{{1,2}}[、．.](?!\d))")
_ECHO_RUN = 8  # shorter than the 13 of 查重: task lines are short and paraphrased loosely
# A sentence restates the task when most of it comes from the prompt: nearly all of it, or over half and a
# good stretch (a problem list); one problem named in a sentence that links it to a cause is fine.
_ECHO_ALL, _ECHO_MOST, _ECHO_CHARS = 0.75, 0.5, 20


class Cleaned(BaseModel):
    model_config = ConfigDict(extra="forbid")

    paragraphs: list[str]
    flags: list[str]
    removed: list[str] = []  # fragments taken out, for the draft record

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def chars(self) -> int:
        return sum(len(p) for p in self.paragraphs)


@lru_cache(maxsize=1)
def _words() -> dict:
    return lexicon("clean")


def clean_output(
    raw: str,
    role: str,
    finish_reason: str = "stop",
    forbidden_headings: Sequence[str] = (),
    *,
    aspect: str | None = None,
    echo_sources: Sequence[str] = (),
    unit: str = "",
    self_name: str = "",
    keep_points: bool = False,
) -> Cleaned:
    """Clean `raw`, the answer for one item of section `role`.

    forbidden_headings: headings of other slots (other aspects); a paragraph opening with one is cut with
    everything after it. echo_sources: prompt lines the answer must not repeat (the task line, the problem
    list), never the facts. unit/self_name: a third-person unit name is replaced by self_name (班子/支部).
    keep_points: keep 一是/二是 run-in points as written; by default they become separate unmarked paragraphs.
    """
    ctx = Context(words=_words(), role=role, aspect=aspect, forbidden=[h for h in forbidden_headings if h],
                  keep_points=keep_points)
    text = _normalise(strip_controls(raw or ""))
    if len(text) > MAX_ANSWER_CHARS:  # a server ignored max_tokens: keep the start, as if cut for length
        text, finish_reason = text[:MAX_ANSWER_CHARS], "length"
    if finish_reason == "length":
        ctx.flag("truncated")
        text = _cut_to_sentence(text, ctx)
    paragraphs = line_pass(text, ctx)
    paragraphs = _trim_talk(paragraphs, ctx)
    paragraphs = _drop_echo(paragraphs, echo_sources, ctx)
    paragraphs = _cut_off_section(paragraphs, ctx)
    if not keep_points:
        paragraphs = _trim_closing([piece for p in paragraphs for piece in _split_points(p, ctx)], ctx, summaries=False)
    paragraphs = _drop_repeats(paragraphs, ctx)
    if role == "preamble":
        paragraphs = closing_last(paragraphs)
    paragraphs = [fix_voice(p, unit, self_name, ctx) for p in paragraphs]
    paragraphs = [_finish(p, role) for p in paragraphs if _CJK.search(p)]
    paragraphs = check_foreign(paragraphs, ctx)
    if not paragraphs:
        ctx.flag("empty")
    flags = [f for f in FLAGS if f in ctx.flags] + sorted(ctx.flags - set(FLAGS))
    return Cleaned(paragraphs=paragraphs, flags=flags, removed=ctx.removed)


def _normalise(raw: str) -> str:
    text = (raw or "").replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\u200b\u200c\u200d\ufeff]", "", text).replace("\t", " ").replace("\u3000", " ")
    # Half-width punctuation right after a Chinese character is a typing slip; 1,000 and 3.5 stay.
    for half, full in ((",", "，"), (";", "；"), (":", "："), ("?", "？"), ("!", "！")):
        text = re.sub(rf"(?<=[\u4e00-\u9fff”）])\{half}", full, text)
    return text.strip()


def _cut_to_sentence(text: str, ctx: Context) -> str:
    """Keep what precedes the last sentence end; the rest was cut mid-sentence."""
    cut = max((m.end() for m in re.finditer(rf"[{_END}][”’」』）)]*", text)), default=0)
    ctx.removed.append(text[cut:])
    return text[:cut]


def sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE.findall(paragraph) if s.strip()]


def _has(text: str, phrases: Sequence[str]) -> bool:
    lowered = text.lower().replace(" ", "")
    return any(p.lower().replace(" ", "") in lowered for p in phrases)


def _starts(text: str, phrases: Sequence[str]) -> bool:
    lowered = text.lower().lstrip()
    return any(lowered.startswith(p.lower()) for p in phrases)


def _trim_talk(paragraphs: list[str], ctx: Context) -> list[str]:
    """Lead-ins, salutations, notes, sign-offs, summaries and prompt phrases around the text."""
    w = ctx.words
    out = list(paragraphs)
    # Opening: acknowledgement tokens, salutations and a first sentence about the text (a few rounds at most).
    for _ in range(8):
        if not out:
            break
        first = out[0]
        ack = re.match(r"^(?:(?:%s)[\s，,。.！!~～]+)+" % "|".join(map(re.escape, w["acknowledgements"])), first, re.I)
        if ack:
            ctx.flag("lead-in", ack.group())
            out[0] = first = first[ack.end():]
        salute = re.match(r"^(?:(?:%s)[^，。：！!:]{0,30}[，、：:！!。]\s*)+" % "|".join(
            map(re.escape, w["salutation_openings"])), first)
        if salute:
            ctx.flag("salutation", salute.group())
            out[0] = first = first[salute.end():]
        # The talk ends at the first sentence end, or at a colon when the text follows on the same line.
        opening = [m.group() for m in [_SENTENCE.match(first)] if m and m.group().strip()]
        head = re.findall(r"^[^。！？!?：:]*[：:]", first) or opening
        if head and (_has(head[0], w["lead_in_phrases"]) or not _CJK.search(head[0])):
            ctx.flag("lead-in", head[0])
            out[0] = first[len(head[0]):].strip()
        if not out[0].strip():
            out.pop(0)
            continue
        if not (ack or salute or head and out[0] != first):
            break
    # Everywhere: bracketed notes, fill-in requests (kept as slots) and sentences that repeat the instructions.
    note, detail = note_patterns(w)
    slot = re.compile(r"[（(]\s*((?:%s)[^）)]*)[）)]" % "|".join(map(re.escape, w["placeholder_starts"])))
    cleaned = []
    for paragraph in out:
        for found in note.findall(paragraph):
            ctx.flag("note", found)
        paragraph = slot.sub(lambda m: ctx.flag("note") or pending(slot_text(m.group(1))), without_notes(paragraph, note, detail))
        if re.match(r"^\s*(?:%s)\s*[:：]" % "|".join(map(re.escape, w["note_starts"])), paragraph, re.I):
            ctx.flag("note", paragraph)
            continue
        kept = []
        prefixes = re.compile(r"(?:^|(?<=[，,]))(?:%s)" % "|".join(w["echo_prefixes"]))
        for sentence in sentences(paragraph):
            if _has(sentence, w["scaffold_phrases"]):
                ctx.flag("scaffold-echo", sentence)
            else:
                kept.append(prefixes.sub(lambda m: ctx.flag("scaffold-echo", m.group()) or "", sentence))
        cleaned.append("".join(kept).strip())
    return _trim_closing([p for p in cleaned if p], ctx)


def _trim_closing(out: list[str], ctx: Context, summaries: bool = True) -> list[str]:
    """Sign-off sentences, speech closings, then summary paragraphs (the closing section keeps them). Run again
    on the split points: talk after a point marker ("五是好的，以上就是全部内容。如需修改请告诉我。") is a point too."""
    w = ctx.words
    ack = re.compile(r"^(?:(?:%s)[\s，,。.！!~～]+)+" % "|".join(map(re.escape, w["acknowledgements"])), re.I)
    while out:
        last = sentences(out[-1])
        if last and (_has(last[-1], w["sign_off_phrases"]) or not _CJK.search(last[-1])):
            ctx.flag("sign-off", last[-1])
        elif last and re.match(r"^(?:%s)[，。！!、\s]*$" % "|".join(map(re.escape, w["salutation_closings"])), last[-1]):
            ctx.flag("salutation", last[-1])
        elif len(out) > 1 and ack.match(out[-1]) and (ctx.role != "closing" or not ack.sub("", out[-1]).strip()):
            # "好的，…" after the text: the model talking to the requester again
            ctx.flag("sign-off", out.pop())
            continue
        else:
            break
        out[-1] = "".join(last[:-1]).strip()
        if not out[-1]:
            out.pop()
    if summaries and ctx.role != "closing" and len(out) > 1 and _starts(out[-1], w["summary_starts"]):
        ctx.flag("sign-off", out.pop())
    return out


def _drop_echo(paragraphs: list[str], sources: Sequence[str], ctx: Context) -> list[str]:
    """Sentences mostly made of runs shared with the prompt's task lines restate the task."""
    if not any(sources):
        return paragraphs
    index = OverlapIndex(_ECHO_RUN)
    for number, source in enumerate(sources):
        index.add(f"prompt{number}", source)
    out = []
    for paragraph in paragraphs:
        kept = []
        for sentence in sentences(paragraph):
            report = index.check(sentence)
            if report.rate >= _ECHO_ALL or (report.rate >= _ECHO_MOST and report.marked >= _ECHO_CHARS):
                ctx.flag("scaffold-echo", sentence)
            else:
                kept.append(sentence)
        if kept:
            out.append("".join(kept).strip())
    return out


def _cut_off_section(paragraphs: list[str], ctx: Context) -> list[str]:
    """A paragraph opening with another aspect's heading ends the answer there. A sentence opening another
    section (究其原因, 下一步) goes with what follows it up to the next point (一是/二是) or paragraph."""
    starts = [cue for role, cues in ctx.words["section_starts"].items() if role != ctx.role for cue in cues]
    if ctx.role not in ("problems", "causes", "measures"):
        starts = []  # a preamble announces what follows; last year's fixes and a case study speak of all three
    heading = None
    if ctx.forbidden:
        names = "|".join(map(re.escape, sorted(ctx.forbidden, key=len, reverse=True)))
        heading = re.compile(rf"^\s*(?:在|关于|对于|从)?[“\"]?(?:{names})[”\"]?(?:方面|上|问题)?[，,：:。\s]")
    out = []
    for p_index, paragraph in enumerate(paragraphs):
        if heading and heading.match(paragraph):
            ctx.flag("off-section", "\n".join(paragraphs[p_index:]))
            break
        kept, skipping = [], False
        for s_index, sentence in enumerate(sentences(paragraph)):
            if skipping and _POINT_MARK.match(sentence):
                skipping = False
            if (p_index or s_index) and _starts(sentence, starts):
                skipping = True  # the answer's first sentence is never taken for a stray one
            if skipping:
                ctx.flag("off-section", sentence)
            else:
                kept.append(sentence)
        if kept:
            out.append("".join(kept).strip())
    return out


def _split_points(paragraph: str, ctx: Context) -> list[str]:
    """一是…；二是… (or ①…②…, （1）…（2）…) run into one paragraph: one unmarked paragraph per point."""
    marks = list(_POINT_MARK.finditer(paragraph))
    if not marks:
        return [paragraph]
    ctx.flag("numbering")
    cuts = [0] + [m.start() for m in marks] + [len(paragraph)]
    ends = [m.end() for m in marks]
    lead = paragraph[: cuts[1]].strip()
    points = [paragraph[ends[i] : cuts[i + 2]].strip() for i in range(len(marks))]
    points = [re.sub(r"(?<![；;，,：:\s])[；;，,：:\s]+$", "", p) + ("" if p[-1:] in _END else "。")
              for p in points if _CJK.search(p)]
    # "在理论学习方面，主要表现在：" announces the points: its list clause goes, a short rest leads the first point.
    lead = drop_list_clause(lead).rstrip("：:，, ")
    if lead and points and not re.search(rf"[{_END}]", lead) and len(lead) <= 15:
        return [f"{lead}，{points[0]}"] + points[1:]
    return ([_finish(lead)] if _CJK.search(lead) else []) + points


def _norm_sentence(sentence: str) -> str:
    return re.sub(r"[\W_]", "", sentence)


def _drop_repeats(paragraphs: list[str], ctx: Context) -> list[str]:
    """A sentence said before, or a clause repeated back to back, is a generation loop."""
    seen: set[str] = set()
    out = []
    for paragraph in paragraphs:
        kept = []
        for sentence in sentences(paragraph):
            clauses = re.findall(r"[^，；、,;]+[，；、,;]?", sentence)
            deduped = [c for i, c in enumerate(clauses) if i == 0 or _norm_sentence(c) != _norm_sentence(clauses[i - 1])
                       or len(_norm_sentence(c)) < 4]
            if len(deduped) < len(clauses):
                ctx.flag("repeated-sentence", sentence)
                sentence = "".join(deduped)
            key = _norm_sentence(sentence)
            if len(key) >= 6 and (key in seen or any(key in earlier for earlier in seen)):
                ctx.flag("repeated-sentence", sentence)
                continue
            seen.add(key)
            kept.append(sentence)
        if kept:
            out.append("".join(kept).strip())
    return out


def _finish(paragraph: str, role: str = "") -> str:
    paragraph = paragraph.strip()
    if role == "preamble" and paragraph.endswith("："):
        return paragraph
    paragraph = re.sub(r"(?:[，,；;、：:]|(?<!…)…+|(?<!\.)\.{3,})$", "", paragraph)
    if paragraph and not re.search(rf"[{_END}][”’」』）)]*$", paragraph):
        paragraph += "。"
    return paragraph
