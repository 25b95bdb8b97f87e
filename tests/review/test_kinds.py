"""Each kind of material is recognised from its title (or --kind) and held to its own rules only."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.core.errors import InputError
from pipeline.review.check import CheckOptions, check_file
from pipeline.review.kinds import kind_of, kinds
from pipeline.review.meeting_rules import copy_against

SEEDS = sorted((Path(__file__).resolve().parents[2] / "corpus").glob("*.txt"))

TITLES = {
    "李明远同志在2025年度民主生活会上对班子成员的批评意见": "相互批评意见",
    "陈晓燕同志2025年度民主生活会个人对照检查材料": "个人对照检查材料",
    "县卫健局党组2024年度民主生活会个人发言提纲": "个人对照检查材料",
    "青石镇领导班子2025年度民主生活会班子对照检查材料": "班子对照检查材料",
    "党支部2021年党史学习教育组织生活会“四个对照”检查材料": "班子对照检查材料",
    "青石镇领导班子2025年度民主生活会整改清单": "整改清单",
    "关于召开2025年度民主生活会的工作方案": "会议方案",
    "南平县中医院2025年度民主生活会征求意见表": "征求意见表",
    "2025年度民主生活会谈心谈话提纲": "谈心谈话提纲",
    "青石镇2025年度民主生活会主持词": "主持词",
    "青石镇领导班子2025年度民主生活会整改方案": "整改方案",
    "关于青石镇领导班子2025年度民主生活会召开情况的报告": "情况报告",
}


@pytest.mark.parametrize("title", TITLES)
def test_each_kind_is_recognised_from_its_title(title):
    assert kind_of(title).name == TITLES[title]


def test_the_registry_is_data_and_every_kind_has_a_title():
    assert len(kinds()) >= 10 and all(k.titles for k in kinds().values())
    assert kind_of("任何标题", "批评意见").name == "相互批评意见" and kind_of("x", "personal").id == "personal"
    with pytest.raises(InputError):
        kind_of("x", "会议纪要")


@pytest.mark.parametrize("title", [t for t, k in TITLES.items() if "对照检查材料" not in k and k != "相互批评意见"])
def test_a_meeting_document_gets_no_structure_error_of_another_kind(tmp_path, title):
    path = tmp_path / "材料.txt"
    path.write_text(f"{title}\n\n一、会议安排\n\n会议由党委书记主持，全体班子成员参加。\n\n二、有关要求\n\n请各位提前准备。\n",
                    encoding="utf-8")
    report = check_file(path, CheckOptions())
    assert report.metrics["kind"] == TITLES[title]
    assert not [f for f in report.findings if f.severity == "error"], report.findings


def test_kind_option_overrides_the_title(tmp_path):
    path = tmp_path / "意见.txt"
    path.write_text("批评\n\n（一）对王建华同志\n\n工作太拼命，经常加班到深夜，不注意身体。\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(path), "--kind", "相互批评意见", "--json"])
    assert result.exit_code == 1 and '"criticism-praise"' in result.stdout and "section-missing" not in result.stdout
    bad = CliRunner().invoke(app, ["check", str(path), "--kind", "会议纪要"])
    assert bad.exit_code == 2 and "不是可识别的材料类别" in bad.output


def test_a_personal_material_in_the_collective_voice(tmp_path):
    path = tmp_path / "个人.txt"
    path.write_text("张三同志2025年度民主生活会个人对照检查材料\n\n一、存在的问题\n\n（一）政治方面\n\n"
                    "我们班子研判意识形态形势不够及时，今年只开了2次研判会。\n\n二、原因分析\n\n我的政治敏锐性不强。\n\n"
                    "三、整改措施\n\n我每季度主持1次研判会，2026年6月底前完成。\n", encoding="utf-8")
    report = check_file(path, CheckOptions())
    assert any(f.code == "voice-collective" and "我们班子" in f.message for f in report.findings)


def test_the_seeds_raise_no_error_from_the_new_rules():
    from pipeline.evaluate.planted import defects

    new = set(defects()) | {"speaker-mismatch"}
    for seed in SEEDS:
        report = check_file(seed, CheckOptions())
        assert not [f for f in report.findings if f.code in new and f.severity == "error"], seed.name


def test_an_unfilled_prompt_is_never_copying_between_members():
    prompt = "【待补：这一问题在哪项工作中、何时、涉及多少人或多少件事，写出本人的具体事例和数字】"
    mine = f"我在抓意识形态工作上用力不够。{prompt}我对分管领域的风险研判不够及时。"
    theirs = f"我推进医共体建设有畏难情绪。{prompt}我对检查结果互认的进度跟得不紧。"
    assert copy_against(mine, {"b": theirs}, [])["b"][0] == 0.0
    # The same words outside a prompt still are.
    bare = prompt[1:-1]
    assert copy_against(mine.replace(prompt, bare), {"b": theirs.replace(prompt, bare)}, [])["b"][0] > 0.3


@pytest.mark.slow
def test_a_fresh_meetings_members_are_not_copies_of_each_other(tmp_path, retriever):
    """A hospital meeting whose members gave only their problems' titles: every member's material is mostly the
    same 【待补】 prompts and connectives, none of which is 雷同 (it was 60 % before they were exempt)."""
    import asyncio

    from pipeline.draft.drafter import OfflineDrafter
    from pipeline.run.meeting import draft_meeting
    from pipeline.run.runner import DraftOptions

    meeting = Path(__file__).resolve().parents[1] / "fixtures" / "review" / "hospital-meeting-2025.yaml"
    result = asyncio.run(draft_meeting(meeting, DraftOptions(outdir=tmp_path, docx=False), OfflineDrafter,
                                       lambda: retriever))
    assert result.max_pair_copy < 0.10
    assert not any(f.code == "pair-copy" for d in result.documents for f in d.findings)


def test_the_speaker_must_be_the_signer(tmp_path):
    path = tmp_path / "个人.md"
    path.write_text("# 王建华同志2025年度民主生活会个人对照检查材料\n\n## 一、存在的问题\n\n### （一）带头强化政治忠诚、提高政治能力方面\n\n"
                    "作为镇党委书记，我对“过紧日子”要求执行不够坚决，全年一般性支出只压减了4%。\n\n"
                    "## 二、原因分析\n\n对财经纪律的严肃性认识不足。\n\n## 三、整改措施\n\n逐项清理一般性支出，2026年6月底前完成。\n",
                    encoding="utf-8")
    meeting = Path(__file__).resolve().parents[2] / "examples" / "meetings" / "township-2025-niandu.yaml"
    report = check_file(path, CheckOptions(profile=meeting))
    assert any(f.code == "speaker-mismatch" and "镇党委书记" in f.message and "镇长" in f.message
               for f in report.findings), report.findings
