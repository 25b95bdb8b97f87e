"""Which sentences of a drafted item state the unit's facts, which are formulae, and which the model added.

`classify(text, facts)` is the one decision, a pure function (the benchmark calls it directly). It never rests on
the model's word: citation markers ([F3]) are stripped and recorded, and a cited fact counts only when the sentence
shares its words or numbers. A sentence is
- `unit` when its claim-bearing content words (jieba) and its numbers are the facts' own (a paraphrase may leave
  one word in four uncovered, never a number, never a whole clause);
- `formula` when it matches a genre formula or holds nothing but connectives and the item's own headings
  (lexicon/provenance.yaml);
- `model` otherwise — an event, an admission (政绩观存在偏差), a cause, a result, a measure detail, praise.
A 【待补：…】 slot asserts nothing: a sentence that is only slots is a formula, otherwise its rest is judged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache

from pipeline.core.resources import lexicon
from pipeline.material.sentences import Fact, Sentence, split_sentences
from pipeline.text.facts import numbers

_SLOT = re.compile(r"【[^【】]*】")
_CLAUSE = re.compile(r"[^，,、：:；;。！？!?]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ENDS = "。！？!?；;，,：: \u3000"
_CHINESE_COUNT_LIMIT = 10  # 两次, 三个方面: small counts in words are the genre's structure more often than claims


@lru_cache(maxsize=1)
def _words() -> dict:
    return lexicon("provenance")


@lru_cache(maxsize=1)
def _glue() -> frozenset[str]:
    return frozenset(_words()["formula_words"])


@lru_cache(maxsize=1)
def _patterns() -> list[re.Pattern]:
    return [re.compile(p) for p in _words()["formula_patterns"]]


@lru_cache(maxsize=1)
def _evaluation() -> frozenset[str]:
    return frozenset(_words()["evaluation_words"])


@lru_cache(maxsize=1)
def _steps() -> re.Pattern:
    return re.compile(_words()["step_pattern"])


@lru_cache(maxsize=1)
def _resolve() -> re.Pattern:
    return re.compile(_words()["resolve_pattern"])


@lru_cache(maxsize=1)
def _fault() -> re.Pattern:
    return re.compile(_words()["fault_pattern"])


def _citation() -> re.Pattern:
    return re.compile(_words()["citation"])


@lru_cache(maxsize=1)
def _tokenizer():
    """A jieba of its own that knows the connectives as words (新的起点, 真改实改), so they are not cut into
    pieces that look like content; the shared one (retrieval's BM25) is left as it is."""
    import jieba  # lazy: heavy library, loaded only where used

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for word in [*_glue(), *_evaluation()]:
        tokenizer.add_word(word, freq=100000)
    return tokenizer


def _tokens(text: str) -> list[str]:
    return _tokenizer().lcut(text)


def claim_words(text: str) -> list[str]:
    """Content words of `text` that could carry a claim: two characters or more, not a connective."""
    text = re.sub(r"\d+(?:\.\d+)?\s*[%％]?", " ", _SLOT.sub(" ", text))
    glue = _glue()
    out = []
    for word in _tokens(text):
        word = word.strip()
        if len(word) >= 2 and _CJK.search(word) and word not in glue and word not in out:
            out.append(word)
    return out


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


class _Pool:
    """The words a sentence may use: the facts' (which it then states) and the context's (headings, names)."""

    def __init__(self, facts: Sequence[Fact], context: Sequence[str]):
        self.facts = list(facts)
        self.fact_text = "\n".join(f.text for f in self.facts)
        self.context = "\n".join(context)
        self.numbers = set(numbers(self.fact_text + "\n" + self.context))
        # What a fact's own numbers give by subtraction (12 rated 差, 5 cut: "另外7个" not cut) is the fact's too.
        for fact in self.facts:
            values = list(numbers(fact.text))
            self.numbers |= {abs(a - b) for a in values for b in values if a != b}
        self.fact_grams = _bigrams(self.fact_text)
        self.context_grams = _bigrams(self.context)

    def fact_words(self) -> list[list[str]]:
        """Each fact's own claim words, the judging ones left out."""
        if not hasattr(self, "_fact_words"):
            self._fact_words = [[w for w in claim_words(f.text) if w not in _evaluation()] for f in self.facts]
        return self._fact_words

    @staticmethod
    def _in(word: str, text: str, grams: set[str]) -> bool:
        # A paraphrase keeps the fact's words or at least every two-character piece of them (考核→考核工作).
        return word in text or (len(word) >= 3 and _bigrams(word) <= grams)

    def in_facts(self, word: str) -> bool:
        return self._in(word, self.fact_text, self.fact_grams)

    def in_context(self, word: str) -> bool:
        return self._in(word, self.context, self.context_grams)

    def supporting(self, words: list[str], values: set[float]) -> list[str]:
        """Ids of the facts that share most of the sentence's words and numbers (ties all named)."""
        scored = []
        for fact in self.facts:
            grams = _bigrams(fact.text)
            score = sum(1 for w in words if self._in(w, fact.text, grams))
            score += 2 * len(values & set(numbers(fact.text)))
            if score:
                scored.append((score, fact.id))
        if not scored:
            return []
        best = max(score for score, _ in scored)
        return [fid for score, fid in scored if score * 2 >= best]


def _sentence_numbers(text: str) -> dict[float, str]:
    found = numbers(_SLOT.sub(" ", text))
    # A count in words up to ten (两次, 三个方面) is left to the words around it; digits always count.
    return {v: s for v, s in found.items() if re.search(r"\d", s) or v > _CHINESE_COUNT_LIMIT}


def judge(text: str, pool: _Pool) -> tuple[str, list[str]]:
    """(source, supporting fact ids) of one sentence without citation markers."""
    bare = _SLOT.sub("", text).strip(_ENDS)
    if len(_CJK.findall(bare)) < 2:
        return "formula", []
    if any(p.search(bare) for p in _patterns()):
        return "formula", []
    verbatim = [f.id for f in pool.facts if len(bare) >= 4 and bare in f.text]
    if verbatim:  # a fact, or a clause of one, as the unit wrote it (学用结合不够: nothing but the genre's words)
        return "unit", verbatim
    if _resolve().search(bare) and not re.search(r"\d", bare) and not _steps().search(bare) \
            and not _fault().search(bare):
        # The closing's resolve (我们将以整改实效推动……) promises nothing checkable: no number, step or fault.
        return "formula", []
    values = _sentence_numbers(text)
    if any(v not in pool.numbers for v in values):
        return "model", []
    words = claim_words(text)
    # A word that judges (到位, 滞后) states no fact, and one word of the facts (学习, 社区) is a topic, not a
    # fact stated: "主体责任落实不够到位", "对理论学习重视不够" are admissions the unit did not make.
    stated = [w for w in words if pool.in_facts(w) and w not in _evaluation()]
    whole = any(f and set(f) <= set(stated) for f in pool.fact_words())  # a short fact restated whole (学用结合不够)
    from_facts = [w for w in words if pool.in_facts(w)] if len(stated) >= 2 or values or whole else []
    uncovered = [w for w in words if w not in from_facts and not pool.in_context(w)]
    if from_facts or values:
        uncovered = [w for w in uncovered if w not in _evaluation()]
    if not from_facts and not values:
        # Nothing of the unit's facts: only connectives and the item's own headings make a formula, unless they
        # admit a fault in the genre's own words (班子担当精神不够强, 理想信念还不够坚定).
        if uncovered or _fault().search(bare):
            return "model", []
        return "formula", []
    # A whole clause of new words is a new claim, however much of the sentence restates the facts
    # (落实刚性约束要求不够坚决，政绩观存在偏差).
    for clause in _CLAUSE.findall(_SLOT.sub("，", text)):
        clause_words = [w for w in claim_words(clause) if not pool.in_context(w) and w not in _evaluation()]
        if len(clause_words) >= 2 and not any(pool.in_facts(w) for w in clause_words) and not _sentence_numbers(clause):
            return "model", []
    # A paraphrase may add a word of its own per three it keeps, never more.
    if len(uncovered) * 3 > len(from_facts) + 2 * len(values):
        return "model", []
    # A step taken (建立台账, 挂牌督办) that no fact names is a measure or a result of the model's, however much of
    # the sentence restates the problem ("针对纠纷调处不及时的问题，建立纠纷调处台账").
    if any(step not in pool.fact_text for step in _steps().findall(bare)):
        return "model", []
    return "unit", pool.supporting(from_facts, set(values))


def classify(text: str, facts: Sequence[Fact | str], context: Sequence[str] = ()) -> list[Sentence]:
    """The sentences of `text`, each with its source. `facts` are the profile facts given for this item (a plain
    string gets the id F1, F2 … by position); `context` is what the text may name without stating a fact (the
    unit's name, the meeting, the item's heading and aspect). Citation markers are removed from the texts."""
    facts = [f if isinstance(f, Fact) else Fact(id=f"F{n}", text=str(f)) for n, f in enumerate(facts, 1)]
    pool = _Pool(facts, context)
    by_marker = {f"F{n}": f for n, f in enumerate(facts, 1)}
    out = []
    for paragraph in text.splitlines():
        for piece in split_sentences(paragraph):
            cited = [f"F{n}" for m in _citation().findall(piece) for n in re.findall(r"F(\d+)", m)]
            clean = _citation().sub("", piece)
            if not clean.strip():
                continue
            source, ids = judge(clean, pool)
            if source == "unit" and cited:
                # A citation names the fact only when the sentence bears it out.
                checked = _Pool([by_marker[c] for c in cited if c in by_marker], context)
                verified = checked.supporting(claim_words(clean), set(_sentence_numbers(clean)))
                ids = list(dict.fromkeys([*verified, *ids]))
            out.append(Sentence(text=clean, source=source, facts=ids,
                                cited=[by_marker[c].id if c in by_marker else c for c in cited]))
    return out


def strip_citations(text: str) -> str:
    """The model's answer without its citation markers (they never reach the material)."""
    return _citation().sub("", text)


def _bare(text: str) -> str:
    return re.sub(r"[^\u4e00-\u9fff0-9A-Za-z]", "", text)


def attach_citations(sentences: list[Sentence], raw: str, facts: Sequence[Fact]) -> list[Sentence]:
    """The markers the model put on its raw answer, recorded on the sentences that kept their words; a cited fact
    joins a unit sentence's facts only when the sentence bears it out."""
    marked = {}
    for paragraph in raw.splitlines():
        for piece in split_sentences(paragraph):
            cited = [f"F{n}" for m in _citation().findall(piece) for n in re.findall(r"F(\d+)", m)]
            if cited:
                marked[_bare(_citation().sub("", piece))] = cited
    if not marked:
        return sentences
    by_marker = {f"F{n}": f for n, f in enumerate(facts, 1)}
    out = []
    for sentence in sentences:
        cited = marked.get(_bare(sentence.text))
        if not cited:
            out.append(sentence)
            continue
        update = {"cited": [by_marker[c].id if c in by_marker else c for c in cited]}
        if sentence.source == "unit":
            checked = _Pool([by_marker[c] for c in cited if c in by_marker], ())
            verified = checked.supporting(claim_words(sentence.text), set(_sentence_numbers(sentence.text)))
            update["facts"] = list(dict.fromkeys([*verified, *sentence.facts]))
        out.append(sentence.model_copy(update=update))
    return out
