"""The form's live warnings on one field and its completeness meter: the reviewer's rules on what the clerk types."""

from __future__ import annotations

from pipeline.review.fields import completeness, field_warnings
from pipeline.run.form import form_feedback, form_roots


def test_a_stock_problem_without_a_fact_is_flagged_until_the_fact_is_given():
    warnings = field_warnings("problem", "理论学习不够深入", {"facts": []})
    assert any(w.startswith("万能问题") for w in warnings) and any(w.startswith("没有事实") for w in warnings)
    assert field_warnings("problem", "理论学习不够深入", {"facts": ["5次中心组学习有3次只读文件"]}) == []


def test_praise_vague_facts_deadlines_and_objective_causes():
    assert any("这是成绩" in w for w in field_warnings("problem", "整治工作成效显著", {"facts": ["全年完成12项"]}))
    assert field_warnings("facts", "有时不够及时\n12345热线转来的22件诉求有6件超时", {})[0].startswith("事例不具体：“有时不够及时”")
    assert len(field_warnings("facts", "12345热线转来的22件诉求有6件超时", {})) == 0
    assert "长期坚持" in field_warnings("deadline", "长期坚持", {})[0]
    assert field_warnings("deadline", "2026年6月底前", {}) == []
    assert field_warnings("deadline", "尽快", {}) == ["完成时限应是具体日期（如 2026年6月底前）"]
    assert any("工作任务重" in w for w in field_warnings("cause", "工作任务重，精力有限", {}))
    assert field_warnings("cause", "不能以工作任务重为借口放松学习", {}) == []


def test_the_meter_names_what_each_part_lacks():
    aspects = {"政治纪律": [{"problem": "请示报告不及时", "facts": ["5月有1次先表态后报告"], "cause": "组织观念不强",
                            "root": "党性修养", "measure": "建立请示报告台账", "owner": "书记", "deadline": "2026年3月底"}],
               "组织纪律": []}
    meter = {line["part"]: line for line in completeness(aspects, {"宗旨意识": "服务群众意识不强"},
                                                         ["理想信念", "党性修养", "宗旨意识", "担当精神"])}
    assert meter["problems"]["text"] == "存在的问题：缺 组织纪律 一个方面"
    assert meter["facts"]["ok"] and meter["measures"]["ok"]
    assert meter["causes"]["text"] == "原因分析：缺 理想信念、担当精神 两个方面"


def test_the_feedback_counts_every_aspect_of_the_spec():
    feedback = form_feedback("2024-dangji-zuzhi", {"政治纪律": [{"problem": "学习不够深入", "facts": []}]}, {})
    assert feedback["fields"][0]["aspect"] == "政治纪律" and feedback["fields"][0]["field"] == "problem"
    assert "缺 组织纪律、廉洁纪律、群众纪律、工作纪律、生活纪律 五个方面" in feedback["meter"][0]["text"]
    assert form_roots("2025-niandu-minzhu")[:4] == ["理想信念", "党性修养", "宗旨意识", "担当精神"]
