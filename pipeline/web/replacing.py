"""Steps that replace what the clerk typed (another spec, a confirmed notice, an imported file, a new draft or an
uploaded material over a draft she edited) ask first. The page asks with the question it was rendered with; the
server refuses the step (409) unless the request says `replace`, so an old page or a script cannot wipe the form
or the edited draft without a word. An empty form or an unedited draft is not asked about."""

from __future__ import annotations

from pipeline.core.errors import InputError
from pipeline.web.forms import FormState, nonblank_lines

REPLACE = "replace"  # the error code: answered 409, the message is the question to ask
QUESTIONS = {
    "spec": "当前表格已填写的内容（{what}）将改按会议规范“{name}”填写：问题按新规范的方面重新归类，单位类型和年度随之更换，"
            "可以撤销。继续吗？",
    "notice": "当前表格已填写的内容（{what}）将改按通知生成的会议规范“{name}”填写：问题按通知的方面重新归类，单位类型和年度随之更换，"
              "可以撤销。继续吗？",
    "import": "当前表格已填写的内容（{what}）将被导入的文件替换，可以撤销。继续吗？",
    "draft": "审改页中的草稿有您的 {what} 处修改，将被新起草的草稿替换；修改过的草稿会保留，可以在审改页撤销“重新起草”找回。继续吗？",
    "material": "审改页中的草稿有您的 {what} 处修改，将被上传的材料替换；修改过的草稿会保留，可以在审改页撤销“上传材料”找回。继续吗？",
    "meeting": "您在审改页修改过 {what} 份会议材料；重新起草后，新的材料不含这些修改（修改过的材料可在会议材料页“下载重新起草前的材料”）。继续吗？",
}
SHOWN = 3  # parts named in the question; more are "等"


def filled(form: FormState | None) -> str:
    """What the clerk has put in the form, in her words ("单位名称、3 个问题"); "" when there is nothing. The
    spec's own defaults (unit type, year, 自称, empty rows) are not hers."""
    if form is None:
        return ""
    problems = sum(not row.empty() for rows in form.aspects.values() for row in rows)
    members = sum(not m.empty() for m in form.members)
    parts = [("单位名称", bool(form.unit_name.strip())),
             (f"{problems} 个问题", problems > 0),
             (f"{members} 位班子成员", members > 0),
             ("学习和会前准备", bool(nonblank_lines(form.study + form.other) or form.talks.strip()
                                     or form.opinions_count.strip())),
             ("重点工作", bool(nonblank_lines(form.work))),
             ("原因剖析", any(v.strip() for v in form.causes.values())),
             ("征求意见", bool(form.opinions_text.strip() or form.opinions)),
             ("上年度整改情况", any(r.problem.strip() or r.fixed.strip() for r in form.last_year)),
             ("典型案例", bool(form.case_study.title.strip() or nonblank_lines(form.case_study.facts)
                               or form.case_study.lesson.strip() or nonblank_lines(form.case_study.gaps))),
             ("会议安排", any(_typed(v) for v in [*form.session.values(), *form.outcome.values()])),
             ("标题和落款", bool(form.title.strip() or form.signature_name.strip() or form.signature_date.strip())),
             ("导入的其他资料", bool(form.extra or form.case_extra))]
    named = [label for label, present in parts if present]
    return "、".join(named[:SHOWN]) + ("等" if len(named) > SHOWN else "")


def _typed(value: str | list[str]) -> bool:
    return bool(nonblank_lines(value) if isinstance(value, list) else value.strip())


def question(kind: str, what: str | int, name: str = "") -> str:
    """The question a step asks before replacing `what` ("" or 0: nothing to ask about)."""
    return QUESTIONS[kind].format(what=what, name=name) if what else ""


def ask_first(replace: bool, kind: str, what: str | int, name: str = "") -> None:
    """Refuse a replacing step the clerk was not asked about (the page asks, then sends `replace`)."""
    if not replace and what:
        raise InputError(question(kind, what, name), code=REPLACE)


def draft_edits(session) -> int:
    """The clerk's edits (paragraphs changed, sentences kept or deleted) in the review page's material, when a new
    draft or an upload would replace it; a meeting's material keeps its edits with the meeting."""
    meta = session.meta()
    return 0 if meta.get("meeting") else int(meta.get("edits") or 0)


def note_edit(session) -> None:
    meta = session.meta()
    session.save_meta({**meta, "edits": int(meta.get("edits") or 0) + 1})
