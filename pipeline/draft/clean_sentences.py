"""Sentence-level cleaning after the line pass: bracketed notes (and what little a sentence keeps without the prompt's
detail format), sentences written in Latin letters, and a preamble's closing line, which ends the preamble."""

from __future__ import annotations

import re

from pipeline.core.redact import KEY_PATTERN
from pipeline.draft.clean_lines import Context

_SENTENCE = re.compile(r"[^。！？!?]*[。！？!?]+[”’」』）)]*|[^。！？!?]+$")
_LABEL_WORD = 6  # content characters of a label left as a sentence of its own
_NOTE_REST = 16  # content characters a sentence keeps once its bracketed note is gone, or it goes with it


def without_notes(paragraph: str, note: re.Pattern, detail: re.Pattern) -> str:
    """`paragraph` without bracketed notes; a sentence that was little but the prompt's detail format ("对村级财务制度
    不健全（措施：…；责任人：…）") goes with it: what is left names a problem the unit never gave."""
    kept = []
    for sentence in _SENTENCE.findall(paragraph):
        bare = note.sub("", sentence)
        if detail.search(sentence) and len(re.findall(r"[\u4e00-\u9fff]", bare)) < _NOTE_REST:
            continue
        kept.append(bare)
    return "".join(kept)


_CLOSING = re.compile(r"(?:^|(?<=[。！？]))[^。！？：:]{0,30}(?:如下|报告)[^。！？：:]{0,6}[：:]")


def closing_last(paragraphs: list[str]) -> list[str]:
    """A preamble's closing line (现将对照检查情况报告如下：) ends the preamble even where a model opened with it."""
    for index, paragraph in enumerate(paragraphs):
        found = _CLOSING.search(paragraph)
        if not found or (index == len(paragraphs) - 1 and found.end() == len(paragraph.rstrip())):
            continue
        rest = [p for p in paragraphs[:index] + [paragraph[:found.start()] + paragraph[found.end():]]
                + paragraphs[index + 1:] if p.strip()]
        return rest[:-1] + [rest[-1] + found.group().strip()] if rest else [found.group().strip()]
    return paragraphs


def check_foreign(paragraphs: list[str], ctx: Context) -> list[str]:
    """Flags Latin words not in the allowed list; drops sentences written mostly in Latin letters (English,
    pinyin with tone marks: "zūn tóu qiáo fàn…"), which no Chinese material contains."""
    allowed = {w.lower() for w in ctx.words["latin_allowed"]}
    out = []
    for paragraph in paragraphs:
        kept = []
        for sentence in _SENTENCE.findall(paragraph):
            latin = len(re.findall(r"[A-Za-z\u00C0-\u024F]", sentence))
            # (a key is left to the drafter's scrub, which flags it as one)
            if latin > len(re.findall(r"[\u4e00-\u9fff]", sentence)) and not KEY_PATTERN.search(sentence):
                ctx.flag("foreign-word", sentence)
                if kept and len(re.findall(r"[\u4e00-\u9fff]", kept[-1])) <= _LABEL_WORD:
                    kept.pop()  # its label, made a sentence ("汉语拼音。")
                continue
            kept.append(sentence)
        paragraph = "".join(kept)
        for word in re.findall(r"[A-Za-z]{2,}", paragraph):
            if word.lower() not in allowed:
                ctx.flag("foreign-word")
        if paragraph.strip():
            out.append(paragraph)
    return out


def note_patterns(words: dict) -> tuple[re.Pattern, re.Pattern]:
    """Bracketed notes of any kind, and those in the prompt's detail format ((措施：…；责任人：…), (事实：…)); a
    【待补：…】 slot inside a note belongs to the note, which ends at its own bracket."""
    bracketed = r"[（(【]\s*(?:%s)[^）)】【]*(?:【[^【】]*】[^）)】【]*)*[）)】]"
    return (re.compile(bracketed % "|".join(map(re.escape, words["note_starts"] + words["detail_notes"])), re.I),
            re.compile(bracketed % "|".join(map(re.escape, words["detail_notes"]))))
