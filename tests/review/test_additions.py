"""What a model adds that the unit never said, found in the draft's own check and by `check` on any material:
the mistakes of a live run on a community branch's profile (invented last-year problems, an invented owner, a
regulation that does not exist, praise, ten points for one problem, causes turning into measures, a measure
that restates the fault)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from stub_server import StubServer
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.draft.drafter import ModelDrafter
from pipeline.material.load import load_document
from pipeline.material.profile import load_profile
from pipeline.models.chat import ChatSettings, RetryPolicy, build_chat_model
from pipeline.review.additions import check_additions
from pipeline.run.runner import DraftOptions, draft_all

PROFILE = """\
unit: {name: 幸福社区党支部, type: 党支部, self: 支部班子}
meeting: {spec: 2024-dangji-zuzhi, year: 2024}
aspects:
  工作纪律:
    - problem: 先施工后报告
      facts: [社区微改造项目5月先开工、6月才向街道党工委报告]
causes:  # a root the unit analysed: the model is asked to write it out (a root left empty is asked of none)
  纪律规矩: 对请示报告制度的严肃性认识不足
last_year:
  - problem: 组织生活不够规范
    fixed: 每月固定开展主题党日，全年开展12次
"""

LAST_YEAR = ("针对组织生活不够规范的问题，支部班子每月固定开展主题党日，全年开展12次。整改工作取得了显著成效。"
             "针对预算执行不力的问题，加强了预算管理。针对内部管理存在漏洞的问题，完善了内部管理制度。")
MEASURE = ("严格执行请示报告制度，首先施工后向街道党工委报告，责任人：社区办公室负责人。"
           "对照《中国共产党纪律检查条例》规范项目审批流程，对照《中国共产党纪律处分条例》加强警示教育。")
POINTS = ["项目开工前没有按规定请示报告，事后才补报", "议事决策程序执行得还不够规范",
          "落实上级部署有时图快不图稳", "台账资料整理得不够及时", "对网格员的日常管理偏松", "群众来访登记还有遗漏",
          "会议记录写得比较简单", "值班制度执行不够严格", "档案归档存在拖延现象", "考勤管理还有漏洞"]
TEN_POINTS = "".join(f"{n}是{point}。" for n, point in zip("一二三四五六七八九十", POINTS))
CAUSE = "理想信念有所松懈，对纪律规矩的敬畏不够。下一步要加强理论学习，切实提高纪律意识。"


def answer(request: dict) -> str:
    task = next(line for line in request["messages"][1]["content"].splitlines() if line.startswith("本段："))
    if "上年度" in task:
        return LAST_YEAR
    if "整改措施" in task and "工作纪律" in task:
        return MEASURE
    if "存在的问题" in task and "工作纪律" in task:
        return TEN_POINTS
    if "原因" in task:
        return CAUSE
    return "支部班子在这方面标准还不够高，落实还不够有力，需要认真整改。"


@pytest.fixture(scope="module")
def drafted(tmp_path_factory, retriever):
    folder = tmp_path_factory.mktemp("additions")
    profile = folder / "社区.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    with StubServer(responder=answer) as server:
        chat = build_chat_model(ChatSettings(base_url=server.url, api_key="sk-additions-123456", model="m"))
        factory = lambda: ModelDrafter(chat, "m", policy=RetryPolicy(max_retries=0))  # noqa: E731
        [result] = asyncio.run(draft_all([profile], DraftOptions(outdir=folder / "out", docx=False), factory,
                                         lambda: retriever))
    record = json.loads((folder / "out" / "幸福社区党支部.json").read_text(encoding="utf-8"))
    return folder, profile, result, record


def messages(findings, code: str) -> list[str]:
    return [f["message"] if isinstance(f, dict) else f.message for f in findings
            if (f["code"] if isinstance(f, dict) else f.code) == code]


@pytest.mark.slow
def test_the_drafts_own_check_finds_what_the_model_added(drafted):
    _, _, result, record = drafted
    findings = record["check"]["findings"]
    invented = " ".join(messages(findings, "last-year-invented"))
    assert "预算执行不力" in invented and "内部管理存在漏洞" in invented and "组织生活不够规范" not in invented.split("：")[1]
    assert any("取得了显著成效" in m for m in messages(findings, "praise"))
    assert any("社区办公室负责人" in m for m in messages(findings, "owner-replaced"))
    assert messages(findings, "title-unknown") == ["引用的《中国共产党纪律检查条例》不在已知党内法规和法律名录中，请核对名称"]
    assert any("首先施工后向街道党工委报告" in m for m in messages(findings, "measure-restates-fault"))
    assert any("下一步要加强理论学习" in m for m in messages(findings, "cause-has-measure"))
    assert not result.ok


@pytest.mark.slow
def test_the_draft_itself_keeps_only_what_the_unit_said(drafted):
    folder, _, _, record = drafted
    text = (folder / "out" / "幸福社区党支部.md").read_text(encoding="utf-8")
    assert "社区办公室负责人" not in text and "责任人：【待补：责任人】" in text
    problems = next(i for i in record["items"] if i["role"] == "problems" and "先开工" in "".join(i["paragraphs"]))
    assert len(problems["paragraphs"]) == 1 and "extra-points" in problems["flags"]
    assert "考勤管理还有漏洞" not in text and "议事决策程序执行得还不够规范" not in text


@pytest.mark.slow
@pytest.mark.parametrize("suffix", ["md", "json"])
def test_a_later_check_with_the_profile_finds_them_too(drafted, suffix):
    folder, profile, _, _ = drafted
    result = CliRunner().invoke(app, ["check", str(folder / "out" / f"幸福社区党支部.{suffix}"), "--profile",
                                      str(profile), "--json"])
    assert result.exit_code == 1, result.output
    codes = {f["code"] for f in json.loads(result.stdout)["findings"]}
    assert {"last-year-invented", "praise", "title-unknown", "measure-restates-fault", "cause-has-measure"} <= codes
    assert ("owner-replaced" in codes) == (suffix == "json")  # the record remembers what the drafter replaced


def test_rules_on_a_hand_written_material(tmp_path):
    profile_path = tmp_path / "p.yaml"
    profile_path.write_text(PROFILE, encoding="utf-8")
    material = tmp_path / "m.txt"
    material.write_text("幸福社区党支部对照检查材料\n一、上年度组织生活会整改情况\n" + LAST_YEAR + "\n二、存在的问题\n"
                        "（一）工作纪律方面\n" + TEN_POINTS + "\n三、整改措施\n（一）严守工作纪律。" + MEASURE + "\n",
                        encoding="utf-8")
    profile = load_profile(profile_path)
    document = load_document(material).document
    found = {f.code: f for f in check_additions(document, profile)}
    assert found["owner-invented"].severity == "error" and "社区办公室负责人" in found["owner-invented"].message
    assert found["points-extra"].message == "此方面只查摆了 1 个问题，却写了 10 条"
    assert found["last-year-invented"].severity == "error"
    # Without the profile only the rules that need no facts run.
    assert {f.code for f in check_additions(document, None)} == {"praise", "title-unknown"}
    # A material the user wrote from fuller notes is not held to the profile's owners and numbers.
    assert "owner-invented" not in {f.code for f in check_additions(document, profile, drafted=False)}


def test_known_titles_and_short_forms_pass():
    from pipeline.material.document import Document, Point, Section

    document = Document(title="某支部对照检查材料", sections=[Section(role="measures", marker="三、", heading="整改措施", intro=[
        Point(text="认真学习《纪律处分条例》《中国共产党章程》《关于新形势下党内政治生活的若干准则》和《习近平谈治国理政》，"
                   "对照《中华人民共和国监察法》《党委（党组）落实全面从严治党主体责任规定》《某某街道议事规则》。")])])
    assert [f.message for f in check_additions(document)] == ["引用的《某某街道议事规则》不在已知党内法规和法律名录中，请核对名称"]


PREPARED = PROFILE.replace("aspects:", "preparation: {talks: 36, opinions: 21}\naspects:").replace(
    "      facts: [社区微改造项目5月先开工、6月才向街道党工委报告]",
    "      facts: [社区微改造项目5月先开工、6月才向街道党工委报告]\n      deadline: 2024年8月底前")


def test_a_drafted_preamble_and_measures_are_held_to_the_units_preparation_and_time_limits(tmp_path):
    """A count changed (5 is in the profile, but as a month), a count left out, a deadline made up."""
    profile_path = tmp_path / "p.yaml"
    profile_path.write_text(PREPARED, encoding="utf-8")
    material = tmp_path / "m.txt"
    material.write_text("幸福社区党支部对照检查材料\n会前，支部班子开展谈心谈话5人次。现将对照检查情况报告如下：\n"
                        "一、存在的问题\n（一）工作纪律方面\n项目开工前没有按规定请示报告。\n三、整改措施\n"
                        "（一）严守工作纪律。严格执行请示报告制度，2027年3月底前完成整改，2024年8月底前建立台账。\n",
                        encoding="utf-8")
    document = load_document(material).document
    found = check_additions(document, load_profile(profile_path))
    assert messages(found, "number-invented") == ["出现单位资料中没有的数字：5（“支部班子开展谈心谈话5人次”）"]
    assert messages(found, "preparation-missing") == ["开头没有写出会前准备的事实：“谈心谈话36人次”",
                                                      "开头没有写出会前准备的事实：“征求意见建议21条”"]
    assert messages(found, "deadline-invented") == ["整改措施写了单位资料没有的完成时限：“2027年3月底前”"]
    assert {f.severity for f in found if f.code in ("number-invented", "deadline-invented")} == {"warning"}
    # Handed in (`check --final`), a number or time limit the unit never gave stops the material, as in any other.
    final = check_additions(document, load_profile(profile_path), final=True)
    assert {f.severity for f in final if f.code in ("number-invented", "deadline-invented")} == {"error"}
    # A material the user wrote from fuller notes is not held to them.
    assert not {"preparation-missing", "deadline-invented"} & {f.code for f in check_additions(
        document, load_profile(profile_path), drafted=False)}


def test_the_record_names_a_deadline_the_drafter_replaced():
    from pipeline.review.additions import item_findings

    items = [{"key": "measures-01", "flags": ["deadline-replaced"],
              "removed": ["deadline-invented：2027年3月底前 → 【待补：完成时限】"]}]
    [finding] = item_findings(items, [])
    assert finding.code == "deadline-replaced" and finding.severity == "warning"
    assert finding.message == "模型编造的完成时限“2027年3月底前”已换成【待补：完成时限】，请核对"
