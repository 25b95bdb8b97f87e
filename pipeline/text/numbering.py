"""Numbering markers of the genre: 一、 / （一） / 一是 / 1、 1. / （1）, and Chinese numerals."""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_NUMERALS = "一二三四五六七八九十"  # the numerals markers are written with; every module takes them from here
_CN = CN_NUMERALS
# A point number past 九十九 (一百零一是): a digit, then 百 or 千, then more numeral characters. Nothing looser:
# 百/千/零 alone are words of ordinary text.
_BIG = "[一二三四五六七八九][百千][零一二三四五六七八九十百]{0,5}"

LEVEL1 = re.compile(rf"^([{_CN}]{{1,3}})、")
LEVEL2 = re.compile(rf"^[（(]([{_CN}]{{1,3}})[）)]")
# Level-3/4 markers. A marker starts a point at a paragraph start or right after a sentence or clause end.
POINT = re.compile(rf"(?:^|(?<=[。；;：:！？!?]))(?:({_BIG}|[{_CN}]{{1,3}})是|(\d{{1,2}})[、.．](?!\d)|[（(](\d{{1,2}})[）)])")


_UNITS = {"十": 10, "百": 100, "千": 1000}

_COUNT_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_COUNT_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}


def cn_value(text: str) -> float:
    """二十三 → 23, 两 → 2, 十 → 10, 一万二 is not expected in this genre."""
    total, digit = 0, 0
    for ch in text:
        if ch in _COUNT_DIGITS:
            digit = _COUNT_DIGITS[ch]
        elif ch in _COUNT_UNITS:
            total += (digit or 1) * _COUNT_UNITS[ch]
            digit = 0
    return float(total + digit)


def cn_to_int(numeral: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十三 → 23, 一百零五 → 105, 一千二百 → 1200; 0 for what is no numeral
    (十十, 一二十), which then fits no sequence and is reported as a numbering error instead of stopping the check."""
    if numeral.isdigit():
        return int(numeral)
    if not any(unit in numeral for unit in _UNITS):
        value = 0
        for ch in numeral:
            if ch not in _DIGITS:
                return 0
            value = value * 10 + _DIGITS[ch]
        return value
    total, digit, last_unit, zero = 0, None, 10_000, False
    for ch in numeral:
        if ch in _UNITS:
            unit = _UNITS[ch]
            if unit >= last_unit or (digit is None and (total or unit != 10)):
                return 0  # units must fall (千 > 百 > 十); only 十 may stand alone at the start
            total += (1 if digit is None else digit) * unit
            digit, last_unit, zero = None, unit, False
        elif ch == "零":
            if zero or digit is not None:
                return 0
            zero = True
        elif ch in _DIGITS and digit is None:
            digit = _DIGITS[ch]
        else:
            return 0
    return total + (digit or 0)


MAX_NUMBER = 9999  # the largest number Chinese markers are written for here (九千九百九十九)


def count_limit(count: int, what: str) -> None:
    """Refuse a list longer than its numbering can go (a ValueError the loaders turn into a field error)."""
    if count > MAX_NUMBER:
        raise ValueError(f"最多 {MAX_NUMBER} 个{what}（现有 {count} 个），编号写不下：请合并相近的{what}，或分成几份材料")


def int_to_cn(number: int) -> str:
    """1 → 一, 10 → 十, 23 → 二十三, 105 → 一百零五, 1200 → 一千二百 (any count up to MAX_NUMBER)."""
    if number < 1 or number > MAX_NUMBER:
        raise ValueError(f"编号 {number} 超出范围（1–{MAX_NUMBER}）")
    if number < 100:
        tens, ones = divmod(number, 10)
        text = ("" if tens <= 1 else _CN[tens - 1]) + ("十" if tens else "")
        return text + (_CN[ones - 1] if ones else "")
    text, rest, pending_zero = "", number, False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, rest = divmod(rest, unit)
        if digit:
            text += ("零" if pending_zero else "") + _CN[digit - 1] + name
            pending_zero = False
        elif text and rest:
            pending_zero = True
    return text


def point_style(marker: str) -> tuple[str, int] | None:
    """('shi'|'arabic'|'paren', number) for a point marker, None for unnumbered text."""
    match = POINT.match(marker)
    if not match:
        return None
    shi, arabic, paren = match.groups()
    if shi:
        return "shi", cn_to_int(shi)
    if arabic:
        return "arabic", int(arabic)
    return "paren", int(paren)


def marker_number(marker: str) -> int | None:
    """The number in a level-1 or level-2 marker (一、 → 1, （三） → 3)."""
    match = LEVEL1.match(marker) or LEVEL2.match(marker)
    return cn_to_int(match.group(1)) if match else None


def level1_marker(number: int) -> str:
    return f"{int_to_cn(number)}、"


def level2_marker(number: int) -> str:
    return f"（{int_to_cn(number)}）"


def shi_marker(number: int) -> str:
    return f"{int_to_cn(number)}是"
