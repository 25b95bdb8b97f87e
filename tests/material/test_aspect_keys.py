"""Profile aspect keys: the spec's name or an alias the spec writes, else an error naming the closest aspects."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.core.errors import InputError
from pipeline.material.profile import parse_profile, profile_aspects, validate_against_spec
from pipeline.material.specs import aspect_for_key, load_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("spec_id, key, aspect", [
    ("2024-dangji-zuzhi", "廉洁纪律", "廉洁纪律"),
    ("2024-dangji-zuzhi", "在廉洁纪律方面", "廉洁纪律"),  # the wording around an aspect is not part of its name
    ("2024-dangji-zuzhi", "严守廉洁纪律", "廉洁纪律"),  # an alias written in the spec
    ("2024-niandu-minzhu", "勇于担责、敢于创新", "带头在遵规守纪、清正廉洁前提下勇于担责、敢于创新"),
    ("suqing-liudu-zuzhi", "四风", "“四风”问题是否整改"),
    ("2023-zhuti-minzhu", "理论学习方面存在的问题", "理论学习"),
])
def test_names_and_spec_aliases_match(spec_id, key, aspect):
    assert aspect_for_key(key, load_spec(spec_id)) == aspect


@pytest.mark.parametrize("spec_id, key, closest", [
    # 廉洁方面 used to land under 敢于创新 (the aspect whose alias holds 清正廉洁): 公车私用 filed as innovation.
    ("2024-niandu-minzhu", "廉洁方面", "带头在遵规守纪、清正廉洁前提下勇于担责、敢于创新"),
    # 纪律方面 used to become 政治纪律 silently.
    ("2024-dangji-zuzhi", "纪律方面", "政治纪律"),
    ("2023-zhuti-minzhu", "学习方面", "理论学习"),
])
def test_anything_else_is_an_error_naming_the_closest_aspects(spec_id, key, closest):
    with pytest.raises(InputError) as caught:
        aspect_for_key(key, load_spec(spec_id))
    message = str(caught.value)
    assert f"“{key}”" in message and f"“{closest}”" in message and "aliases" in message
    assert "\n" not in message


def test_free_aspect_specs_take_any_key():
    assert aspect_for_key("服务群众", load_spec("generic-zuzhi")) == "服务群众"


def test_a_profile_with_a_near_key_is_refused_and_not_remapped():
    data = yaml.safe_load((EXAMPLES / "township-2024-niandu.yaml").read_text(encoding="utf-8"))
    spec = load_spec(data["meeting"]["spec"])
    good = parse_profile(data)
    validate_against_spec(good, spec)
    assert [name for name, _ in profile_aspects(good, spec)] == spec.aspect_names()
    data["aspects"]["廉洁方面"] = [{"problem": "公车私用", "facts": ["3月有2次公车接送家属"]}]
    profile = parse_profile(data)
    with pytest.raises(InputError, match="aspects.廉洁方面"):
        validate_against_spec(profile, spec)
    with pytest.raises(InputError):
        profile_aspects(profile, spec)


def test_draft_exits_2_with_one_line_naming_the_closest(tmp_path):
    data = yaml.safe_load((EXAMPLES / "agency-2024-dangji.yaml").read_text(encoding="utf-8"))
    first = next(iter(data["aspects"]))
    data["aspects"]["纪律方面"] = data["aspects"].pop(first)
    path = tmp_path / "unit.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(app, ["draft", str(path), "-o", str(tmp_path / "out"), "--offline", "--no-docx"])
    assert result.exit_code == 2
    assert "纪律方面" in result.output and "最接近" in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("*.md"))
