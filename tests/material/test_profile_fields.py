"""The profile's own analysis: per-problem cause / measure / owner / deadline and per-unit causes by root."""

from __future__ import annotations

import pytest
import yaml

from pipeline.core.errors import InputError
from pipeline.material.profile import cause_roots, parse_profile, profile_template
from pipeline.material.specs import load_spec

BASE = {"unit": {"name": "某支部"}, "meeting": {"spec": "2024-dangji-zuzhi"}}


def test_standard_roots_in_order():
    assert cause_roots() == ["理想信念", "理论武装", "党性修养", "宗旨意识", "担当精神", "纪律规矩", "作风"]


def test_causes_as_a_mapping_or_a_list():
    by_map = parse_profile({**BASE, "causes": {"党性修养": "自我要求放松", "作风": None}})
    by_list = parse_profile({**BASE, "causes": [{"root": "党性修养", "note": "自我要求放松"}, {"root": "作风"}]})
    assert by_map.causes == by_list.causes
    assert [(c.root, c.note) for c in by_map.causes] == [("党性修养", "自我要求放松"), ("作风", "")]


def test_a_cause_outside_the_standard_roots_is_named_in_chinese():
    with pytest.raises(InputError) as caught:
        parse_profile({**BASE, "causes": {"任务太重": "人手少"}}, "p.yaml")
    message = str(caught.value)
    assert "causes" in message and "任务太重" in message and "理想信念" in message and "作风" in message


def test_problem_fields_are_optional_and_strict():
    profile = parse_profile({**BASE, "aspects": {"政治纪律": [
        {"problem": "学习不够", "facts": ["只学了1次"], "cause": "重业务轻学习", "measure": "每月学习1次",
         "owner": "支部书记", "deadline": "2025年6月底前"},
        {"problem": "只写了问题"}]}})
    full, bare = profile.aspects["政治纪律"]
    assert (full.cause, full.measure, full.owner, full.deadline) == ("重业务轻学习", "每月学习1次", "支部书记", "2025年6月底前")
    assert (bare.cause, bare.measure, bare.owner, bare.deadline) == ("", "", "", "")
    with pytest.raises(InputError, match="responsible"):
        parse_profile({**BASE, "aspects": {"政治纪律": [{"problem": "x", "responsible": "某人"}]}})


@pytest.mark.parametrize("spec_id", ["2024-dangji-zuzhi", "2024-niandu-minzhu", "generic-zuzhi"])
def test_template_documents_the_new_fields_and_parses(spec_id):
    text = profile_template(load_spec(spec_id))
    for field in ("cause:", "measure:", "owner:", "deadline:", "causes:", "责任人", "完成时限"):
        assert field in text
    profile = parse_profile(yaml.safe_load(text))
    assert profile.causes and all(p.measure for problems in profile.aspects.values() for p in problems)
