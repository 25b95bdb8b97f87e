"""`duizhao meeting init` and `duizhao draft MEETING.yaml`: the template, one summary table, and bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.material.meeting import load_meeting

ROOT = Path(__file__).resolve().parents[2]
BRANCH = ROOT / "examples" / "meetings" / "branch-zuzhi.yaml"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "160"})


def test_meeting_init_prints_a_file_that_loads(tmp_path):
    result = invoke("meeting", "init", "--spec", "2024-niandu-minzhu")
    assert result.exit_code == 0
    path = tmp_path / "m.yaml"
    path.write_text(result.stdout, encoding="utf-8")
    meeting, spec = load_meeting(path)
    assert spec.id == "2024-niandu-minzhu" and "# 会议文件" in result.stdout


def test_meeting_init_unknown_spec():
    result = invoke("meeting", "init", "--spec", "2099-nothing")
    assert result.exit_code == 2 and "未知的会议规范" in result.stderr


def broken(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(BRANCH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("change, field", [
    (lambda d: d["members"][0]["criticisms"].update({"王小二": ["开会迟到3次"]}), "members.0.criticisms.王小二"),
    (lambda d: d["members"].append(dict(d["members"][0])), "members.5.name"),
    (lambda d: d["members"][3].update(aspects={"理论学习": [], "纪律规矩": []}), "members.3.aspects"),
], ids=["unknown-name", "duplicate", "aspect-not-in-spec"])
def test_bad_meeting_file_exits_2_with_one_line_and_writes_nothing(tmp_path, change, field):
    if "aspects" in field:  # generic-zuzhi takes any aspect: use a spec with mandated ones
        path = broken(tmp_path, lambda d: (d["meeting"].update(spec="2024-dangji-zuzhi"), d.update(aspects={})))
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for member in data["members"]:
            member["aspects"] = {"政治纪律": member["aspects"]["纪律规矩"]}
        data["members"][3]["aspects"]["理论学习"] = []
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        field = "members.3.aspects.理论学习"
    else:
        path = broken(tmp_path, change)
    out = tmp_path / "out"
    result = invoke("draft", path, "-o", out, "--offline")
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and f"字段 {field}" in lines[0]
    assert not out.exists()


@pytest.mark.slow
def test_draft_meeting_prints_one_table(tmp_path, monkeypatch, retriever):
    import pipeline.draft.factory
    import pipeline.review.copyrate
    from pipeline.draft.drafter import OfflineDrafter

    monkeypatch.setattr(pipeline.draft.factory, "retriever_factory", lambda settings, on_ingest=None: lambda: retriever)
    monkeypatch.setattr(pipeline.draft.factory, "drafter_factory", lambda settings: OfflineDrafter)
    real = pipeline.review.copyrate.load_corpus
    monkeypatch.setattr(pipeline.review.copyrate, "load_corpus", lambda folder=None, **kw: real(folder, use_store=False))
    data = yaml.safe_load(BRANCH.read_text(encoding="utf-8"))
    data["members"] = data["members"][:2]
    for member in data["members"]:
        member["criticisms"] = {k: v for k, v in member["criticisms"].items() if k in ("张丽华", "黄志刚")}
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = invoke("draft", path, "-o", tmp_path / "out", "--offline")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for name in ("班子对照检查材料.md", "个人对照检查材料-黄志刚.md", "相互批评意见-张丽华.docx", "整改清单.xlsx", "整改清单.docx"):
        assert name in out
    assert "成员材料两两查重最高" in out and out.count("┏") == 1
