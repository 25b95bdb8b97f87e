"""`profile init` templates and `specs show` output parse back to what they were made from, whatever the
aspect and meeting names hold (a colon, a leading quote, `#`, brackets, words YAML reads as booleans)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.core.files import read_yaml
from pipeline.material.profile import load_profile, profile_template, validate_against_spec
from pipeline.material.specs import builtin_specs, load_spec

AWKWARD = ["政治纪律: 是否牢固", "'引号开头", '"双引号开头', "# 井号开头", "空格 #中间", "- 横线开头", "yes", "null", "123",
           "[方括号]", "{花括号}", "&锚 *别名", "!标签", "%百分", "@符号", "`反引号", "结尾冒号:", "？问号", "| 竖线", "> 大于"]


def awkward_spec(folder: Path) -> Path:
    data = {"id": "hard: spec #1", "name": "难: 名称 #x", "meeting": "组织生活会", "body": "'党支部", "year": 2025,
            "status": "unconfirmed", "source": "test", "roles": ["preamble", "problems", "causes", "measures"],
            "aspects": [{"name": name, "hint": "第一行\n第二行 # 不是注释"} for name in AWKWARD]}
    path = folder / "hard.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def specs(tmp_path):
    return [*builtin_specs().values(), load_spec(awkward_spec(tmp_path))]


def test_every_template_parses_back_to_its_spec(tmp_path):
    for spec in specs(tmp_path):
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.yaml"
        path.write_text(profile_template(spec), encoding="utf-8")
        data = read_yaml(path, "单位资料")
        assert list(data["aspects"]) == [aspect.name for aspect in spec.aspects], spec.id
        assert data["unit"]["type"] == spec.body and data["meeting"]["spec"] == spec.id
        assert (data["meeting"]["year"] or None) == spec.year
        profile = load_profile(path)
        validate_against_spec(profile, spec, path)
        assert "# 用于标题和正文" in path.read_text(encoding="utf-8")  # the comments are kept


def test_cli_template_for_an_awkward_spec_parses(tmp_path):
    result = CliRunner().invoke(app, ["profile", "init", "--spec", str(awkward_spec(tmp_path))])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.stdout)
    assert list(data["aspects"]) == AWKWARD


def test_specs_show_round_trips(tmp_path):
    for spec in specs(tmp_path):
        result = CliRunner().invoke(app, ["specs", "show", spec.id if spec.id in builtin_specs() else str(tmp_path / "hard.yaml")])
        assert result.exit_code == 0, result.output
        again = tmp_path / "again.yaml"
        again.write_text(result.stdout, encoding="utf-8")
        assert load_spec(again) == spec
