"""The meeting's own facts (when, where, who, what was prepared and what happened), all optional: the 会议方案,
主持词, 情况报告 and the other meeting documents are composed from these; what is missing stays 【待补】."""

from __future__ import annotations

from pydantic import Field

from pipeline.material.profile import Strict


class Session(Strict):
    """Before and at the meeting. Names are written as the unit writes them (王建国 or 王建国（党组书记）)."""

    notice: str | None = None  # the higher body's notice the meeting is held under (文件名称或文号)
    theme: str | None = None  # the meeting's theme, when it differs from the spec's
    date: str | None = None  # 2026年1月20日上午
    place: str | None = None
    chair: str | None = None  # 主持人: a member's name (the post is taken from members) or any name
    attendees: list[str] = []  # 出席 besides the members, if any (the members attend by default)
    absent: list[str] = []  # members absent, each with the reason: 李明（因公出差）
    observers: list[str] = []  # 列席
    supervisor: str | None = None  # the 督导组 or higher body attending: 县委第二督导组
    supervisor_people: list[str] = []  # its people as named in the 主持词: 组长张华同志
    study_sessions: int | None = Field(None, ge=0)  # 集中学习研讨 次数
    opinion_channels: list[str] = []  # 座谈会、发放征求意见表、设立意见箱 …
    opinion_forms: int | None = Field(None, ge=0)  # 发放征求意见表 份
    opinion_due: str | None = None  # when the 征求意见表 is handed back (and to whom): 1月10日前交党政办
    report_to: str | None = None  # who the 情况报告 is filed with: 县委组织部、县纪委监委
    report_due: str | None = None  # the date the unit files it by, as its notice gives it
    plan_date: str | None = None  # the 会议方案's date


class Outcome(Strict):
    """After the meeting: what happened, in the unit's own words and numbers."""

    criticisms: int | None = Field(None, ge=0)  # 会上提出批评意见 条 (else counted from the members' criticisms)
    opinions: int | None = Field(None, ge=0)  # 会上收到的意见建议 条
    remarks: list[str] = []  # the 督导组's (higher body's) remarks, point by point
    summary: list[str] = []  # the chair's closing remarks, point by point
    decisions: list[str] = []  # what the meeting agreed (整改 deadlines, follow-up)
    report_date: str | None = None  # the 情况报告's date
