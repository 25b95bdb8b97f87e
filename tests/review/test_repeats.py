"""年年提: the matcher on the labelled pairs, and the finding on a real material against last year's."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.material.parse import parse_text
from pipeline.material.profile import LastYear
from pipeline.review.repeats import check_repeats, same_problem

ROOT = Path(__file__).resolve().parents[2]
PAIRS = yaml.safe_load((ROOT / "eval" / "data" / "repeat_pairs.yaml").read_text(encoding="utf-8"))


def test_matcher_precision_and_recall_on_the_labelled_pairs():
    predicted = [same_problem(a, b) for a, b, _ in PAIRS]
    truth = [bool(y) for _, _, y in PAIRS]
    tp = sum(p and t for p, t in zip(predicted, truth))
    assert tp / sum(predicted) >= 0.85 and tp / sum(truth) >= 0.85
    # The genre's shared words alone are not the same problem.
    assert not same_problem("调查研究不够深入", "理论学习不够深入")
    assert same_problem("调查研究不够深入", "深入基层调研不够，调研报告质量不高")


MATERIAL = """青石镇领导班子2026年度民主生活会对照检查材料
一、存在的问题
（一）在理论学习方面
一是下沉一线搞调研少，掌握基层情况不全面。全年到后进村调研只有3次。二是为民办实事的成效仍不明显，去年整改只抓了饮水工程，没有建立办实事的长效机制，上年度这一问题没有根本解决。三是干部考核结果运用不够。
二、原因分析
（一）理想信念方面。学习不够。
三、整改措施
（一）加强学习。一是每月集中学习1次。
"""


def test_a_repeated_problem_must_say_why_last_years_measure_did_not_work():
    document = parse_text(MATERIAL).document
    last = [LastYear(problem="调查研究不够深入", measure="班子成员每人领办1个调研课题"),
            LastYear(problem="为民办实事成效不明显", fixed="完成农村饮水安全提升工程")]
    findings = check_repeats(document, last)
    assert [f.code for f in findings] == ["repeat-problem"]
    message = findings[0].message
    assert "下沉一线搞调研少" in message and "调查研究不够深入" in message and "班子成员每人领办1个调研课题" in message
    assert "为什么没有见效" in message and findings[0].location
    assert check_repeats(document, []) == []


def test_check_last_year_flags_repeats_from_last_years_file(tmp_path):
    last = tmp_path / "2025年对照检查材料.txt"
    last.write_text("班子对照检查材料\n一、存在的问题\n（一）在理论学习方面\n一是调查研究不够深入，调研报告质量不高。二是理论学习不系统。\n"
                    "二、整改措施\n（一）在理论学习方面\n一是班子成员每人领办1个调研课题。二是每月集中学习1次。\n", encoding="utf-8")
    this = tmp_path / "2026.txt"
    this.write_text(MATERIAL, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(this), "--last-year", str(last), "--json"])
    assert result.exit_code in (0, 1)
    assert '"repeat-problem"' in result.stdout and "班子成员每人领办1个调研课题" in result.stdout
    missing = CliRunner().invoke(app, ["check", str(this), "--last-year", str(tmp_path / "无.txt")])
    assert missing.exit_code == 2


def test_match_last_year_names_the_problem_raised_again():
    from pipeline.review.repeats import match_last_year

    last = ["理论学习不够深入", "调查研究不够深入"]
    assert match_last_year("下沉一线搞调研少，掌握基层情况不全面", last) == "调查研究不够深入"
    assert match_last_year("干部考核结果运用不够", last) is None
