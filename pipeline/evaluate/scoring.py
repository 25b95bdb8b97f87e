"""Blind review results: read the raters' score sheets, un-blind them with the pack's key, aggregate per
system, and report how far the raters agree (agreement.py)."""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from itertools import combinations
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.evaluate.agreement import Agreement, agreement
from pipeline.evaluate.blind import PackKey, read_key, unit_key
from pipeline.core.errors import InputError
from pipeline.core.resources import lexicon
from pipeline.core.files import decode


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Rating(Strict):
    rater: str
    draft: str
    major: int
    general: int
    minor: int
    approvable: bool
    minutes: float | None = None
    comment: str = ""
    file: str = ""
    row: int = 0

    def weighted(self) -> float:
        weights = lexicon("eval")["problem_weights"]
        return weights["major"] * self.major + weights["general"] * self.general + weights["minor"] * self.minor


class SystemScore(Strict):
    label: str
    drafts: int
    ratings: int
    major: float
    general: float
    minor: float
    weighted: float
    approvable: float  # share of ratings saying 是
    minutes: float | None = None
    win_rate_problems: float | None = None
    win_rate_approval: float | None = None
    comparisons: int = 0


class ScoreReport(Strict):
    pack: str
    raters: list[str]
    ratings: list[Rating]
    systems: list[SystemScore]
    agreement: Agreement
    notes: list[str] = []


# ---- reading sheets -----------------------------------------------------------------------------------

def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def _columns(header: list[str], path: Path) -> dict[str, int]:
    found: dict[str, int] = {}
    for spec in lexicon("eval")["sheet_columns"]:
        stem = _norm(spec["name"]).split("(")[0]
        index = next((n for n, cell in enumerate(header) if _norm(cell).replace(" ", "").startswith(stem)), None)
        if index is not None:
            found[spec["key"]] = index
        elif spec["key"] not in ("minutes", "comment"):
            raise InputError(f"评分表 {path.name} 缺少列“{spec['name']}”")
    return found


def _count(value: str, path: Path, row: int, column: str) -> int:
    text = _norm(value)
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if not text or number < 0 or number != int(number):
        raise InputError(f"评分表 {path.name} 第{row}行 列“{column}”应为非负整数，实为“{value.strip()}”")
    return int(number)


def _answer(value: str, path: Path, row: int, column: str) -> bool:
    words = lexicon("eval")
    text = _norm(value).lower()
    if text in [str(w).lower() for w in words["yes_words"]]:
        return True
    if text in [str(w).lower() for w in words["no_words"]]:
        return False
    raise InputError(f"评分表 {path.name} 第{row}行 列“{column}”应填“是”或“否”，实为“{value.strip()}”")


def _draft_name(value: str, names: list[str]) -> str | None:
    text = _norm(value).replace(" ", "")
    text = Path(text).stem if "." in text else text
    prefix = lexicon("eval")["neutral_prefix"]
    candidates = {text, prefix + text.upper(), prefix + text.removeprefix(prefix).upper()}
    return next((n for n in names if n in candidates), None)


def read_sheet(path: str | Path, names: list[str], rater: str | None = None) -> list[Rating]:
    """The ratings in one sheet; blank rows (nothing filled in) are skipped, anything else malformed is an error."""

    path = Path(path)
    try:
        text = decode(path.read_bytes(), str(path))
    except OSError as exc:
        raise InputError(f"无法读取评分表 {path}：{exc.strerror or exc}") from exc
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max([",", "\t", ";", "，"], key=first.count)  # Excel writes tabs for "Unicode text"
    table = [r for r in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)]
    if not table:
        raise InputError(f"评分表为空：{path}")
    columns = _columns(table[0], path)
    names_of = {spec["key"]: spec["name"] for spec in lexicon("eval")["sheet_columns"]}
    ratings: list[Rating] = []
    seen: dict[str, int] = {}
    for row, cells in enumerate(table[1:], start=2):
        get = lambda key: cells[columns[key]] if key in columns and columns[key] < len(cells) else ""  # noqa: E731
        scored = ("major", "general", "minor", "approvable", "minutes")
        if not _norm(get("draft")) and not any(_norm(get(k)) for k in scored):
            continue
        draft = _draft_name(get("draft"), names)
        if draft is None:
            raise InputError(f"评分表 {path.name} 第{row}行：未知稿件“{get('draft').strip()}”（应为 {'、'.join(names)}）")
        if not any(_norm(get(k)) for k in scored):
            continue  # listed but not rated
        if draft in seen:
            raise InputError(f"评分表 {path.name} 第{row}行：{draft} 重复（第{seen[draft]}行已评）")
        seen[draft] = row
        minutes_text = _norm(get("minutes"))
        minutes = None
        if minutes_text:
            try:
                minutes = float(minutes_text)
            except ValueError:
                minutes = -1.0
            if minutes < 0 or math.isnan(minutes):
                raise InputError(f"评分表 {path.name} 第{row}行 列“{names_of['minutes']}”应为分钟数，实为“{get('minutes').strip()}”")
        ratings.append(Rating(
            rater=rater or path.stem, draft=draft, file=path.name, row=row, comment=get("comment").strip(),
            major=_count(get("major"), path, row, names_of["major"]), general=_count(get("general"), path, row, names_of["general"]),
            minor=_count(get("minor"), path, row, names_of["minor"]),
            approvable=_answer(get("approvable"), path, row, names_of["approvable"]), minutes=minutes))
    return ratings


# ---- aggregation --------------------------------------------------------------------------------------

def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def aggregate(ratings: list[Rating], key: PackKey) -> list[SystemScore]:
    """Means per system; win rates from every pair of drafts of the same unit that one rater scored:
    fewer weighted problems wins, and 可送审 beats 不可送审; equal is a tie. Win rate = (W + 0.5·T)/N."""
    entries = {e.name: e for e in key.entries}
    labels = list(dict.fromkeys(e.label for e in key.entries))
    tallies = {label: {"problems": [0.0, 0], "approval": [0.0, 0]} for label in labels}
    for rater in dict.fromkeys(r.rater for r in ratings):
        mine = [r for r in ratings if r.rater == rater]
        for x, y in combinations(mine, 2):
            ex, ey = entries[x.draft], entries[y.draft]
            if unit_key(ex.unit) != unit_key(ey.unit) or ex.label == ey.label:
                continue
            for kind, (vx, vy) in {"problems": (-x.weighted(), -y.weighted()), "approval": (x.approvable, y.approvable)}.items():
                sx = 1.0 if vx > vy else 0.5 if vx == vy else 0.0
                for label, points in ((ex.label, sx), (ey.label, 1 - sx)):
                    tallies[label][kind][0] += points
                    tallies[label][kind][1] += 1
    systems = []
    for label in labels:
        mine = [r for r in ratings if entries[r.draft].label == label]
        wins = tallies[label]
        systems.append(SystemScore(
            label=label, drafts=sum(e.label == label for e in key.entries), ratings=len(mine),
            major=_mean([r.major for r in mine]) or 0.0, general=_mean([r.general for r in mine]) or 0.0,
            minor=_mean([r.minor for r in mine]) or 0.0, weighted=_mean([r.weighted() for r in mine]) or 0.0,
            approvable=_mean([float(r.approvable) for r in mine]) or 0.0,
            minutes=_mean([r.minutes for r in mine if r.minutes is not None]),
            win_rate_problems=round(wins["problems"][0] / wins["problems"][1], 4) if wins["problems"][1] else None,
            win_rate_approval=round(wins["approval"][0] / wins["approval"][1], 4) if wins["approval"][1] else None,
            comparisons=wins["problems"][1]))
    return systems


def sheet_files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(f"评分表不存在：{path}")
    if not found:
        raise InputError("没有找到评分表（.csv）")
    return list(dict.fromkeys(found))


def score_pack(pack: str | Path, sheets: list[str | Path], key: str | Path | None = None) -> ScoreReport:
    pack = Path(pack)
    pack_key = read_key(pack, key)
    names = [e.name for e in pack_key.entries]
    files = sheet_files([Path(s) for s in sheets])
    stems = [f.stem for f in files]
    ratings: list[Rating] = []
    notes: list[str] = []
    for path in files:
        rater = path.stem if stems.count(path.stem) == 1 else f"{path.parent.name}/{path.stem}"
        found = read_sheet(path, names, rater)
        if not found:
            notes.append(f"{path.name} 未填写，已跳过")
        ratings += found
    if not ratings:
        raise InputError("评分表中没有任何评分")
    raters = list(dict.fromkeys(r.rater for r in ratings))
    for rater in raters:
        missing = [n for n in names if not any(r.rater == rater and r.draft == n for r in ratings)]
        if missing:
            notes.append(f"{rater} 未评：{'、'.join(missing)}")
    # Keys written before titles were normalised hold the bare title: normalise again (idempotent).
    units = {unit_key(e.unit) for e in pack_key.entries}
    if len(units) > 1:
        notes.append(f"稿件标题不同，视为 {len(units)} 个单位：只在同一单位的稿件之间比较胜负")
    if len(raters) < 2:
        notes.append("只有一位评审人，无法计算评审一致性")
    return ScoreReport(pack=pack_key.pack, raters=raters, ratings=ratings, systems=aggregate(ratings, pack_key),
                       agreement=agreement(ratings, names), notes=notes)
