"""Meeting specs: the built-in ones, user spec files, and matching item headings to mandated aspects."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.core.errors import InputError
from pipeline.material.parse import parse_text
from pipeline.core.resources import data_dir
from pipeline.material.specs import MeetingSpec, builtin_specs, load_spec, match_aspect, normalise_heading, part_heading

CORPUS = Path(__file__).resolve().parents[2] / "corpus"

GOOD_SPEC = {
    "id": "test-branch",
    "name": "测试支部组织生活会",
    "meeting": "组织生活会",
    "body": "党支部",
    "status": "local-practice",
    "source": "测试用",
    "roles": ["preamble", "problems", "causes", "measures"],
    "aspects": [
        {"name": "政治纪律", "aliases": ["严守政治纪律"]},
        {"name": "群众纪律"},
    ],
}


def write_spec(tmp_path: Path, data, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_specs_load_and_ids_match_file_names():
    specs = builtin_specs()
    files = sorted(p.stem for p in data_dir("specs").glob("*.yaml"))
    assert sorted(specs) == files
    assert {"2023-zhuti-minzhu", "2024-niandu-minzhu", "2024-dangji-zuzhi", "2021-dangshi-zuzhi",
            "suqing-liudu-zuzhi", "generic-zuzhi"} <= set(specs)
    for spec in specs.values():
        assert spec.aspects and "problems" in spec.required_roles()
        assert not set(spec.roles) & set(spec.optional_roles), spec.id
        # Every part's heading template fills in (a typo like {yaer} would fail only at draft time).
        for part in spec.skeleton:
            part_heading(part, spec.meeting, 2025)


def test_manifest_names_a_builtin_spec_for_every_seed():
    manifest = yaml.safe_load((CORPUS / "manifest.yaml").read_text(encoding="utf-8"))["files"]
    assert sorted(manifest) == sorted(p.name for p in CORPUS.glob("*.txt"))
    assert all(load_spec(entry["spec"]).id == entry["spec"] for entry in manifest.values())


def test_domain_aspect_lists():
    assert load_spec("2023-zhuti-minzhu").aspect_names() == ["理论学习", "政治素质", "能力本领", "担当作为", "工作作风", "廉洁自律"]
    assert load_spec("2024-dangji-zuzhi").aspect_names() == ["政治纪律", "组织纪律", "廉洁纪律", "群众纪律", "工作纪律", "生活纪律"]
    assert len(load_spec("suqing-liudu-zuzhi").aspects) == 8
    assert len(load_spec("2021-dangshi-zuzhi").aspects) == 4
    niandu = load_spec("2024-niandu-minzhu")
    assert niandu.aspect_names()[0] == "带头严守政治纪律和政治规矩，维护党的团结统一"
    assert niandu.roles.index("last_year") < niandu.roles.index("problems")
    assert load_spec("generic-zuzhi").free_aspects


@pytest.mark.parametrize(
    "heading",
    [
        "理论学习",
        "在理论学习方面",
        "在理论学习方面。",
        "（一）在理论学习方面。",
        "理论学习方面存在的问题",
        "理论学习方面存在的突出问题：",
        "对照理论学习",
        "关于理论学习方面存在的不足",
        "理论武装方面",  # an alias
    ],
)
def test_match_aspect_tolerates_wording_variants(heading):
    assert match_aspect(heading, load_spec("2023-zhuti-minzhu")) == "理论学习"


@pytest.mark.parametrize(
    "spec_id, heading, aspect",
    [
        ("2021-dangshi-zuzhi", "上级部署要求方面", "对照上级部署要求"),
        ("2021-dangshi-zuzhi", "对照人民群众的新期待方面存在的问题", "对照人民群众的新期待"),
        ("suqing-liudu-zuzhi", "“四风”问题是否整改方面。", "“四风”问题是否整改"),
        ("suqing-liudu-zuzhi", "在以权谋私方面", "以权谋私是否存在"),
        ("2024-niandu-minzhu", "在带头增强党性、严守纪律、砥砺作风方面", "带头增强党性、严守纪律、砥砺作风"),
        ("2024-niandu-minzhu", "履行全面从严治党政治责任方面存在的问题", "带头履行全面从严治党政治责任"),
        ("generic-zuzhi", "慢作为、不作为、乱作为方面存在的突出问题", "作为担当"),
    ],
)
def test_match_aspect_other_specs(spec_id, heading, aspect):
    assert match_aspect(heading, load_spec(spec_id)) == aspect


def test_match_aspect_rejects_headings_of_other_meetings():
    spec = load_spec("2023-zhuti-minzhu")
    assert match_aspect("对照上级部署要求", spec) is None
    assert match_aspect("群众纪律是否忘记方面", spec) is None
    assert match_aspect("", spec) is None
    assert match_aspect("方面存在的问题", spec) is None


def test_normalise_heading():
    assert normalise_heading("（二）在政治素质方面存在的主要问题：") == "政治素质"
    assert normalise_heading("对照上级部署要求。") == "上级部署要求"


def test_user_spec_file_by_path(tmp_path):
    path = write_spec(tmp_path, GOOD_SPEC, "我的会议.yaml")
    spec = load_spec(path)
    assert spec.id == "test-branch" and spec.aspect_names() == ["政治纪律", "群众纪律"]
    assert load_spec(str(path)) == spec
    text = "标题\n\n一、存在的问题\n\n（一）在严守政治纪律方面\n\n内容。\n\n（二）群众纪律方面存在的问题\n\n内容。"
    problems = parse_text(text, spec).document.section("problems")
    assert [i.aspect for i in problems.items] == ["政治纪律", "群众纪律"]


def test_spec_show_round_trip_through_yaml():
    for spec in builtin_specs().values():
        dumped = yaml.safe_dump(spec.model_dump(exclude_defaults=True), allow_unicode=True, sort_keys=False)
        assert MeetingSpec.model_validate(yaml.safe_load(dumped)) == spec


@pytest.mark.parametrize(
    "change, field, words",
    [
        (lambda d: d.pop("name"), "name", "缺少此必填字段"),
        (lambda d: d.update(meeting="座谈会"), "meeting", "民主生活会"),
        (lambda d: d.update(roles=["preamble", "problems", "problems"]), "roles", "重复"),
        (lambda d: d.update(roles=["preamble", "summary"]), "roles.1", ""),
        (lambda d: d["aspects"].append({"name": "政治纪律"}), "aspects", "重复的方面：政治纪律"),
        (lambda d: d["aspects"][0].update(weight=2), "aspects.0.weight", ""),
        (lambda d: d.update(aspects="政治纪律"), "aspects", ""),
    ],
)
def test_bad_spec_file_names_the_field(tmp_path, change, field, words):
    data = yaml.safe_load(yaml.safe_dump(GOOD_SPEC, allow_unicode=True))
    change(data)
    path = write_spec(tmp_path, data)
    with pytest.raises(InputError) as caught:
        load_spec(path)
    message = str(caught.value)
    assert f"字段 {field} " in message and words in message
    assert str(path) in message and "\n" not in message


def test_invalid_yaml_and_wrong_shapes(tmp_path):
    broken = write_spec(tmp_path, "id: x\naspects: [理论学习\n  name: : :\n", "broken.yaml")
    with pytest.raises(InputError, match="不是有效的 YAML") as caught:
        load_spec(broken)
    assert "\n" not in str(caught.value)
    listed = write_spec(tmp_path, "- 理论学习\n- 政治素质\n", "list.yaml")
    with pytest.raises(InputError, match="YAML 映射"):
        load_spec(listed)
    empty = write_spec(tmp_path, "", "empty.yaml")
    with pytest.raises(InputError, match="YAML 映射"):
        load_spec(empty)
    gbk = tmp_path / "gbk.yaml"
    # A spec saved as GBK is read (the decoded id reaches validation, which then misses the name).
    gbk.write_bytes("id: 测试\n".encode("gbk"))
    with pytest.raises(InputError, match="字段 name 有误"):
        load_spec(gbk)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(InputError, match="不是文本文件"):
        load_spec(binary)


def test_unknown_spec_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="未知的会议规范：2023-zhuti") as caught:
        load_spec("2023-zhuti")
    assert "2023-zhuti-minzhu" in str(caught.value)
    with pytest.raises(InputError, match="会议规范文件不存在"):
        load_spec(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match="会议规范文件不存在"):
        load_spec(tmp_path)
