"""The labels Word, WPS and LibreOffice draw from automatic list numbering (w:numPr → numbering.xml).

A heading numbered by the word processor keeps its "一、" / "（一）" / "1." out of the paragraph's text; without it
the parser cannot see the material's sections and items. Each numbered paragraph's label is computed as the
word processor shows it: the level's lvlText with %1…%9 filled in by counters kept per list (abstractNum),
lower levels restarting when a higher one advances, start / startOverride honoured, bullets giving no label.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn

from pipeline.text.numbering import CN_NUMERALS, MAX_NUMBER, int_to_cn

# Counting formats written 一 … 十一 … 一百零五 (LibreOffice saves its 一, 二, 三 as taiwaneseCountingThousand).
_CHINESE = {"chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
            "taiwaneseCountingThousand"}
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
# A label ending in one of these (or a circled number) is separated from the text already (一、 （一） 1.); any
# other gets a space.
_CLOSED = "、.．)）:："


@dataclass
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""
    restart: int | None = None  # w:lvlRestart: restart after levels above this (None: after any higher level)
    legal: bool = False  # w:isLgl: every %n shown as a decimal
    hidden: bool = False  # the number's run is hidden (w:vanish)
    style: str = ""  # w:pStyle: the paragraph style this level numbers (WPS links heading styles so)


@dataclass
class Numbering:
    """numbering.xml read once: each list's levels, each num's list and start overrides, each style's numPr."""

    abstract: dict[str, dict[int, Level]] = field(default_factory=dict)
    nums: dict[str, str] = field(default_factory=dict)  # numId → abstractNumId
    overrides: dict[str, dict[int, int]] = field(default_factory=dict)  # numId → {ilvl: startOverride}
    level_defs: dict[str, dict[int, Level]] = field(default_factory=dict)  # numId → {ilvl: Level} (lvlOverride/lvl)
    styles: dict[str, tuple[str, int]] = field(default_factory=dict)  # styleId → (numId, ilvl)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)  # abstractNumId → {ilvl: current number}
    started: set[tuple[str, int]] = field(default_factory=set)  # (numId, ilvl) whose override was applied


def _val(element, tag: str) -> str | None:
    found = element.find(qn(tag)) if element is not None else None
    return found.get(qn("w:val")) if found is not None else None


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _level(lvl) -> Level:
    rpr = lvl.find(qn("w:rPr"))
    restart = _val(lvl, "w:lvlRestart")
    fmt = _val(lvl, "w:numFmt")
    if fmt is None:  # Word 2010's custom formats sit in mc:AlternateContent; its Fallback (last) names a plain one
        fmt = ([f.get(qn("w:val")) for f in lvl.iter(qn("w:numFmt"))] or ["decimal"])[-1]
    return Level(start=_int(_val(lvl, "w:start"), 1), fmt=fmt or "decimal",
                 text=_val(lvl, "w:lvlText") or "", restart=None if restart is None else _int(restart, 0),
                 legal=lvl.find(qn("w:isLgl")) is not None,
                 hidden=rpr is not None and rpr.find(qn("w:vanish")) is not None, style=_val(lvl, "w:pStyle") or "")


def _levels(parent) -> dict[int, Level]:
    return {_int(lvl.get(qn("w:ilvl")), 0): _level(lvl) for lvl in parent.findall(qn("w:lvl"))}


def _num_pr(ppr) -> tuple[str | None, int | None]:
    num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
    if num_pr is None:
        return None, None
    ilvl = _val(num_pr, "w:ilvl")
    return _val(num_pr, "w:numId"), None if ilvl is None else _int(ilvl, 0)


def _styles(document, numbering: Numbering) -> dict[str, tuple[str, int]]:
    """Each paragraph style's numbering, through its basedOn chain; the level a list assigns to a style (w:pStyle
    in a lvl, as WPS writes heading numbering) when the style names none."""
    by_id = {s.get(qn("w:styleId")): s for s in document.styles.element.findall(qn("w:style"))}
    style_levels = {level.style: ilvl for levels in numbering.abstract.values() for ilvl, level in levels.items()
                    if level.style}
    found: dict[str, tuple[str, int]] = {}
    for style_id in by_id:
        seen, current, num_id, ilvl = set(), style_id, None, None
        while current in by_id and current not in seen and num_id is None:
            seen.add(current)
            num_id, ilvl = _num_pr(by_id[current].find(qn("w:pPr")))
            current = _val(by_id[current], "w:basedOn")
        if num_id is not None:
            found[style_id] = (num_id, ilvl if ilvl is not None else style_levels.get(style_id, 0))
    default = next((i for i, s in by_id.items() if s.get(qn("w:type")) == "paragraph"
                    and s.get(qn("w:default")) in ("1", "true")), None)
    if default in found:  # a paragraph naming no style has the default one
        found[""] = found[default]
    return found


def read_numbering(document) -> Numbering | None:
    """The document's list definitions, or None when it has none (then no paragraph is numbered)."""
    try:
        root = document.part.part_related_by(RT.NUMBERING).element
    except KeyError:
        return None
    numbering = Numbering()
    for abstract in root.findall(qn("w:abstractNum")):
        numbering.abstract[abstract.get(qn("w:abstractNumId"))] = _levels(abstract)
    for num in root.findall(qn("w:num")):
        num_id = num.get(qn("w:numId"))
        numbering.nums[num_id] = _val(num, "w:abstractNumId") or ""
        for override in num.findall(qn("w:lvlOverride")):
            ilvl = _int(override.get(qn("w:ilvl")), 0)
            start = _val(override, "w:startOverride")
            redefined = override.find(qn("w:lvl"))
            if redefined is not None:
                numbering.level_defs.setdefault(num_id, {})[ilvl] = _level(redefined)
                if start is None:
                    start = str(numbering.level_defs[num_id][ilvl].start)
            if start is not None:
                numbering.overrides.setdefault(num_id, {})[ilvl] = _int(start, 1)
    numbering.styles = _styles(document, numbering)
    return numbering


def _letters(number: int) -> str:
    # Word repeats the letter: 27 → aa, 28 → bb.
    return chr(ord("a") + (number - 1) % 26) * ((number - 1) // 26 + 1)


def _roman(number: int) -> str:
    text = ""
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        text += letters * count
    return text


def format_number(number: int, fmt: str) -> str:
    """One counter in the list's number format (一 / 1 / ① / a / 甲 …); formats not listed show as decimals."""
    if number < 1:
        return str(number) if fmt not in ("decimalZero",) else f"{number:02d}"
    if fmt in _CHINESE and number <= MAX_NUMBER:
        return int_to_cn(number)
    if fmt == "ideographDigital":
        return "".join("〇" if d == "0" else CN_NUMERALS[int(d) - 1] for d in str(number))
    if fmt == "ideographTraditional":
        return _TIANGAN[(number - 1) % 10]
    if fmt == "ideographZodiac":
        return _DIZHI[(number - 1) % 12]
    if fmt.startswith("decimalEnclosedCircle") and number <= len(_CIRCLED):
        return _CIRCLED[number - 1]
    if fmt == "decimalZero":
        return f"{number:02d}"
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(number))
    if fmt in ("lowerLetter", "upperLetter"):
        return _letters(number) if fmt == "lowerLetter" else _letters(number).upper()
    if fmt in ("lowerRoman", "upperRoman"):
        return _roman(number) if fmt == "lowerRoman" else _roman(number).upper()
    return str(number)


def _level_of(numbering: Numbering, num_id: str, ilvl: int) -> Level | None:
    redefined = numbering.level_defs.get(num_id, {}).get(ilvl)
    return redefined or numbering.abstract.get(numbering.nums.get(num_id, ""), {}).get(ilvl)


def _advance(numbering: Numbering, num_id: str, ilvl: int) -> dict[int, int]:
    """Count one paragraph at (num_id, ilvl): lists sharing an abstractNum continue each other, as in Word, unless
    the num restarts a level (startOverride) where it is first used."""
    abstract_id = numbering.nums[num_id]
    levels = numbering.abstract.get(abstract_id, {})
    counters = numbering.counters.setdefault(abstract_id, {})
    override = numbering.overrides.get(num_id, {}).get(ilvl)
    if override is not None and (num_id, ilvl) not in numbering.started:
        numbering.started.add((num_id, ilvl))
        counters[ilvl] = override
    elif ilvl in counters:
        counters[ilvl] += 1
    else:
        level = _level_of(numbering, num_id, ilvl)
        counters[ilvl] = level.start if level else 1
    for deeper in [d for d in counters if d > ilvl]:
        restart = levels.get(deeper, Level()).restart
        if restart is None or (restart and ilvl < restart):
            del counters[deeper]
    return counters


def paragraph_label(numbering: Numbering | None, paragraph) -> str:
    """The number the word processor draws before `paragraph` ("一、", "（二）", "3." …), "" when none; counts it."""
    if numbering is None:
        return ""
    ppr = paragraph._p.pPr
    num_id, ilvl = _num_pr(ppr)
    style_num, style_ilvl = numbering.styles.get(_val(ppr, "w:pStyle") or "", (None, None))
    if num_id is None:  # the style's list, at the paragraph's own level where it names one
        num_id, ilvl = style_num, style_ilvl if ilvl is None else ilvl
    elif ilvl is None:
        ilvl = style_ilvl if style_num == num_id else 0
    if num_id is None or num_id == "0" or num_id not in numbering.nums:
        return ""  # numId 0 switches a style's numbering off
    ilvl = ilvl or 0
    level = _level_of(numbering, num_id, ilvl)
    if level is None:
        return ""
    counters = _advance(numbering, num_id, ilvl)
    if level.fmt == "bullet" or level.hidden:
        return ""
    label = level.text
    for index in range(1, 10):
        if f"%{index}" in label:
            shown = _level_of(numbering, num_id, index - 1) or Level()
            value = counters.get(index - 1, shown.start)
            number = "" if shown.fmt == "none" else format_number(value, "decimal" if level.legal else shown.fmt)
            label = label.replace(f"%{index}", number)
    label = label.strip()
    return label if not label or label[-1] in _CLOSED + _CIRCLED else label + " "
