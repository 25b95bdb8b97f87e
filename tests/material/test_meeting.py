"""The meeting file: strict validation naming the field, the template, and the documents built from it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.core.errors import InputError
from pipeline.material.document import render
from pipeline.material.meeting import load_meeting, meeting_template, member_profile, parse_meeting
from pipeline.material.meeting_docs import criticism_sheet, ledger_header, meeting_ledger_rows
from pipeline.material.meeting import group_profile
from pipeline.material.specs import builtin_specs, load_spec

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "examples" / "meetings" / "township-2025-niandu.yaml"
BRANCH = ROOT / "examples" / "meetings" / "branch-zuzhi.yaml"


def edited(tmp_path: Path, source: Path, change) -> Path:
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    change(data)
    target = tmp_path / "meeting.yaml"
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def test_examples_load_with_their_members():
    township, spec = load_meeting(TOWNSHIP)
    assert spec.id == "2025-niandu-minzhu" and len(township.members) == 7
    branch, spec = load_meeting(BRANCH)
    assert spec.meeting == "组织生活会" and len(branch.members) == 5


def _rename_target(data):
    criticisms = data["members"][0]["criticisms"]
    criticisms["王建平"] = criticisms.pop("王建华")


def _duplicate(data):
    data["members"].append(dict(data["members"][1]))


def _bad_member_aspect(data):
    aspects = data["members"][2]["aspects"]
    aspects["经济发展"] = aspects.pop(next(iter(aspects)))


def _bad_group_aspect(data):
    data["aspects"]["理论学习"] = []


def _self_criticism(data):
    data["members"][0]["criticisms"]["李明远"] = ["自己批评自己"]


def _unknown_field(data):
    data["members"][1]["duty"] = ["财政"]


@pytest.mark.parametrize("change, field, words", [
    (_rename_target, "members.0.criticisms.王建平", "不是本次会议的成员"),
    (_duplicate, "members.7.name", "重复"),
    (_bad_member_aspect, "members.2.aspects.经济发展", "不是会议“2025年度民主生活会”规定的方面，也不是会议规范中写明的别名；最接近的是"),
    (_bad_group_aspect, "aspects.理论学习", "规定的方面"),
    (_self_criticism, "members.0.criticisms.李明远", "不能对自己"),
    (_unknown_field, "members.1.duty", "未知字段"),
], ids=["unknown-name", "duplicate", "member-aspect", "group-aspect", "self", "unknown-field"])
def test_bad_meeting_file_is_one_error_naming_the_field(tmp_path, change, field, words):
    path = edited(tmp_path, TOWNSHIP, change)
    with pytest.raises(InputError) as caught:
        load_meeting(path)
    message = str(caught.value)
    assert f"字段 {field}" in message and words in message and "\n" not in message


def test_no_members_is_an_error():
    with pytest.raises(InputError, match="members"):
        parse_meeting({"unit": {"name": "某支部"}, "meeting": {"spec": "generic-zuzhi"}, "members": []})


@pytest.mark.parametrize("spec_id", sorted(builtin_specs()))
def test_template_is_a_valid_meeting_file_with_every_aspect(tmp_path, spec_id):
    spec = load_spec(spec_id)
    text = meeting_template(spec)
    assert "&id" not in text and "*id" not in text  # no YAML aliases: every placeholder written out
    assert text.count("# ") >= 10  # commented
    path = tmp_path / "meeting.yaml"
    path.write_text(text, encoding="utf-8")
    meeting, loaded = load_meeting(path)
    assert loaded.id == spec_id and len(meeting.members) == 2
    assert list(meeting.members[0].aspects) == spec.aspect_names()
    assert set(meeting.members[0].criticisms) == {meeting.members[1].name}


def test_member_profile_speaks_as_the_member():
    meeting, spec = load_meeting(TOWNSHIP)
    member = meeting.member("孙志强")
    profile = member_profile(meeting, member, spec)
    assert profile.unit.self_name == "我" and profile.unit.name == "孙志强"
    assert profile.title.startswith("孙志强同志") and "个人对照检查材料" in profile.title
    assert profile.all_facts()[: len(member.problems())] == [f for _, p in member.problems() for f in p.facts]
    assert profile.case_study.title == "某镇原副镇长侵占惠农补贴案" and profile.campaign == member.campaign
    assert profile.signature.name == "孙志强"
    assert {p.owner for ps in profile.aspects.values() for p in ps} == {"孙志强"}
    assert "农业农村" in "".join(profile.preparation.study_items())


def test_criticism_sheet_has_one_item_per_colleague_and_marks_a_missing_one(tmp_path):
    path = edited(tmp_path, BRANCH, lambda d: d["members"][1]["criticisms"].pop("吴敏"))
    meeting, spec = load_meeting(path)
    sheet = criticism_sheet(meeting, meeting.member("黄志刚"), spec)
    items = sheet.sections[-1].items
    assert [i.heading.split("同志")[0] for i in items] == ["对张丽华", "对吴敏", "对郑凯", "对林晓"]
    text = render(sheet)
    assert "网格员每周入户不到2次" not in text  # another member's point is not on this sheet
    assert "【待补：对吴敏同志的批评意见" in text
    assert "滨江小区业委会组建拖了8个月" in text


def test_ledger_has_one_row_per_problem_with_owner_and_deadline():
    meeting, spec = load_meeting(TOWNSHIP)
    rows = meeting_ledger_rows(meeting, group_profile(meeting, spec, TOWNSHIP), spec)
    assert ledger_header() == ["序号", "方面", "问题", "来源", "整改措施", "责任人", "完成时限", "状态", "完成情况", "佐证材料"]
    problems = len(meeting.problems()) + sum(len(m.problems()) for m in meeting.members)
    own = [r for r in rows if r.kind in ("group", "personal", "opinions")]
    assert len(own) == problems == 5 + 7 * 5
    assert [r.number for r in rows] == list(range(1, len(rows) + 1))
    assert all(r.owner and r.deadline and r.measure and r.status == "整改中" for r in own)
    # A member's personal problem is the member's to fix.
    assert {r.owner for r in own if r.who == "刘芳"} == {"刘芳"}
    first = rows[0].cells()
    assert first[1:5] == ["带头强化政治忠诚、提高政治能力", "贯彻上级决策部署有时打折扣", "班子查摆",
                          "建立重大决策部署落实台账，每月调度一次"]
    assert first[5:8] == ["李明远", "2026年6月底", "整改中"]


def test_ledger_lists_criticisms_received_and_case_gaps_as_not_started():
    meeting, spec = load_meeting(TOWNSHIP)
    rows = meeting_ledger_rows(meeting, group_profile(meeting, spec, TOWNSHIP), spec)
    points = [(m.name, target, p) for m in meeting.members for target, ps in m.criticisms.items() for p in ps]
    criticised = [r for r in rows if r.kind == "criticism"]
    assert len(criticised) == len(points) > 0
    received = next(r for r in criticised if r.problem.startswith("抓营商环境重部署轻督办"))
    assert received.source == "相互批评（李明远提给王建华）" and received.owner == received.who == "王建华"
    # No measure yet: 未开始, never 整改中, and the measure cell says what to write.
    assert {r.status for r in criticised} == {"未开始"}
    assert received.cells()[4] == "【待补：具体整改措施】"
    gaps = [r for r in rows if r.kind == "case"]
    members_gaps = [g for m in meeting.members if m.case_study for g in m.case_study.gaps]
    assert len(gaps) == 1 + len(members_gaps)
    gap = gaps[0]
    assert gap.who == "班子" and gap.problem == "镇班子对公务接待的监督偏软，接待清单两个月没有公示" and gap.source == "案例对照"
    assert gap.status == "未开始"
