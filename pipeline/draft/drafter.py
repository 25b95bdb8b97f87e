"""Draft: one outline item at a time, with a chat model or with the no-model composer.

The model drafter cleans what the model wrote, checks it against the passages it was shown and the facts
it had to carry, re-asks once when it copied or dropped facts, and keeps the better answer with its flags;
an answer still unusable after the re-ask becomes a 【待补：…】, the reason a comment on it (draft/pending.py).
"""

from __future__ import annotations

import hashlib
import json
import re
import time


from pipeline.corpus.passages import Hit
from pipeline.draft.assemble import ItemDraft, unmark
from pipeline.draft.item_facts import item_facts, item_sentences, record_offline
from pipeline.draft.provenance import attach_citations, strip_citations
from pipeline.draft.verify import verify
from pipeline.text.facts import fact_present
from pipeline.text.overlap import COPY_THRESHOLD
from pipeline.draft.compose import compose_item
from pipeline.draft.notes import clean_reference
from pipeline.draft.plan import Outline, OutlineItem
from pipeline.material.preparation import preparation_facts
from pipeline.material.profile import Profile
from pipeline import __version__
from pipeline.core.resources import data_dir, lexicon, prompt_text
from pipeline.draft.clean import clean_output
from pipeline.draft.measures import settle_measures
from pipeline.draft.pending import scrub
from pipeline.models.chat import complete, secrets_of
from pipeline.core.redact import redact
from pipeline.draft import pending
from pipeline.draft.guard import assess, better, needs_reask, sharper_instruction



def passage_record(hit: Hit) -> dict:
    return {"id": hit.id, "source": hit.source, "heading": hit.heading, "score": round(float(hit.score), 4)}


def _lines(values: list[str]) -> str:
    return "\n".join(f"- {value}" for value in values) or "- （未提供）"


def _problem_lines(item: OutlineItem) -> str:
    lines = []
    for index, problem in enumerate(item.problems):
        facts = item.problem_facts[index] if index < len(item.problem_facts) else []
        note = item.problem_notes[index] if index < len(item.problem_notes) else {}
        labels = lexicon("composer")["detail_labels"]
        lines.append(f"- 问题：{problem}" + "".join(f"\n  事实：{fact}" for fact in facts)
                     + "".join(f"\n  {labels[key]}：{note[key]}" for key in ("detail", "impact", "cause") if key in note))
    return "\n".join(lines) or f"- （本单位资料未提供具体问题：请写出这一方面常见的问题，具体事例处写“【待补：本单位在{item.aspect}方面的具体事例】”）"


def _measure_lines(item: OutlineItem) -> str:
    """Each problem a measure answers with its own facts (never another problem's)."""
    lines = []
    for index, problem in enumerate(item.answers):
        facts = item.problem_facts[index] if index < len(item.problem_facts) else []
        lines.append(problem + (f"（事实：{'；'.join(facts)}）" if facts else ""))
    return _lines(lines)


def _unquoted(line: str) -> str:
    """A prompt line as an echo source: the closing line a requirement line quotes for the model to write
    (“现将对照检查情况报告如下：”) is the answer, not an echo of the prompt. (A quoted 【待补：…】 stays a source: its
    words written out bare restate the task.)"""
    if line.startswith(tuple(lexicon("clean")["prompt_wording_lines"])):
        return re.sub(r"“[^”【】]*[：:]”", "", line)
    return line


def _prompt_name(item: OutlineItem, outline: Outline) -> str:
    """A spec sub-part (案例原因剖析 …) has one prompt for every part: its heading and hint say what to write. The
    part's own text before its sub-parts is only their lead (the case, not its causes)."""
    if item.sub:
        return "subpart.txt"
    has_subparts = any(other.sub for other in outline.items() if other.role == item.role)
    lead = f"{item.role}_lead.txt"
    return lead if has_subparts and (data_dir("prompts") / lead).is_file() else f"{item.role}.txt"


def build_messages(item: OutlineItem, outline: Outline, profile: Profile, references: list[str]) -> list[tuple[str, str]]:
    """System + user messages for one item; references are fenced as material that must not be copied."""
    fenced = "\n".join(f"<<<参考范文{n}>>>\n{text}\n<<<参考范文{n}结束>>>" for n, text in enumerate(references, 1))
    values = dict(
        meeting=outline.meeting, unit=outline.unit, self=outline.self_name, aspect=item.aspect or "", hint=item.hint,
        heading=item.heading.rstrip("。"), budget=item.budget, points=max(1, len(item.problems)),
        problems=_problem_lines(item) if item.role != "measures" else _measure_lines(item),
        answers="；".join(item.answers) or "（见上文）",
        facts=_lines(item.facts),  # the preamble's: material.preparation
        own=_lines(item.own()),
        references=prompt_text("references.txt").format(passages=fenced) if references else "",
    )
    if item.role == "causes" and item.hint:
        values["hint"] = item.hint
    # A member's own material speaks as 我 about the member's own duties; the 班子's speaks as the body.
    system = prompt_text("system_personal.txt" if outline.voice == "personal" else "system.txt").format(
        self=outline.self_name)
    user = prompt_text(_prompt_name(item, outline)).format(**values)
    facts = item_facts(item, outline, profile)
    if facts:
        # Numbered facts to cite ([F1]): the citations are checked against the facts, never trusted.
        user += "\n" + prompt_text("citations.txt").format(
            facts="\n".join(f"[F{n}] {f.text}" for n, f in enumerate(facts, 1)))
    return [("system", system), ("user", user)]


def left_empty(item: OutlineItem, outline: Outline, profile: Profile) -> bool:
    """A part the unit gave nothing for (no problem in an aspect, no case, no preparation): only its 【待补】 is
    written, no model is asked to fill it."""
    if item.role == "closing":
        return False  # the closing asserts nothing
    if item.role == "causes":
        # A root the unit wrote no analysis for: anything a model wrote there would be an admission nobody made.
        return not (item.note.strip() or item.details)
    return not item_facts(item, outline, profile)


def max_tokens_for(budget: int) -> int:
    # Chinese runs about 1–1.5 tokens per 字 across common tokenizers; leave room for a little overshoot.
    return int(budget * 1.6) + 200


def cache_key(messages: list[tuple[str, str]], system: str, params: dict) -> str:
    payload = json.dumps({"messages": messages, "system": system, "params": params}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


class OfflineDrafter:
    """Composes from the profile's own words and neutral connectives; deterministic, no network."""

    system = "offline"

    def key(self, item: OutlineItem, outline: Outline, profile: Profile, hits: list) -> str:
        # The composer's wording is part of its input: editing lexicon/composer.yaml must re-compose.
        params = {"composer": lexicon("composer"), "profile": profile.model_dump(mode="json"), "version": __version__}
        if outline.voice != "collective":
            params.update(voice=outline.voice, personal=lexicon("composer_personal"))
        return cache_key(build_messages(item, outline, profile, [clean_reference(h.text) for h in hits]), self.system, params)

    async def draft(self, item: OutlineItem, outline: Outline, profile: Profile, hits: list) -> ItemDraft:
        started = time.monotonic()
        paragraphs = compose_item(item, outline, profile)

        assessment = assess(paragraphs, [h.text for h in hits], item.facts)
        sentences = item_sentences(self.system, [unmark(p) for p in paragraphs], item, outline, profile)
        return ItemDraft(key=item.key, role=item.role, system=self.system, paragraphs=paragraphs, sentences=sentences,
                         passages=[passage_record(h) for h in hits], copy_rate=round(assessment.copy_rate, 4),
                         missing_facts=list(assessment.missing_facts), seconds=round(time.monotonic() - started, 3))


class ModelDrafter:
    """Drafts through an OpenAI-compatible chat model (injected: a ChatOpenAI or a fake)."""

    def __init__(self, chat_model, model_name: str, policy=None, copy_threshold: float = COPY_THRESHOLD,
                 verify: bool = False):
        self.chat_model = chat_model
        self.verify = verify  # one more request per item: the endpoint lists the sentences its facts do not support
        self.system = f"model:{model_name}"
        self.policy = policy
        self.copy_threshold = copy_threshold

    def key(self, item: OutlineItem, outline: Outline, profile: Profile, hits: list) -> str:
        messages = build_messages(item, outline, profile, [clean_reference(h.text) for h in hits])
        params = {"max_tokens": max_tokens_for(item.budget), "version": __version__}
        if self.verify:  # a verified item's record differs from an unverified one's
            params["verify"] = True
        return cache_key(messages, self.system, params)

    async def _ask(self, messages, max_tokens: int, item: OutlineItem, outline: Outline, references: list[str]):

        completion = await complete(self.chat_model, messages, max_tokens, policy=self.policy)
        if completion.finish_reason == "length":
            # One more try with room to finish (and to think, for a reasoning model); if it is still cut, clean
            # keeps whole sentences and flags it.
            completion = await complete(self.chat_model, messages, max_tokens * 2 + completion.reasoning_chars,
                                        policy=self.policy)
        # Echoes are the prompt's own scaffold (task and problem lines), never the references: copying from
        # those must stay visible to the copy guard.
        # The numbered facts to cite are the unit's facts, not scaffold: writing them is the answer.
        user_prompt = messages[1][1].split(prompt_text("citations.txt").splitlines()[0])[0]
        scaffold = [_unquoted(line) for line in user_prompt.splitlines() if line and not line.startswith("<<<")][:12]
        if references:
            scaffold = [line for line in scaffold if line not in references]
        if item.role != "problems":
            # Preparation, last year's fixes, a case: the prompt asks for these facts word for word, so writing
            # them is the answer, not an echo (a problem's fact line repeated bare is: it comes back as 比如，…).
            facts = {line for line in _lines(item.facts).splitlines()}
            scaffold = [line for line in scaffold if line not in facts]
        # The system prompt is never text of the material: a model that recites it (asked to by a poisoned
        # reference, say) has those sentences dropped like any other echo of the prompt.
        scaffold += [line for line in messages[0][1].splitlines() if line.strip()]
        cleaned = clean_output(strip_citations(completion.text), item.role, completion.finish_reason, aspect=item.aspect,
                               echo_sources=scaffold,
                               unit=outline.unit, self_name=outline.self_name)
        paragraphs, flags = scrub(cleaned.paragraphs, secrets_of(self.chat_model))
        cleaned = cleaned.model_copy(update={"paragraphs": paragraphs,
                                             "flags": list(dict.fromkeys([*cleaned.flags, *flags]))})
        if not paragraphs and "empty" not in cleaned.flags:
            cleaned.flags.append("empty")
        return completion, cleaned

    async def draft(self, item: OutlineItem, outline: Outline, profile: Profile, hits: list) -> ItemDraft:

        started = time.monotonic()
        if left_empty(item, outline, profile):
            paragraphs = compose_item(item, outline, profile)
            return ItemDraft(key=item.key, role=item.role, system=self.system, paragraphs=paragraphs,
                             sentences=record_offline([unmark(p) for p in paragraphs], []),
                             passages=[passage_record(h) for h in hits], flags=["left-empty"],
                             seconds=round(time.monotonic() - started, 3))
        references = [clean_reference(h.text) for h in hits]  # as the comments show them: no scrape noise
        messages = build_messages(item, outline, profile, references)
        limit = max_tokens_for(item.budget)
        # Numbers the text may use without inventing them: the profile's, the meeting's, the item's own.
        known = [outline.meeting, outline.title, *profile.all_facts(), *item.problems, *preparation_facts(profile),
                 *(f"{e.problem}{e.fixed}{e.measure}{e.deadline}" for e in profile.last_year), *item.own()]
        if item.role == "preamble":
            # The preamble states the preparation counts: any other number there is a changed count.
            known = [outline.meeting, outline.title, *preparation_facts(profile)]

        # The facts the text must carry. A measure carries the unit's own measure, owner and time limit (settled
        # below), not the problem's facts: "比如，<the fault>" does not belong in a measure.
        required = [] if item.role == "measures" else item.facts

        def judge(cleaned):
            return assess(cleaned.paragraphs, references, required, known=known, target_chars=item.budget,
                          flags=cleaned.flags, unit=outline.unit)

        def settle(cleaned):
            # A measure's own words, owner and time limit are the unit's before any number is judged: re-asking
            # cannot make a model know a deadline, and cutting the clause would lose the slot.
            paragraphs, bare = cleaned.paragraphs, 0
            if item.facts and not any(f.rstrip().endswith(("：", ":")) for f in item.facts):
                # Every fact given (last year's results too): a slot echoed alone asks for what the unit said.
                paragraphs, bare = pending.drop_bare_slots(paragraphs)
            done = settle_measures(paragraphs, item, outline.self_name)
            flags = [*cleaned.flags, *(["deadline-replaced"] if done.changed else []),
                     *(["owner-replaced"] if done.owners else []), *(f"{what}-added" for what in done.added),
                     *(["scaffold-echo"] if done.bare_slots or bare else [])]
            if not done.paragraphs and "empty" not in flags:
                flags.append("empty")
            taken = [f"deadline-invented：{a} → {b}" for a, b in done.changed]
            taken += [f"owner-invented：{a} → {b}" for a, b in done.owners]
            return cleaned.model_copy(update={"paragraphs": done.paragraphs, "flags": flags}), taken

        completion, cleaned = await self._ask(messages, limit, item, outline, references)
        cleaned, changed = settle(cleaned)
        assessment = judge(cleaned)
        attempts, tokens = completion.attempts, [completion.prompt_tokens, completion.completion_tokens]
        raw = completion.text
        if needs_reask(assessment, self.copy_threshold):  # copied, facts missing, invented numbers, too short …
            instruction = sharper_instruction(assessment, self.copy_threshold, self_name=outline.self_name)
            reask_messages = [*messages, ("assistant", completion.text), ("user", instruction)]
            second, second_cleaned = await self._ask(reask_messages, limit, item, outline, references)
            second_cleaned, second_changed = settle(second_cleaned)
            second_assessment = judge(second_cleaned)
            attempts += second.attempts
            tokens = [tokens[0] + second.prompt_tokens, tokens[1] + second.completion_tokens]
            if better(assessment, second_assessment, self.copy_threshold) is second_assessment:
                cleaned, assessment, raw, changed = second_cleaned, second_assessment, second.text, second_changed
        flags = list(cleaned.flags)
        paragraphs = list(cleaned.paragraphs)
        if assessment.copy_rate > self.copy_threshold:
            flags.append("copied")
        paragraphs, removed = pending.drop_invented(paragraphs, assessment.invented_numbers)
        taken = [f"number-invented：{clause}" for clause in removed]
        taken += changed
        if removed:
            flags.append("number-removed")
        missing = list(assessment.missing_facts)
        reason = pending.give_up_reason(paragraphs, flags, assessment.copy_rate, self.copy_threshold)
        if reason == "empty" and removed:
            reason = "invented"
        if reason:
            # Nothing usable after the re-ask: say exactly what to write instead of shipping it.
            shown = item.own() if item.role == "measures" else None  # the unit's own measures, to write from
            paragraphs = [pending.marker(item, reason, copy_rate=assessment.copy_rate, facts=shown)]
            flags += ["pending", f"pending:{reason}"]
        else:
            paragraphs, dropped = pending.limit_points(paragraphs, item)
            if dropped:
                flags.append("extra-points")
            paragraphs, owners = pending.replace_owners(paragraphs, "\n".join(known), outline.self_name)
            if owners:
                flags.append("owner-invented")
                taken += [f"owner-invented：{owner}" for owner in owners]
            # A clause cut for its invented number, or a point dropped as extra, may have carried a fact too.
            text = "\n".join(paragraphs)
            missing += [f for f in required if f not in missing and f.strip() and not fact_present(f, text)]
            if missing:
                flags.append("fact-inserted")
                paragraphs = (pending.add_preparation(paragraphs, missing) if item.role == "preamble"
                              else pending.add_facts(paragraphs, missing))
        sentences = item_sentences(self.system, [unmark(p) for p in paragraphs], item, outline, profile)
        sentences = attach_citations(sentences, raw, item_facts(item, outline, profile))
        if self.verify and not reason:
            sentences, answered = await verify(self.chat_model, self.policy, sentences, item_facts(item, outline, profile))
            flags.append("verified" if answered else "verify-failed")
        return ItemDraft(key=item.key, role=item.role, system=self.system, paragraphs=paragraphs, sentences=sentences,
                         passages=[passage_record(h) for h in hits], raw=pending.recordable(redact(raw, secrets_of(self.chat_model))),
                         flags=list(dict.fromkeys(flags)), removed=taken,
                         copy_rate=round(assessment.copy_rate, 4), missing_facts=missing,
                         prompt_tokens=tokens[0], completion_tokens=tokens[1], attempts=attempts,
                         seconds=round(time.monotonic() - started, 3))
