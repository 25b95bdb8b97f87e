"""The spec defines the skeleton: parts in order, required or not, headings, sub-parts; the checker follows it."""

from __future__ import annotations

import pytest
import yaml

from pipeline.core.errors import InputError
from pipeline.material.parse import parse_text
from pipeline.material.specs import (CANONICAL_ORDER, MeetingSpec, all_specs, builtin_specs, load_spec,
                                     stale_spec_warning, user_spec_path)
from pipeline.review.structure import check_structure

BASE = {"id": "t", "name": "测试会议", "meeting": "民主生活会", "body": "领导班子", "status": "unconfirmed",
        "source": "测试", "aspects": [{"name": "带头甲方面的要求"}, {"name": "带头乙方面的要求"}]}


def spec_with(**fields) -> MeetingSpec:
    return MeetingSpec.model_validate({**BASE, **fields})


def test_roles_only_specs_keep_their_required_parts_in_the_genre_order():
    for spec in builtin_specs().values():
        if spec.parts:
            continue
        assert spec.required_roles() == [r for r in CANONICAL_ORDER if r in spec.roles]
        assert [p.role for p in spec.skeleton] == list(CANONICAL_ORDER)


def test_2025_minzhu_skeleton_five_aspects_and_case_study_subparts():
    spec = load_spec("2025-niandu-minzhu")
    assert spec.aspect_names() == ["带头强化政治忠诚、提高政治能力", "带头固本培元、增强党性",
                                   "带头敬畏人民、敬畏组织、敬畏法纪", "带头干事创业、担当作为", "带头坚决扛起管党治党责任"]
    assert [p.role for p in spec.skeleton] == ["preamble", "last_year", "campaign", "problems", "case_study",
                                               "causes", "measures", "closing"]
    assert spec.required_roles() == ["preamble", "last_year", "campaign", "problems", "case_study", "causes", "measures"]
    assert [s.heading for s in spec.part("case_study").subparts] == ["案例原因剖析", "对照案例查摆自身差距"]
    assert spec.status == "unconfirmed" and "二手资料" in spec.source


def test_2025_zuzhi_in_two_forms_with_status_and_source():
    jilv, liuge = load_spec("2025-niandu-zuzhi"), load_spec("2025-niandu-zuzhi-liuge")
    assert jilv.aspect_names() == ["政治纪律", "组织纪律", "廉洁纪律", "群众纪律", "工作纪律", "生活纪律"]
    assert liuge.aspect_names() == ["政治信仰", "党员意识", "理论学习", "能力本领", "作用发挥", "纪律作风"]
    for spec in (jilv, liuge):
        assert spec.status == "local-practice" and spec.source and spec.body == "党支部" and spec.year == 2025


@pytest.mark.parametrize("fields, message", [
    ({"parts": [{"role": "problems"}], "roles": ["problems"]}, "二选一"),
    ({}, "须给出 parts"),
    ({"parts": [{"role": "preamble"}, {"role": "causes"}]}, "须有 problems"),
    ({"parts": [{"role": "problems"}, {"role": "problems"}]}, "重复"),
    ({"parts": [{"role": "problems"}, {"role": "case_study", "subparts": [{"key": "a", "heading": "甲"},
                                                                          {"key": "a", "heading": "乙"}]}]}, "key 重复"),
])
def test_bad_skeletons_are_refused(fields, message):
    with pytest.raises(ValueError, match=message):
        spec_with(**fields)


def _material(*sections: str) -> str:
    return "测试对照检查材料\n按照要求，现将对照检查情况报告如下：\n" + "\n".join(sections) + "\n"


PROBLEMS = "二、存在的问题\n（一）带头甲方面的要求方面\n一是有差距。\n（二）带头乙方面的要求方面\n一是有差距。"
CASE = "三、反面典型案例剖析情况\n某某案。\n（一）案例原因剖析\n放松学习。\n（二）对照案例查摆自身差距\n排查不细。"
REST = "四、原因分析\n（一）理想信念有所松懈。\n五、整改措施\n（一）强化学习。"
SPEC = {"parts": [{"role": "preamble"}, {"role": "last_year", "heading": "对上次会议意见的回应情况"},
                  {"role": "problems", "heading": "存在的问题"},
                  {"role": "case_study", "heading": "反面典型案例剖析情况",
                   "subparts": [{"key": "causes", "heading": "案例原因剖析"}, {"key": "gaps", "heading": "对照案例查摆自身差距"}]},
                  {"role": "causes"}, {"role": "measures"}, {"role": "closing", "required": False}]}


def errors(text: str, spec: MeetingSpec) -> list[str]:
    report = check_structure(parse_text(text, spec), spec)
    return [f.code for f in report.findings if f.severity == "error"]


def test_check_follows_the_spec_parts_headings_and_subparts():
    spec = spec_with(**SPEC)
    # 对上次会议意见的回应情况 names no role by the generic cues (it reads as "other"): the spec's heading assigns it.
    good = _material("一、对上次会议意见的回应情况\n完成了整改。", PROBLEMS, CASE, REST)
    assert parse_text(good).document.sections[1].role == "other"
    assert errors(good, spec) == []
    assert errors(_material(PROBLEMS, CASE, REST), spec)[0] == "section-missing"
    swapped = CASE.replace("（一）案例原因剖析\n放松学习。\n（二）对照案例查摆自身差距\n排查不细。",
                           "（一）对照案例查摆自身差距\n排查不细。\n（二）案例原因剖析\n放松学习。")
    assert errors(_material("一、对上次会议意见的回应情况\n完成了整改。", PROBLEMS, swapped, REST), spec) == ["subpart-order"]
    missing = CASE.replace("（二）对照案例查摆自身差距\n排查不细。", "")
    assert errors(_material("一、对上次会议意见的回应情况\n完成了整改。", PROBLEMS, missing, REST), spec) == ["subpart-missing"]
    # The case study after the causes: out of the spec's order.
    late = _material("一、对上次会议意见的回应情况\n完成了整改。", PROBLEMS, REST.replace("五、", "六、"),
                     CASE.replace("三、", "五、"))
    assert "section-order" in errors(late, spec)


def test_user_specs_are_found_by_id_and_never_shadow_builtin_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("DUIZHAO_HOME", str(tmp_path))
    folder = user_spec_path("x").parent
    folder.mkdir(parents=True)
    mine = spec_with(id="my-2026", year=2026, parts=SPEC["parts"]).model_dump(exclude_defaults=True)
    (folder / "my-2026.yaml").write_text(yaml.safe_dump(mine, allow_unicode=True), encoding="utf-8")
    fake = {**mine, "id": "2024-niandu-minzhu", "name": "冒名"}
    (folder / "fake.yaml").write_text(yaml.safe_dump(fake, allow_unicode=True), encoding="utf-8")
    (folder / "broken.yaml").write_text("id: [", encoding="utf-8")
    assert load_spec("my-2026").year == 2026
    assert load_spec("2024-niandu-minzhu").name == "2024年度民主生活会"
    assert "my-2026" in all_specs()
    with pytest.raises(InputError, match="specs new --from"):
        load_spec("nope-2099")


def test_stale_spec_warning_only_when_the_meeting_is_newer():
    spec = load_spec("2025-niandu-minzhu")
    assert stale_spec_warning(spec, 2025) is None and stale_spec_warning(spec, None) is None
    warning = stale_spec_warning(spec, 2026)
    assert "2026" in warning and "specs new --from" in warning
