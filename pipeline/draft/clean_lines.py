"""Line-level cleaning of raw model output (markdown, numbering markers, heading and label lines, prompt
echoes) and the wording checks of the voice the text speaks in.

Each line of the answer becomes at most one paragraph. A heading the model wrote for a sub-point
(一、老旧小区加装电梯…) carries content, so it is run into the paragraph that follows; headings that only
name a section are dropped, and one naming another section or aspect ends the answer there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pipeline.text.numbering import CN_NUMERALS
from pipeline.text.slots import PENDING, pending as as_slot

_ORD = CN_NUMERALS
_LINE_MARK = re.compile(
    rf"^(?:[{_ORD}]{{1,3}}[、.．]|[（(][{_ORD}]{{1,3}}[）)]|\d{{1,2}}(?:[、．)）]|\.(?!\d))|[（(]\d{{1,2}}[）)]"
    rf"|[①-⑳]|第[{_ORD}]{{1,3}}[，,、：:.．])\s*"
)
_POINT_LEAD = re.compile(rf"^[{_ORD}]是(?=\S)")
_BULLET = re.compile(r"^[-*+•·●▪◦]\s+")
_RULE = re.compile(r"^(?:[-*_=]\s*){3,}$|^\|?(?:\s*:?-{2,}:?\s*\|)+\s*:?-*:?\s*\|?$")
_TERMINAL = re.compile(r"[。！？!?…][”’」』）)]*$")
# (?<!\s): a run of blanks is tried from its first blank only; tried mid-run, long runs were quadratic.
_SPACE_BY_CJK = re.compile(r"(?<=[\u4e00-\u9fff，。；：！？、“”（）])\s+|(?<!\s)\s+(?=[\u4e00-\u9fff，。；：！？、“”（）])")
_BRACKETED = re.compile(r"^[（(【].*[）)】]$")  # a note on a line of its own, not a heading
_LIST_INTRO = re.compile(r"(以下|如下|几个方面|几点|表现在|体现在|表现为|包括)")
# Sections whose own text speaks of problems, causes and measures (上年度整改情况, 整改整治情况, 典型案例剖析).
_MIXED_ROLES = ("last_year", "campaign", "case_study", "other")
_LABEL_MAX = 24
_HEADING_MAX = 40


@dataclass
class Context:
    words: dict
    role: str
    aspect: str | None = None
    forbidden: list[str] = field(default_factory=list)
    keep_points: bool = False
    flags: set[str] = field(default_factory=set)
    removed: list[str] = field(default_factory=list)

    def flag(self, code: str, fragment: str | None = None) -> None:
        self.flags.add(code)
        if fragment and fragment.strip():
            self.removed.append(fragment.strip())

    def cue_role(self, text: str) -> str | None:
        """The role a heading/label names: own role first, so 产生问题的原因 in causes stays causes."""
        cues = self.words["section_cues"]
        if any(cue in text for cue in cues.get(self.role, [])):
            return self.role
        for role, words in cues.items():
            if any(cue in text for cue in words):
                return role
        return None

    def names_other_slot(self, text: str) -> bool:
        if any(h in text for h in self.forbidden):
            return True
        if self.role in _MIXED_ROLES:
            return False
        role = self.cue_role(text)
        return role is not None and role != self.role


def _strip_markdown(line: str, ctx: Context) -> tuple[str, bool, bool]:
    """Remove markdown; returns (line, is_heading, is_list_item)."""
    heading = listed = False
    for pattern in (r"^#{1,6}\s*", r"^>\s*"):
        match = re.match(pattern, line)
        if match:
            ctx.flag("markdown")
            heading = heading or pattern.startswith("^#")
            line = line[match.end():]
    match = _BULLET.match(line)
    if match:
        ctx.flag("markdown")
        listed = True
        line = line[match.end():]
    if line.startswith("|") and line.endswith("|") and line.count("|") >= 3:
        ctx.flag("markdown")
        line = "，".join(cell.strip() for cell in line.strip("|").split("|") if cell.strip())
    if re.fullmatch(r"(?:\*\*|__)[^*_]+(?:\*\*|__)\s*[:：]?", line):
        heading = True
    line, count = re.subn(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2) or "", line)
    line, more = re.subn(r"`([^`]*)`|\[([^\]]+)\]\([^)]*\)", lambda m: m.group(1) or m.group(2) or "", line)
    if count or more or "**" in line:
        ctx.flag("markdown")
        line = line.replace("**", "")
    return line.strip(), heading, listed


def _strip_markers(line: str, ctx: Context) -> tuple[str, bool]:
    marked = False
    while True:
        match = _LINE_MARK.match(line) or (None if ctx.keep_points else _POINT_LEAD.match(line))
        if not match or match.end() == len(line):
            return line, marked
        ctx.flag("numbering")
        marked = True
        line = line[match.end():].lstrip("*_ ").strip()


def line_pass(text: str, ctx: Context) -> list[str]:
    words = ctx.words
    labels = "|".join(map(re.escape, sorted(words["scaffold_labels"], key=len, reverse=True)))
    scaffold = re.compile(rf"^(?:{labels})\s*(?:[（(][^）)]*[）)])?\s*[:：]")
    salutation = tuple(words["salutation_openings"])
    paragraphs: list[str] = []
    pending: str | None = None  # a sub-point heading waiting for its body
    in_scaffold = False
    started = False  # a line of the text itself was seen
    field: str | None = None  # "责任人为：" on a line of its own: the next line is its value
    lines = text.split("\n")

    def cut(index: int, line: str) -> list[str]:
        ctx.flag("off-section", "\n".join([line, *lines[index + 1:]]))
        return paragraphs + ([_closed(pending)] if pending else [])

    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        if _RULE.match(line):
            ctx.flag("markdown")
            continue
        line, is_heading, listed = _strip_markdown(line, ctx)
        line, marked = _strip_markers(line, ctx)
        line = _SPACE_BY_CJK.sub("", line)
        bracket = re.match(r"^【(?!待补)([^】]*)】\s*", line)
        if bracket:
            ctx.flag("heading", bracket.group())
            if ctx.names_other_slot(bracket.group(1)):
                return cut(index, line)
            line = line[bracket.end():]
        if not line:
            continue
        if field:
            line, field = f"{field}：{line}", None
        if re.match(r"^待补[：:]\S", line):  # **待补：整改结果** — the slot without its brackets
            line = as_slot(line[3:].strip())
        if line.startswith(PENDING):  # the pipeline's own slot for a missing fact
            started = True
            paragraphs.append(line)
            continue
        if scaffold.match(line) or (in_scaffold and listed):
            ctx.flag("scaffold-echo", line)
            in_scaffold = True
            continue
        in_scaffold = False
        if line.startswith(salutation):
            paragraphs.append(line)  # handled with the other talk around the text
            continue
        first, started = not started, True
        if line[-1] in "：:" and ctx.role == "preamble" and not any(
                w.lower() in line.lower() for w in words["lead_in_phrases"] + words["acknowledgements"]):
            paragraphs.append(line)  # 现将对照检查情况报告如下： closes a preamble
            continue
        if line[-1] in "：:":
            body = line[:-1].strip()
            if re.sub(r"(?:为|是)$", "", body) in words["field_labels"]:
                field = re.sub(r"(?:为|是)$", "", body)
                continue
            if len(body) <= _LABEL_MAX and not re.search(r"[。！？]", body):
                if ctx.names_other_slot(body):
                    return cut(index, line)
                ctx.flag("lead-in" if first else "heading", line)
                continue
            head, _, tail = body.rpartition("。")
            if tail and (first or _LIST_INTRO.search(tail)):
                ctx.flag("lead-in", tail)
                if not head:
                    continue
                line = head + "。"
            else:
                line = body + "。"
        # A run-in label (**加强纪律执行**：…) ends at its colon; a colon inside an open bracket
        # (问题（措施：…）) belongs to what the bracket holds.
        label = re.match(rf"^([^，。；：:,;（(【]{{1,{_LABEL_MAX}}})[:：]\s*(\S.*)$", line)
        if label and (marked or listed or is_heading):
            if ctx.names_other_slot(label.group(1)):
                return cut(index, line)
            name = label.group(1).strip()
            if name in words["field_labels"]:  # 责任人：X reads as it is; "责任人。X" does not
                line = f"{name}：{label.group(2)}"
            elif name in words["empty_labels"]:  # 措施：X is just X
                line = label.group(2)
            else:
                line = f"{name}。{label.group(2)}"
        elif not _TERMINAL.search(line) and len(line) <= _HEADING_MAX and not _BRACKETED.match(line) and (
            marked or is_heading or not re.search(r"[，。；、,]", line)
        ):
            if ctx.names_other_slot(line):
                return cut(index, line)
            names_self = ctx.cue_role(line) == ctx.role or "对照检查材料" in line or (ctx.aspect and ctx.aspect in line
                                                                                     and len(line) <= len(ctx.aspect) + 6)
            ctx.flag("heading", line if names_self else None)
            if names_self:
                continue
            if pending:
                paragraphs.append(_closed(pending))
            pending = line
            continue
        if pending:
            line = f"{_closed(pending)}{line}"
            pending = None
        paragraphs.append(line)
    if pending:
        paragraphs.append(_closed(pending))
    return paragraphs


def _closed(text: str) -> str:
    """A line made a sentence: its trailing comma or semicolon (a list item's) gives way to 。."""
    return re.sub(r"[；;，,、\s]+$", "", text) + "。"


def fix_voice(paragraph: str, unit: str, self_name: str, ctx: Context) -> str:
    """The unit speaks as 班子/支部: its own name as subject and 公司/员工 wording are the wrong voice."""
    if unit and unit in paragraph:
        ctx.flag("wrong-voice")
        paragraph = paragraph.replace(unit, self_name or _self_name(unit))
    for word in ctx.words["wrong_org"]:
        if word in paragraph and word not in unit:
            ctx.flag("wrong-voice")
    if re.search(r"(?<![自你忘敌唯])我(?![们国党省市县区镇乡村局委办单部院校所站司厅处科队])", paragraph):
        ctx.flag("wrong-voice")
    return paragraph


def _self_name(unit: str) -> str:
    for suffix, name in (("党组", "党组"), ("党支部", "支部"), ("支部班子", "支部班子"), ("党委", "党委")):
        if unit.endswith(suffix):
            return name
    return "班子"


def drop_list_clause(lead: str) -> str:
    """Without its last clause when that clause announces a list (…主要表现在：). String work: the regex it
    replaces backtracked quadratically over a long clause."""
    cut = max(lead.rfind(mark) for mark in "，,。")
    head, tail = (lead[:cut], lead[cut:]) if cut >= 0 else ("", lead)
    if tail.startswith("。"):
        head, tail = head + "。", tail[1:]
    if tail.endswith(("：", ":")) and any(word in tail for word in ("表现在", "体现在", "表现为", "如下", "以下")):
        return head
    return lead


def slot_text(request: str) -> str:
    """（此处可补充具体事例） → 具体事例"""
    text = re.sub(r"^(?:此处|请|可|需)*(?:补充|填写)?[：:]?", "", request.strip())
    return text or request.strip()
